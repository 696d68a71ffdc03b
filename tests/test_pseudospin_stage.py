"""The P1 quench stage: dataset conventions, merge contract, loud failures."""

import numpy as np
import pytest

from higgsdyn.io import convention_problems
from higgsdyn.pseudospin import api, expand_grids, merge_points, run_point
from higgsdyn.pseudospin.stage import clean_params, run_clean_point

TINY = dict(
    disorder="paramagnetic",
    zeta=0.1,
    lambda_f=1.0 / np.arcsinh(10.0),
    lambda_i=1.0 / np.arcsinh(10.0 / 1.05),
    n_levels=400,
    step=0.05,
    order=4,
    t_max=40.0,
    output_every=4,
    initial_state="bcs",
    theta="projection",
    w_function="eq39",
    steady_gap="clean_run",
    clean_t_max=20.0,
    window_start=20.0,
    n_quadrature=60,
)
CONTRACT = (
    "gap_t",
    "gap_initial",
    "gap_final",
    "steady_mean",
    "steady_amplitude",
    "steady_frequency",
    "A",
    "B",
    "phi",
    "delta_s",
    "max_norm_deviation",
)


def points_params():
    return [
        TINY,
        {**TINY, "disorder": "nonmagnetic", "variant": "bcs_initial"},
        {**TINY, "zeta": 0.0, "theta": "clean_steady_state", "initial_state": "ag"},
    ]


@pytest.fixture(scope="module")
def points():
    return [run_point(params) for params in points_params()]


def test_point_dataset_follows_conventions(points):
    for dataset in points:
        assert convention_problems(dataset, require_provenance=False) == []
        assert {"source_paper", "solver"} <= set(dataset.attrs)
        for name in ("disorder", "zeta", "lambda_f"):
            assert dataset[name].ndim == 0
        assert abs(float(dataset["gap_initial"]) - 1.05) < 1e-6  # Delta_0/Delta_1 of lambda_i


def test_merge_fills_absent_points_with_nan(points):
    merged = merge_points(points)
    assert set(merged.dims) == {"disorder", "zeta", "lambda_f", "time"}
    assert set(CONTRACT) <= set(merged.data_vars)
    assert list(merged["disorder"].values) == ["nonmagnetic_bcs_initial", "paramagnetic"]
    absent = merged["gap_t"].sel(disorder="nonmagnetic_bcs_initial", zeta=0.0)
    assert np.all(np.isnan(absent))
    assert np.isfinite(float(merged["A"].sel(disorder="paramagnetic", zeta=0.1).squeeze()))
    assert convention_problems(merged, require_provenance=False) == []


def test_invalid_point_names_the_parameter():
    with pytest.raises(ValueError, match="zeta"):
        run_point({**TINY, "zeta": -0.1})


def test_non_finite_state_raises_with_the_label():
    eps = api.level_grid(64, 5.0)
    zero = np.zeros_like(eps)
    coefficients = dict(eps=eps, energy=np.sqrt(eps**2 + 1), a=zero, b=zero, c=zero, d=zero)
    state = (np.full_like(eps, np.nan), zero, zero)
    with pytest.raises(FloatingPointError, match="my point"):
        api.evolve(state, coefficients, 0.1, 1.0, 0.05, 10, label="my point")


def test_gapless_ag_point_raises_runtime_error_naming_it():
    """zeta >~ Delta_0: the AG profiles (Eqs. 63/66) need 1/(tau_s Delta_0) < 1."""
    with pytest.raises(RuntimeError, match="zeta=0.95"):
        run_point({**TINY, "zeta": 0.95})


def test_expand_grids_builds_one_job_per_point_with_overrides():
    settings = {
        **{
            key: value for key, value in TINY.items() if key not in ("disorder", "zeta", "lambda_f")
        },
        "grids": [
            {
                "name": "a",
                "disorder": ["paramagnetic", "nonmagnetic"],
                "zeta": [0.0, 0.1],
                "lambda_f": [0.33],
            },
            {
                "name": "b",
                "disorder": ["paramagnetic"],
                "variant": "ag_initial",
                "initial_state": "ag",
                "zeta": [0.1],
                "lambda_f": [0.33],
            },
        ],
    }
    points = expand_grids(settings)
    assert len(points) == 5
    ag = [point for point in points if point["variant"] == "ag_initial"]
    assert ag[0]["initial_state"] == "ag" and ag[0]["disorder"] == "paramagnetic"
    settings["grids"].append(settings["grids"][0])
    with pytest.raises(ValueError, match="repeats"):
        expand_grids(settings)


def test_shared_clean_run_gives_the_same_quench_as_an_inline_one(points):
    """The workflow runs the clean steady state (Delta_s, theta_p of Eq. 11) once per lambda_f
    and hands it to every zeta; the quench must equal the one that computes it itself."""
    clean = run_clean_point(clean_params(TINY))
    assert convention_problems(clean, require_provenance=False) == []
    for params, inline in zip(points_params(), points, strict=True):
        shared = run_point(params, clean=clean)
        assert float(shared["delta_s"]) == float(inline["delta_s"])
        np.testing.assert_array_equal(shared["gap_t"].values, inline["gap_t"].values)


def test_clean_run_is_shared_only_by_points_with_the_same_settings():
    assert clean_params({**TINY, "zeta": 0.3}) == clean_params(TINY)
    assert clean_params({**TINY, "steady_gap": "gap_final"}) is None  # projection, Delta_1
    clean = run_clean_point(clean_params({**TINY, "clean_t_max": 10.0}))
    with pytest.raises(ValueError, match="clean_t_max"):
        run_point(TINY, clean=clean)


def test_validate_reads_fig3b_offset_at_the_figure_lambda_f(points):
    """The Fig. 3(b) check uses the lambda_f of the figure grid (most computed points), not
    the first lambda_f of the merged axis (the default config adds quench-diagram lambda_f)."""
    from higgsdyn.pseudospin.checks import checks

    other = run_point({**TINY, "lambda_f": 0.9 * TINY["lambda_f"]})
    merged = merge_points([*points, other])
    assert float(merged["lambda_f"][0]) < TINY["lambda_f"]  # the extra point sorts first
    assert float(merged["figure_lambda_f"]) == TINY["lambda_f"]
    fig3b = next(check for check in checks(merged) if check.name.startswith("fig3b_offset"))
    expected = merged["A"].sel(disorder="paramagnetic", lambda_f=TINY["lambda_f"]).dropna("zeta")
    assert fig3b.value == float(expected[0])
