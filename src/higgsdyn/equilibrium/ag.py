"""Abrikosov-Gor'kov superconductor at T = 0 (P1 Suppl. Eqs. (52), (63)-(66), (71), (76)).

Energies inside this module are in units of the disordered gap Delta_0 unless a name
says otherwise (``x = eps/Delta_0``, ``cutoff = omega_D/Delta_0``); `solve_ag_point`
converts to the output unit Delta_00, the clean gap at the same coupling and cutoff.
Rates: zeta_s = 1/(tau_s Delta_0), zeta_u = 1/(tau_u Delta_0) (P1 Suppl. Eq. (64) convention) and
zeta_m = 1/(2 tau_m Delta_0) = (zeta_s - zeta_u)/2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import optimize

SOURCE_PAPER = "P1 Eqs. 10, 52, 63-66, 71, 75, 76"

# Below this |a - b| the divided difference in `_cutoff_tail_quotient` uses its
# midpoint Taylor series (truncation error ~ |a - b|^4 < 1e-12).
_TAYLOR_SWITCH = 1e-3


@dataclass(frozen=True)
class AGPoint:
    """One AG equilibrium parameter point (P1 Suppl. Eqs. (52), (63)-(66))."""

    zeta_s: float  # 1/(tau_s Delta_0), P1 Suppl. Eq. (64)
    zeta_u: float  # 1/(tau_u Delta_0)
    omega_D: float  # cutoff, units of Delta_00
    energy_max: float  # profile/DOS grid spans [-energy_max, energy_max], units Delta_00
    n_energy: int  # number of grid points (odd recommended so eps=0 is on it)
    n_quadrature: int  # u-quadrature nodes (P1 Suppl. Eq. (71)'s eps-integral is done analytically)
    root_tol: float  # absolute tolerance of the brentq root solves

    def __post_init__(self) -> None:
        requirements = {
            "zeta_s": (0.0 <= self.zeta_s < 1.0, "0 <= zeta_s < 1 (gapped AG regime, Eq. 62)"),
            "zeta_u": (0.0 <= self.zeta_u < np.inf, "finite zeta_u >= 0"),
            "omega_D": (0.0 < self.omega_D < np.inf, "finite omega_D > 0"),
            "energy_max": (0.0 < self.energy_max < np.inf, "finite energy_max > 0"),
            "n_energy": (int(self.n_energy) == self.n_energy >= 2, "integer n_energy >= 2"),
            "n_quadrature": (
                int(self.n_quadrature) == self.n_quadrature >= 4,
                "integer n_quadrature >= 4",
            ),
            "root_tol": (0.0 < self.root_tol < 1.0, "0 < root_tol < 1"),
        }
        for name, (ok, requirement) in requirements.items():
            if not ok:
                raise ValueError(f"{name}={getattr(self, name)!r} invalid: need {requirement}")

    @property
    def zeta_m(self) -> float:
        """1/(2 tau_m Delta_0) = (zeta_s - zeta_u)/2, P1 Suppl. Eq. (64) with
        1/tau_m = 1/tau_s - 1/tau_u."""
        return 0.5 * (self.zeta_s - self.zeta_u)

    def describe(self) -> str:
        """The parameter point for error messages."""
        return f"(zeta_s={self.zeta_s}, zeta_u={self.zeta_u}, omega_D={self.omega_D})"


def tangent_nodes(n: int, scale) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre rule for int_0^inf du mapped by u = scale * tan(pi t / 2).

    ``scale`` may be an array; the returned nodes/weights have shape scale.shape + (n,).
    """
    t, w = np.polynomial.legendre.leggauss(n)
    t, w = 0.5 * (t + 1.0), 0.5 * w
    scale = np.asarray(scale, dtype=float)[..., None]
    u = scale * np.tan(0.5 * np.pi * t)
    du = scale * (0.5 * np.pi) * w / np.cos(0.5 * np.pi * t) ** 2
    return u, du


def _pair_breaking_weights(u: np.ndarray, zeta_s: float, zeta_m: float):
    """R(u), the P1 Suppl. Eq. (62) Jacobian 1 - zeta_s/R^3 and a = R - zeta_m of
    P1 Suppl. Eqs. (63), (66)."""
    radius = np.sqrt(1.0 + u * u)
    return radius, 1.0 - zeta_s / radius**3, radius - zeta_m


def pseudospin_profiles(x, zeta_s: float, zeta_m: float, n: int):
    """S^x (P1 Suppl. Eq. (63)) and S^z (P1 Suppl. Eq. (66)) at x = eps/Delta_0.

    The u-map scale sqrt(1 + x^2) makes the clean integrand constant, so the rule is
    exact at zeta = 0 and converges geometrically otherwise.
    """
    x = np.asarray(x, dtype=float)
    u, du = tangent_nodes(n, np.sqrt(1.0 + x * x))
    radius, jacobian, a = _pair_breaking_weights(u, zeta_s, zeta_m)
    lorentz = du * jacobian / (a * a + x[..., None] ** 2)
    sx = (2.0 / np.pi) * np.sum(lorentz * a / radius, axis=-1)
    sz = -(2.0 / np.pi) * x * np.sum(lorentz, axis=-1)
    return sx, sz


def pairing_integral(cutoff: float, zeta_s: float, zeta_m: float, n: int) -> float:
    """int_{-L}^{L} S^x(x) dx with L = omega_D/Delta_0, the right side of P1 Eq. (10).

    The x-integral of P1 Suppl. Eq. (63) is analytic, 2 atan(L/a); the u-map scale sqrt(L) is the
    geometric mean of the integrand's two scales (1 and L).
    """
    u, du = tangent_nodes(n, np.sqrt(cutoff))
    radius, jacobian, a = _pair_breaking_weights(u, zeta_s, zeta_m)
    return float((4.0 / np.pi) * np.sum(du * jacobian * np.arctan(cutoff / a) / radius))


def solve_gap(point: AGPoint) -> float:
    """Delta_0/Delta_00 from P1 Eq. (10), 2/lambda = int S^x dx, with lambda = 1/asinh(omega_D)."""
    target = 2.0 * np.arcsinh(point.omega_D)

    def mismatch(gap: float) -> float:
        cutoff = point.omega_D / gap
        return pairing_integral(cutoff, point.zeta_s, point.zeta_m, point.n_quadrature) - target

    # Pair breaking only lowers the gap (P1 Suppl. Eq. (65) gives >= exp(-pi/4) for zeta_s < 1).
    return _brentq(mismatch, 1e-3, 2.0, point.root_tol, point, "gap (Eq. 10)")


def _cutoff_tail_quotient(a, b, cutoff: float):
    """(k(a) - k(b))/(a^2 - b^2) with k(c) = c atan(c/L); Taylor series for a ~ b."""
    a, b = np.broadcast_arrays(a, b)
    delta = a - b
    mid = 0.5 * (a + b)
    close = np.abs(delta) < _TAYLOR_SWITCH
    safe_delta = np.where(close, 1.0, delta)

    def k(c):
        return c * np.arctan(c / cutoff)

    direct = (k(a) - k(b)) / (safe_delta * (a + b))
    denom = mid * mid + cutoff * cutoff
    k1 = np.arctan(mid / cutoff) + mid * cutoff / denom
    k3 = -8.0 * cutoff**3 * mid / denom**3
    series = (k1 + k3 * delta * delta / 24.0) / (2.0 * mid)
    return np.where(close, series, direct)


def higgs_function(b, cutoff: float, zeta_s: float, zeta_m: float, n: int):
    """Left side of P1 Suppl. Eq. (71) divided by Delta_0, as a function of
    b = sqrt(1 - (omega/2 Delta_0)^2).

    P1 Suppl. Eqs. (63)/(66) are inserted and the x-integral over [-L, L] is done analytically:
    int x^2 dx/((x^2+a^2)(x^2+b^2)) = pi/(a+b) - 2 (k(a)-k(b))/(a^2-b^2). Real b in
    [0, 1] covers 0 <= omega <= 2 Delta_0; b = -i sqrt((omega/2 Delta_0)^2 - 1) gives the
    retarded continuation F(omega + i0) above 2 Delta_0 (real part = principal value).
    """
    b = np.asarray(b)
    u, du = tangent_nodes(n, np.sqrt(cutoff))
    radius, jacobian, a = _pair_breaking_weights(u, zeta_s, zeta_m)
    b_ = b[..., None]
    bracket = np.pi * (1.0 / radius - 1.0 / (a + b_)) + 2.0 * (
        _cutoff_tail_quotient(a, b_, cutoff) - np.arctan(a / cutoff) / radius
    )
    return (2.0 / np.pi) * np.sum(du * jacobian * bracket, axis=-1)


def higgs_function_at_gap_edge(cutoff: float, zeta_s: float, zeta_m: float, n: int) -> float:
    """P1 Suppl. Eq. (71) at omega = 2 Delta_0 (b = 0): exactly -zeta_m times a positive u-integral.

    From P1 Suppl. Eqs. (63)/(66),
    S^x + S^z/x = -(2 zeta_m/pi) int du (1 - zeta_s/R^3)/(R (a^2 + x^2)), so the sign at the
    gap edge is -sign(zeta_m) and it vanishes identically at zeta_m = 0.
    """
    u, du = tangent_nodes(n, np.sqrt(cutoff))
    radius, jacobian, a = _pair_breaking_weights(u, zeta_s, zeta_m)
    positive = (4.0 / np.pi) * np.sum(du * jacobian * np.arctan(cutoff / a) / (radius * a))
    return float(-zeta_m * positive)


def solve_higgs_b(point: AGPoint, gap: float) -> float:
    """Root b of P1 Suppl. Eq. (71) in [0, 1] (omega = 2 Delta_0 sqrt(1 - b^2)); NaN if none exists.

    F(b = 1) > 0 and F(b = 0) = -zeta_m * (positive), so: zeta_m > 0 gives a root below
    2 Delta_0; zeta_m = 0 gives b = 0 exactly; zeta_m < 0 (nonmagnetic-dominated) gives no
    root on [0, 1] and NaN is returned (documented meaning, docs/physics_notes.md P1).
    """
    cutoff = point.omega_D / gap
    args = (cutoff, point.zeta_s, point.zeta_m, point.n_quadrature)
    edge = higgs_function_at_gap_edge(*args)
    if edge == 0.0:
        return 0.0
    at_zero_frequency = float(higgs_function(1.0, *args))
    if at_zero_frequency <= 0.0:
        raise RuntimeError(
            f"Eq. 71 function is {at_zero_frequency} <= 0 at omega = 0 for {point.describe()}"
        )
    if edge > 0.0:
        return np.nan
    return _brentq(
        lambda b: float(higgs_function(b, *args)),
        0.0,
        1.0,
        point.root_tol,
        point,
        "Higgs frequency (Eq. 71)",
    )


def spectral_threshold(zeta_s: float, tol: float) -> float:
    """Delta_th/Delta_0 = max of P1 Suppl. Eq. (52) over real u in (0, 1), found numerically.

    With u = sin(phi), P1 Suppl. Eq. (52) is sin(phi) - zeta_s tan(phi); in phi the clean maximum
    (phi = pi/2) is a smooth stationary point rather than a kink at the interval end.
    """
    result = optimize.minimize_scalar(
        lambda phi: -(np.sin(phi) - zeta_s * np.tan(phi)),
        bounds=(0.0, 0.5 * np.pi),
        method="bounded",
        options={"xatol": tol},
    )
    if not result.success:
        raise RuntimeError(f"threshold maximisation failed for zeta_s={zeta_s}: {result.message}")
    return float(-result.fun)


def retarded_u(e, zeta_s: float):
    """Retarded solution u(e + i0) of P1 Suppl. Eq. (52) for e = eps/Delta_0 >= 0 (complex array).

    P1 Suppl. Eq. (52) squared is the quartic
    u^4 - 2e u^3 + (e^2 + zeta_s^2 - 1) u^2 + 2e u - e^2 = 0.
    Above the threshold the retarded root is the one with Im u > 0 (one conjugate pair);
    below it u is real, 0 <= u < 1, and the DOS vanishes. At zeta_s = 0 P1 Suppl. Eq. (52) is u = e.
    """
    e = np.asarray(e, dtype=float)
    if zeta_s == 0.0:
        return e.astype(complex)
    coefficients = np.stack(
        [np.ones_like(e), -2.0 * e, e * e + zeta_s**2 - 1.0, 2.0 * e, -e * e], axis=-1
    )
    companion = np.zeros(e.shape + (4, 4))
    companion[..., 0, :] = -coefficients[..., 1:]
    companion[..., 1, 0] = companion[..., 2, 1] = companion[..., 3, 2] = 1.0
    roots = np.linalg.eigvals(companion)
    pick = np.argmax(roots.imag, axis=-1)
    return np.take_along_axis(roots, pick[..., None], axis=-1)[..., 0]


def density_of_states(e, zeta_s: float, threshold: float):
    """N(eps)/N_F = Re[u/sqrt(u^2 - 1)] with u from P1 Suppl. Eq. (52), e = eps/Delta_0 (even in e).

    ``threshold`` (Delta_th/Delta_0) separates the gap, where u is real < 1 and N = 0
    exactly, from the continuum, where the retarded root has Im u > 0.
    """
    magnitude = np.abs(np.asarray(e, dtype=float))
    above = magnitude > threshold
    u = retarded_u(magnitude[above], zeta_s)
    dos = np.zeros_like(magnitude)
    dos[above] = np.real(u / (np.sqrt(u - 1.0 + 0j) * np.sqrt(u + 1.0 + 0j)))
    return dos


def _brentq(function, lower, upper, tol, point: AGPoint, what: str) -> float:
    """brentq that reports the parameter point on any failure (RuntimeError)."""
    try:
        root, info = optimize.brentq(function, lower, upper, xtol=tol, full_output=True, disp=False)
    except ValueError as error:  # no sign change / NaN in the function
        raise RuntimeError(f"{what}: no bracketed root for {point.describe()}: {error}") from None
    if not info.converged:
        raise RuntimeError(f"{what}: brentq did not converge for {point.describe()}: {info.flag}")
    return float(root)


def _attrs(units: str, long_name: str) -> dict[str, str]:
    return {"units": units, "long_name": long_name}


def solve_ag_point(point: AGPoint) -> xr.Dataset:
    """AG equilibrium at one point: gap (P1 Eq. (10)), profiles, DOS and Higgs frequency
    (P1 Suppl. Eqs. (63)/(66), (52), (71))."""
    gap = solve_gap(point)
    energy = np.linspace(-point.energy_max, point.energy_max, point.n_energy)
    x = energy / gap
    sx, sz = pseudospin_profiles(x, point.zeta_s, point.zeta_m, point.n_quadrature)
    threshold = spectral_threshold(point.zeta_s, point.root_tol)
    dos = density_of_states(x, point.zeta_s, threshold)

    higgs_b = solve_higgs_b(point, gap)
    omega_higgs = 2.0 * gap * np.sqrt(1.0 - higgs_b**2)
    corrected = 2.0 * gap * np.sqrt(1.0 - point.zeta_m**2) if point.zeta_m >= 0.0 else np.nan

    # eps w_p/E_p with w_p from P1 Suppl. Eq. (40) (dimensionless): (2/pi) asinh(x)/sqrt(1 + x^2).
    eps_w_over_e = (2.0 / np.pi) * np.arcsinh(x) / np.sqrt(1.0 + x * x)
    half_rate = point.zeta_m * gap  # 1/(2 tau_m), units Delta_00

    scalars = {
        "gap": (gap, "Delta_00", "pairing amplitude Delta_0, self-consistent Eq. 10 (Eq. 63)"),
        "gap_clean": (1.0, "Delta_00", "clean T=0 gap Delta_00 at the same lambda, omega_D (unit)"),
        "gap_eq65": (
            np.exp(-0.25 * np.pi * point.zeta_s),
            "Delta_00",
            "weak-disorder gap Eq. 65, Delta_00 exp(-pi zeta_s/4) (omega_D -> inf)",
        ),
        "coupling": (
            1.0 / np.arcsinh(point.omega_D),
            "1",
            "BCS coupling lambda = 1/asinh(omega_D/Delta_00), Eq. 10 clean limit",
        ),
        "gap_threshold": (
            threshold * gap,
            "Delta_00",
            "spectral threshold Delta_th = max_u of Eq. 52 over real u, numeric",
        ),
        "gap_threshold_eq76": (
            gap * (1.0 - point.zeta_s ** (2.0 / 3.0)) ** 1.5,
            "Delta_00",
            "spectral threshold Eq. 76, Delta_0 (1 - zeta_s^(2/3))^(3/2)",
        ),
        "omega_higgs": (
            omega_higgs,
            "Delta_00",
            "Higgs frequency, root of Eq. 71 below 2 Delta_0 with Eqs. 63/66 and "
            "finite omega_D; NaN when no root exists (zeta_m < 0)",
        ),
        "omega_higgs_eq13": (
            2.0 * gap * np.sqrt(1.0 - point.zeta_s**2),
            "Delta_00",
            "printed Eq. 13/75: 2 Delta_0 sqrt(1 - zeta_s^2)",
        ),
        "omega_higgs_eq15": (
            2.0 * gap * np.sqrt(1.0 + point.zeta_u**2),
            "Delta_00",
            "printed Eq. 15: 2 Delta_0 sqrt(1 + zeta_u^2)",
        ),
        "omega_higgs_corrected": (
            corrected,
            "Delta_00",
            "Eqs. 72-75 with the Eq. 9 factor 1/(2 tau_m): "
            "2 Delta_0 sqrt(1 - zeta_m^2); NaN if zeta_m < 0",
        ),
    }
    profiles = {
        "sx": (sx, "1", "pseudospin S^x(eps), Eq. 63"),
        "sz": (sz, "1", "pseudospin S^z(eps), Eq. 66"),
        "dos": (dos, "1", "AG density of states N(eps)/N_F = Re u/sqrt(u^2-1), Eq. 52"),
        "sx_sz_combination": (
            energy * sx + gap * sz,
            "Delta_00",
            "eps S^x + Delta_0 S^z from Eqs. 63/66 (left side of Eq. 69)",
        ),
        "sx_sz_combination_eom": (
            -half_rate * eps_w_over_e,
            "Delta_00",
            "-eps w/(2 tau_m E): stationary Eq. 9 with w of Eq. 40",
        ),
        "sx_sz_combination_eq69": (
            -2.0 * half_rate * eps_w_over_e,
            "Delta_00",
            "-eps w/(tau_m E): printed Eqs. 41/69",
        ),
    }
    # NaN is a documented result only for the Higgs frequencies when zeta_m < 0 (no root).
    nan_allowed = {"omega_higgs", "omega_higgs_corrected"} if point.zeta_m < 0.0 else set()
    results = {**scalars, **profiles}
    bad = [n for n, (value, _, _) in results.items() if np.any(np.isnan(value))]
    bad = [name for name in bad if name not in nan_allowed]
    if bad:
        raise RuntimeError(f"NaN in {bad} for {point.describe()}")

    data_vars = {
        name: ((), value, _attrs(units, long_name))
        for name, (value, units, long_name) in scalars.items()
    }
    data_vars.update(
        {
            name: (("energy",), value, _attrs(units, long_name))
            for name, (value, units, long_name) in profiles.items()
        }
    )
    coords = {
        "energy": ("energy", energy, _attrs("Delta_00", "single-particle energy eps")),
        "zeta_s": ((), point.zeta_s, _attrs("1", "zeta_s = 1/(tau_s Delta_0), Eq. 64")),
        "zeta_u": ((), point.zeta_u, _attrs("1", "zeta_u = 1/(tau_u Delta_0), Eq. 64 convention")),
    }
    dataset = xr.Dataset(data_vars, coords=coords)
    dataset.attrs["solver"] = (
        f"AG T=0; omega_D={point.omega_D}; Gauss-Legendre n={point.n_quadrature} on "
        f"u = s tan(pi t/2), eps-integrals analytic; brentq xtol={point.root_tol}; "
        "DOS from Eq. 52 quartic (retarded root)"
    )
    dataset.attrs["source_paper"] = SOURCE_PAPER
    return dataset
