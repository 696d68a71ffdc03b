"""A bad config fails before any job runs, with one line naming the key(s) (issue 18)."""

from __future__ import annotations

import copy
import math

import pytest
import yaml

from conftest import REPO, copy_workflow, run_snakemake
from higgsdyn.io.config import (
    MEMORY_LIMIT_KEY,
    ConfigError,
    check_memory,
    load_config,
    machine_memory_mb,
    memory_limit_mb,
    merge,
    plan_summary,
    validate_config,
    write_effective_config,
)

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
QUICK = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())


def _with(path: tuple[str, ...], value, base=QUICK):
    config = copy.deepcopy(base)
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return config


# case -> (config, words the one-line message must contain)
BAD_CONFIGS = {
    "unknown key": (_with(("p1", "equilibrium", "omega_debye"), 20.0), ["omega_debye"]),
    "wrong type": (_with(("p1", "equilibrium", "omega_D"), "twenty"), ["omega_D", "twenty"]),
    "negative zeta": (_with(("p1", "equilibrium", "zeta"), [0.1, -0.2]), ["zeta.1", "-0.2"]),
    "gapless zeta": (_with(("p1", "equilibrium", "zeta"), [1.5]), ["zeta.0", "1.5"]),
    "N < 2": (_with(("p1", "equilibrium", "n_energy"), 1), ["n_energy", "minimum"]),
    "unknown section": ({**QUICK, "p3": {}}, ["p3"]),
    "quench order 3": (_with(("p1", "quench", "order"), 3), ["order", "3"]),
    "quench odd N": (_with(("p1", "quench", "n_levels"), 401), ["n_levels", "multipleOf"]),
    "kbe unknown key": (_with(("p2", "kbe", "tightbinding", "omega_debye"), 1.0), ["omega_debye"]),
    "kbe renamed key": (
        _with(("p2", "kbe", "tightbinding", "n_k"), 8),
        ["p2.kbe.tightbinding.n_k", "renamed n_xi"],
    ),
    "kbe negative dt": (_with(("p2", "kbe", "flatband", "numerics", "dt"), -0.1), ["dt", "-0.1"]),
    "kbe time order 4": (
        _with(("p2", "kbe", "flatband", "numerics", "time_order"), 4),
        ["time_order", "4"],
    ),
    "nan omega_D": (_with(("p1", "equilibrium", "omega_D"), math.nan), ["omega_D", "finite"]),
    "inf t_max": (_with(("p1", "quench", "t_max"), math.inf), ["t_max", "finite"]),
    "nan in a list": (_with(("p1", "equilibrium", "zeta"), [0.1, math.nan]), ["zeta.1", "finite"]),
    "window after t_max": (
        _with(("p1", "quench", "window_start"), 5000.0),
        ["p1.quench.window_start", "p1.quench.t_max"],
    ),
    "store_interval not a multiple of dt": (
        _with(("p2", "bdg", "store_interval"), 0.51),
        ["p2.bdg.store_interval", "p2.bdg.dt", "multiple"],
    ),
    "kbe quench ramp past t_max": (
        _with(("p2", "kbe", "tightbinding", "quench_time"), 20.0),
        ["p2.kbe.tightbinding.quench_time", "p2.kbe.tightbinding.t_max"],
    ),
    "unknown KB history": (
        _with(("p2", "kbe", "tightbinding", "history"), "hodlr"),
        ["p2.kbe.tightbinding.history", "hodlr"],
    ),
    "negative memory limit": (_with(("workflow", "max_job_mem_mb"), -1), ["max_job_mem_mb"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_naming_the_key(case):
    config, words = BAD_CONFIGS[case]
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    message = str(error.value)
    assert "\n" not in message and len(message) < 250, message
    for word in words:
        assert word in message, (word, message)


def test_both_shipped_configs_pass():
    for name in ("config.yaml", "quick.yaml"):
        validate_config(yaml.safe_load((REPO / "config" / name).read_text()), SCHEMA)


def test_layering_is_snakemakes_recursive_merge():
    """Mappings merge key by key, lists and scalars replace (snakemake.utils.update_config)."""
    from snakemake.utils import update_config

    base = {"a": {"b": 1, "c": [1, 2]}, "d": 3}
    overlay = {"a": {"c": [5]}, "e": {"f": 1}}
    expected = copy.deepcopy(base)
    update_config(expected, overlay)
    assert merge(base, overlay) == expected == {"a": {"b": 1, "c": [5]}, "d": 3, "e": {"f": 1}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 3}  # inputs untouched


def test_load_config_layers_an_overlay_on_the_default(tmp_path):
    overlay = tmp_path / "my.yaml"
    overlay.write_text("p1:\n  equilibrium:\n    n_energy: 11\n")
    config = load_config([REPO / "config/config.yaml", overlay])
    default = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert config["p1"]["equilibrium"]["n_energy"] == 11
    assert config["p1"]["equilibrium"]["zeta"] == default["p1"]["equilibrium"]["zeta"]
    assert config["p2"] == default["p2"]


@pytest.mark.parametrize(
    ("text", "words"),
    [("p1: [1, 2", ["not valid YAML", "line"]), ("- 1\n", ["mapping"]), (None, ["cannot read"])],
)
def test_load_config_errors_are_one_line(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config([path])
    assert "\n" not in str(error.value) and all(word in str(error.value) for word in words)


def test_memory_check_names_the_job_the_estimate_and_the_limit_key():
    check_memory({"p2.kbe small": 400.0}, limit_mb=500.0)
    with pytest.raises(ConfigError) as error:
        check_memory({"p2.kbe small": 400.0, "p2.kbe chain": 5.8e10}, limit_mb=500.0)
    message = str(error.value)
    assert "p2.kbe chain" in message and "58 PB" in message and MEMORY_LIMIT_KEY in message
    assert "small" not in message


def test_memory_limit_defaults_to_this_machine():
    assert memory_limit_mb(QUICK) == pytest.approx(machine_memory_mb())
    assert memory_limit_mb(_with(("workflow", "max_job_mem_mb"), 300)) == 300.0


def test_plan_summary_counts_jobs_core_hours_and_peak_memory():
    jobs = {"stage_a": {"x": {"n": 1}, "y": {"n": 3}}, "stage_b": {"z": {"n": 2}}}
    models = {
        "stage_a": lambda p: {"runtime": 30 * p["n"], "mem_mb": 100 * p["n"]},
        "stage_b": lambda p: {"runtime": 60, "mem_mb": 2500, "threads": 4},
    }
    lines = plan_summary(jobs, models).splitlines()
    assert lines[1].split() == ["stage_a", "2", "2.00", "300", "MB"]  # (30 + 90) min
    assert lines[2].split() == ["stage_b", "1", "4.00", "2.5", "GB"]  # 60 min x 4 threads
    assert lines[3].split() == ["total", "3", "6.00"]


def test_effective_config_round_trips(tmp_path):
    path = write_effective_config(QUICK, tmp_path / "results/effective_config.yaml")
    assert yaml.safe_load(path.read_text()) == QUICK


# ---------------------------------------------------------------- what the user sees


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("schema"))


def _dry_run_stderr(workdir, overlay: str, *extra: str):
    (workdir / "config/overlay.yaml").write_text(overlay)
    return run_snakemake(
        workdir, "-n", "--cores", "1", "--configfile", "config/quick.yaml", "config/overlay.yaml",
        *extra, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overlay", "words"),
    [
        ("p1: {equilibrium: {omega_D: .nan}}", ["p1.equilibrium.omega_D", "finite"]),
        ("p1: {quench: {window_start: 5000.0}}", ["window_start", "t_max"]),
        ("p1: {equilibrium: {omega_debye: 3}}", ["p1.equilibrium", "omega_debye"]),
        (
            "p2: {kbe: {tightbinding: {t_max: 100000.0}}}",
            ["kbe chain_", "TB", MEMORY_LIMIT_KEY],
        ),
    ],
)
def test_dry_run_stops_with_one_line_on_stderr(workdir, overlay, words):
    result = _dry_run_stderr(workdir, overlay)
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("higgsdyn:")]
    assert len(ours) == 1 and all(word in ours[0] for word in words), result.stderr
    assert "Traceback" not in result.stderr and "properties:" not in result.stderr
    assert not (workdir / "results").exists()  # nothing ran


def test_dry_run_prints_the_plan_per_stage(workdir):
    result = _dry_run_stderr(workdir, "p1: {equilibrium: {zeta: [0.0, 0.2]}}")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stderr.splitlines() if line}
    assert rows["equilibrium"][1] == "3"  # two paramagnetic + one nonmagnetic point
    for stage in ("pseudospin", "floquet", "kbe", "bdg", "total"):
        assert stage in rows


def test_mistyped_workflow_profile_fails_loudly(workdir):
    result = run_snakemake(
        workdir, "-n", "--workflow-profile", "workflow/profile/default", check=False
    )
    assert result.returncode != 0
    assert "workflow/profile/default: no such profile directory" in result.stderr


def test_study_overlays_validate_and_plan_what_they_promise():
    """config/studies/*.yaml layered on the default config pass the schema; the BdG study
    plans its finite-size seeds at t = 300/J (issue 16), the KB study refines every run."""
    from higgsdyn.bdg import stage as bdg_stage

    studies = sorted((REPO / "config" / "studies").glob("*.yaml"))
    assert studies
    for study in studies:
        validate_config(load_config([REPO / "config/config.yaml", study]), SCHEMA)
    config = load_config([REPO / "config/config.yaml", REPO / "config/studies/bdg_statistics.yaml"])
    jobs = bdg_stage.jobs(config["p2"]["bdg"])
    sizes = sorted(params["n_sites"] for params in jobs.values())
    assert {n: sizes.count(n) for n in set(sizes)} == {512: 40, 1024: 10, 2048: 5}
    assert {params["t_max"] for params in jobs.values()} == {300.0}
    # full maps only for the first field_seeds seeds at the block's N: the file stays small
    assert all(p["n_sites"] == 512 for p in jobs.values() if p["store_fields"])
    # the KB study: the default runs under their own keys plus one n_xi and one dt refinement
    # of each (issues 14, 15)
    from higgsdyn.kbe import stage as kbe_stage

    default = kbe_stage.jobs(load_config([REPO / "config/config.yaml"])["p2"]["kbe"])
    study = kbe_stage.jobs(
        load_config([REPO / "config/config.yaml", REPO / "config/studies/kbe_convergence.yaml"])[
            "p2"
        ]["kbe"]
    )
    assert {key: study[key] for key in default} == default
    refined = [params["refine"] for key, params in study.items() if key not in default]
    runs = [key for key, params in default.items() if "scan" not in params]  # scan: not refined
    assert sorted(refined) == sorted(["n_xi", "dt"] * len(runs))
