"""A bad config fails before any job runs, with a message naming the key."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import REPO, copy_workflow, run_snakemake

QUICK = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())


def _with(path: tuple[str, ...], value):
    config = copy.deepcopy(QUICK)
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return config


BAD_CONFIGS = {
    "unknown key": (_with(("p1", "equilibrium", "omega_debye"), 20.0), "omega_debye"),
    "wrong type": (_with(("p1", "equilibrium", "omega_D"), "twenty"), "omega_D"),
    "negative zeta": (_with(("p1", "equilibrium", "zeta"), [0.1, -0.2]), "zeta"),
    "gapless zeta": (_with(("p1", "equilibrium", "zeta"), [1.5]), "zeta"),
    "N < 2": (_with(("p1", "equilibrium", "n_energy"), 1), "n_energy"),
    "unknown section": ({**QUICK, "p3": {}}, "p3"),
    "quench order 3": (_with(("p1", "quench", "order"), 3), "order"),
    "quench odd N": (_with(("p1", "quench", "n_levels"), 401), "n_levels"),
    "kbe unknown key": (_with(("p2", "kbe", "tightbinding", "n_xi"), 8), "n_xi"),
    "kbe negative dt": (_with(("p2", "kbe", "flatband", "numerics", "dt"), -0.1), "dt"),
    "kbe time order 4": (
        _with(("p2", "kbe", "flatband", "numerics", "time_order"), 4),
        "time_order",
    ),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("schema"))


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_rejected_naming_the_key(workdir, case):
    config, key = BAD_CONFIGS[case]
    configfile = workdir / "config" / f"bad_{case.replace(' ', '_')}.yaml"
    configfile.write_text(yaml.safe_dump(config))
    result = run_snakemake(
        workdir, "--cores", "1", "--configfile", str(configfile.relative_to(workdir)), check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Error validating config file" in output
    assert key in output
    assert not (workdir / "results").exists()  # nothing ran


def test_both_shipped_configs_validate():
    from snakemake.utils import validate

    for name in ("config.yaml", "quick.yaml"):
        validate(
            yaml.safe_load((REPO / "config" / name).read_text()),
            str(REPO / "workflow/schemas/config.schema.yaml"),
        )
