"""Stage interface for the P2 Floquet-Usadel analysis (Fig. 2 and the scaling figure).

Two job types, told apart by ``params["job"]``:

- ``"fig2"`` (:class:`Fig2Point`), one per omega0 of Fig. 2: Floquet bands (Fig. 2a),
  Floquet LDOS at zeroth and second order and the occupied LDOS (Fig. 2b), the dynamic
  and static superfluid density n_s^(1), n_s^(2) (Fig. 2c), each with the
  non-perturbative Sambe solution beside it as a cross-check.
- ``"scaling"`` (:class:`ScalingPoint`), one per point of the gamma_inel sweep at
  omega0 = 2 Delta (``sweep: gamma``) or of the detuning sweep omega0 = 2 Delta - delta
  at fixed small gamma_inel (``sweep: detuning``): n_s^(1), n_s^(2) and N_ex (P2 Eq. (D1)).

:func:`merge_points` concatenates fig2 points along ``omega0``, gamma points along
``gamma_inel`` and detuning points along ``detuning``, and adds the fitted scaling
exponents with their standard errors. Energies are in units of the static gap Delta.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xarray as xr

from higgsdyn.floquet import bands, heating, usadel
from higgsdyn.io import cf_variable
from higgsdyn.io.keys import job_table, point_key

log = logging.getLogger(__name__)

PAPER = "P2"
REFERENCES = "P2 Eqs. (9), (10), (A1)-(A6), (D1); Fig. 2"
CONFIG_BLOCK = ("p2", "floquet")
DATASETS = {"floquet": "P2 Floquet-Usadel analysis: Floquet bands, LDOS, n_s^(1), n_s^(2)"}
KEY_FIELDS = {"omega0": "omega0", "gamma": "gamma_inel", "delta": "detuning"}
NS_UNITS = "m sigma_N Delta/2"


@dataclass(frozen=True)
class UsadelGrid:
    """Numerical settings shared by both job types (all energies in Delta); every value
    comes from the ``p2.floquet`` config block (``jobs``)."""

    temperature: float
    omega_max: float
    n_uniform: int
    points_per_decade: int
    harmonic_window: float
    min_harmonics: int
    nonperturbative_n_uniform: int
    nonperturbative_points_per_decade: int

    def __post_init__(self):
        """Reject non-finite or out-of-range parameters, naming the point."""
        for name, value in asdict(self).items():
            if isinstance(value, float | int) and not np.isfinite(value):
                raise ValueError(f"{name}={value} is not finite in {self}")
        positive = ("omega_max", "n_uniform", "points_per_decade", "harmonic_window")
        if any(getattr(self, name) <= 0 for name in positive) or self.temperature < 0:
            raise ValueError(f"non-positive numerical setting in {self}")
        if getattr(self, "gamma_inel", 1.0) <= 0 or getattr(self, "omega0", 1.0) <= 0:
            raise ValueError(f"gamma_inel and omega0 must be > 0 in {self}")


@dataclass(frozen=True)
class Fig2Point(UsadelGrid):
    """One omega0 of Fig. 2: bands, LDOS, n_s^(1), n_s^(2) at drive amplitude theta."""

    job: str
    omega0: float
    theta: float
    gamma_inel: float
    xi_max: float
    n_xi: int
    band_harmonics: int
    omega_display_max: float
    n_omega_display: int


@dataclass(frozen=True)
class ScalingPoint(UsadelGrid):
    """One point of the gamma_inel (omega0 = 2 Delta) or detuning sweep (P2 main text)."""

    job: str
    sweep: str
    gamma_inel: float
    detuning: float
    theta: float

    @property
    def omega0(self) -> float:
        return 2.0 - self.detuning


def _drive(point, omega0: float, theta: float | None = None) -> usadel.Drive:
    return usadel.Drive(
        theta=point.theta if theta is None else theta,
        omega0=omega0,
        gamma=point.gamma_inel,
        temperature=point.temperature,
    )


def usadel_harmonics(point, omega0: float) -> int:
    """Sambe truncation N = max(N_min, ceil(window / omega0)) (converged: test_floquet)."""
    return max(point.min_harmonics, math.ceil(point.harmonic_window / omega0))


def _check_finite(ds: xr.Dataset, point) -> xr.Dataset:
    for name, variable in ds.data_vars.items():
        if not np.all(np.isfinite(variable.values)):
            raise FloatingPointError(f"non-finite {name} at {point}")
    return ds


def _superfluid(point, omega0: float) -> dict[str, complex]:
    """n_s^(0), the complex dynamic amplitude 2 n_s,1 and static n_s^(2) (P2 Eqs. (A2)-(A6))."""
    drive = _drive(point, omega0)
    grid = usadel.frequency_grid(drive, point.omega_max, point.n_uniform, point.points_per_decade)
    solution = usadel.PerturbativeSolution(drive, grid)
    residual = solution.commutator_residual(1, 1)
    if not residual < 1e-6:
        raise FloatingPointError(f"Eq. (A1) first-order residual {residual:.2e} at {point}")
    return {
        "ns0": solution.superfluid_density(0, 0).real,
        "ns1": 2 * solution.superfluid_density(1, 1),
        "ns2": solution.superfluid_density(2, 0).real,
        "residual": residual,
        "residual2": solution.commutator_residual(2, 0),
    }


def _nonperturbative_ns(point, omega0: float, n_harmonics: int):
    """Static shift and dynamic amplitude of n_s from the Sambe solution (all orders)."""
    drive = _drive(point, omega0)
    grid = usadel.frequency_grid(
        drive,
        point.omega_max,
        point.nonperturbative_n_uniform,
        point.nonperturbative_points_per_decade,
    )
    static, dynamic = usadel.nonperturbative_current_integrands(grid, drive, n_harmonics)
    equilibrium = usadel.PerturbativeSolution(_drive(point, omega0, 0.0), grid)
    ns_static = np.trapezoid(static, grid).real
    return ns_static - equilibrium.superfluid_density(0, 0).real, 2 * np.trapezoid(dynamic, grid)


def run_fig2_point(point: Fig2Point) -> xr.Dataset:
    """Fig. 2 quantities at one omega0 (see module docstring)."""
    start = time.perf_counter()
    omega0 = point.omega0
    xi = np.linspace(-point.xi_max, point.xi_max, point.n_xi)
    band = bands.floquet_bands(xi, point.theta, omega0, point.band_harmonics)
    band_check = bands.floquet_bands(xi, point.theta, omega0, point.band_harmonics + 4)
    quasienergy = np.stack([band, band + omega0])

    omega = np.linspace(-point.omega_display_max, point.omega_display_max, point.n_omega_display)
    drive = _drive(point, omega0)
    display = usadel.PerturbativeSolution(drive, omega)
    n_harm = usadel_harmonics(point, omega0)
    g_r, g_k, g_a = usadel.nonperturbative_g(omega, drive, n_harm)
    g_np = usadel.keldysh_matrix(*(usadel.sambe_element(m, n_harm, 0, 0) for m in (g_r, g_k, g_a)))
    log.info("omega0=%.3f: bands and LDOS done in %.1f s", omega0, time.perf_counter() - start)

    ns = _superfluid(point, omega0)
    ns2_np, ns1_np = _nonperturbative_ns(point, omega0, n_harm)
    log.info("omega0=%.3f: n_s done in %.1f s (N=%d)", omega0, time.perf_counter() - start, n_harm)

    branch_dims = ("floquet_index", "branch", "xi")
    ds = xr.Dataset(
        {
            "quasienergy": cf_variable(
                branch_dims, quasienergy, "Delta", "Floquet-BdG quasienergy (Fig. 2a)"
            ),
            "quasienergy_truncation_error": cf_variable(
                (),
                np.abs(band - band_check).max(),
                "Delta",
                "max change of m=0 bands from N to N+4 harmonics",
            ),
            "ldos0": cf_variable(
                "omega", usadel.ldos(display.g(0, 0)), "1", "Re g^R_00, zeroth order (Fig. 2b)"
            ),
            "ldos2": cf_variable(
                "omega",
                usadel.ldos(display.g(2, 0)),
                "1",
                "Re g^R_00, second-order term at theta (Fig. 2b)",
            ),
            "ldos_occupied0": cf_variable(
                "omega",
                usadel.occupied_ldos(display.g(0, 0)),
                "1",
                "Re g^<_00/2, zeroth order (Fig. 2b)",
            ),
            "ldos_occupied2": cf_variable(
                "omega",
                usadel.occupied_ldos(display.g(2, 0)),
                "1",
                "Re g^<_00/2, second-order term at theta (Fig. 2b)",
            ),
            "ldos_nonperturbative": cf_variable(
                "omega", usadel.ldos(g_np), "1", "Re g^R_00, truncated Sambe space, all orders"
            ),
            "ldos_occupied_nonperturbative": cf_variable(
                "omega",
                usadel.occupied_ldos(g_np),
                "1",
                "Re g^<_00/2, truncated Sambe space, all orders",
            ),
            "ns0": cf_variable(
                (), ns["ns0"], NS_UNITS, "equilibrium n_s with Dynes gamma (Eq. A2)"
            ),
            "ns1": cf_variable(
                (), abs(ns["ns1"]), NS_UNITS, "amplitude of n_s^(1) cos part (Eq. A5)"
            ),
            "ns1_cos": cf_variable(
                (), ns["ns1"].real, NS_UNITS, "n_s^(1): coefficient of cos(omega0 t) (Eq. A5)"
            ),
            "ns1_sin": cf_variable(
                (), ns["ns1"].imag, NS_UNITS, "n_s^(1): coefficient of sin(omega0 t) (Eq. A5)"
            ),
            "ns2": cf_variable((), ns["ns2"], NS_UNITS, "static second-order n_s^(2) (Eq. A6)"),
            "ns1_nonperturbative": cf_variable(
                (), abs(ns1_np), NS_UNITS, "amplitude of the omega0 harmonic of n_s, Sambe"
            ),
            "ns2_nonperturbative": cf_variable(
                (), ns2_np, NS_UNITS, "static shift of n_s, truncated Sambe space, all orders"
            ),
            "usadel_residual1": cf_variable(
                (), ns["residual"], "1", "max relative residual of Eq. (A1) at order 1"
            ),
            "usadel_residual2": cf_variable(
                (), ns["residual2"], "1", "max relative residual of Eq. (A1) at order 2"
            ),
        },
        coords={
            "omega0": cf_variable((), omega0, "Delta", "gap oscillation frequency omega_0"),
            "floquet_index": cf_variable("floquet_index", [0, 1], "1", "Floquet index m"),
            "branch": cf_variable("branch", [-1, 1], "1", "BdG branch (lower, upper)"),
            "xi": cf_variable("xi", xi, "Delta", "normal-state energy xi_k"),
            "omega": cf_variable("omega", omega, "Delta", "frequency omega"),
        },
        attrs={
            "source_paper": REFERENCES,
            "theta": point.theta,
            "solver": (
                f"Floquet-Usadel: perturbative to theta^2 (Sylvester/normalisation blocks), "
                f"Sambe sign function N={n_harm}; bands N={point.band_harmonics}; "
                f"grid omega_max={point.omega_max}, n_uniform={point.n_uniform}, "
                f"ppd={point.points_per_decade}; theta={point.theta}, "
                f"gamma={point.gamma_inel}, T={point.temperature}"
            ),
        },
    )
    return _check_finite(ds, point)


def run_scaling_point(point: ScalingPoint) -> xr.Dataset:
    """n_s^(1), n_s^(2), N_ex (P2 Eq. (D1)) at one gamma_inel or detuning (scaling figure)."""
    if point.sweep not in ("gamma", "detuning"):
        raise ValueError(f"sweep must be 'gamma' or 'detuning', got {point.sweep!r}")
    ns = _superfluid(point, point.omega0)
    n_ex = {
        name: heating.excited_quasiparticles(
            point.theta, point.omega0, point.gamma_inel, prefactor=name
        )
        for name in heating.D1_PREFACTOR
    }
    dim = "gamma_inel" if point.sweep == "gamma" else "detuning"
    coordinate_name = {
        "gamma_inel": "inelastic rate gamma_inel (Eq. 10)",
        "detuning": "detuning delta = 2 Delta - omega_0",
    }[dim]
    ds = xr.Dataset(
        {
            f"ns0_{point.sweep}": cf_variable((), ns["ns0"], NS_UNITS, "equilibrium n_s (Eq. A2)"),
            f"ns1_{point.sweep}": cf_variable(
                (), abs(ns["ns1"]), NS_UNITS, "amplitude of n_s^(1) (Eq. A5)"
            ),
            f"ns1_cos_{point.sweep}": cf_variable(
                (), ns["ns1"].real, NS_UNITS, "n_s^(1): coefficient of cos(omega0 t) (Eq. A5)"
            ),
            f"ns2_{point.sweep}": cf_variable((), ns["ns2"], NS_UNITS, "static n_s^(2) (Eq. A6)"),
            f"n_excited_{point.sweep}": cf_variable(
                (), n_ex["printed"], "nu_0 Delta", "N_ex, Eq. (D1) as printed"
            ),
            f"n_excited_rwa_{point.sweep}": cf_variable(
                (), n_ex["rotating_wave"], "nu_0 Delta", "N_ex, Eq. (D1) with amplitude theta/2"
            ),
        },
        coords={
            dim: cf_variable((), getattr(point, dim), "Delta", coordinate_name),
        },
        attrs={
            "source_paper": REFERENCES,
            "theta": point.theta,
            "solver": (
                f"Floquet-Usadel perturbative to theta^2; omega0={point.omega0}, "
                f"gamma={point.gamma_inel}, theta={point.theta}, T={point.temperature}, "
                f"omega_max={point.omega_max}, n_uniform={point.n_uniform}, "
                f"ppd={point.points_per_decade}"
            ),
        },
    )
    return _check_finite(ds, point)


def make_point(params: dict) -> Fig2Point | ScalingPoint:
    """The job's parameter dataclass from its plain dict (``job`` selects the type)."""
    kind = params["job"]
    if kind == "fig2":
        return Fig2Point(**params)
    if kind == "scaling":
        return ScalingPoint(**params)
    raise ValueError(f"unknown floquet job type {kind!r} in {params}")


def run_point(params: dict) -> xr.Dataset:
    """One job: a Fig. 2 omega0 point or one scaling-sweep point."""
    point = make_point(params)
    log.info("floquet job %s", asdict(point))
    if isinstance(point, Fig2Point):
        return run_fig2_point(point)
    return run_scaling_point(point)


def _fit_variables(merged: xr.Dataset, dim: str, suffix: str, theta: float) -> dict:
    """Fitted scaling exponents over a sweep (paper: n_s1 ~ log, n_s2 ~ x^-1, N_ex ~ x^-1/2)."""
    x = merged[dim].values
    ns0 = merged[f"ns0_{suffix}"].values
    fits = {
        "ns2_exponent": heating.fit_power_law(x, merged[f"ns2_{suffix}"].values / ns0),
        "n_excited_exponent": heating.fit_power_law(x, merged[f"n_excited_{suffix}"].values),
    }
    slope = heating.fit_logarithm(x, merged[f"ns1_cos_{suffix}"].values / ns0 / theta)
    out = {}
    label = "gamma_inel" if suffix == "gamma" else "detuning delta"
    for name, (value, error, prefactor) in fits.items():
        out[f"{name}_{suffix}"] = cf_variable(
            (), value, "1", f"fitted exponent p in A x^p vs {label}"
        )
        out[f"{name}_{suffix}_error"] = cf_variable((), error, "1", f"standard error of {name}")
        out[f"{name}_{suffix}_prefactor"] = cf_variable((), prefactor, "1", f"fitted A of {name}")
    out[f"ns1_log_slope_{suffix}"] = cf_variable(
        (), slope[0], "1", f"b in n_s1 cos / (n_s0 theta) = a + b ln({label})"
    )
    out[f"ns1_log_slope_{suffix}_error"] = cf_variable((), slope[1], "1", "standard error of b")
    out[f"ns1_log_intercept_{suffix}"] = cf_variable((), slope[2], "1", "fitted a of the log fit")
    return out


def merge_points(datasets: list[xr.Dataset]) -> xr.Dataset:
    """results/p2/floquet.nc: fig2 points along omega0, sweeps along gamma_inel/detuning."""
    groups: dict[str, list[xr.Dataset]] = {"omega0": [], "gamma_inel": [], "detuning": []}
    for ds in datasets:
        dim = next(d for d in groups if d in ds.coords and ds[d].ndim == 0)
        groups[dim].append(ds)
    if not groups["omega0"]:
        raise RuntimeError("merge_points: no fig2 (omega0) points to merge")
    parts = []
    for dim, members in groups.items():
        if members:
            members = sorted(members, key=lambda d: float(d[dim]))
            parts.append(xr.concat(members, dim=dim, combine_attrs="drop_conflicts"))
    merged = xr.merge(parts, combine_attrs="drop_conflicts")
    for (dim, members), suffix in zip(list(groups.items())[1:], ("gamma", "detuning"), strict=True):
        if len(members) >= 4:
            thetas = {float(ds.attrs["theta"]) for ds in members}
            if len(thetas) != 1:
                raise RuntimeError(f"merge_points: {dim} points disagree on theta {thetas}")
            merged = merged.assign(_fit_variables(merged, dim, suffix, thetas.pop()))
    merged.attrs["source_paper"] = REFERENCES
    merged.attrs["solver"] = "; ".join(sorted({ds.attrs["solver"] for ds in datasets}))[:2000]
    return merged


def jobs(block: Mapping[str, Any]) -> dict[str, dict]:
    """Every job of the ``p2.floquet`` config block (docs/physics_notes.md): one fig2 job
    per ``fig2.omega0``, one scaling job per ``scaling.gamma_inel`` (at omega0 = 2 Delta)
    and per ``scaling.detuning`` (at ``scaling.detuning_gamma_inel``)."""
    shared = {"theta": block["theta"], "temperature": block["temperature"], **block["numerics"]}
    fig2 = {key: value for key, value in block["fig2"].items() if key != "omega0"}
    points = [
        {"job": "fig2", "omega0": float(w), **shared, **fig2} for w in block["fig2"]["omega0"]
    ]
    scaling = block["scaling"]
    points += [
        {"job": "scaling", "sweep": "gamma", "gamma_inel": float(g), "detuning": 0.0, **shared}
        for g in scaling["gamma_inel"]
    ]
    points += [
        {
            "job": "scaling",
            "sweep": "detuning",
            "detuning": float(d),
            "gamma_inel": scaling["detuning_gamma_inel"],
            **shared,
        }
        for d in scaling["detuning"]
    ]
    for params in points:
        make_point(params)  # rejects a bad point before any job runs
    return job_table((key_of(params), params) for params in points)


def key_of(params: Mapping[str, Any]) -> str:
    """``fig2_omega0-2.000``, ``gamma_gamma-0.001`` or ``detuning_delta-0.020``."""
    if params["job"] == "fig2":
        return point_key(["fig2"], {"omega0": params["omega0"]})
    if params["sweep"] == "gamma":
        return point_key(["gamma"], {"gamma": params["gamma_inel"]})
    return point_key(["detuning"], {"delta": params["detuning"]})


def dataset_of(params: Mapping[str, Any]) -> str:
    return "floquet"


def companions(params: Mapping[str, Any]) -> dict[str, str]:
    return {}


def resources(params: Mapping[str, Any]) -> dict[str, int]:
    """Measured (docs/scaling.md): <= 15 s and <= 0.95 GB per point."""
    return {"runtime": 5, "mem_mb": 2000, "threads": 1}
