"""P1 Abrikosov-Gor'kov equilibrium (Suppl. Eqs. 9-15, 40, 52-76) against independent checks.

References are scipy.quad of the printed integrals, closed forms and limits; see
docs/physics_notes.md "P1" for the derivations behind the asymptotic tolerances.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import integrate

from higgsdyn.equilibrium import AGPoint, ag, solve_ag_point
from higgsdyn.pseudospin.quench import w_eq40

BASE = dict(omega_D=20.0, energy_max=4.0, n_energy=161, n_quadrature=64, root_tol=1e-13)


def point(zeta_s: float, zeta_u: float = 0.0, **overrides) -> AGPoint:
    return AGPoint(zeta_s=zeta_s, zeta_u=zeta_u, **{**BASE, **overrides})


def quad(function, lower, upper, **kwargs) -> float:
    kwargs = {"epsabs": 1e-14, "epsrel": 1e-13, "limit": 500, **kwargs}
    return integrate.quad(function, lower, upper, **kwargs)[0]


def sx_quad(x: float, zeta_s: float, zeta_m: float) -> float:
    """Eq. 63 integrand as printed, integrated by scipy.quad."""

    def integrand(u):
        r = np.sqrt(1 + u * u)
        return (r - zeta_m) * (r**3 - zeta_s) / (r**4 * ((r - zeta_m) ** 2 + x * x))

    return 2 / np.pi * quad(integrand, 0, np.inf)


def sz_quad(x: float, zeta_s: float, zeta_m: float) -> float:
    """Eq. 66 integrand as printed, integrated by scipy.quad."""

    def integrand(u):
        r = np.sqrt(1 + u * u)
        return (r**3 - zeta_s) / (r**3 * ((r - zeta_m) ** 2 + x * x))

    return -2 * x / np.pi * quad(integrand, 0, np.inf)


def energy_from_u(u, zeta_s: float):
    """Eq. 52 as printed: eps/Delta_0 = u (1 - zeta_s/sqrt(1 - u^2)), principal root."""
    return u * (1 - zeta_s / np.sqrt(1 - u * u))


# --- Eqs. 63/66 profiles -----------------------------------------------------------------


def test_clean_limit_eq63_eq66_is_bcs():
    """Eqs. 63/66 at zeta_s = zeta_u = 0: S^x = Delta/E, S^z = -eps/E, Delta_0 = Delta_00."""
    ds = solve_ag_point(point(0.0))
    energy = ds.energy.values
    e_qp = np.sqrt(energy**2 + 1.0)
    assert float(ds.gap) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(ds.sx, 1.0 / e_qp, atol=1e-13)
    np.testing.assert_allclose(ds.sz, -energy / e_qp, atol=1e-13)


@pytest.mark.parametrize("zeta_s, zeta_u", [(0.3, 0.0), (0.9, 0.3), (0.0, 0.5), (0.2, 0.2)])
def test_profiles_eq63_eq66_match_quad(zeta_s, zeta_u):
    """Gauss-Legendre Eqs. 63/66 equal scipy.quad of the printed integrals, incl. |x| >> 1.

    n = 128: the disorder structure at u ~ 1 sits at t ~ 2/(pi x) of the map, so |x| = 120
    needs more nodes than the |x| < 10 of the default grid (n = 64 gives 1.5e-8 there).
    """
    zeta_m = 0.5 * (zeta_s - zeta_u)
    x = np.array([0.0, 0.2, 0.9, 1.0, 3.0, 17.0, 120.0])
    sx, sz = ag.pseudospin_profiles(x, zeta_s, zeta_m, 128)
    np.testing.assert_allclose(sx, [sx_quad(v, zeta_s, zeta_m) for v in x], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(sz, [sz_quad(v, zeta_s, zeta_m) for v in x], rtol=1e-10, atol=1e-13)


def test_quadrature_convergence_n_quadrature():
    """All outputs (Eqs. 10, 52, 63, 66, 71) converge geometrically in n_quadrature."""
    reference = solve_ag_point(point(0.5, 0.1, n_quadrature=400))
    names = ["gap", "sx", "sz", "omega_higgs", "dos", "gap_threshold"]
    errors = {}
    for n in (16, 24, 48):
        ds = solve_ag_point(point(0.5, 0.1, n_quadrature=n))
        errors[n] = max(float(np.max(np.abs(ds[k] - reference[k]))) for k in names)
    assert errors[16] < 1e-4
    assert errors[24] < errors[16] / 100
    assert errors[48] < 1e-11


# --- Eq. 10 gap: Eq. 65 and Anderson theorem (Eq. 57) ----------------------------------------


def test_pairing_integral_eq10_matches_x_quadrature():
    """Analytic x-integral 2 atan(L/a) of Eq. 63 equals scipy.quad over x of S^x."""
    zeta_s, zeta_m, cutoff = 0.4, 0.1, 25.0
    fast = ag.pairing_integral(cutoff, zeta_s, zeta_m, 64)

    def sx_of_x(x):
        return ag.pseudospin_profiles(np.array([x]), zeta_s, zeta_m, 64)[0][0]

    assert fast == pytest.approx(2 * quad(sx_of_x, 0, cutoff), rel=1e-11)


def cutoff_correction_eq65(gap: float, p: AGPoint) -> float:
    """Leading finite-cutoff correction to ln(Delta_0) + pi zeta_s/4 (physics_notes P1)."""
    cutoff = p.omega_D / gap
    leading = p.zeta_m * np.log(2 * cutoff) + p.zeta_s * (1 - np.pi * p.zeta_m / 4)
    return 2 / np.pi * leading / cutoff


@pytest.mark.parametrize("zeta_s, zeta_u", [(0.2, 0.0), (0.5, 0.0), (0.3, 0.2)])
def test_gap_eq65_exact_for_infinite_cutoff(zeta_s, zeta_u):
    """Eq. 10 self-consistent gap -> Eq. 65 as omega_D -> inf, difference ~ ln(omega_D)/omega_D."""
    differences = []
    for omega_d in (1e3, 1e4):
        p = point(zeta_s, zeta_u, omega_D=omega_d, n_quadrature=128)
        ds = solve_ag_point(p)
        difference = np.log(float(ds.gap) / float(ds.gap_eq65))
        # next order is O(zeta^2/L, 1/L^2), i.e. < 1e-3 of the leading term here
        assert difference == pytest.approx(cutoff_correction_eq65(float(ds.gap), p), rel=1e-3)
        differences.append(difference)
    assert abs(differences[1]) < abs(differences[0]) / 5


def test_anderson_theorem_eq57_deviation_shrinks_with_cutoff():
    """Eq. 57: nonmagnetic disorder leaves Delta_0 = Delta_00 up to -(zeta_u/pi) ln(2L)/L."""
    deviations = []
    for omega_d in (20.0, 1e3, 1e4):
        p = point(0.0, 0.4, omega_D=omega_d, n_quadrature=128)
        gap = float(solve_ag_point(p).gap)
        deviations.append(np.log(gap))
        tolerance = 1e-3 if omega_d >= 1e3 else 1e-2  # O(1/L^2) relative to O(ln L/L)
        assert np.log(gap) == pytest.approx(cutoff_correction_eq65(gap, p), rel=tolerance)
    assert abs(deviations[2]) < abs(deviations[1]) / 5 < abs(deviations[0]) / 25


# --- Eqs. 9, 41, 67-69: the eps S^x + Delta_0 S^z relation -----------------------------------


@pytest.mark.parametrize("rate_ratio", [0.0, 0.5])
def test_eq69_printed_factor_two_too_large(rate_ratio):
    """Eqs. 63/66 obey Eq. 9's -eps w/(2 tau_m E) to O(zeta^2); printed Eq. 69 is twice that.

    rate_ratio = zeta_u/zeta_s (0: paramagnetic only; 0.5: mixed, zeta_m = zeta_s/4).
    """
    deviations = []
    for zeta_s in (0.02, 0.04):
        p = point(zeta_s, rate_ratio * zeta_s)
        ds = solve_ag_point(p)
        exact, eom = ds.sx_sz_combination.values, ds.sx_sz_combination_eom.values
        printed = ds.sx_sz_combination_eq69.values
        gap, energy = float(ds.gap), ds.energy.values
        x = energy / gap
        # -eps w/(2 tau_m E) in Delta_00 with 1/(2 tau_m) = zeta_m Delta_0, w from Eq. 40
        np.testing.assert_allclose(
            eom, -p.zeta_m * gap * x * w_eq40(x, 1.0) / np.sqrt(1 + x * x), rtol=1e-13, atol=1e-16
        )
        np.testing.assert_allclose(printed, 2 * eom, rtol=1e-14)
        deviations.append(np.max(np.abs(exact - eom)))
        nonzero = np.abs(energy) > 0.1
        # ratio is 1 + O(zeta) (rates dropped in Eq. 68): observed 0.26-0.33 zeta_s
        np.testing.assert_allclose(exact[nonzero] / eom[nonzero], 1.0, atol=0.5 * zeta_s)
        np.testing.assert_allclose(exact[nonzero] / printed[nonzero], 0.5, atol=0.25 * zeta_s)
    assert deviations[1] / deviations[0] == pytest.approx(4.0, rel=0.1)  # O(zeta^2)


def test_eq67_exact_combination_matches_quad():
    """Eq. 67 corrected: x S^x + S^z = -zeta_m (2x/pi) int du (1 - zeta_s/R^3)/(R (a^2 + x^2)).

    Exact consequence of Eqs. 63/66; printed Eq. 67 has 1/(tau_m Delta_0) = 2 zeta_m in front.
    """
    zeta_s, zeta_m = 0.5, 0.15
    x = np.array([0.3, 1.0, 4.0])
    sx, sz = ag.pseudospin_profiles(x, zeta_s, zeta_m, 64)
    for xi, combination in zip(x, x * sx + sz, strict=True):

        def integrand(u, xi=xi):
            r = np.sqrt(1 + u * u)
            return (1 - zeta_s / r**3) / (r * ((r - zeta_m) ** 2 + xi * xi))

        expected = -zeta_m * 2 * xi / np.pi * quad(integrand, 0, np.inf)
        assert combination == pytest.approx(expected, rel=1e-10)


# --- Eqs. 71-75: Higgs frequency -------------------------------------------------------------


@pytest.mark.parametrize("zeta_s, zeta_u, b", [(0.5, 0.0, 0.2), (0.3, 0.1, 0.7), (0.0, 0.4, 0.05)])
def test_eq71_function_matches_quad(zeta_s, zeta_u, b):
    """Eq. 71 with analytic eps-integral equals scipy.quad over eps of the printed integrand."""
    zeta_m, cutoff = 0.5 * (zeta_s - zeta_u), 20.0

    def integrand(x):
        sx, sz = ag.pseudospin_profiles(np.array([x]), zeta_s, zeta_m, 64)
        return sx[0] + x * sz[0] / (x * x + b * b)

    reference = 2 * quad(integrand, 0, cutoff, epsabs=1e-12, epsrel=1e-11)
    assert float(ag.higgs_function(b, cutoff, zeta_s, zeta_m, 64)) == pytest.approx(
        reference, abs=1e-10
    )


@pytest.mark.parametrize("zeta_s, zeta_u", [(0.3, 0.0), (0.0, 0.3), (0.3, 0.3), (0.6, 0.2)])
def test_eq71_at_gap_edge_is_minus_zeta_m_times_positive(zeta_s, zeta_u):
    """Eq. 71 at omega = 2 Delta_0 (b = 0) is -zeta_m * P with P > 0 (zero at zeta_m = 0)."""
    zeta_m = 0.5 * (zeta_s - zeta_u)
    general = float(ag.higgs_function(0.0, 21.0, zeta_s, zeta_m, 64))
    edge = ag.higgs_function_at_gap_edge(21.0, zeta_s, zeta_m, 64)
    assert general == pytest.approx(edge, abs=1e-13)
    assert np.sign(edge) == -np.sign(zeta_m)


def test_higgs_clean_limit_eq71():
    """Eq. 71 at zeta = 0: omega_Higgs = 2 Delta_0 exactly; small zeta_s stays within zeta^2."""
    clean = solve_ag_point(point(0.0))
    assert float(clean.omega_higgs) == 2 * float(clean.gap)
    ds = solve_ag_point(point(1e-3))
    assert float(ds.omega_higgs) / (2 * float(ds.gap)) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("zeta_s", [0.1, 0.5, 0.9])
def test_higgs_root_eq71_tends_to_corrected_eq75(zeta_s):
    """Eq. 71 root b = sqrt(1 - (omega/2 Delta_0)^2) -> zeta_m as omega_D -> inf (corrected Eq. 75).

    For omega_D = inf, Eq. 71 is F = 2 (b - zeta_m) int du (1 - zeta_s/R^3)/(R (R - zeta_m + b)),
    so the bound is a finite-cutoff effect |b - zeta_m| <= zeta_m ln(2L)/L.
    """
    zeta_m = zeta_s / 2
    for omega_d in (1e2, 1e4):
        ds = solve_ag_point(point(zeta_s, omega_D=omega_d, n_quadrature=128))
        gap = float(ds.gap)
        b = np.sqrt(1 - (float(ds.omega_higgs) / (2 * gap)) ** 2)
        cutoff = omega_d / gap
        assert abs(b - zeta_m) <= zeta_m * np.log(2 * cutoff) / cutoff
    printed_b = zeta_s  # Eq. 75 as printed: far outside the bound
    assert abs(printed_b - zeta_m) > 100 * zeta_m * np.log(2 * cutoff) / cutoff


def test_higgs_default_cutoff_error_is_order_zeta_squared():
    """omega_D = 20: Eq. 71 root - corrected Eq. 75 = O(zeta^2 ln(2L)/L); Eq. 13 is far off."""
    errors = []
    for zeta_s in (0.05, 0.1):
        ds = solve_ag_point(point(zeta_s))
        gap = float(ds.gap)
        numeric = float(ds.omega_higgs) / (2 * gap)
        corrected = float(ds.omega_higgs_corrected) / (2 * gap)
        printed = float(ds.omega_higgs_eq13) / (2 * gap)
        cutoff = 20.0 / gap
        errors.append(numeric - corrected)
        assert 0 < numeric - corrected < (zeta_s / 2) ** 2 * np.log(2 * cutoff) / cutoff
        assert numeric - printed > 10 * (numeric - corrected)
    assert errors[1] / errors[0] == pytest.approx(4.0, rel=0.05)


@pytest.mark.parametrize("zeta_s, zeta_u", [(0.0, 0.1), (0.0, 0.5), (0.1, 0.3)])
def test_nonmagnetic_eq15_no_higgs_root(zeta_s, zeta_u):
    """zeta_m < 0: no zero of Eq. 71 below 2 Delta_0, Re F(omega + i0) > 0 above (and at Eq. 15).

    omega_higgs is then NaN by definition; the only zero is on the unphysical sheet at b ~ zeta_m.
    """
    ds = solve_ag_point(point(zeta_s, zeta_u, n_quadrature=96))
    assert np.isnan(float(ds.omega_higgs)) and np.isnan(float(ds.omega_higgs_corrected))
    zeta_m, gap = 0.5 * (zeta_s - zeta_u), float(ds.gap)
    cutoff = 20.0 / gap
    args = (cutoff, zeta_s, zeta_m, 96)
    below = ag.higgs_function(np.linspace(0, 1, 401), *args)
    half_omega = np.linspace(1.0005, 0.9 * np.hypot(1, cutoff), 400)
    above = ag.higgs_function(-1j * np.sqrt(half_omega**2 - 1), *args)
    assert below.min() > 0 and above.real.min() > 0
    eq15 = float(ds.omega_higgs_eq15) / (2 * gap)
    at_eq15 = complex(ag.higgs_function(-1j * np.sqrt(eq15**2 - 1), *args))
    assert at_eq15.real > 0.5 * below.min()
    # second-sheet zero (b < 0): within the finite-cutoff bound of zeta_m
    unphysical = ag._brentq(
        lambda b: float(ag.higgs_function(b, *args)),
        2 * zeta_m,
        0.0,
        1e-13,
        point(zeta_s, zeta_u),
        "second-sheet zero",
    )
    assert abs(unphysical - zeta_m) <= abs(zeta_m) * np.log(2 * cutoff) / cutoff


def test_mixed_disorder_positive_zeta_m_has_root_below_gap():
    """Eq. 71 with both rates, zeta_m = (zeta_s - zeta_u)/2 > 0: root below 2 Delta_0."""
    ds = solve_ag_point(point(0.3, 0.1))
    assert float(ds.omega_higgs) < 2 * float(ds.gap)
    assert float(ds.omega_higgs) == pytest.approx(float(ds.omega_higgs_corrected), rel=1e-3)


# --- Eqs. 52, 76: density of states and threshold ------------------------------------------------


@pytest.mark.parametrize("zeta_s", [0.0, 0.05, 0.3, 0.9, 0.99])
def test_threshold_eq76(zeta_s):
    """Numeric max of Eq. 52 over real u equals Eq. 76 Delta_0 (1 - zeta^(2/3))^(3/2)."""
    ds = solve_ag_point(point(zeta_s))
    assert float(ds.gap_threshold) == pytest.approx(float(ds.gap_threshold_eq76), abs=1e-12)


def test_dos_bcs_limit_eq52():
    """Eq. 52 at zeta_s = 0 (any zeta_u): BCS DOS |eps|/sqrt(eps^2 - Delta^2), 0 in the gap."""
    ds = solve_ag_point(point(0.0, 0.3))
    x = ds.energy.values / float(ds.gap)
    bcs = np.where(np.abs(x) > 1, np.abs(x) / np.sqrt(np.abs(x * x - 1) + (np.abs(x) <= 1)), 0)
    np.testing.assert_allclose(ds.dos, bcs, rtol=1e-12)


@pytest.mark.parametrize("zeta_s", [0.05, 0.5, 0.95])
def test_dos_eq52_gap_and_continuum(zeta_s):
    """DOS = 0 for |eps| < Delta_th, > 0 above; chosen root solves unsquared Eq. 52, Im u > 0."""
    ds = solve_ag_point(point(zeta_s))
    energy, dos, threshold = ds.energy.values, ds.dos.values, float(ds.gap_threshold)
    assert np.all(dos[np.abs(energy) < threshold] == 0)
    assert np.all(dos[np.abs(energy) > threshold] > 0)
    np.testing.assert_allclose(dos, dos[::-1], atol=0)
    e = np.linspace(threshold, 50, 2001)[1:] / float(ds.gap)
    u = ag.retarded_u(e, zeta_s)
    assert np.all(u.imag > 0)
    np.testing.assert_allclose(energy_from_u(u, zeta_s), e, atol=1e-9)  # sqrt(eps) at threshold


@pytest.mark.parametrize("zeta_s", [0.3, 0.7])
def test_dos_sum_rule_eq52(zeta_s):
    """Eq. 52 DOS sum rule: int_{-W}^{W} (N - 1) de = -1/W + O(W^-3), e = eps/Delta_0.

    -1/W is the missing tail of N - 1 = 1/(2 e^2) + O(e^-4) beyond |e| = W.
    """
    threshold = ag.spectral_threshold(zeta_s, 1e-13)
    half_width = 30.0

    def excess(e):
        return ag.density_of_states(np.array([e]), zeta_s, threshold)[0] - 1

    total = 2 * (
        quad(excess, 0, threshold)
        + quad(excess, threshold, half_width, epsabs=1e-11, points=[1, 2, 4])
    )
    assert abs(half_width * total + 1) < 1 / half_width**2


# --- contract and errors ---------------------------------------------------------------------


def test_dataset_contract():
    """Names, dims, units and long_names that the CLI and merge code rely on."""
    ds = solve_ag_point(point(0.3, 0.1, n_energy=11))
    scalars = [
        "gap",
        "gap_clean",
        "gap_eq65",
        "coupling",
        "gap_threshold",
        "gap_threshold_eq76",
        "omega_higgs",
        "omega_higgs_eq13",
        "omega_higgs_eq15",
        "omega_higgs_corrected",
    ]
    profiles = [
        "sx",
        "sz",
        "dos",
        "sx_sz_combination",
        "sx_sz_combination_eom",
        "sx_sz_combination_eq69",
    ]
    assert set(ds.data_vars) == set(scalars + profiles)
    assert all(ds[name].dims == () for name in scalars)
    assert all(ds[name].dims == ("energy",) for name in profiles)
    assert ds.energy.size == 11 and ds.energy.values[5] == 0.0
    for name in [*ds.data_vars, *ds.coords]:
        assert ds[name].attrs["units"] in ("Delta_00", "1") and ds[name].attrs["long_name"]
    assert ds.zeta_s.dims == () and float(ds.zeta_s) == 0.3 and float(ds.zeta_u) == 0.1
    assert float(ds.gap_clean) == 1.0
    assert float(ds.coupling) == pytest.approx(1 / np.arcsinh(20.0))
    assert ds.attrs["source_paper"] == "P1 Eqs. 10, 52, 63-66, 71, 75, 76"
    assert "n=64" in ds.attrs["solver"] and "xtol=1e-13" in ds.attrs["solver"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("zeta_s", 1.0),
        ("zeta_s", -0.1),
        ("zeta_u", -0.01),
        ("omega_D", 0.0),
        ("energy_max", -1.0),
        ("n_energy", 1),
        ("n_quadrature", 2.5),
        ("root_tol", 0.0),
    ],
)
def test_bad_input_raises_value_error_naming_parameter(field, value):
    """Outside 0 <= zeta_s < 1 (Eq. 62 monotone), zeta_u >= 0 etc.: ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(point(0.1), **{field: value})


def test_failed_solve_raises_runtime_error_with_point(monkeypatch):
    """A root solve that cannot converge reports (zeta_s, zeta_u, omega_D) in a RuntimeError."""
    monkeypatch.setattr(ag, "pairing_integral", lambda *args: np.nan)
    with pytest.raises(RuntimeError, match=r"zeta_s=0\.2, zeta_u=0\.1, omega_D=20\.0"):
        solve_ag_point(point(0.2, 0.1))


@pytest.mark.parametrize("zeta_s, zeta_u", [(0.5, 0.0), (0.0, 0.5), (0.9, 0.2)])
def test_paper_resolution_profiles_match_quad_on_full_grid(zeta_s, zeta_u):
    """Paper resolution (n_energy 801, n_quadrature 64): Eqs. 63/66 vs quad at every point."""
    ds = solve_ag_point(point(zeta_s, zeta_u, n_energy=801, root_tol=1e-12))
    zeta_m, x = 0.5 * (zeta_s - zeta_u), ds.energy.values / float(ds.gap)
    np.testing.assert_allclose(ds.sx, [sx_quad(v, zeta_s, zeta_m) for v in x], atol=1e-12)
    np.testing.assert_allclose(ds.sz, [sz_quad(v, zeta_s, zeta_m) for v in x], atol=1e-12)
