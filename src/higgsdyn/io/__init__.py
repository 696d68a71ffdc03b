"""Dataset conventions, provenance and atomic netCDF writing; config checks; progress lines
(docs/architecture.md)."""

from higgsdyn.io.config import (
    ConfigError,
    check_memory,
    load_config,
    plan_summary,
    validate_config,
    write_effective_config,
)
from higgsdyn.io.datasets import (
    REQUIRED_GLOBAL_ATTRS,
    atomic_output,
    cf_attrs,
    cf_variable,
    config_sha256,
    convention_problems,
    git_commit,
    read_dataset,
    stored_params,
    write_dataset,
)
from higgsdyn.io.progress import Progress

__all__ = [
    "REQUIRED_GLOBAL_ATTRS",
    "ConfigError",
    "Progress",
    "atomic_output",
    "cf_attrs",
    "cf_variable",
    "check_memory",
    "config_sha256",
    "convention_problems",
    "git_commit",
    "load_config",
    "plan_summary",
    "read_dataset",
    "stored_params",
    "validate_config",
    "write_dataset",
    "write_effective_config",
]
