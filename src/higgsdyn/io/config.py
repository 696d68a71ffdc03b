"""Configuration: layering, validation in one-line messages, memory limits, effective config.

Used by the Snakefile (before any job is planned) and by the command line, so both read a
config the same way. No Snakemake import: the layering reproduces Snakemake's own merge of
``--configfile`` over ``configfile:`` (``snakemake.utils.update_config``, a recursive dict
merge in which a mapping is merged key by key and any other value, lists included, replaces).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from higgsdyn.io.datasets import atomic_output

# Config key of the per-job memory limit (MB); absent or null means this machine's memory.
MEMORY_LIMIT_KEY = "workflow.max_job_mem_mb"


class ConfigError(ValueError):
    """A user's config is unusable; the message is one line naming the key(s)."""


def merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``overlay`` over ``base``: mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(paths: Iterable[str | os.PathLike]) -> dict[str, Any]:
    """The first YAML file (the default config) with each later one layered over it."""
    config: dict[str, Any] = {}
    for path in paths:
        try:
            layer = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            where = getattr(error, "problem_mark", None)
            line = f" line {where.line + 1}" if where is not None else ""
            raise ConfigError(f"config file {path}{line} is not valid YAML") from None
        if not isinstance(layer, Mapping):
            raise ConfigError(f"config file {path} must hold a mapping, not {type(layer).__name__}")
        config = merge(config, layer)
    return config


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(part) for part in parts) or "(top level)"


def non_finite_keys(config: Any, path: tuple = ()) -> list[str]:
    """Key paths of every NaN or infinite number (JSON Schema cannot express finiteness)."""
    if isinstance(config, Mapping):
        return [k for key, value in config.items() for k in non_finite_keys(value, (*path, key))]
    if isinstance(config, list):
        return [k for i, value in enumerate(config) for k in non_finite_keys(value, (*path, i))]
    if isinstance(config, float) and not math.isfinite(config):
        return [f"{_key_path(path)} = {config}"]
    return []


def _get(config: Mapping[str, Any], dotted: str) -> Any:
    node: Any = config
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _is_multiple(value: float, step: float) -> bool:
    ratio = value / step
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, abs(ratio))


def _less(small: str, large: str, why: str) -> Callable[[Mapping], str | None]:
    def check(config: Mapping) -> str | None:
        a, b = _get(config, small), _get(config, large)
        if a is None or b is None or a < b:
            return None
        return f"{small} = {a} must be < {large} = {b} ({why})"

    return check


def _multiple(value_key: str, step_key: str) -> Callable[[Mapping], str | None]:
    def check(config: Mapping) -> str | None:
        value, step = _get(config, value_key), _get(config, step_key)
        if value is None or step is None or _is_multiple(value, step):
            return None
        return f"{value_key} = {value} must be a whole multiple of {step_key} = {step}"

    return check


# Relations between keys that the schema, one key at a time, cannot state.
CROSS_FIELD_CHECKS = (
    _less("p1.quench.window_start", "p1.quench.t_max", "the steady-state fit window"),
    _less("p1.quench.dt", "p1.quench.t_max", "at least one time step"),
    _multiple("p2.bdg.store_interval", "p2.bdg.dt"),
    _less("p2.bdg.store_interval", "p2.bdg.t_max", "at least one stored sample after t = 0"),
    _less("p2.bdg.dt", "p2.bdg.t_max", "at least one time step"),
    _less("p2.kbe.flatband.numerics.dt", "p2.kbe.flatband.fig1b.t_max", "at least one step"),
    _less("p2.kbe.flatband.numerics.dt", "p2.kbe.flatband.fig1c.t_max", "at least one step"),
    _less("p2.kbe.flatband.numerics.quench_time", "p2.kbe.flatband.fig1b.t_max", "ramp ends"),
    _less("p2.kbe.flatband.numerics.quench_time", "p2.kbe.flatband.fig1c.t_max", "ramp ends"),
    _less("p2.kbe.tightbinding.dt", "p2.kbe.tightbinding.t_max", "at least one time step"),
    _less("p2.kbe.tightbinding.quench_time", "p2.kbe.tightbinding.t_max", "the ramp ends"),
)


# Keys renamed by a contract change (old dotted path -> new name), named in the error so an
# old overlay config gets the fix, not only "unknown key". Issue 17: one name per quantity.
RENAMED_KEYS = {
    "p1.quench.step": "dt",
    "p2.kbe.flatband.fig1b.scattering_rate": "gamma_el",
    "p2.kbe.flatband.fig1c.scattering_rate": "gamma_el",
    "p2.kbe.tightbinding.n_k": "n_xi",
    "p2.kbe.tightbinding.k_stretch": "xi_stretch",
}


def validate_config(config: Mapping[str, Any], schema_path: str | os.PathLike) -> None:
    """Raise :class:`ConfigError` (one line) at the first problem of ``config``.

    In order: non-finite numbers (named by key path), :data:`RENAMED_KEYS`, the JSON schema
    (key path, value, the schema rule it broke), then :data:`CROSS_FIELD_CHECKS` (both keys
    named).
    """
    bad = non_finite_keys(config)
    if bad:
        raise ConfigError(f"config {bad[0]}: not a finite number")
    for old, new in RENAMED_KEYS.items():
        if _get(config, old) is not None:
            raise ConfigError(f"config {old}: renamed {new} (same meaning and units)")
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        value = "" if isinstance(error.instance, Mapping) else f" = {_short(error.instance)}"
        rule = f"{error.validator}: {_short(error.validator_value)}"
        message = error.message if len(error.message) <= 120 else rule
        raise ConfigError(
            f"config {_key_path(error.absolute_path)}{value}: {message} (schema {rule})"
        )
    for check in CROSS_FIELD_CHECKS:
        problem = check(config)
        if problem is not None:
            raise ConfigError(f"config {problem}")


def machine_memory_mb() -> float:
    """Total physical memory of this machine in MB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e6


def memory_limit_mb(config: Mapping[str, Any]) -> float:
    """The per-job memory limit: :data:`MEMORY_LIMIT_KEY`, or this machine's memory."""
    limit = _get(config, MEMORY_LIMIT_KEY)
    return machine_memory_mb() if limit is None else float(limit)


def _megabytes(mb: float) -> str:
    for unit, size in (("PB", 1e9), ("TB", 1e6), ("GB", 1e3)):
        if mb >= size:
            return f"{mb / size:.3g} {unit}"
    return f"{mb:.0f} MB"


def check_memory(estimates: Mapping[str, float], limit_mb: float) -> None:
    """Refuse the plan if a job's estimated memory (MB) exceeds ``limit_mb``.

    ``estimates`` maps a job's name (its config section and file key) to its estimate; the
    largest offender is named with :data:`MEMORY_LIMIT_KEY`.
    """
    over = {job: mb for job, mb in estimates.items() if mb > limit_mb}
    if over:
        job = max(over, key=over.get)
        raise ConfigError(
            f"job {job} needs an estimated {_megabytes(over[job])} of memory, more than "
            f"{MEMORY_LIMIT_KEY} = {_megabytes(limit_mb)}"
            + (f" ({len(over) - 1} more jobs too)" if len(over) > 1 else "")
            + "; reduce its size or raise the limit"
        )


def check_workflow_profile(argv: list[str], snakefile_dir: str | os.PathLike) -> None:
    """Refuse a ``--workflow-profile X`` that names no directory.

    Snakemake looks for X, ``profiles/X`` and ``profiles/X`` beside the Snakefile and, when
    none exists, silently runs without a profile; ``argv`` is Snakemake's command line.
    """
    profile = None
    for i, arg in enumerate(argv):
        if arg.startswith("--workflow-profile="):
            profile = arg.split("=", 1)[1]
        elif arg == "--workflow-profile" and i + 1 < len(argv):
            profile = argv[i + 1]
    if profile in (None, "none"):
        return
    candidates = (
        Path(profile),
        Path("profiles", profile),
        Path(snakefile_dir, "profiles", profile),
    )
    if not any(candidate.is_dir() for candidate in candidates):
        raise ConfigError(f"--workflow-profile {profile}: no such profile directory")


def write_effective_config(config: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write the merged config that a run uses as YAML (atomically), keys in file order."""
    with atomic_output(path) as temporary:
        temporary.write_text(
            "# Effective configuration: the default config with every overlay applied.\n"
            + yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=None)
        )
    return Path(path)


def plan_summary(
    jobs_by_stage: Mapping[str, Mapping[str, dict]],
    resources: Mapping[str, Callable[[dict], dict]],
) -> str:
    """Per stage: jobs, requested core-hours and peak memory per job, as a text table.

    ``jobs_by_stage`` maps a stage to its jobs (file key -> parameters); ``resources`` maps
    the stage to its cost model ``params -> {"runtime": minutes, "mem_mb": MB[, "threads"]}``.
    Core-hours are runtime x threads summed over the jobs (scheduler requests, so upper bounds).
    """
    rows = []
    total_jobs, total_hours = 0, 0.0
    for stage, jobs in jobs_by_stage.items():
        costs = [resources[stage](params) for params in jobs.values()]
        hours = sum(cost["runtime"] * cost.get("threads", 1) for cost in costs) / 60
        peak = max((cost["mem_mb"] for cost in costs), default=0)
        rows.append((stage, len(costs), hours, peak))
        total_jobs, total_hours = total_jobs + len(costs), total_hours + hours
    width = max([len("stage"), *(len(row[0]) for row in rows)])
    lines = [f"{'stage':<{width}}  {'jobs':>6}  {'core-hours':>10}  {'peak mem/job':>12}"]
    lines += [
        f"{stage:<{width}}  {n:>6}  {hours:>10.2f}  {_megabytes(peak):>12}"
        for stage, n, hours, peak in rows
    ]
    lines.append(f"{'total':<{width}}  {total_jobs:>6}  {total_hours:>10.2f}")
    return "\n".join(lines)
