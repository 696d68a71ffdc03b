"""The P1 quench stage: dataset conventions, merge contract, loud failures."""

import numpy as np
import pytest

from conftest import TINY_QUENCH
from higgsdyn.io import convention_problems
from higgsdyn.pseudospin import expand_grids, merge_points, quench, run_point
from higgsdyn.pseudospin.stage import analyse, clean_params, run_clean_point

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
    "norm_violated",
    "A_fixed",
    "B_fixed",
    "phi_fixed",
    "omega_fit",
    "decay_exponent",
    "decay_exponent_err",
    "steady_amplitude_drift",
    "steady_mean_drift",
    "n_levels",
)


def points_params():
    return [
        TINY_QUENCH,
        {**TINY_QUENCH, "disorder": "nonmagnetic", "variant": "bcs_initial"},
        {**TINY_QUENCH, "zeta": 0.0, "theta": "clean_steady_state", "initial_state": "ag"},
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
        assert abs(float(dataset["gap_initial"]) - 0.95) < 1e-6  # Delta_0/Delta_1 of lambda_i


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
        run_point({**TINY_QUENCH, "zeta": -0.1})


def test_non_finite_state_raises_with_the_label():
    eps = quench.level_grid(64, 5.0)
    zero = np.zeros_like(eps)
    coefficients = dict(eps=eps, energy=np.sqrt(eps**2 + 1), a=zero, b=zero, c=zero, d=zero)
    state = (np.full_like(eps, np.nan), zero, zero)
    with pytest.raises(FloatingPointError, match="my point"):
        quench.evolve(state, coefficients, 0.1, 1.0, 0.05, 10, label="my point")


def test_gapless_ag_point_raises_runtime_error_naming_it():
    """zeta >~ Delta_0: the AG profiles (Eqs. 63/66) need 1/(tau_s Delta_0) < 1."""
    with pytest.raises(RuntimeError, match="zeta=0.95"):
        run_point({**TINY_QUENCH, "zeta": 0.95})


def test_expand_grids_builds_one_job_per_point_with_overrides():
    settings = {
        **{
            key: value
            for key, value in TINY_QUENCH.items()
            if key not in ("disorder", "zeta", "lambda_f")
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
    clean = run_clean_point(clean_params(TINY_QUENCH))
    assert convention_problems(clean, require_provenance=False) == []
    for params, inline in zip(points_params(), points, strict=True):
        shared = run_point(params, clean=clean)
        assert float(shared["delta_s"]) == float(inline["delta_s"])
        np.testing.assert_array_equal(shared["gap_t"].values, inline["gap_t"].values)


def test_clean_run_is_shared_only_by_points_with_the_same_settings():
    assert clean_params({**TINY_QUENCH, "zeta": 0.3}) == clean_params(TINY_QUENCH)
    assert clean_params({**TINY_QUENCH, "steady_gap": "gap_final"}) is None  # projection, Delta_1
    clean = run_clean_point(clean_params({**TINY_QUENCH, "clean_t_max": 10.0}))
    with pytest.raises(ValueError, match="clean_t_max"):
        run_point(TINY_QUENCH, clean=clean)


def test_validate_reads_fig3b_offset_at_the_figure_lambda_f(points):
    """The Fig. 3(b) check uses the lambda_f of the figure grid (most computed points), not
    the first lambda_f of the merged axis (the default config adds quench-diagram lambda_f)."""
    from higgsdyn.pseudospin.checks import checks

    other = run_point({**TINY_QUENCH, "lambda_f": 0.9 * TINY_QUENCH["lambda_f"]})
    merged = merge_points([*points, other])
    assert float(merged["lambda_f"][0]) < TINY_QUENCH["lambda_f"]  # the extra point sorts first
    assert merged.attrs["figure_lambda_f"] == TINY_QUENCH["lambda_f"]  # what the figures read
    fig3b = next(check for check in checks(merged) if check.name.startswith("fig3b_offset"))
    expected = (
        merged["A"].sel(disorder="paramagnetic", lambda_f=TINY_QUENCH["lambda_f"]).dropna("zeta")
    )
    assert fig3b.value == float(expected[0])


SYNTHETIC_TIME = np.arange(0.0, 800.0, 0.0625)


def test_analyse_fits_fig3b_form_with_free_frequency():
    """Delta = 1 - zeta [A + B cos(omega t + phi)] at omega = 1.93 (below 2 Delta_1, as the
    Eq. 9 oscillation): A, B, phi, omega_fit recovered; the caption's fixed 2 Delta_1 form
    cannot follow it (B_fixed off), the window halves agree, the envelope does not decay."""
    zeta, a, b, phi, omega = 0.1, 0.39, 0.012, np.pi / 4, 1.93
    gap = 1.0 - zeta * (a + b * np.cos(omega * SYNTHETIC_TIME + phi))
    stats = {
        name: value for name, (value, _, _) in analyse(SYNTHETIC_TIME, gap, zeta, 400.0).items()
    }
    assert abs(stats["A"] - a) < 1e-9
    assert abs(stats["B"] - b) < 1e-9
    assert abs(stats["phi"] - phi) < 1e-6
    assert abs(stats["omega_fit"] - omega) < 1e-9
    assert abs(stats["A_fixed"] - a) < 1e-3  # the mean is robust to the frequency
    assert stats["B_fixed"] < 0.2 * b  # 2 Delta_1 cosine against a 1.93 oscillation
    assert abs(stats["steady_amplitude_drift"]) < 1e-8
    assert abs(stats["decay_exponent"]) < 0.01  # sampled maxima: 1.6e-3


def test_analyse_measures_envelope_decay_and_window_drift():
    """Delta = 1 + 0.05 cos(2 t)/t (+ a slow drift of the mean, removed by the running mean):
    decay_exponent -1 on [t_max/8, t_max]; the window-half amplitude drift is negative
    (t^-1 over [400, 600] vs [600, 800]: ratio ~ 0.71)."""
    time = SYNTHETIC_TIME[SYNTHETIC_TIME > 0]
    gap = 1.0 + 0.05 * np.cos(2.0 * time) / time + 1e-3 * np.exp(-time / 300.0)
    stats = {name: value for name, (value, _, _) in analyse(time, gap, 0.0, 400.0).items()}
    assert abs(stats["decay_exponent"] + 1.0) < 3 * stats["decay_exponent_err"] + 0.02
    assert -0.45 < stats["steady_amplitude_drift"] < -0.25
    assert np.isnan(stats["A"]) and np.isnan(stats["omega_fit"])  # no disorder: no Fig. 3(b)


def test_norm_violated_flags_points_beyond_the_tolerance(points):
    """Eq. (9) with impurity terms does not keep |S_p| = 1: flagged above norm_tolerance;
    the clean point (exact rotations) is not."""
    clean = next(ds for ds in points if float(ds["zeta"]) == 0.0)
    assert float(clean["max_norm_deviation"]) < 1e-10 and not bool(clean["norm_violated"])
    disordered = points[0]
    deviation = float(disordered["max_norm_deviation"])
    assert deviation > 1e-4
    strict = run_point({**TINY_QUENCH, "norm_tolerance": 0.5 * deviation})
    lenient = run_point({**TINY_QUENCH, "norm_tolerance": 2.0 * deviation})
    assert bool(strict["norm_violated"]) and not bool(lenient["norm_violated"])
