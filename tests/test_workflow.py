"""End-to-end Snakemake tests on config/quick.yaml (run in scratch copies of the workflow)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import REPO, copy_workflow, job_counts, run_snakemake
from higgsdyn.io import convention_problems, read_dataset

pytestmark = pytest.mark.workflow

FIGURES = tuple(
    f"results/figures/{name}.{ext}"
    for name in (
        "p1_equilibrium",
        "p1_fig1",
        "p1_fig2",
        "p1_fig3a",
        "p1_fig3b",
        "p1_quench_diagram",
        "p2_fig1bc",
        "p2_fig1b_scan",
        "p2_fig1b_scan_temperature",
        "p2_fig1c_scan",
        "p2_fig2",
        "p2_floquet_scaling",
        "p2_fig3a",
        "p2_fig3a_statistics",
        "p2_fig3b",
    )
    for ext in ("pdf", "png")
)


def _config(name: str = "quick.yaml") -> dict:
    """config/``name`` as written (not layered on the defaults)."""
    return yaml.safe_load((REPO / "config" / name).read_text())


def stage_jobs(stage: str, config_name: str = "quick.yaml") -> dict[str, dict]:
    """The points of ``stage`` under config/``config_name``."""
    from higgsdyn.cli.stages import block_of
    from higgsdyn.cli.stages import stage as stage_module

    return stage_module(stage).jobs(block_of(stage, _config(config_name)))


def _dry_run(workdir: Path, configfile: str = "config/quick.yaml", *targets: str) -> dict[str, int]:
    result = run_snakemake(
        workdir, "--dry-run", "--cores", "1", *targets, "--configfile", configfile
    )
    return job_counts(result.stdout + result.stderr)


# The P1 stages alone: enough for tests of Snakemake mechanics that hold for every per-point
# rule (one point rule serves all stages), at a fraction of the whole quick DAG's cost.
P1_TARGETS = ("results/p1/equilibrium.nc", "results/p1/quench.nc")


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


def test_figure_text_is_at_least_7_pt(quick_run):
    """Issue 14: every label, tick and legend entry of every figure is >= 7 pt at the
    printed size (the figures are drawn at their printed width, style.COLUMN_WIDTH_INCH)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot
    from matplotlib.text import Text

    from higgsdyn.cli.stages import dataset_path, figure_module, figure_names

    for name in figure_names():
        module = figure_module(name)
        paths = {key: quick_run / dataset_path(key) for key in module.DATASETS}
        figure = module.plot(
            {key: read_dataset(path) for key, path in paths.items() if path.exists()}
        )
        small = {
            (text.get_text(), text.get_fontsize())
            for text in figure.findobj(Text)
            if text.get_visible() and text.get_text().strip() and text.get_fontsize() < 7
        }
        matplotlib.pyplot.close(figure)
        assert not small, (name, sorted(small))


def test_equilibrium_dataset_contract(quick_run):
    """docs/architecture.md: dims disorder, zeta, energy and the contract variables; every
    configured rate present for its disorder type, absent points NaN."""
    ds = read_dataset(quick_run / "results/p1/equilibrium.nc")
    config = _config()["p1"]["equilibrium"]
    assert sorted(ds["disorder"].values) == ["nonmagnetic", "paramagnetic"]
    assert sorted(ds["zeta"].values) == sorted(
        set(config["zeta"]) | set(config["zeta_nonmagnetic"])
    )
    for disorder, rates in (("paramagnetic", "zeta"), ("nonmagnetic", "zeta_nonmagnetic")):
        computed = ds["gap"].sel(disorder=disorder).dropna("zeta")
        assert sorted(computed["zeta"].values) == sorted(config[rates])
    for name in ("gap", "gap_clean", "gap_threshold", "omega_higgs", "omega_higgs_eq13"):
        assert ds[name].dims == ("disorder", "zeta"), name
    for name in ("sx", "sz"):
        assert ds[name].dims == ("disorder", "zeta", "energy"), name
    assert ds["energy"].size == config["n_energy"]


def test_quench_dataset_contract(quick_run):
    """ARCHITECTURE.md: results/p1/quench.nc dims and variables; every configured point present."""
    from higgsdyn.pseudospin.quench import QuenchParams
    from higgsdyn.pseudospin.stage import expand_grids

    ds = read_dataset(quick_run / "results/p1/quench.nc")
    assert ds["gap_t"].dims == ("disorder", "zeta", "lambda_f", "time")
    for name in ("gap_initial", "gap_final", "steady_mean", "steady_amplitude",
                 "steady_frequency", "A", "B", "phi"):  # fmt: skip
        assert ds[name].dims == ("disorder", "zeta", "lambda_f"), name
    for job in expand_grids(_config()["p1"]["quench"]):
        point = ds.sel(disorder=QuenchParams(**job).label, zeta=job["zeta"],
                       lambda_f=job["lambda_f"])  # fmt: skip
        assert np.isfinite(point["gap_t"]).all(), job


def test_kbe_dataset_contracts(quick_run):
    """ARCHITECTURE.md: kbe_flatband.nc on (omega_D, lambda_f, time), kbe_tightbinding on time;
    docs/architecture.md: ns_t_refined with the study, the scans on their two axes."""
    flat = read_dataset(quick_run / "results/p2/kbe_flatband.nc")
    settings = _config()["p2"]["kbe"]["flatband"]
    assert flat["ns_t"].dims == ("omega_D", "lambda_f", "time")
    assert sorted(flat["omega_D"].values) == [0.0, *sorted(settings["fig1b"]["omega_D"])]
    np.testing.assert_allclose(flat["ns_para_t"] + flat["ns_dia_t"], flat["ns_t"], equal_nan=True)
    chain = read_dataset(quick_run / "results/p2/kbe_tightbinding.nc")
    for name in ("gap_t", "ns_t"):
        assert chain[name].dims == ("time",)
    # the resolution study of the quick config: n_xi for the flat band, dt for the chain
    assert flat["ns_t_refined"].dims == ("refinement", "omega_D", "lambda_f", "time")
    assert flat["refinement"].values.tolist() == ["n_xi=8"]
    assert chain["refinement"].values.tolist() == ["dt=0.200"]
    assert np.isfinite(chain["ns_t_refined"].sel(time=slice(0, None))).all()
    scan = read_dataset(quick_run / "results/p2/kbe_scan.nc")
    assert scan["ns_t"].dims == ("lambda_ph", "omega_D", "time")
    assert scan["min_ns"].dims == ("lambda_ph", "omega_D")
    disorder = read_dataset(quick_run / "results/p2/kbe_scan_disorder.nc")
    assert disorder["min_ns"].dims == ("lambda_f", "gamma_el")
    temperature = read_dataset(quick_run / "results/p2/kbe_scan_temperature.nc")
    assert temperature["min_ns"].dims == ("temperature", "omega_D")


def test_logs_and_benchmarks_per_rule(quick_run):
    assert (quick_run / "logs/p1/equilibrium_merge.log").stat().st_size > 0
    assert list(quick_run.glob("logs/p1/equilibrium/paramagnetic_zeta-*.log"))
    assert list(quick_run.glob("results/benchmarks/p1/equilibrium/*.tsv"))


def test_nothing_reruns_on_a_noop(quick_run_copy):
    assert _dry_run(quick_run_copy) == {}


def test_changing_one_zeta_reruns_only_that_point_its_merge_and_figure(quick_run_copy):
    config = _config()
    config["p1"]["equilibrium"]["zeta"][-1] = 0.25  # replace one value
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    counts = _dry_run(quick_run_copy, "config/changed.yaml")
    # figures reading equilibrium.nc: p1_equilibrium and p1_quench_diagram
    assert counts == {
        "all": 1,
        "effective_config": 1,
        "point": 1,
        "merge": 1,
        "figure": 2,
        "validate": 1,
    }


def test_changing_one_quench_zeta_reruns_that_point_its_merge_and_quench_figures(quick_run_copy):
    config = _config()
    grid = config["p1"]["quench"]["grids"][0]
    grid["zeta"][-1] = 0.15
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    counts = _dry_run(quick_run_copy, "config/changed.yaml")
    n_disorder = len(grid["disorder"]) * len(grid["lambda_f"])  # one new point per disorder type
    # the five P1 quench figures read quench.nc
    assert counts == {
        "all": 1,
        "effective_config": 1,
        "point": n_disorder,
        "merge": 1,
        "figure": 5,
        "validate": 1,
    }


def test_changing_resolution_reruns_the_whole_stage(quick_run_copy):
    config = _config()
    config["p1"]["equilibrium"]["n_quadrature"] += 10
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    counts = _dry_run(quick_run_copy, "config/changed.yaml")
    equilibrium = config["p1"]["equilibrium"]
    n_points = len(equilibrium["zeta"]) + len(equilibrium["zeta_nonmagnetic"])
    # the quench stage does not read equilibrium.nc
    assert counts == {
        "all": 1,
        "effective_config": 1,
        "point": n_points,
        "merge": 1,
        "figure": 2,
        "validate": 1,
    }


def test_editing_physics_package_reruns_its_rules(quick_run_copy):
    _edit(quick_run_copy / "src/higgsdyn/floquet/usadel.py")
    counts = _dry_run(quick_run_copy)
    assert counts == {
        "all": 1,
        "point": len(stage_jobs("floquet")),
        "merge": 1,
        "figure": 2,  # p2_fig2, p2_floquet_scaling
        "validate": 1,
    }


def test_editing_equilibrium_reruns_it_and_the_quench_stage_that_imports_it(quick_run_copy):
    """higgsdyn.pseudospin builds its AG initial states with higgsdyn.equilibrium."""
    _edit(quick_run_copy / "src/higgsdyn/equilibrium/ag.py")
    counts = _dry_run(quick_run_copy)
    # every AG point, every quench point and the clean runs they share (one per lambda_f)
    n_points = len(stage_jobs("equilibrium")) + len(stage_jobs("pseudospin"))
    assert counts == {
        "all": 1,
        "point": n_points,
        "merge": 2,
        "figure": 6,  # p1_equilibrium and the five quench figures
        "validate": 1,
    }


def test_editing_figure_module_reruns_only_the_figure(quick_run_copy):
    _edit(quick_run_copy / "src/higgsdyn/figures/p1_equilibrium.py")
    assert _dry_run(quick_run_copy) == {"all": 1, "figure": 1}


def test_editing_a_shared_figure_helper_reruns_exactly_the_figures_importing_it(quick_run_copy):
    """A figure's sources are the figure modules it imports, followed transitively."""
    from higgsdyn.cli.stages import figure_names, module_sources

    helper = "src/higgsdyn/figures/quench_selection.py"
    users = [
        name for name in figure_names() if helper in module_sources(f"higgsdyn.figures.{name}")
    ]
    assert "p1_fig2" in users and "p2_fig2" not in users
    _edit(quick_run_copy / helper)
    result = run_snakemake(quick_run_copy, "--dry-run", "--cores", "1", "--configfile",
                           "config/quick.yaml")  # fmt: skip
    assert job_counts(result.stdout) == {"all": 1, "figure": len(users)}
    for name in users:
        assert f"results/figures/{name}.pdf" in result.stdout


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
    config = _config()
    config["p1"]["equilibrium"]["zeta"].append(0.45)
    (quick_run_copy / "config/changed.yaml").write_text(yaml.safe_dump(config))
    assert _dry_run(quick_run_copy, "config/changed.yaml") == {
        "all": 1,
        "effective_config": 1,
        "point": 1,
        "merge": 1,
        "figure": 2,  # p1_equilibrium, p1_quench_diagram
        "validate": 1,
    }


def _report_pages(workdir: Path, *args: str) -> tuple[list[str], str]:
    run_snakemake(workdir, "--report", "results/report.zip", *args)
    with zipfile.ZipFile(workdir / "results/report.zip") as report:
        names = report.namelist()
        pages = "".join(
            report.read(name).decode(errors="ignore") for name in names if name.endswith(".html")
        )
    return names, pages


def test_report_collects_figures_validation_and_effective_config(quick_run_copy):
    run_snakemake(quick_run_copy, "validate", "--cores", "1", "--configfile", "config/quick.yaml")
    names, pages = _report_pages(
        quick_run_copy, "all", "validate", "--configfile", "config/quick.yaml"
    )
    for output in (*FIGURES, "results/validation.md", "results/effective_config.yaml"):
        assert any(name.endswith(Path(output).name) for name in names), output
    for caption in ("Abrikosov-Gor", "P1 Fig. 3(b)", "Kadanoff-Baym", "Floquet", "phase slips",
                    "Effective configuration", "Physics checks", "claims ledger"):  # fmt: skip
        assert caption in pages, caption
    assert "correlated equilibrium of the Matsubara" in pages  # p2_fig1bc, no longer stale
    assert "\\rm" not in pages and "Unknown command" not in pages


def test_report_captions_state_the_data_not_the_config_at_report_time(quick_run_copy):
    """Issue 18: a report made without --configfile after a quick run labelled the quick
    figures with the default config's N = 15024 levels and 512 sites."""
    quick = _config()
    default = yaml.safe_load((REPO / "config/config.yaml").read_text())
    _names, pages = _report_pages(quick_run_copy)  # the default config is in force
    assert f"{quick['p1']['quench']['n_levels']} levels" in pages
    assert f"{default['p1']['quench']['n_levels']} levels" not in pages
    assert f"{quick['p2']['bdg']['n_sites']} sites" in pages
    assert f"{default['p2']['bdg']['n_sites']} sites" not in pages


def test_effective_config_is_snakemakes_layering(quick_run):
    """results/effective_config.yaml (what the run used) equals io.config.load_config."""
    from higgsdyn.io.config import load_config

    written = yaml.safe_load((quick_run / "results/effective_config.yaml").read_text())
    assert written == load_config([REPO / "config/config.yaml", REPO / "config/quick.yaml"])


def test_second_checkout_reuses_the_output_cache(tmp_path):
    """Between-workflow cache: a second checkout takes every point from the cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    config = _config()
    config["workflow"]["output_cache"] = True
    runs, workdirs = [], []
    for checkout in ("first", "second"):
        workdir = copy_workflow(tmp_path / checkout)
        (workdir / "config/cached.yaml").write_text(yaml.safe_dump(config))
        result = run_snakemake(
            workdir, "--cache", "--cores", "2", *P1_TARGETS, "--configfile", "config/cached.yaml",
            env={"SNAKEMAKE_OUTPUT_CACHE": str(cache)},
        )  # fmt: skip
        runs.append(result.stdout + result.stderr)
        workdirs.append(workdir)
    # per-point outputs, the shared P1 clean runs among them
    cached = list(workdirs[0].glob("results/*/*/points/*.nc"))
    n_points = len(cached)
    assert len(list(cache.iterdir())) == n_points
    assert runs[0].count("to cache.") == n_points, runs[0]
    assert runs[1].count("to cache.") == 0 and runs[1].count("from cache.") == n_points, runs[1]
    assert any("wrote" in log.read_text() for log in workdirs[0].glob("logs/**/*.log"))
    for log in workdirs[1].glob("logs/**/*.log"):  # created, but no job computed anything
        assert "wrote" not in log.read_text(), log
    for point in workdirs[1].glob("results/*/*/points/*.nc"):
        xr.testing.assert_equal(
            read_dataset(point), read_dataset(workdirs[0] / point.relative_to(workdirs[1]))
        )


def _wait_for_group_to_end(group: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("the orphaned job did not finish")


RECOVERY = ("snakemake --unlock", "snakemake --cores N --rerun-incomplete")


def test_kill_9_of_snakemake_alone_recovers_with_the_readme_commands(tmp_path):
    """A user's ``kill -9 PID`` hits the snakemake process only: its running job is orphaned
    and runs on, the lock and the incomplete marker stay. README's recovery, run as written
    (the same options as the killed run added), completes the run with whole files."""
    readme = (REPO / "README.md").read_text()
    assert all(command in readme for command in RECOVERY)
    workdir = copy_workflow(tmp_path / "wf")
    config = _config()
    config["p1"]["equilibrium"]["n_energy"] = 100_001  # a point job of a few seconds
    (workdir / "config/slow.yaml").write_text(yaml.safe_dump(config))
    # the same targets and options in every command, as the README's recovery says
    options = ("results/p1/equilibrium.nc", "--configfile", "config/slow.yaml")
    command = [sys.executable, "-m", "snakemake", "--cores", "1", *options]
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    # own session only so that the test can reap the orphan at the end
    with subprocess.Popen(
        command, cwd=workdir, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as process:  # fmt: skip
        try:
            logs = workdir / "logs/p1/equilibrium"
            deadline = time.monotonic() + 120
            started = []
            while not started and time.monotonic() < deadline:
                started = [p for p in logs.glob("*.log") if "equilibrium point" in p.read_text()]
                time.sleep(0.05)
            assert started, "no point job started"
            os.kill(process.pid, signal.SIGKILL)  # the snakemake process alone
            process.wait()
            stuck = run_snakemake(workdir, "--cores", "2", *options, check=False)
            assert stuck.returncode != 0  # what the user meets first
            for path in workdir.glob("results/**/*.nc"):  # whatever exists is complete
                read_dataset(path)
            _wait_for_group_to_end(process.pid)  # README: let the orphaned job finish
            run_snakemake(workdir, "--unlock", *options)
            run_snakemake(workdir, "--cores", "2", "--rerun-incomplete", *options)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the orphan, if still running
    for path in workdir.glob("results/**/*.nc"):
        assert convention_problems(read_dataset(path)) == [], path
    assert not list(workdir.glob("results/**/.*.part"))
    assert _dry_run(workdir, "config/slow.yaml", "results/p1/equilibrium.nc") == {}


def test_validate_target_passes_on_quick_config(quick_run_copy):
    run_snakemake(quick_run_copy, "validate", "--cores", "1", "--configfile", "config/quick.yaml")
    records = json.loads((quick_run_copy / "results/validation.json").read_text())
    assert records, "no checks declared"
    keys = {"name", "stage", "status", "value", "reference", "tolerance", "source",
            "known_limitation"}  # fmt: skip
    assert all(set(record) == keys for record in records)
    assert {r["status"] for r in records} <= {"pass", "fail"}
    # claim-judging checks fail on the quick config's short runs, as known limitations
    assert [r["name"] for r in records if r["status"] == "fail" and not r["known_limitation"]] == []
    assert any(r["stage"] == "p2_kbe" for r in records)
    assert "checks pass" in (quick_run_copy / "results/validation.md").read_text()


def test_default_target_ends_with_the_claims_ledger(quick_run):
    """`snakemake --cores all` writes the ledger: one record per claim of every stage, with the
    contract fields of ../shared/design/ARCHITECTURE.md and a verdict each."""
    from higgsdyn.cli.stages import claims

    ledger = json.loads((quick_run / "results/claims.json").read_text())
    fields = {"id", "paper", "figure", "claim", "verdict", "value", "evidence", "convergence",
              "note"}  # fmt: skip
    assert [record["id"] for record in ledger] == [claim.id for claim in claims()]
    assert all(set(record) == fields for record in ledger)
    assert {record["verdict"] for record in ledger} <= {
        "reproduced", "not_reproduced", "depends", "open"}  # fmt: skip
    table = (quick_run / "results/claims.md").read_text()
    assert all(record["id"] in table for record in ledger)


def test_off_grid_quench_point_runs_alone_from_its_file_name(quick_run_copy):
    """README: one (zeta, lambda_f) point that is on no grid, named by its file; its lambda_f
    is on no grid either, so the clean steady state of that lambda_f runs first."""
    target = "results/p1/pseudospin/points/paramagnetic_zeta-0.250_lf-0.340.nc"
    result = run_snakemake(
        quick_run_copy, target, "--dry-run", "--cores", "1", "--configfile", "config/quick.yaml"
    )
    assert job_counts(result.stdout + result.stderr) == {"point": 2}
    assert "clean_lf-0.340_li-" in result.stdout


def test_points_start_longest_first(tmp_path):
    """Each point's priority is its runtime request (the stage's cost model), so on a few cores
    the longest job starts first (measured without: the longest job of a t = 480 KB stage, a
    332-s Fig. 1b run, started 14 minutes into the stage's 19.5)."""
    workdir = copy_workflow(tmp_path / "wf")
    targets = ("results/p2/kbe_flatband.nc", "results/p2/kbe_tightbinding.nc")
    result = run_snakemake(workdir, "--dry-run", "--cores", "2", *targets)
    points = {}
    for job in result.stdout.split("\n\n"):
        output = re.search(r"output: results/p2/kbe/points/(\S+)\.nc", job)
        if output:
            priority = int(re.search(r"priority: (\d+)", job).group(1))
            runtime = int(re.search(r"runtime=(\d+)", job).group(1))
            points[output.group(1)] = (priority, runtime)
    jobs = stage_jobs("kbe", "config.yaml")
    assert set(points) == {key for key in jobs if key.startswith(("flat_", "chain_"))}
    assert all(priority == runtime for priority, runtime in points.values()), points
    # the longest by the cost model: a Fig. 1b run to t = 480 (measured ~190-205 s of wall
    # against the chain's ~60 s and the Fig. 1c runs' ~15 s, docs/scaling.md)
    longest = max(points, key=lambda key: points[key][0])
    fig1b = longest.startswith("flat_omegaD-") and not longest.startswith("flat_omegaD-0.000")
    assert fig1b, points
    assert points[longest][0] > points["chain_lf-2.000"][0], points
