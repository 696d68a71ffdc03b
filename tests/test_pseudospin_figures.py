"""P1 quench figures draw from a tiny merged dataset (smoke test: no physics is checked)."""

import matplotlib

matplotlib.use("Agg")

import importlib  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from higgsdyn.pseudospin import merge_points, run_point  # noqa: E402

TINY = dict(
    disorder="paramagnetic",
    zeta=0.1,
    lambda_f=1.0 / np.arcsinh(10.0),
    lambda_i=1.0 / np.arcsinh(10.0 / 1.05),
    n_levels=300,
    step=0.05,
    order=2,
    t_max=30.0,
    output_every=2,
    initial_state="bcs",
    theta="projection",
    w_function="eq40",
    steady_gap="gap_final",
    clean_t_max=10.0,
    window_start=10.0,
    n_quadrature=40,
    threads=1,
    norm_tolerance=0.1,
)


@pytest.fixture(scope="module")
def quench():
    points = [run_point({**TINY, "zeta": zeta}) for zeta in (0.0, 0.05, 0.1)]
    points.append(run_point({**TINY, "lambda_f": 0.33, "zeta": 0.1}))
    points.append(run_point({**TINY, "disorder": "nonmagnetic"}))
    points.append(run_point({**TINY, "initial_state": "ag", "variant": "ag_initial"}))
    points.append(run_point({**TINY, "lambda_i": TINY["lambda_f"], "variant": "noquench"}))
    points.append(run_point({**TINY, "lambda_f": 0.33, "variant": "cutoff"}))
    return merge_points(points)


@pytest.mark.parametrize(
    "name", ["p1_fig1", "p1_fig2", "p1_fig3a", "p1_fig3b", "p1_quench_diagram"]
)
def test_figure_draws(quench, name, tmp_path):
    module = importlib.import_module(f"higgsdyn.figures.{name}")
    figure = module.plot({"quench": quench})
    figure.savefig(tmp_path / f"{name}.png", dpi=60)
    assert figure.axes
