"""End-to-end Snakemake tests on config/quick.yaml (run in scratch copies of the workflow)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import xarray as xr
import yaml

from conftest import REPO, copy_workflow, job_counts, run_snakemake
from higgsdyn.io import convention_problems, read_dataset

pytestmark = pytest.mark.workflow

FIGURES = tuple(
    f"results/figures/{name}.{ext}"
    for name in ("p1_equilibrium", "p2_fig2", "p2_floquet_scaling")
    for ext in ("pdf", "png")
)


def _quick_config() -> dict:
    return yaml.safe_load((REPO / "config" / "quick.yaml").read_text())


def floquet_jobs_quick() -> list[dict]:
    from higgsdyn.floquet.stage import jobs_from_config

    return jobs_from_config(_quick_config()["p2"]["floquet"])


def _dry_run(workdir: Path, configfile: str = "config/quick.yaml") -> dict[str, int]:
    result = run_snakemake(workdir, "--dry-run", "--cores", "1", "--configfile", configfile)
    return job_counts(result.stdout + result.stderr)


def _edit(path: Path) -> None:
    """Change a file's content (Snakemake ignores a newer mtime if the checksum is unchanged)."""
    with path.open("a") as handle:
        handle.write("\n# edited by a test\n")


def test_quick_run_writes_conforming_datasets_and_figures(quick_run):
    written = sorted(quick_run.glob("results/**/*.nc"))
    assert quick_run / "results/p1/equilibrium.nc" in written
    for path in written:
        assert convention_problems(read_dataset(path)) == [], path
    for figure in FIGURES:
        assert (quick_run / figure).stat().st_size > 1000
    assert not list(quick_run.glob("results/**/*.part"))


def test_equilibrium_dataset_contract(quick_run):
    """docs/architecture.md: dims zeta, energy and the contract variables."""
    ds = read_dataset(quick_run / "results/p1/equilibrium.nc")
    config = _quick_config()["p1"]["equilibrium"]
    assert sorted(ds["zeta"].values) == sorted(config["zeta"])
    assert sorted(ds["zeta_nonmagnetic"].values) == sorted(config["zeta_nonmagnetic"])
    for name in ("gap", "gap_clean", "gap_threshold", "omega_higgs", "omega_higgs_eq13"):
        assert ds[name].dims == ("zeta",), name
    for name in ("sx", "sz"):
        assert set(ds[name].dims) == {"zeta", "energy"}, name
    assert ds["energy"].size == config["n_energy"]


def test_logs_and_benchmarks_per_rule(quick_run):
    assert (quick_run / "logs/p1/equilibrium_merge.log").stat().st_size > 0
    assert list(quick_run.glob("logs/p1/equilibrium/paramagnetic_zeta-*.log"))
    assert list(quick_run.glob("results/benchmarks/p1/equilibrium/*.tsv"))


def test_nothing_reruns_on_a_noop(quick_run_copy):
    assert _dry_run(quick_run_copy) == {}


def test_changing_one_zeta_reruns_only_that_point_its_merge_and_figure(quick_run_copy):
    config = _quick_config()
    config["p1"]["equilibrium"]["zeta"][-1] = 0.25  # replace one value
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    counts = _dry_run(quick_run_copy, "config/changed.yaml")
    assert counts == {
        "all": 1,
        "p1_equilibrium_point": 1,
        "p1_equilibrium_merge": 1,
        "figure": 1,
    }


def test_changing_resolution_reruns_the_whole_stage(quick_run_copy):
    config = _quick_config()
    config["p1"]["equilibrium"]["n_quadrature"] += 10
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    counts = _dry_run(quick_run_copy, "config/changed.yaml")
    equilibrium = config["p1"]["equilibrium"]
    n_points = len(equilibrium["zeta"]) + len(equilibrium["zeta_nonmagnetic"])
    assert counts["p1_equilibrium_point"] == n_points
    assert counts["figure"] == 1


def test_editing_physics_package_reruns_its_rules(quick_run_copy):
    _edit(quick_run_copy / "src/higgsdyn/equilibrium/ag.py")
    counts = _dry_run(quick_run_copy)
    equilibrium = _quick_config()["p1"]["equilibrium"]
    n_points = len(equilibrium["zeta"]) + len(equilibrium["zeta_nonmagnetic"])
    assert counts == {
        "all": 1,
        "p1_equilibrium_point": n_points,
        "p1_equilibrium_merge": 1,
        "figure": 1,
    }


def test_editing_figure_module_reruns_only_the_figure(quick_run_copy):
    _edit(quick_run_copy / "src/higgsdyn/figures/p1_equilibrium.py")
    assert _dry_run(quick_run_copy) == {"all": 1, "figure": 1}


@pytest.mark.parametrize("configfile", ["config/config.yaml", "config/quick.yaml"])
def test_dry_run_lists_every_figure(tmp_path, configfile):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "--dry-run", "--cores", "1", "--configfile", configfile)
    for figure in FIGURES:
        assert figure in result.stdout


def test_lint_is_clean(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "--lint")
    assert "Lints for" not in result.stdout + result.stderr, result.stdout


def test_default_profile_is_loaded_when_named(tmp_path):
    """Snakemake auto-loads only profiles/default/ beside the Snakefile; ours is named."""
    workdir = copy_workflow(tmp_path / "wf")
    named = run_snakemake(workdir, "--dry-run", "--workflow-profile", "workflow/profiles/default")
    assert "workflow specific profile workflow/profiles/default" in named.stdout + named.stderr
    implicit = run_snakemake(workdir, "--dry-run", "--cores", "1")
    assert "workflow specific profile" not in implicit.stdout + implicit.stderr


def test_adding_one_zeta_schedules_one_point_its_merge_and_figure(quick_run_copy):
    config = _quick_config()
    config["p1"]["equilibrium"]["zeta"].append(0.45)
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    assert _dry_run(quick_run_copy, "config/changed.yaml") == {
        "all": 1,
        "p1_equilibrium_point": 1,
        "p1_equilibrium_merge": 1,
        "figure": 1,
    }


def test_report_collects_figures_with_captions(quick_run_copy):
    run_snakemake(
        quick_run_copy, "--report", "results/report.zip", "--configfile", "config/quick.yaml"
    )
    with zipfile.ZipFile(quick_run_copy / "results/report.zip") as report:
        names = report.namelist()
        assert any(name.endswith("p1_equilibrium.png") for name in names), names
        pages = "".join(
            report.read(name).decode(errors="ignore") for name in names if name.endswith(".html")
        )
    assert "Abrikosov-Gor" in pages


def test_second_checkout_reuses_the_output_cache(tmp_path):
    """Between-workflow cache: a second checkout takes every point from the cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    config = _quick_config()
    config["workflow"]["output_cache"] = True
    runs, workdirs = [], []
    for checkout in ("first", "second"):
        workdir = copy_workflow(tmp_path / checkout)
        (workdir / "config/cached.yaml").write_text(yaml.safe_dump(config))
        result = run_snakemake(
            workdir, "--cache", "--cores", "2", "--configfile", "config/cached.yaml",
            env={"SNAKEMAKE_OUTPUT_CACHE": str(cache)},
        )  # fmt: skip
        runs.append(result.stdout + result.stderr)
        workdirs.append(workdir)
    points = sorted(workdirs[0].glob("results/*/*/points/*.nc"))
    n_points = len(points)
    assert len(list(cache.iterdir())) == n_points
    assert runs[0].count("to cache.") == n_points, runs[0]
    assert runs[1].count("to cache.") == 0 and runs[1].count("from cache.") == n_points, runs[1]
    for log in workdirs[1].glob("logs/*/*/*.log"):  # created, but no point job ran
        assert " point " not in log.read_text(), log
    for point in workdirs[1].glob("results/*/*/points/*.nc"):
        xr.testing.assert_equal(
            read_dataset(point), read_dataset(workdirs[0] / point.relative_to(workdirs[1]))
        )


def test_killed_run_resumes_without_partial_files(tmp_path):
    """SIGKILL in the middle of a point job; a plain rerun completes and every file is whole."""
    workdir = copy_workflow(tmp_path / "wf")
    config = _quick_config()
    config["p1"]["equilibrium"]["n_energy"] = 100_001  # a point job of a few seconds
    (workdir / "config/slow.yaml").write_text(yaml.safe_dump(config))
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        "1",
        "--configfile",
        "config/slow.yaml",
    ]
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    with subprocess.Popen(
        command, cwd=workdir, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as process:  # fmt: skip
        logs = workdir / "logs/p1/equilibrium"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            started = [p for p in logs.glob("*.log") if "AG equilibrium point" in p.read_text()]
            if started:
                break
            time.sleep(0.05)
        assert started, "no point job started"
        os.killpg(process.pid, signal.SIGKILL)
    for path in workdir.glob("results/**/*.nc"):  # whatever exists is complete
        read_dataset(path)
    # Snakemake cannot tell a SIGKILLed run's directory lock from a live one: unlock first.
    run_snakemake(workdir, "--unlock", "--configfile", "config/slow.yaml")
    run_snakemake(workdir, "--cores", "2", "--configfile", "config/slow.yaml")
    for path in workdir.glob("results/**/*.nc"):
        assert convention_problems(read_dataset(path)) == [], path
    assert not list(workdir.glob("results/**/.*.part"))


def test_validate_target_passes_on_quick_config(quick_run_copy):
    run_snakemake(quick_run_copy, "validate", "--cores", "1", "--configfile", "config/quick.yaml")
    records = json.loads((quick_run_copy / "results/validation.json").read_text())
    assert records, "no checks declared"
    keys = {"name", "stage", "status", "value", "reference", "tolerance", "source"}
    assert all(set(record) == keys for record in records)
    assert [r["name"] for r in records if r["status"] != "pass"] == []
    assert "checks pass" in (quick_run_copy / "results/validation.md").read_text()
