"""Every .nc the pipeline writes goes through :func:`write_dataset`.

It stamps the provenance attributes of docs/architecture.md, refuses a dataset that
breaks the conventions (a variable without ``units``/``long_name``), and writes to a
temporary file in the target folder that is renamed into place only when complete,
so an interrupted job never leaves a partial file under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import subprocess
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xarray as xr

import higgsdyn

CONVENTIONS = "CF-1.8"
REQUIRED_GLOBAL_ATTRS = (
    "Conventions",
    "title",
    "source_paper",
    "references",
    "history",
    "higgsdyn_version",
    "git_commit",
    "config_sha256",
    "config",
    "created",
    "solver",
)


# Model units that UDUNITS (and so CF readers, cf-units, pint) would read as SI units:
# the hopping J of the chain is "J_hop", never "J" (joule).
MISREAD_UNITS = {"J": "J_hop", "1/J": "1/J_hop"}


def cf_attrs(units: str, long_name: str, **attrs: Any) -> dict[str, Any]:
    """Attributes of one CF-style variable: ``units`` and ``long_name``, then any others."""
    if units in MISREAD_UNITS:
        raise ValueError(
            f"units {units!r} of {long_name!r} reads as an SI unit; write {MISREAD_UNITS[units]!r}"
        )
    return {"units": units, "long_name": long_name, **attrs}


def cf_variable(dims, values, units: str, long_name: str, **attrs: Any) -> xr.Variable:
    """One CF-style variable (see :func:`cf_attrs`)."""
    return xr.Variable(dims, values, attrs=cf_attrs(units, long_name, **attrs))


def config_sha256(params: Mapping[str, Any]) -> str:
    """SHA-256 of the parameters, independent of key order."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=float)
    return hashlib.sha256(canonical.encode()).hexdigest()


def git_commit() -> str:
    """Commit of the checkout that holds the library, or "unknown" (with "-dirty" if edited)."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "."],
            cwd=here.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def convention_problems(ds: xr.Dataset, *, require_provenance: bool = True) -> list[str]:
    """List what breaks the dataset conventions; empty means conforming."""
    problems = []
    for name, variable in {**ds.coords, **ds.data_vars}.items():
        for attr in ("units", "long_name"):
            if not str(variable.attrs.get(attr, "")).strip():
                problems.append(f"variable {name!r} has no {attr!r} attribute")
    if require_provenance:
        for attr in REQUIRED_GLOBAL_ATTRS:
            if attr not in ds.attrs:
                problems.append(f"global attribute {attr!r} missing")
    return problems


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Temporaries left by a killed earlier attempt at the same target are removed first.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.part"):
        stale.unlink(missing_ok=True)
    # Created like any other file (mode 0o666 less the umask), unlike mkstemp's 0o600, so
    # group members and a shared output cache can read the result.
    temporary = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_dataset(
    ds: xr.Dataset,
    path: str | os.PathLike,
    *,
    title: str,
    params: Mapping[str, Any],
    references: str,
    history: str,
) -> Path:
    """Stamp provenance on ``ds`` and write it atomically as netCDF4.

    ``ds.attrs`` must already carry ``source_paper`` and ``solver`` (the physics code
    knows them); ``params`` are the parameters that produced the data and are stored
    verbatim (``config``) and hashed (``config_sha256``).
    """
    ds = ds.copy()
    ds.attrs.update(
        Conventions=CONVENTIONS,
        title=title,
        references=references,
        history=f"{datetime.now(UTC).isoformat(timespec='seconds')}: {history}",
        higgsdyn_version=higgsdyn.__version__,
        git_commit=git_commit(),
        config_sha256=config_sha256(params),
        config=json.dumps(params, sort_keys=True, default=float),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    problems = convention_problems(ds)
    if problems:
        raise ValueError(f"refusing to write {path}: " + "; ".join(problems))
    with atomic_output(path) as temporary:
        ds.to_netcdf(temporary, format="NETCDF4", engine="netcdf4")
    return Path(path)


def stored_params(path: str | os.PathLike) -> dict[str, Any]:
    """The parameters a dataset was computed with (its ``config`` attribute), data unread.

    A missing file raises FileNotFoundError naming ``path`` as given (Snakemake defers a
    ``params`` function that needs an input not yet made).
    """
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no such dataset", str(path))
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return json.loads(ds.attrs["config"])


def read_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Load a dataset fully into memory and close the file.

    The on-disk width of string variables (encoding ``dtype`` ``<U12``) is dropped: datasets
    built from this one (merges of labels of different lengths) would otherwise be written
    back with the first file's width and truncate longer labels.
    """
    with xr.open_dataset(path, engine="netcdf4") as ds:
        loaded = ds.load()
    for variable in loaded.variables.values():
        if variable.dtype.kind in "USO":
            variable.encoding.pop("dtype", None)
    return loaded
