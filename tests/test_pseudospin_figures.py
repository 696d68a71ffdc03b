"""P1 quench figures draw from a tiny merged dataset (smoke test: no physics is checked)."""

import matplotlib

matplotlib.use("Agg")

import importlib  # noqa: E402

import pytest  # noqa: E402

from conftest import TINY_QUENCH  # noqa: E402
from higgsdyn.pseudospin import merge_points, run_point  # noqa: E402


@pytest.fixture(scope="module")
def quench():
    points = [run_point({**TINY_QUENCH, "zeta": zeta}) for zeta in (0.0, 0.05, 0.1)]
    points.append(run_point({**TINY_QUENCH, "lambda_f": 0.33, "zeta": 0.1}))
    points.append(run_point({**TINY_QUENCH, "disorder": "nonmagnetic"}))
    points.append(run_point({**TINY_QUENCH, "initial_state": "ag", "variant": "ag_initial"}))
    points.append(
        run_point({**TINY_QUENCH, "lambda_i": TINY_QUENCH["lambda_f"], "variant": "noquench"})
    )
    points.append(run_point({**TINY_QUENCH, "lambda_f": 0.33, "variant": "cutoff"}))
    return merge_points(points)


@pytest.mark.parametrize(
    "name", ["p1_fig1", "p1_fig2", "p1_fig3a", "p1_fig3b", "p1_quench_diagram"]
)
def test_figure_draws(quench, name, tmp_path):
    module = importlib.import_module(f"higgsdyn.figures.{name}")
    figure = module.plot({"quench": quench})
    figure.savefig(tmp_path / f"{name}.png", dpi=60)
    assert figure.axes
