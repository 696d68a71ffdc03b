"""Quench set-up and time evolution for P1 Eqs. (9)-(12) (Python side of the kernels).

:class:`QuenchParams` is the one record of a quench point (the stage builds it from the
config block); :func:`simulate` runs it.

Units: energies in Delta_1, the clean T = 0 gap of the level grid at the final coupling
lambda_f; times in 1/Delta_1. Rates: zeta_s = 1/(tau_s Delta_1), zeta_u = 1/(tau_u Delta_1)
(P1 Figs. 2-3 convention), so in these units 1/tau_s = zeta_s and 1/tau_u = zeta_u.

Levels: N midpoints eps_j = -omega_D + (j + 1/2) delta, delta = 2 omega_D / N, so the grid
is particle-hole symmetric (sum_p S^y_p = 0 is kept and Delta stays real). P1 Eq. (10) on the
grid: Delta = g sum_p S^x_p with g = lambda delta / 2. omega_D/Delta_1 follows from lambda_f
(the discrete gap equation at lambda_f has the root Delta = 1).
"""

from __future__ import annotations

import functools
import logging
import time as wallclock
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from higgsdyn.equilibrium.ag import pseudospin_profiles
from higgsdyn.io.progress import Progress
from higgsdyn.pseudospin import kernels

log = logging.getLogger(__name__)

INITIAL_STATES = ("bcs", "ag")
THETA_METHODS = ("projection", "clean_steady_state")
W_METHODS = ("eq39", "eq40")
STEADY_GAP_METHODS = ("clean_run", "gap_final")
DISORDER_TYPES = ("paramagnetic", "nonmagnetic")


@dataclass(frozen=True)
class Rates:
    """Impurity rates in units of Delta_1 and the combinations below P1 Eq. (9)."""

    spin_flip: float  # 1/tau_s
    potential: float  # 1/tau_u

    @property
    def total(self) -> float:
        """1/tau = 1/tau_s + 1/tau_u."""
        return self.spin_flip + self.potential

    @property
    def magnetic(self) -> float:
        """1/tau_m = 1/tau_s - 1/tau_u."""
        return self.spin_flip - self.potential


@dataclass(frozen=True)
class QuenchParams:
    """One quench point of the ``p1.quench`` config block (energies in Delta_1, times in
    1/Delta_1): the physics and numerics :func:`simulate` needs and the output and analysis
    settings of the stage, under their config keys.

    No defaults: config/config.yaml gives every value and its reason. Only ``variant`` may be
    left out, by the grids that set none (the label is then the disorder type alone).
    """

    disorder: str  # "paramagnetic" (tau_u -> inf) or "nonmagnetic" (tau_s -> inf)
    zeta: float  # 1/(tau_s Delta_1) or 1/(tau_u Delta_1), P1 Figs. 2-3
    lambda_f: float  # final coupling lambda_f (P1 Eq. (10)); its clean grid gap is the unit Delta_1
    lambda_i: float  # initial coupling lambda_i (P1 Eq. (10)), gives Delta_0
    n_levels: int  # N equally spaced levels in [-omega_D, omega_D] (P1: 15024)
    dt: float  # time step h [1/Delta_1]
    order: int  # 2: Strang splitting, 4: Yoshida triple jump of it, 6: Yoshida 7-stage
    t_max: float  # end of the run [1/Delta_1]
    output_every: int  # store Delta(t) every this many steps
    initial_state: str  # "bcs" (clean BCS at lambda_i) or "ag" (P1 Eq. (12) at lambda_i)
    theta: str  # "projection" or "clean_steady_state" (adapted P1 Suppl. Eqs. (77)-(79))
    w_function: str  # "eq39" or "eq40"
    steady_gap: str  # "clean_run" or "gap_final"
    clean_t_max: float  # length of the clean run giving Delta_s, theta_p [1/Delta_1]
    window_start: float  # start of the late-time analysis window [1/Delta_1]
    n_quadrature: int  # u-nodes of the AG profiles (P1 Suppl. Eqs. (63)/(66))
    threads: int  # numba threads
    norm_tolerance: float  # max | |S_p| - 1 | above which a point is flagged
    variant: str = ""  # appended to the disorder label, e.g. "ag_initial"

    def __post_init__(self) -> None:
        checks = {
            "disorder": self.disorder in DISORDER_TYPES,
            "zeta": 0.0 <= self.zeta < 1.0,
            "lambda_f": 0.0 < self.lambda_f < 2.0,
            "lambda_i": 0.0 < self.lambda_i < 2.0,
            "n_levels": self.n_levels >= 16 and self.n_levels % 2 == 0,
            "dt": 0.0 < self.dt < 1.0,
            "order": self.order in (2, 4, 6),
            "t_max": self.t_max > 0.0,
            "output_every": self.output_every >= 1,
            "initial_state": self.initial_state in INITIAL_STATES,
            "theta": self.theta in THETA_METHODS,
            "w_function": self.w_function in W_METHODS,
            "steady_gap": self.steady_gap in STEADY_GAP_METHODS,
            "clean_t_max": self.clean_t_max > 0.0,
            "window_start": 0.0 <= self.window_start < self.t_max,
            "n_quadrature": self.n_quadrature >= 4,
            "threads": self.threads >= 1,
            "norm_tolerance": self.norm_tolerance > 0.0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid quench parameters {bad} in {self}")

    @property
    def label(self) -> str:
        return f"{self.disorder}_{self.variant}" if self.variant else self.disorder

    @property
    def rates(self) -> Rates:
        if self.disorder == "paramagnetic":
            return Rates(spin_flip=self.zeta, potential=0.0)
        return Rates(spin_flip=0.0, potential=self.zeta)

    def describe(self) -> str:
        return f"({self.label}, zeta={self.zeta}, lambda_f={self.lambda_f})"

    def solver(self) -> str:
        return (
            f"exact-rotation splitting order {self.order}, h={self.dt}, N={self.n_levels}, "
            f"t_max={self.t_max}, output every {self.output_every} steps; "
            f"initial_state={self.initial_state}, theta={self.theta}, W={self.w_function}, "
            f"Delta_s={self.steady_gap} (clean run to {self.clean_t_max}), "
            f"AG quadrature n={self.n_quadrature}"
        )


def level_grid(n_levels: int, cutoff: float) -> np.ndarray:
    """Midpoint grid of N equally spaced levels in [-omega_D, omega_D]."""
    spacing = 2.0 * cutoff / n_levels
    return -cutoff + (np.arange(n_levels) + 0.5) * spacing


def coupling_weight(coupling: float, n_levels: int, cutoff: float) -> float:
    """g = lambda delta / 2 of P1 Eq. (10) on the grid."""
    return 0.5 * coupling * 2.0 * cutoff / n_levels


def clean_gap(coupling: float, n_levels: int, cutoff: float) -> float:
    """Clean T = 0 gap on the grid: root of 1 = g sum_p 1/E_p (P1 Eq. (10) with S^x = Delta/E)."""
    eps = level_grid(n_levels, cutoff)
    weight = coupling_weight(coupling, n_levels, cutoff)

    def mismatch(gap: float) -> float:
        return weight * np.sum(1.0 / np.sqrt(eps * eps + gap * gap)) - 1.0

    return float(optimize.brentq(mismatch, 1e-8 * cutoff, 10.0 * cutoff, xtol=1e-15, rtol=1e-15))


def cutoff_for_unit_gap(coupling: float, n_levels: int) -> float:
    """omega_D/Delta_1 such that the clean grid gap at ``coupling`` equals 1."""
    guess = np.sinh(1.0 / coupling)

    def mismatch(cutoff: float) -> float:
        return clean_gap(coupling, n_levels, cutoff) - 1.0

    return float(optimize.brentq(mismatch, 0.5 * guess, 2.0 * guess, xtol=1e-14, rtol=1e-15))


def ag_state(
    eps: np.ndarray, weight: float, rates: Rates, n_quadrature: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """AG equilibrium on the grid: S^x, S^z of P1 Eq. (12) (= P1 Suppl. Eqs. (63)/(66)) and its gap.

    Thin adapter around :func:`higgsdyn.equilibrium.ag.pseudospin_profiles`, which works in
    units of the disordered gap with zeta relative to it: here the gap is solved from P1 Eq. (10)
    on the grid, Delta_0 = g sum_p S^x_p(eps_p/Delta_0; zeta_s = (1/tau_s)/Delta_0,
    zeta_m = (1/tau_m)/(2 Delta_0)), so the initial state is exactly self-consistent.
    """

    def profiles(gap: float):
        return pseudospin_profiles(
            eps / gap, rates.spin_flip / gap, 0.5 * rates.magnetic / gap, n_quadrature
        )

    def mismatch(gap: float) -> float:
        return weight * np.sum(profiles(gap)[0]) / gap - 1.0

    upper = 10.0 * np.max(np.abs(eps))
    # P1 Suppl. Eqs. (63)/(66) need 1/(tau_s Delta_0) < 1
    lower = max(1.0001 * rates.spin_flip, 1e-6)
    if mismatch(lower) * mismatch(upper) > 0.0:
        raise RuntimeError(
            f"no AG gap with 1/(tau_s Delta_0) < 1 for rates {rates} (gapless or no "
            "superconductivity): Eq. (12) does not apply"
        )
    gap = float(optimize.brentq(mismatch, lower, upper, xtol=1e-14, rtol=1e-14))
    sx, sz = profiles(gap)
    return sx, sz, gap


def w_eq40(eps: np.ndarray, gap: float) -> np.ndarray:
    """w_p of P1 Suppl. Eq. (40): (2 Delta/(pi eps)) asinh(eps/Delta), limit 2/pi at eps = 0."""
    x = eps / gap
    safe = np.where(x == 0.0, 1.0, x)
    return np.where(x == 0.0, 2.0 / np.pi, (2.0 / np.pi) * np.arcsinh(safe) / safe)


def w_eq39(eps: np.ndarray, gap: float, cos_theta: np.ndarray, cutoff: float) -> np.ndarray:
    """W_p of P1 Suppl. Eq. (39) for constant DOS: w_p(Delta_s) plus the in-band correction.

    With nu = nu_F, P1 Suppl. Eq. (39) is
    W_p = -(Delta_s E_p/pi) P int de' cos theta'/(E'(e'^2-e_p^2)); we write
    cos theta' = 1 + (cos theta' - 1): the first part over all energies is P1 Suppl. Eq. (40)
    (levels outside the band are undisturbed), the second is a principal value over the band.
    """
    energy = np.sqrt(eps * eps + gap * gap)
    correction = kernels.principal_value_correction(eps, energy, cos_theta, cutoff)
    return w_eq40(eps, gap) - (gap * energy / np.pi) * correction


def source_coefficients(
    eps: np.ndarray,
    gap_steady: float,
    cos_theta: np.ndarray,
    sin_theta: np.ndarray,
    w_function: np.ndarray,
    rates: Rates,
) -> dict[str, np.ndarray]:
    """Coefficients of the P1 Eq. (9) source f_p(t) = a y + b cos(2Et) y + sin(2Et)(c x + d z).

    Inserting L_p(t) of P1 Eq. (11) into the right-hand sides of P1 Eq. (9): the time-independent
    parts of the S^y source combine to -eps W/(tau_m E) (the cos theta terms cancel since
    -1/tau_m + 2/tau_s - 1/tau = 0), and
    b = sin theta (2 Delta_s/(tau_s E) + eps^2/(tau Delta_s E)), c = eps sin theta/(tau Delta_s),
    d = 2 sin theta / tau_s.
    """
    energy = np.sqrt(eps * eps + gap_steady * gap_steady)
    return {
        "eps": eps,
        "energy": energy,
        "a": -eps * w_function * rates.magnetic / energy,
        "b": sin_theta
        * (2.0 * gap_steady * rates.spin_flip + eps * eps * rates.total / gap_steady)
        / energy,
        "c": eps * sin_theta * rates.total / gap_steady,
        "d": 2.0 * sin_theta * rates.spin_flip,
        "cos_theta": cos_theta,
    }


def projection_angle(
    eps: np.ndarray, gap_initial: float, gap_steady: float
) -> tuple[np.ndarray, np.ndarray]:
    """cos, sin theta_p of the clean initial pseudospin on the steady-state field.

    cos theta = (eps^2 + Delta_0 Delta_s)/(E_0 E_s), sin theta = eps (Delta_0 - Delta_s)/(E_0 E_s):
    the signed angle for which L_p(0) of P1 Eq. (11) is the initial BCS pseudospin.
    """
    e0 = np.sqrt(eps * eps + gap_initial**2)
    es = np.sqrt(eps * eps + gap_steady**2)
    return (eps * eps + gap_initial * gap_steady) / (e0 * es), eps * (gap_initial - gap_steady) / (
        e0 * es
    )


@dataclass
class Evolution:
    """Result of :func:`evolve`: Delta at every step and the final state."""

    gaps: np.ndarray  # Delta(t_k), k = 0..n_steps (t_0 = 0)
    state: tuple[np.ndarray, np.ndarray, np.ndarray]
    max_norm_deviation: float  # max over chunk ends and levels of | |S_p| - 1 |
    projection_mean: np.ndarray | None  # time-averaged S_p . n_p(Delta_s) over the window
    wall_seconds: float


def evolve(
    state,
    coefficients: dict[str, np.ndarray],
    weight: float,
    gap_steady: float,
    dt: float,
    n_steps: int,
    *,
    order: int = 4,
    chunk_steps: int = 2000,
    average_from_step: int | None = None,
    projection_gap: float | None = None,
    label: str = "",
) -> Evolution:
    """Integrate P1 Eqs. (9)-(10) with the splitting of :mod:`kernels` (fixed step dt, order 2,
    4 or 6).

    Runs in chunks (progress is logged every few seconds); raises FloatingPointError with
    ``label`` on NaN or blow-up. With ``average_from_step`` the projections S_p . n_p on
    n_p = (D, 0, -eps_p)/sqrt(eps_p^2 + D^2), D = ``projection_gap``, are averaged over
    chunk ends from that step on (theta_p from a clean run).
    """
    sx, sy, sz = (np.array(component, dtype=float) for component in state)
    eps = coefficients["eps"]
    energy = coefficients["energy"]
    axis_x, axis_z = gap_steady / energy, -eps / energy
    substeps = kernels.yoshida_substeps(dt, order)
    half_angle = energy[None, :] * substeps[:, None]
    arrays = dict(
        axis_x=axis_x,
        axis_z=axis_z,
        rot_cos=np.cos(2.0 * half_angle),
        rot_sin=np.sin(2.0 * half_angle),
        half_cos=np.cos(half_angle),
        half_sin=np.sin(half_angle),
        inv_two_energy=0.5 / energy,
        src_const_y=coefficients["a"],
        src_cos_y=coefficients["b"],
        src_sin_x=coefficients["c"],
        src_sin_z=coefficients["d"],
    )
    gaps = np.empty(n_steps + 1)
    gaps[0] = weight * sx.sum()
    done = 0
    max_dev = float(np.max(np.abs(np.sqrt(sx * sx + sy * sy + sz * sz) - 1.0)))
    projection_sum = np.zeros_like(sx)
    n_projections = 0
    start = wallclock.perf_counter()
    progress = Progress(log, label, n_steps)
    while done < n_steps:
        count = min(chunk_steps, n_steps - done)
        phase = 2.0 * energy * (done * dt)  # recomputed per chunk: no recurrence drift
        completed = kernels.split_run(
            sx,
            sy,
            sz,
            np.cos(phase),
            np.sin(phase),
            *arrays.values(),
            weight,
            gap_steady,
            substeps,
            count,
            gaps[done + 1 : done + 1 + count],
        )
        if completed < count:
            raise FloatingPointError(
                f"{label}: Delta = {gaps[done + 1 + completed]!r} at t = "
                f"{(done + completed + 1) * dt:.4g} (non-finite or |Delta| > "
                f"{kernels.BLOWUP_GAP}); dt = {dt}"
            )
        done += count
        norm = np.sqrt(sx * sx + sy * sy + sz * sz)
        max_dev = max(max_dev, float(np.max(np.abs(norm - 1.0))))
        if average_from_step is not None and done >= average_from_step:
            norm_d = np.sqrt(eps * eps + projection_gap**2)
            projection_sum += (projection_gap * sx - eps * sz) / norm_d
            n_projections += 1
        progress.update(done, sim_time=done * dt)
    progress.finish()
    return Evolution(
        gaps=gaps,
        state=(sx, sy, sz),
        max_norm_deviation=max_dev,
        projection_mean=projection_sum / n_projections if n_projections else None,
        wall_seconds=wallclock.perf_counter() - start,
    )


def bcs_energy(state, eps: np.ndarray, weight: float) -> float:
    """Clean pseudospin energy H = -2 sum eps S^z + g (sum S^x)^2, with grad_p H = B_p.

    dS_p/dt = B_p x S_p with B_p = 2(Delta, 0, -eps_p) conserves H (Delta real, P1 Eq. (10)).
    """
    sx, _, sz = state
    return float(-2.0 * np.sum(eps * sz) + weight * np.sum(sx) ** 2)


@dataclass
class QuenchResult:
    """Everything a stage needs from one quench."""

    time: np.ndarray  # every step, t_k = k h
    gaps: np.ndarray  # Delta(t_k)
    cutoff: float  # omega_D / Delta_1
    gap_initial: float  # Delta(0) of the initial state
    gap_initial_clean: float  # clean BCS gap at lambda_i on the grid
    gap_final_ag: float  # AG gap at lambda_f with the same impurity rates (P1 Eqs. (12), (10))
    gap_steady: float  # Delta_s used in L_p, W_p and theta_p
    max_norm_deviation: float
    cos_theta: np.ndarray
    eps: np.ndarray
    w_function: np.ndarray
    main_seconds: float
    clean_seconds: float


@dataclass
class CleanSteadyState:
    """Exact steady state of the clean quench lambda_i -> lambda_f (Delta_s and theta_p)."""

    eps: np.ndarray  # the level grid eps_p it was computed on
    gap_steady: float  # Delta_s: mean of Delta over [t_c/2, t_c]
    cos_theta: np.ndarray  # cos theta_p per level: time-averaged projection on the steady field
    seconds: float  # wall time of the clean run


def clean_steady_state(
    lambda_i: float,
    lambda_f: float,
    n_levels: int,
    dt: float,
    order: int,
    clean_t_max: float,
    label: str = "",
) -> CleanSteadyState:
    """Clean quench from the BCS state at lambda_i: Delta_s and cos theta_p (exact steady state).

    Depends only on these settings (not on the impurity rates or the initial state of the
    disordered run), so one clean run serves every zeta of a lambda_f. Delta_s = mean of Delta
    over [t_c/2, t_c] (t_c = ``clean_t_max``); cos theta_p = time average of S_p . n_p(D) over
    the same window with D the mean over [t_c/4, t_c/2] (the projection on the steady field is
    constant in the steady state, so few samples suffice).
    """
    cutoff = cutoff_for_unit_gap(lambda_f, n_levels)
    eps = level_grid(n_levels, cutoff)
    weight_f = coupling_weight(lambda_f, n_levels, cutoff)
    gap0_clean = clean_gap(lambda_i, n_levels, cutoff)
    energy0 = np.sqrt(eps * eps + gap0_clean**2)
    state = (gap0_clean / energy0, np.zeros_like(eps), -eps / energy0)
    zero = np.zeros_like(eps)
    reference = 1.0
    coefficients = dict(
        eps=eps, energy=np.sqrt(eps * eps + reference**2), a=zero, b=zero, c=zero, d=zero
    )
    n_half = int(round(0.5 * clean_t_max / dt))
    half = functools.partial(evolve, coefficients=coefficients, weight=weight_f,
                             gap_steady=reference, dt=dt, n_steps=n_half, order=order)  # fmt: skip
    first = half(state, label=f"{label} clean run (first half)")
    estimate = float(np.mean(first.gaps[n_half // 2 :]))
    second = half(
        first.state,
        chunk_steps=max(n_half // 200, 1),
        average_from_step=0,
        projection_gap=estimate,
        label=f"{label} clean run (second half)",
    )
    return CleanSteadyState(
        eps=eps,
        gap_steady=float(np.mean(second.gaps)),
        cos_theta=np.clip(second.projection_mean, -1.0, 1.0),
        seconds=first.wall_seconds + second.wall_seconds,
    )


def needs_clean_run(params: QuenchParams) -> bool:
    """Whether the quench uses the clean steady state (Delta_s or theta_p from a clean run)."""
    return params.steady_gap == "clean_run" or params.theta == "clean_steady_state"


def simulate(
    params: QuenchParams, label: str = "", clean: CleanSteadyState | None = None
) -> QuenchResult:
    """One quench of P1: set-up (P1 Eqs. (10)-(12), Suppl. Eqs. (39)-(40)), evolution of
    P1 Eq. (9), Delta(t).

    ``clean``: the clean steady state of the same (lambda_i, lambda_f, grid, dt), when
    already computed (:func:`clean_steady_state`); computed here if needed and not given.
    """
    cutoff = cutoff_for_unit_gap(params.lambda_f, params.n_levels)
    eps = level_grid(params.n_levels, cutoff)
    weight_i = coupling_weight(params.lambda_i, params.n_levels, cutoff)
    weight_f = coupling_weight(params.lambda_f, params.n_levels, cutoff)
    gap0_clean = clean_gap(params.lambda_i, params.n_levels, cutoff)
    try:
        if params.initial_state == "bcs":
            energy0 = np.sqrt(eps * eps + gap0_clean**2)
            sx, sz = gap0_clean / energy0, -eps / energy0
        else:
            sx, sz, _ = ag_state(eps, weight_i, params.rates, params.n_quadrature)
        if params.rates.total > 0.0:
            gap_final_ag = ag_state(eps, weight_f, params.rates, params.n_quadrature)[2]
        else:
            gap_final_ag = 1.0
    except RuntimeError as error:
        raise RuntimeError(f"{label}: {error}") from None
    state = (sx, np.zeros_like(eps), sz)
    gap_initial = weight_i * float(np.sum(sx))

    if clean is None and needs_clean_run(params):
        clean = clean_steady_state(
            params.lambda_i, params.lambda_f, params.n_levels, params.dt, params.order,
            params.clean_t_max, label,
        )  # fmt: skip
    if clean is not None and not np.array_equal(clean.eps, eps):
        raise ValueError(f"{label}: the clean steady state was computed on another level grid")
    gap_steady = clean.gap_steady if params.steady_gap == "clean_run" else 1.0
    if params.theta == "projection":
        cos_theta, sin_theta = projection_angle(eps, gap0_clean, gap_steady)
    else:
        cos_theta = clean.cos_theta
        sin_theta = np.sign(eps * (gap0_clean - gap_steady)) * np.sqrt(1.0 - cos_theta**2)
    if params.w_function == "eq39":
        w_function = w_eq39(eps, gap_steady, cos_theta, cutoff)
    else:
        w_function = w_eq40(eps, gap_steady)
    coefficients = source_coefficients(
        eps, gap_steady, cos_theta, sin_theta, w_function, params.rates
    )
    n_steps = int(round(params.t_max / params.dt))
    run = evolve(
        state,
        coefficients,
        weight_f,
        gap_steady,
        params.dt,
        n_steps,
        order=params.order,
        label=label,
    )
    return QuenchResult(
        time=params.dt * np.arange(n_steps + 1),
        gaps=run.gaps,
        cutoff=cutoff,
        gap_initial=gap_initial,
        gap_initial_clean=gap0_clean,
        gap_final_ag=float(gap_final_ag),
        gap_steady=gap_steady,
        max_norm_deviation=run.max_norm_deviation,
        cos_theta=cos_theta,
        eps=eps,
        w_function=w_function,
        main_seconds=run.wall_seconds,
        clean_seconds=0.0 if clean is None else clean.seconds,
    )
