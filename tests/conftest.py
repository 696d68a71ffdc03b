"""Shared fixtures: the quick config and tiny parameter points built from it, and a finished
quick-config run in a scratch copy of the workflow."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

# One BLAS thread per process: the tests (and the workflows they start) run side by side on
# small machines, where threaded BLAS under load is many times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "src")

# config/quick.yaml: the tiny settings tests build parameter records from (records have no
# defaults; config.yaml and quick.yaml are the one place values live). Treat as read-only.
QUICK = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())

# One P1 quench point on the quick settings: paramagnetic, zeta = 0.1, the figure grid's
# lambda_f (Delta_0/Delta_1 = 0.95: pairing increased, as in config.yaml).
TINY_QUENCH = {
    **{key: value for key, value in QUICK["p1"]["quench"].items() if key != "grids"},
    "disorder": "paramagnetic",
    "zeta": 0.1,
    "lambda_f": QUICK["p1"]["quench"]["grids"][0]["lambda_f"][0],
}


def _not_copied(directory: str, names: list[str]) -> set[str]:
    """Build metadata and bytecode; numba's on-disk cache (*.nbi, *.nbc) is kept, so that a copy
    does not compile again the kernels this checkout has compiled (numba validates a cache
    entry by the hash of its source file, not by its path)."""
    if Path(directory).name == "__pycache__":
        return {name for name in names if not name.endswith((".nbi", ".nbc"))}
    return {name for name in names if name.endswith(".egg-info")}


def copy_workflow(destination: Path) -> Path:
    """Copy what a run needs (not results/ or .snakemake/) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=_not_copied)
        else:
            shutil.copy2(source, destination / part)
    return destination


def run_snakemake(
    workdir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir`` with that copy's library first on the import path."""
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(workdir / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def job_counts(dry_run_output: str) -> dict[str, int]:
    """Rule -> number of jobs from the 'Job stats' table of a dry run (empty if nothing to do)."""
    counts: dict[str, int] = {}
    match = re.search(r"Job stats:\n(.*?)\n\n", dry_run_output + "\n\n", re.S)
    if match is None:
        return counts
    for line in match.group(1).splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].isdigit() and fields[0] not in ("total", "job"):
            counts[fields[0]] = int(fields[1])
    return counts


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory) -> Path:
    """A complete run of config/quick.yaml in a scratch copy; treat as read-only."""
    workdir = copy_workflow(tmp_path_factory.mktemp("quick_run"))
    run_snakemake(workdir, "--cores", "2", "--configfile", "config/quick.yaml")
    return workdir


@pytest.fixture
def quick_run_copy(quick_run, tmp_path) -> Path:
    """A private copy of the finished quick run (modification times kept) to alter."""
    destination = tmp_path / "run"
    shutil.copytree(quick_run, destination, symlinks=True)
    return destination


def default_config() -> dict:
    """config/config.yaml as loaded by the workflow (the one place defaults live)."""
    from higgsdyn.io.config import load_config

    return load_config([REPO / "config" / "config.yaml"])


def chain_run(**overrides):
    """A BdG chain run: the default config's baseline, seed 1, with ``overrides``."""
    from higgsdyn.bdg.stage import baseline_run

    return baseline_run(default_config()["p2"]["bdg"], **overrides)


def kbe_job(key: str, **overrides) -> dict:
    """The parameters of KB job ``key`` of the default config (``higgsdyn jobs kbe``), with
    ``overrides``."""
    from higgsdyn.kbe.stage import jobs

    return {**jobs(default_config()["p2"]["kbe"])[key], **overrides}


# A small KB run for unit tests (the values KBConfig carried as defaults before issue 17):
# tests state what they change; the production values live in config.yaml.
KB_TEST_BASE = dict(
    band="flat", n_xi=24, xi_stretch=4.0, lambda_i=0.25, lambda_f=0.45, temperature=0.005,
    gamma_el=0.0, lambda_ph=0.0, omega_D=0.16, dt=0.2, t_max=100.0, t_prep=0.0,
    quench_time=0.5, time_order=6, tolerance=1e-9, max_iterations=12, history="full",
    history_tol=1e-8,
)  # fmt: skip


def kb_config(**overrides):
    """KBConfig of KB_TEST_BASE with ``overrides``."""
    from higgsdyn.kbe.stepping import KBConfig

    return KBConfig(**{**KB_TEST_BASE, **overrides})
