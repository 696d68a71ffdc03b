"""The stage protocol (higgsdyn.cli.stages, docs/architecture.md) and the file keys of points."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from higgsdyn.cli import stages
from higgsdyn.io.keys import fmt_value, job_table, parse_key, point_key

SURFACE = (
    "PAPER",
    "REFERENCES",
    "CONFIG_BLOCK",
    "DATASETS",
    "KEY_FIELDS",
    "jobs",
    "key_of",
    "dataset_of",
    "companions",
    "resources",
    "run_point",
    "merge_points",
)
CONFIGS = {name: yaml.safe_load((REPO / f"config/{name}.yaml").read_text()) for name in
           ("config", "quick")}  # fmt: skip


def test_every_stage_has_the_whole_surface():
    assert set(stages.stages()) == {"bdg", "equilibrium", "floquet", "kbe", "pseudospin"}
    for name, module in stages.stages().items():
        missing = [attribute for attribute in SURFACE if not hasattr(module, attribute)]
        assert missing == [], name
        assert module.PAPER in ("P1", "P2") and module.REFERENCES.startswith(module.PAPER)


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
def test_every_job_key_is_canonical_and_resolves_to_its_params(config_name):
    """Each key spells its point; point_params(key) returns the same parameters; companions
    name points of the same stage; every merged dataset gets at least one point."""
    config = CONFIGS[config_name]
    for name, module in stages.stages().items():
        table = module.jobs(stages.block_of(name, config))
        for key, params in table.items():
            assert module.key_of(params) == key
            assert stages.point_params(name, config, key) == params
            assert set(module.companions(params).values()) <= set(table)
            cost = module.resources(params)
            assert cost["runtime"] > 0 and cost["mem_mb"] > 0 and cost["threads"] >= 1
        for dataset, keys in stages.merged_keys(name, config).items():
            assert keys, (name, dataset)


def test_nearby_values_get_their_own_files():
    """Issue 17: four gamma_inel 1e-6..4e-6 were one Floquet job, KB lambda_f 0.45, 0.45001,
    0.45002 one KB run. Shortest round-trip keys keep every point apart."""
    config = copy.deepcopy(CONFIGS["quick"])
    config["p2"]["floquet"]["scaling"]["gamma_inel"] = [1e-6, 2e-6, 3e-6, 4e-6]
    config["p2"]["kbe"]["flatband"]["fig1c"]["lambda_f"] = [0.45, 0.45001, 0.45002]
    floquet = stages.stage("floquet").jobs(stages.block_of("floquet", config))
    assert sum(params.get("sweep") == "gamma" for params in floquet.values()) == 4
    assert "gamma_gamma-0.000001" in floquet
    kbe = stages.stage("kbe").jobs(stages.block_of("kbe", config))
    assert {"flat_omegaD-0.000_lf-0.45001", "flat_omegaD-0.000_lf-0.45002"} <= set(kbe)


def test_two_points_under_one_key_are_refused_naming_both():
    with pytest.raises(ValueError, match=r"'a_x-1.000'.*\"y\": 1.*\"y\": 2"):
        job_table([("a_x-1.000", {"y": 1}), ("a_x-1.000", {"y": 2})])
    assert job_table([("k", {"y": 1}), ("k", {"y": 1})]) == {"k": {"y": 1}}


def test_key_spelling_round_trips():
    assert fmt_value(0.1) == "0.100" and fmt_value(1e-6) == "0.000001" and fmt_value(3) == "3"
    assert fmt_value(0.1 + 0.2) != fmt_value(0.3)  # distinct floats, distinct names
    key = point_key(["paramagnetic", "ag_initial"], {"zeta": 0.25, "lf": 0.34})
    assert key == "paramagnetic_ag_initial_zeta-0.250_lf-0.340"
    assert parse_key(key) == (("paramagnetic", "ag", "initial"), {"zeta": "0.250", "lf": "0.340"})
    with pytest.raises(ValueError):
        point_key(["has-dash"], {})


def test_off_grid_point_is_built_from_a_job_with_the_same_labels():
    config = CONFIGS["quick"]
    params = stages.point_params("pseudospin", config, "paramagnetic_zeta-0.250_lf-0.340")
    assert (params["zeta"], params["lambda_f"], params["disorder"]) == (0.25, 0.34, "paramagnetic")
    clean = stages.stage("pseudospin").companions(params)["clean"]
    assert stages.point_params("pseudospin", config, clean)["lambda_f"] == 0.34
    assert stages.point_params("bdg", config, "baseline_seed-7")["seed"] == 7
    for bad in ("paramagnetic_zeta-0.25", "unknownlabel_zeta-0.100", "paramagnetic_foo-1.000"):
        with pytest.raises(KeyError):
            stages.point_params("equilibrium", config, bad)


def test_cli_errors_are_one_line_and_list_the_choices(tmp_path):
    (tmp_path / "config").symlink_to(REPO / "config")

    def run(*args):
        command = Path(sys.executable).with_name("higgsdyn")  # the installed console script
        return subprocess.run([command, *args], cwd=tmp_path, capture_output=True, text=True)

    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip()
    listing = run("jobs", "equilibrium", "--configfile", "config/quick.yaml")
    assert "paramagnetic_zeta-0.100" in listing.stdout.split()
    missing = run("point", "equilibrium", "nosuch_zeta-0.100", "--configfile", "config/quick.yaml")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "Traceback" not in missing.stderr
    (tmp_path / "bad.yaml").write_text("p1: {equilibrium: {omega_D: .nan}}\n")
    bad = run("jobs", "equilibrium", "--configfile", "bad.yaml")  # checked like the workflow
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "p1.equilibrium.omega_D" in bad.stderr
    figure = run("figure", "nosuchfig", "--out", "x.pdf")
    assert figure.returncode == 2 and "p1_equilibrium" in figure.stderr
