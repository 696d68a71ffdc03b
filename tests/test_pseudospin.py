"""Physics checks of the P1 pseudospin solver (Eqs. 9-12): each test names its oracle."""

import numpy as np
import pytest
import yaml
from scipy import optimize
from scipy.integrate import quad, solve_ivp

from conftest import REPO
from higgsdyn import analysis
from higgsdyn.pseudospin import kernels, quench

LAMBDA_F = 1.0 / np.arcsinh(10.0)  # omega_D ~ 10 Delta_1
LAMBDA_I = 1.0 / np.arcsinh(10.0 / 1.05)  # Delta_0 ~ 1.05 Delta_1


def spec(**changes) -> quench.QuenchParams:
    """Small, fast clean quench (N = 1500, revival time pi N/omega_D ~ 470 beyond t_max)."""
    values = dict(
        disorder="paramagnetic",
        zeta=0.0,
        lambda_i=LAMBDA_I,
        lambda_f=LAMBDA_F,
        n_levels=1500,
        dt=0.025,
        order=4,
        t_max=100.0,
        output_every=1,
        initial_state="bcs",
        theta="projection",
        w_function="eq39",
        steady_gap="gap_final",
        clean_t_max=50.0,
        window_start=0.0,
        n_quadrature=80,
        threads=1,
        norm_tolerance=0.1,
    )
    values.update(changes)
    return quench.QuenchParams(**values)


def disordered_coefficients(n_levels=200, zeta_s=0.2, zeta_u=0.1):
    """Source coefficients of Eq. (9) with both channels on, for kernel cross-checks."""
    cutoff = quench.cutoff_for_unit_gap(LAMBDA_F, n_levels)
    eps = quench.level_grid(n_levels, cutoff)
    gap0 = quench.clean_gap(LAMBDA_I, n_levels, cutoff)
    cos_t, sin_t = quench.projection_angle(eps, gap0, 1.0)
    w = quench.w_eq39(eps, 1.0, cos_t, cutoff)
    coefficients = quench.source_coefficients(
        eps, 1.0, cos_t, sin_t, w, quench.Rates(zeta_s, zeta_u)
    )
    energy0 = np.sqrt(eps**2 + gap0**2)
    state = (gap0 / energy0, np.zeros_like(eps), -eps / energy0)
    return coefficients, state, quench.coupling_weight(LAMBDA_F, n_levels, cutoff)


@pytest.mark.parametrize("order", [2, 4, 6])
def test_numba_kernel_equals_numpy_reference(order):
    coefficients, state, weight = disordered_coefficients()
    substeps = kernels.yoshida_substeps(0.05, order)
    ref_state, ref_gaps = kernels.split_run_reference(
        state, 0.0, coefficients, weight, 1.0, substeps, 100
    )
    run = quench.evolve(state, coefficients, weight, 1.0, 0.05, 100, order=order, chunk_steps=37)
    assert np.max(np.abs(run.gaps[1:] - ref_gaps)) < 1e-12
    for mine, ref in zip(run.state, ref_state, strict=True):
        assert np.max(np.abs(mine - ref)) < 1e-12


def test_fastmath_reassociation_changes_delta_by_round_off_only_over_a_long_run():
    """split_run's fastmath={reassoc, contract} against the strict-IEEE numpy twin: 2000
    levels, 4000 steps (t = 100, 12 000 reductions); the discretisation error at this step
    is ~1e-4, so round-off at 1e-11 is harmless."""
    coefficients, state, weight = disordered_coefficients(n_levels=2000)
    substeps = kernels.yoshida_substeps(0.025, 4)
    _, ref_gaps = kernels.split_run_reference(state, 0.0, coefficients, weight, 1.0, substeps, 4000)
    run = quench.evolve(state, coefficients, weight, 1.0, 0.025, 4000, order=4)
    assert np.max(np.abs(run.gaps[1:] - ref_gaps)) < 1e-11


def test_splitting_converges_to_dop853_at_fourth_order_with_both_impurity_channels():
    """Independent solver: scipy DOP853 (rtol 1e-12) on the Eq. (9) right-hand side."""
    coefficients, state, weight = disordered_coefficients(n_levels=120)
    t_end = 10.0
    reference = solve_ivp(
        kernels.rhs_reference,
        (0.0, t_end),
        np.concatenate(state),
        method="DOP853",
        rtol=1e-12,
        atol=1e-13,
        args=(coefficients, weight),
        t_eval=np.linspace(0.0, t_end, 201),
    )
    ref_gap = weight * reference.y.reshape(3, -1, 201)[0].sum(axis=0)
    errors = []
    for dt in (0.0125, 0.00625):
        run = quench.evolve(state, coefficients, weight, 1.0, dt, int(round(t_end / dt)))
        errors.append(np.max(np.abs(run.gaps[:: int(round(0.05 / dt))] - ref_gap)))
    assert 12.0 < errors[0] / errors[1] < 20.0
    assert errors[1] < 1e-6


@pytest.mark.parametrize("order", [2, 4, 6])
def test_convergence_order_in_the_step_with_sources(order):
    """Halving h divides the Delta(t) error by ~2^order (Eq. 9 with the source terms on)."""
    coefficients, state, weight = disordered_coefficients(n_levels=300)
    t_end, steps = 10.0, (0.1, 0.05, 0.025, 0.0125)
    finals = []
    for dt in steps:
        run = quench.evolve(state, coefficients, weight, 1.0, dt, int(t_end / dt), order=order)
        finals.append(run.gaps[-1])
    errors = np.abs(np.diff(finals))
    ratio = errors[-2] / errors[-1]
    assert 0.7 * 2**order < ratio < 1.5 * 2**order, (errors, ratio)


def test_clean_quench_keeps_unit_norm_and_conserves_bcs_energy():
    """Clean limit: |S_p| = 1 to round-off and H = -2 sum eps S^z + g (sum S^x)^2 conserved."""
    setup = spec()
    cutoff = quench.cutoff_for_unit_gap(setup.lambda_f, setup.n_levels)
    eps = quench.level_grid(setup.n_levels, cutoff)
    weight = quench.coupling_weight(setup.lambda_f, setup.n_levels, cutoff)
    gap0 = quench.clean_gap(setup.lambda_i, setup.n_levels, cutoff)
    energy0 = np.sqrt(eps**2 + gap0**2)
    state = (gap0 / energy0, np.zeros_like(eps), -eps / energy0)
    zero = np.zeros_like(eps)
    coefficients = dict(eps=eps, energy=np.sqrt(eps**2 + 1.0), a=zero, b=zero, c=zero, d=zero)
    run = quench.evolve(state, coefficients, weight, 1.0, 0.02, 2500)
    assert run.max_norm_deviation < 1e-12
    # energy per level spacing (an intensive number ~ Delta_1^2)
    drift = abs(quench.bcs_energy(run.state, eps, weight) - quench.bcs_energy(state, eps, weight))
    spacing = 2 * cutoff / setup.n_levels
    assert drift * spacing < 1e-4


def lax_root(state, eps: np.ndarray, weight: float) -> float:
    """Asymptotic gap of a clean quench from integrability (P1 ref. [8], Yuzbashyan et al.):
    the isolated root u = i Delta_inf of the conserved L(u)^2, L(u) = sum_p S_p/(u - eps_p) -
    z/g, on the imaginary axis near Delta_1 (independent of the time evolution)."""
    sx, _, sz = state

    def lax_norm(v):
        lx = np.sum(sx / (1j * v - eps))
        lz = np.sum(sz / (1j * v - eps)) - 1.0 / weight
        return (lx * lx + lz * lz).real

    grid = np.linspace(0.5, 1.5, 201)
    values = [lax_norm(v) for v in grid]
    brackets = [k for k in range(grid.size - 1) if values[k] * values[k + 1] < 0]
    assert len(brackets) == 1
    return optimize.brentq(lax_norm, grid[brackets[0]], grid[brackets[0] + 1], xtol=1e-14)


@pytest.mark.parametrize("ratio", [0.95, 1.05])
def test_volkov_kogan_amplitude_phase_decay_and_asymptotic_gap(ratio):
    """Clean small quench Delta_i -> Delta_f = 1 (P1 refs. [1], [8], [12]):
    Delta = D_inf + a cos(2 D_inf t + pi/4)/sqrt(D_inf t) with a = 2 (Delta_i - Delta_f)/pi^1.5
    (phase pi/4 - pi for an increased pairing, a < 0), and D_inf the Lax-vector root.
    Measured at N = 4000, t <= 300: a/prediction 1.004 (1.05) and 1.056 (0.95)
    (O(Delta_i - Delta_f) corrections of opposite sign); D_inf equal to the root to 2e-6."""
    result = quench.simulate(
        spec(lambda_i=1.0 / np.arcsinh(10.0 / ratio), n_levels=1600, dt=0.04, t_max=200.0)
    )
    t, gap = analysis.late_window(result.time, result.gaps, 30.0)
    fit = analysis.fit_decaying_cosine(t, gap)
    delta_i = result.gap_initial_clean
    assert abs(delta_i - ratio) < 1e-3
    assert abs(fit.omega / (2 * fit.mean) - 1.0) < 2e-3
    expected_phase = np.pi / 4 if delta_i > 1.0 else np.pi / 4 - np.pi
    assert abs(np.angle(np.exp(1j * (fit.phase - expected_phase)))) < 0.1
    predicted = 2 * abs(delta_i - 1.0) / np.pi**1.5
    assert abs(fit.amplitude * np.sqrt(fit.mean) / predicted - 1.0) < 0.07
    exponent, _ = analysis.envelope_exponent(t, gap, fit.mean)
    assert abs(exponent + 0.5) < 0.05
    cutoff = result.cutoff
    eps = quench.level_grid(1600, cutoff)
    energy = np.sqrt(eps**2 + delta_i**2)
    initial = (delta_i / energy, np.zeros_like(eps), -eps / energy)
    root = lax_root(initial, eps, quench.coupling_weight(LAMBDA_F, 1600, cutoff))
    assert 1.0 - root > 1e-4  # the clean quench lowers the gap at second order either way
    assert abs(fit.mean - root) < 2e-5


def test_no_quench_clean_equilibrium_is_stationary():
    result = quench.simulate(spec(lambda_i=LAMBDA_F, t_max=30.0, n_levels=1000, dt=0.04))
    assert np.max(np.abs(result.gaps - 1.0)) < 1e-10


def test_no_quench_ag_state_drifts_at_second_order_in_zeta():
    """Our choice (docs/physics_notes.md): the AG state (Eq. 12) is stationary under Eq. (9)
    only to first order in zeta, so without a quench Delta drifts by O(zeta^2)."""
    drifts = []
    for zeta in (0.05, 0.1):
        result = quench.simulate(
            spec(
                lambda_i=LAMBDA_F,
                zeta=zeta,
                initial_state="ag",
                t_max=40.0,
                n_levels=1000,
                dt=0.04,
            )
        )
        drifts.append(np.max(np.abs(result.gaps - result.gaps[0])))
    assert drifts[1] < 0.05 * 0.1
    assert 3.0 < drifts[1] / drifts[0] < 5.5  # ~ zeta^2


def late_amplitudes(disorder: str, zeta: float) -> list[float]:
    """Fitted oscillation amplitude in [100, 190] and [190, 280] (N = 2000: revival at
    pi N/(2 omega_D) ~ 314, beyond the windows)."""
    result = quench.simulate(
        spec(disorder=disorder, zeta=zeta, t_max=280.0, n_levels=2000, dt=0.04)
    )
    amplitudes = []
    for start, stop in ((100.0, 190.0), (190.0, 280.0)):
        t, gap = analysis.late_window(result.time, result.gaps, start, stop)
        amplitudes.append(analysis.fit_sinusoid(t, gap, omega_max=6.0).amplitude)
    return amplitudes


def test_paramagnetic_oscillation_persists_and_grows_linearly_in_zeta():
    """P1 Fig. 2: at t >~ tau_s the oscillation stops decaying (clean: ratio
    sqrt(145/235) = 0.79 of a t^(-1/2) decay; measured 0.79) and its amplitude ~ zeta."""
    weak, strong = late_amplitudes("paramagnetic", 0.05), late_amplitudes("paramagnetic", 0.1)
    assert strong[1] / strong[0] > 0.9
    assert 1.7 < strong[1] / weak[1] < 2.3


def test_nonmagnetic_oscillation_decays_at_least_like_inverse_sqrt_t():
    """P1 Fig. 3(a): with tau_s -> infinity the oscillation decays (t^(-1/2): ratio 0.79)."""
    early, late = late_amplitudes("nonmagnetic", 0.1)
    assert late / early < 0.82


def test_doubling_levels_changes_delta_below_tolerance():
    """Convergence in N on the window before the finite-N revival (t << pi N/omega_D)."""
    runs = [quench.simulate(spec(n_levels=n, zeta=0.1, t_max=60.0, dt=0.04)) for n in (1000, 2000)]
    assert np.max(np.abs(runs[0].gaps - runs[1].gaps)) < 1e-4


def test_projection_angle_makes_l0_the_initial_bcs_spin():
    """Eq. (11) at t = 0 with the projection theta_p is the BCS pseudospin at Delta_0."""
    eps = np.linspace(-5, 5, 101)
    cos_t, sin_t = quench.projection_angle(eps, 1.1, 0.97)
    energy = np.sqrt(eps**2 + 0.97**2)
    lx = 0.97 / energy * cos_t + eps / energy * sin_t
    lz = -eps / energy * cos_t + 0.97 / energy * sin_t
    energy0 = np.sqrt(eps**2 + 1.1**2)
    assert np.allclose(lx, 1.1 / energy0, atol=1e-14)
    assert np.allclose(lz, -eps / energy0, atol=1e-14)


def test_w_eq40_matches_integral_representation_eq68():
    """Suppl. Eq. (68): w/E = (2/(pi Delta)) int_0^inf du/(sqrt(1+u^2)(1+u^2+x^2))."""
    for x in (0.0, 0.3, 2.0, 7.0):
        integral = quad(lambda u, x=x: 1 / (np.sqrt(1 + u * u) * (1 + u * u + x * x)), 0, np.inf)
        w = quench.w_eq40(np.array([x]), 1.0)[0]
        assert abs(w / np.sqrt(1 + x * x) - 2 / np.pi * integral[0]) < 1e-10


def test_principal_value_quadrature_against_closed_form():
    """P int_{-W}^{W} dx g(x)/(x^2-e^2), g = 1/(x^2+a^2), by partial fractions."""
    cutoff, a, n = 8.0, 0.7, 4000
    eps = quench.level_grid(n, cutoff)
    energy = np.ones_like(eps)
    cos_theta = 1.0 + 1.0 / (eps**2 + a * a)  # so (cos theta - 1)/E = g
    numeric = kernels.principal_value_correction(eps, energy, cos_theta, cutoff)
    e = np.abs(eps[[1000, 2000, 2600, 3500]])
    exact = (np.log((cutoff - e) / (cutoff + e)) / e - 2 / a * np.arctan(cutoff / a)) / (
        a * a + e * e
    )
    assert np.max(np.abs(numeric[[1000, 2000, 2600, 3500]] - exact)) < 1e-4


def test_w_eq39_matches_quadrature_of_suppl_eq39():
    """Suppl. Eq. (39), constant DOS: W_p = -(D E_p/pi) P int de cos theta/(E (e^2 - e_p^2)),
    cos theta = projection inside the band, 1 outside; scipy's Cauchy-weight quadrature of
    the even integrand against w_eq39 (grid principal value). Measured: <= 9e-9."""
    cutoff, gap_steady, gap_initial = 10.0, 1.0, 1.3
    eps = quench.level_grid(4000, cutoff)
    cos_theta, _ = quench.projection_angle(eps, gap_initial, gap_steady)
    w = quench.w_eq39(eps, gap_steady, cos_theta, cutoff)

    def cos_of(e):
        return quench.projection_angle(np.array([e]), gap_initial, gap_steady)[0][0]

    for index in (2000, 2100, 2400, 3000, 3900):
        level = abs(eps[index])
        inner = quad(
            lambda e, level=level: cos_of(e) / (np.hypot(e, gap_steady) * (e + level)),
            0.0,
            cutoff,
            weight="cauchy",
            wvar=level,
            limit=400,
        )[0]
        outer = quad(
            lambda e, level=level: 1.0 / (np.hypot(e, gap_steady) * (e * e - level * level)),
            cutoff,
            np.inf,
        )[0]
        exact = -(gap_steady * np.hypot(level, gap_steady) / np.pi) * 2.0 * (inner + outer)
        assert abs(w[index] - exact) < 1e-7
    assert abs(w[2000] - quench.w_eq40(eps[2000:2001], gap_steady)[0]) > 1e-2  # not Eq. (40)


def test_invalid_option_is_rejected():
    with pytest.raises(ValueError, match="theta"):
        quench.simulate(spec(theta="exact"))


def paper_resolution(zeta: float) -> quench.QuenchResult:
    """P1 Fig. 2 resolution: N = 15024, t = 400 (revival at pi N/(2 omega_D) = 2360)."""
    return quench.simulate(
        spec(
            n_levels=15024,
            dt=0.02,
            t_max=400.0,
            zeta=zeta,
            steady_gap="clean_run",
            clean_t_max=200.0,
            n_quadrature=200,
        )
    )


@pytest.mark.slow
def test_quench_frequency_follows_eq71_not_printed_eq13():
    """Key result: omega/2D of the persistent oscillation (D = late mean gap, x = 1/(tau_s D))
    matches the exact linearisation of Eq. (9) (Eq. 71 root, equilibrium stage), not the
    printed Eq. (13) sqrt(1 - x^2). Measured (N = 15024): 0.98875 vs 0.98910 (Eq. 71),
    0.93720 (Eq. 13) at zeta = 0.3."""
    from higgsdyn.equilibrium.ag import AGPoint, solve_higgs_b

    result = paper_resolution(0.3)
    t, gap = analysis.late_window(result.time[::5], result.gaps[::5], 200.0)
    fit = analysis.fit_sinusoid(t, gap, omega_max=6.0)
    x = 0.3 / fit.mean
    point = AGPoint(x, 0.0, result.cutoff / fit.mean, 1.0, 3, 200, 1e-12)
    eq71 = np.sqrt(1.0 - solve_higgs_b(point, 1.0) ** 2)
    measured = fit.omega / (2.0 * fit.mean)
    assert abs(measured / eq71 - 1.0) < 2e-3
    assert measured - np.sqrt(1.0 - x * x) > 0.04


def default_point(label: str, zeta: float):
    """The config.yaml quench point (figure grid, lambda_f = 1/asinh(10)) as a dataset."""
    from higgsdyn.pseudospin import expand_grids, run_point

    settings = yaml.safe_load((REPO / "config/config.yaml").read_text())["p1"]["quench"]
    for params in expand_grids(settings):
        point = quench.QuenchParams(**params)
        if point.label == label and point.zeta == zeta and point.lambda_f == LAMBDA_F:
            return run_point(params)
    raise LookupError((label, zeta))


@pytest.mark.slow
def test_fig3b_offset_with_clean_bcs_initial_state():
    """P1 Fig. 3(b), paper's direction (pairing increased, Delta_0/Delta_1 = 0.95), config
    defaults (N = 15024, window [800, 1600]): A ~ 0.39 is reproduced by the clean BCS initial
    state (measured 0.380 at zeta = 0.1), not by the AG state of Eq. (12) (0.690); the
    free-frequency B = 0.0129 is the caption's order (0.01), the caption's fixed 2 Delta_1 form
    gives B_fixed = 1.4e-4 (it averages an oscillation at omega = 1.922 to nothing)."""
    for label, low, high in (("paramagnetic", 0.35, 0.42), ("paramagnetic_ag_initial", 0.6, 0.75)):
        point = default_point(label, 0.1)
        assert low < float(point["A"]) < high, (label, float(point["A"]))
        assert float(point["B_fixed"]) < 0.1 * float(point["B"])
        assert abs(float(point["omega_fit"]) - 2.0) > 0.05


@pytest.mark.slow
def test_default_late_statistics_converged_at_smallest_zeta():
    """Issue 14: at zeta = 0.05 the amplitude still decays at t = 400; over the default window
    [800, 1600] the two halves agree to 5% (measured -2.8%), while [200, 400] overestimates the
    converged amplitude by > 15% (measured R = 1.651e-3, 1.441e-3, 1.345e-3, 1.294e-3, ...,
    1.231e-3 in consecutive 200-long windows from t = 200 to 2000)."""
    point = default_point("paramagnetic", 0.05)
    assert abs(float(point["steady_amplitude_drift"])) < 0.05
    early = point.sel(time=slice(200.0, 400.0))
    fit = analysis.fit_sinusoid(early["time"].values, early["gap_t"].values, omega_max=6.0)
    assert fit.amplitude > 1.15 * float(point["steady_amplitude"])


@pytest.mark.slow
def test_nonmagnetic_envelope_decays_faster_than_the_caption_t_minus_half():
    """P1 Fig. 3(a) caption: t^(-1/2) with nonmagnetic disorder. Measured envelope exponent on
    [200, 1600] (config defaults): -0.757 +- 0.017 (zeta = 0.05), -0.921 +- 0.015 (0.1),
    -1.066 +- 0.014 (0.2); the clean ringing gives -0.4994 +- 0.0006 on the same interval.
    The mean sits above Delta_1 by 0.34 zeta (Anderson's theorem violated)."""
    point = default_point("nonmagnetic", 0.1)
    exponent, error = float(point["decay_exponent"]), float(point["decay_exponent_err"])
    assert exponent + 0.5 < -10 * error
    assert 0.3 < (float(point["steady_mean"]) - 1.0) / 0.1 < 0.4


@pytest.mark.slow
def test_default_step_and_order_meet_the_step_halving_criterion_to_t400():
    """config.yaml's (dt, order) at P1 Fig. 2 resolution (N = 15024, t = 400, zeta = 0.1):
    halving the step changes Delta(t) by < 1e-5 Delta_1 (issue 3; measured 3.0e-6 at order 6,
    h = 1/32), and the change falls at the order's rate (order 6: 2^6 = 64)."""
    block = yaml.safe_load((REPO / "config/config.yaml").read_text())["p1"]["quench"]
    dt, order = block["dt"], block["order"]

    def gaps(h):
        settings = dict(n_levels=15024, t_max=400.0, zeta=0.1, order=order)
        return quench.simulate(spec(dt=h, **settings, clean_t_max=200.0, n_quadrature=200)).gaps

    coarse, fine, finest = gaps(2 * dt), gaps(dt), gaps(dt / 2)
    change = np.max(np.abs(fine - finest[::2]))
    assert change < 1e-5
    assert np.max(np.abs(coarse - fine[::2])) / change > 0.5 * 2**order
