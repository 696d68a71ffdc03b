"""The SLURM profile, for real: a local single-node SLURM runs the quick config.

Needs root and Debian's Slurm packages (installed on demand); skips with the reason
otherwise. Job status comes from squeue (no slurmdbd here), as the profile documents.
"""

from __future__ import annotations

import re

import pytest
import xarray as xr
from slurm.cluster import PARTITION, LocalSlurm, SlurmUnavailable, install_packages

from conftest import REPO, copy_workflow, job_counts, run_snakemake
from higgsdyn.io import read_dataset
from higgsdyn.io.config import load_config

pytestmark = pytest.mark.workflow

SLURM_ARGS = (
    "--profile", "workflow/profiles/slurm",
    "--cores", "2",  # this node's size: group jobs must fit on it
    "--configfile", "config/quick.yaml",
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "2",
    "--seconds-between-status-checks", "2",
    "--slurm-no-account",
)  # fmt: skip
# README: account and partition come from the environment, read by the profile.
SLURM_ENV = {"HIGGSDYN_SLURM_PARTITION": PARTITION}


def _planned_resources(workdir, env: dict[str, str]) -> list[dict[str, str]]:
    """The resources of every job of a dry run with the SLURM profile (no cluster needed)."""
    output = run_snakemake(
        workdir, "--dry-run", "--profile", "workflow/profiles/slurm", "--workflow-profile",
        "none", "--configfile", "config/quick.yaml", env=env,
    ).stdout  # fmt: skip
    return [
        dict(item.split("=", 1) for item in line.split(": ", 1)[1].split(", "))
        for line in output.splitlines()
        if line.strip().startswith("resources:")
    ]


def test_account_and_partition_from_the_environment_keep_the_profile_defaults(tmp_path):
    """Issue 18: ``--default-resources slurm_partition=...`` on the command line replaced the
    profile's whole block; the environment variables the profile reads keep it."""
    workdir = copy_workflow(tmp_path / "wf")
    env = {"HIGGSDYN_SLURM_ACCOUNT": "physics", "HIGGSDYN_SLURM_PARTITION": "short"}
    jobs = _planned_resources(workdir, env)
    assert len(jobs) > 10
    for resources in jobs:
        assert resources["slurm_account"] == "physics" and resources["slurm_partition"] == "short"
        assert (
            resources["cpus_per_task"] == "1" and "runtime" in resources and "mem_mb" in resources
        )
    # a rule without its own request gets the profile's runtime and memory
    assert any(r["runtime"] == "30" and r["mem_mb"] == "2000" for r in jobs)


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    try:
        install_packages()
    except SlurmUnavailable as reason:
        pytest.skip(f"no local SLURM: {reason}")
    with LocalSlurm(tmp_path_factory.mktemp("slurm_state")) as cluster:
        yield cluster


def test_quick_config_runs_through_sbatch_and_matches_local_run(quick_run, slurm_cluster, tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    planned = job_counts(run_snakemake(workdir, "--dry-run", *SLURM_ARGS, env=SLURM_ENV).stdout)
    # every remote job is a sweep point; merges, figures and validate are localrules
    n_points = planned["point"]
    assert n_points > 1 and set(planned) == {
        "point",
        "merge",
        "figure",
        "validate",
        "effective_config",
        "all",
    }

    result = run_snakemake(workdir, *SLURM_ARGS, env=SLURM_ENV)
    output = result.stdout + result.stderr
    job_ids = set(re.findall(r"submitted with SLURM jobid (\d+)", output))
    # the sweep points are grouped (profile group-components): fewer sbatch calls than points
    assert 1 <= len(job_ids) < n_points, output
    for group in ("equilibrium_points", "floquet_points"):
        assert f"group_{group}" in output

    states = {job_id: state for job_id, _name, state in slurm_cluster.jobs()}
    assert {states.get(job_id) for job_id in job_ids} == {"COMPLETED"}, states

    local_files = sorted(p.relative_to(quick_run) for p in quick_run.glob("results/**/*.nc"))
    assert local_files
    # Same numbers as the local run, to rounding: bitwise equality across processes is not
    # guaranteed (once, on 2026-12-07, the BdG chain differed by 7e-16 in norm_error and by
    # rounding in its fields: LAPACK/BLAS may take data-dependent paths); any real change of
    # a point or a merge is many orders above these bounds. The Kadanoff-Baym runs amplify
    # rounding over thousands of coupled steps: the BLAS thread count alone moves the quick
    # config's chain refinement by 4e-9 (measured 2026-12-07), and two workflow runs of the
    # same commit differed by 8e-10. Below the solver's own corrector tolerance (each slice
    # converged to it) a difference is not a result, so the KB files are compared to that.
    numerics = load_config([REPO / "config" / "config.yaml", REPO / "config" / "quick.yaml"])
    kb_tolerance = numerics["p2"]["kbe"]["flatband"]["numerics"]["tolerance"]
    for relative in local_files:
        bound = kb_tolerance if "kbe" in relative.name or "kbe" in relative.parts else 1e-10
        xr.testing.assert_allclose(
            read_dataset(workdir / relative), read_dataset(quick_run / relative),
            rtol=bound, atol=bound / 100,
        )  # fmt: skip
