"""Dataset conventions, provenance and atomic netCDF writing (docs/architecture.md)."""

from higgsdyn.io.datasets import (
    REQUIRED_GLOBAL_ATTRS,
    atomic_output,
    config_sha256,
    convention_problems,
    git_commit,
    read_dataset,
    stored_params,
    write_dataset,
)

__all__ = [
    "REQUIRED_GLOBAL_ATTRS",
    "atomic_output",
    "config_sha256",
    "convention_problems",
    "git_commit",
    "read_dataset",
    "stored_params",
    "write_dataset",
]
