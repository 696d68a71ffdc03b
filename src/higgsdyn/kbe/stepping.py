"""Time stepping of the Nambu Kadanoff-Baym equations (P2 Eqs. 4-8) on the real-time branch.

One step n: predict Delta(t_n) and the self-energy slice n by extrapolation, then repeat the
corrector sweep (retarded row, mixed row G^](t_n, tau) and Sigma^](t_n, tau), lesser column
incl. the diagonal, Delta(t_n) from the BCS coupling, local self-energy slice) until the
slice changes by less than ``tolerance``.

Order (``time_order``, :mod:`higgsdyn.kbe.quadrature`): 2 is the trapezoidal rule, a
one-step method; 6 is BDF-6 with degree-6 Gregory quadrature, which needs the first 6 time
slices as start values. These come from trapezoidal runs at dt/2, dt/4, dt/8 over
[t_0, t_p], Romberg-extrapolated (error O((dt/2)^6), the trapezoidal error being even in dt).

Initial state: the correlated equilibrium at lambda_i and T on the full contour
(:mod:`higgsdyn.kbe.mixed`): the run starts at t = -t_prep from the Matsubara solution of
:mod:`higgsdyn.kbe.matsubara`, and the mixed components G^](t, tau) carry the initial
correlations, so without a quench the state is stationary. The interval [-t_prep, 0) shows
that baseline before the quench at t = 0. The static vector potential of Eqs. (7)-(8) is
present on the whole contour, so n_s,para(-t_prep) is the thermodynamic value. At T = 0
(no Matsubara branch) only the collisionless model is allowed; it starts from the BCS
ground state.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np

from higgsdyn.io.progress import Progress
from higgsdyn.kbe import compressed, kernels
from higgsdyn.kbe.bands import Band, flat_band, tight_binding_band
from higgsdyn.kbe.bath import disorder_strength, phonon_greater
from higgsdyn.kbe.contour import ContourHistory
from higgsdyn.kbe.matsubara import MatsubaraEquilibrium, solve_equilibrium
from higgsdyn.kbe.mixed import MatsubaraBranch
from higgsdyn.kbe.observables import (
    gap_from_density,
    mean_field_energy,
    mean_field_gap,
    mean_field_hamiltonian,
    superfluid_density,
    thermal_density_matrix,
)
from higgsdyn.kbe.quadrature import TimeScheme, make_scheme
from higgsdyn.kbe.selfenergy import slice_self_energy

log = logging.getLogger(__name__)

MATSUBARA_CUTOFF = 100.0
BANDS = {"flat": flat_band, "tight_binding": tight_binding_band}


@dataclass(frozen=True)
class KBConfig:
    """One Kadanoff-Baym run, the stage's one record, in the config's (paper's) names;
    energies in the band unit (E_F flat band, J chain). No defaults: kbe.stage builds it from
    config.yaml (``p2.kbe``)."""

    band: str  # "flat" (Figs. 1b, 1c) or "tight_binding" (Fig. 3b)
    n_xi: int  # Gauss-Legendre nodes for xi > 0 (the chain: k in (pi/2, pi))
    xi_stretch: float  # sinh map: node density near the Fermi level
    lambda_i: float
    lambda_f: float
    temperature: float
    gamma_el: float  # elastic scattering rate 1/tau_el (Eq. 6)
    lambda_ph: float  # lambda_el-ph (Eq. 5, Debye bath); 0: no phonons
    omega_D: float  # Debye energy of the bath (Eq. 5); 0: no bath (then lambda_ph = 0)
    dt: float
    t_max: float
    t_prep: float  # stationary baseline before the quench
    quench_time: float  # sin^2 ramp of lambda from lambda_i to lambda_f after t = 0
    time_order: int  # 2: trapezoidal; 6: BDF-6 + Gregory (quadrature.ORDERS)
    tolerance: float
    max_iterations: int
    history: str  # "full" or "compressed" (HODLR history of G^R, G^<: compressed.py)
    history_tol: float  # entry tolerance of the compressed history, relative to max |G|
    # a constant of the method, not a run parameter: |w_n| window of the initial Matsubara
    # equilibrium (its tail falls as 1/w^3; physics_notes, "Correlated equilibrium")
    matsubara_cutoff: float = MATSUBARA_CUTOFF

    def __post_init__(self):
        if self.band not in BANDS:
            raise ValueError(f"unknown band {self.band!r}; one of {sorted(BANDS)}")
        if self.lambda_ph > 0 and not self.omega_D > 0:
            raise ValueError(f"lambda_ph = {self.lambda_ph} needs a Debye energy omega_D > 0")

    def make_band(self) -> Band:
        return BANDS[self.band](self.n_xi, self.xi_stretch)

    @property
    def n_times(self) -> int:
        return int(round((self.t_prep + self.t_max) / self.dt)) + 1

    def times(self) -> np.ndarray:
        return -self.t_prep + self.dt * np.arange(self.n_times)


@dataclass
class KBResult:
    times: np.ndarray
    gap: np.ndarray  # complex Delta(t)
    ns_para: np.ndarray  # n_s,para/m in units of the band (flat band: 2 E_F = n/m)
    ns_dia: np.ndarray
    energy: np.ndarray  # mean-field energy (collisionless conservation check)
    iterations: np.ndarray
    density: np.ndarray  # rho_xi(t_n) = -i G^<_xi(t_n, t_n), (n_t, n_xi, 2, 2)
    history: ContourHistory | None  # the full two-time history; None when compressed
    history_nbytes: int  # memory of the two-time storage (dense or ring + HODLR trees)
    mixed: np.ndarray | None  # G^](t_n, tau_k) on the DLR nodes, (n_t, r, n_xi, 2, 2); r = 0
    # at T = 0; None when compressed (a ring of the last slices and LowRankRows)
    band: Band


def smooth_ramp(x: np.ndarray) -> np.ndarray:
    """0 for x <= 0, sin^2(pi x / 2) on (0, 1), 1 for x >= 1."""
    return np.where(x <= 0, 0.0, np.where(x >= 1, 1.0, np.sin(0.5 * np.pi * np.clip(x, 0, 1)) ** 2))


def run(config: KBConfig) -> KBResult:
    """Propagate the KB equations from t = -t_prep to t_max (see module docstring)."""
    return _propagate(config, _equilibrium(config), keep_history=config.history == "full")


def _propagate(
    config: KBConfig,
    equilibrium: MatsubaraEquilibrium | None,
    keep_history: bool,
    template: MatsubaraBranch | None = None,
) -> KBResult:
    """The run; ``keep_history``: store the full two-time history (``KBResult.history``) also
    when the history integrals are compressed (the short start runs); otherwise the
    compressed path keeps only a ring of recent slices (:func:`_storage`). ``template``: the
    Matsubara branch of the run whose start values this run gives (MatsubaraBranch.prepare)."""
    state = _set_up(config, equilibrium, keep_history, template)
    progress = Progress(log, f"KB {config.band}", state.times.size - 1)
    for n in range(state.first_step, state.times.size):
        weights = _predictor_weights(n)
        _predict(state.history, state.gaps, n, weights)
        if state.branch is not None:
            state.branch.predict(n, weights)
        state.sweep_base = None
        for iteration in range(1, config.max_iterations + 1):
            change = _corrector_sweep(state, n)
            if iteration > 1 and change < config.tolerance:
                break
        state.iterations[n] = iteration
        _accept(state, n)
        _observables(state, n)
        progress.update(n, sim_time=state.times[n])
    progress.finish()
    nbytes = state.history.nbytes + sum(tree.allocated_nbytes() for tree in state.trees or ())
    return KBResult(state.times, state.gaps, state.ns_para, state.ns_dia, state.energy,
                    state.iterations, state.density, state.history if keep_history else None,
                    nbytes, state.gm if keep_history else None, state.band)  # fmt: skip


@dataclass
class _State:
    """One propagation: its inputs, the two-time storage and the observables so far."""

    config: KBConfig
    scheme: TimeScheme
    band: Band
    times: np.ndarray
    coupling: np.ndarray  # lambda(t_n), the sin^2 quench ramp
    disorder: float  # c of the Born self-energy (Eq. 6)
    phonon_gt: np.ndarray  # D^>(n dt) / nu_0 (Eq. 5)
    history: ContourHistory
    trees: tuple | None  # (G^<, G^R, Sigma^R) HODLR trees; None for the full history
    mixed_rows: compressed.LowRankRows | None  # accepted G^] rows (compressed and T > 0)
    branch: MatsubaraBranch | None
    gm: np.ndarray  # G^](t_n, tau_k) = gm[mixed_at[n]], (n_t or a ring, r, n_xi, 2, 2)
    mixed_at: np.ndarray  # (n_t,) int64
    sigma_left: np.ndarray  # the Sigma^[ weights of the Matsubara-branch Q term
    force: np.ndarray  # right-hand side of the lesser equation at t_{n-1} (trapezoidal)
    new_force: np.ndarray
    gaps: np.ndarray
    ns_para: np.ndarray
    ns_dia: np.ndarray
    energy: np.ndarray
    iterations: np.ndarray
    density: np.ndarray
    no_past: np.ndarray  # the empty compressed past (q_past, conv_past) of the full history
    first_step: int = 1
    sweep_base: _SweepBase | None = None  # the step's first sweep (compressed path)


@dataclass
class _SweepBase:
    """What the first corrector sweep of a step multiplied through the trees, and the results.
    The later sweeps multiply only the change (compressed.retarded_row, .lesser_history): it
    is small (~0.5% of Sigma), so the trees' products of it need few basis vectors."""

    retarded: tuple[np.ndarray, np.ndarray]  # G^R row n, its Sigma^R tree sums
    sigma: tuple[np.ndarray, np.ndarray]  # Sigma^R row n, Sigma^< column n (s < n)
    q_past: np.ndarray  # compressed.lesser_history of ``sigma``


def _set_up(config: KBConfig, equilibrium, keep_history: bool, template=None) -> _State:
    """Inputs, storage, the initial slice t_0 (thermal or correlated Matsubara state) and, for
    a multistep scheme, the start slices 1..steps (:func:`_start_values`)."""
    scheme = make_scheme(config.time_order)
    band = config.make_band()
    times = config.times()
    n_times = times.size
    coupling = config.lambda_i + (config.lambda_f - config.lambda_i) * smooth_ramp(
        times / config.quench_time if config.quench_time > 0 else np.sign(times) + (times == 0)
    )
    lags = config.dt * np.arange(n_times)
    phonon_gt = (
        phonon_greater(lags, config.lambda_ph, config.omega_D, config.temperature) / band.dos_fermi
    )
    disorder = disorder_strength(config.gamma_el, band.dos_fermi)
    trees = _history_trees(config, n_times, band.n_nodes)
    full = trees is None or keep_history
    history = _storage(scheme, n_times, band.n_nodes, full)
    gaps = np.zeros(n_times, dtype=np.complex128)
    window = None if full else _ring_window(scheme)  # G^] older than it: in mixed_rows
    branch = _matsubara_branch(config, band, times, disorder, equilibrium, window, template)
    if branch is None:
        gaps[0] = mean_field_gap(band, config.lambda_i, config.temperature)
        rho0 = thermal_density_matrix(band, gaps[0].real, config.temperature)
        gm = np.zeros((n_times, 0, band.n_nodes, 2, 2), dtype=np.complex128)
        mixed_at = np.arange(n_times, dtype=np.int64)
        sigma_left = np.zeros((n_times, 0, 2, 2), dtype=np.complex128)
    else:
        gaps[0] = branch.equilibrium.gap
        rho0 = branch.rho
        gm, mixed_at, sigma_left = branch.gm, branch.at, branch.sigma_left
    gr, gl, g_at = history.gr, history.gl, history.g_at
    gr[g_at[0]] = -1j * np.eye(2)
    gl[g_at[0]] = 1j * rho0
    slice_self_energy(history, band.weights, 0, disorder, phonon_gt)
    force = np.zeros((n_times, band.n_nodes, 2, 2), dtype=np.complex128)
    force[0] = gl[g_at[0]] @ mean_field_hamiltonian(band, gaps[0].real)
    kernels.mixed_history(gm, mixed_at, sigma_left, 0, 0, force[0])
    mixed_rows = None
    if trees is not None and gm.shape[1] > 0:
        mixed_rows = compressed.LowRankRows(n_times, gm.shape[1], band.n_nodes, config.history_tol)
    state = _State(
        config, scheme, band, times, coupling, disorder, phonon_gt, history, trees, mixed_rows,
        branch, gm, mixed_at, sigma_left, force, np.zeros_like(force), gaps, np.zeros(n_times),
        np.zeros(n_times), np.zeros(n_times), np.zeros(n_times, dtype=np.int64),
        np.zeros((n_times, band.n_nodes, 2, 2), dtype=np.complex128),
        np.zeros((0, band.n_nodes, 2, 2), dtype=np.complex128),
    )  # fmt: skip
    state.density[0] = -1j * gl[g_at[0]]
    state.ns_para[0], state.ns_dia[0] = superfluid_density(
        band, rho0, _paramagnetic(history, branch, 0, config.dt, scheme)
    )
    state.energy[0] = mean_field_energy(band, rho0, gaps[0], coupling[0])
    if scheme.steps > 1:
        last_start = min(scheme.steps, n_times - 1)
        observables = (gaps, state.ns_para, state.ns_dia, state.energy)
        _start_values(config, equilibrium, last_start, history, branch, observables)
        for n in range(last_start + 1):
            slice_self_energy(history, band.weights, n, disorder, phonon_gt)
            state.density[n] = -1j * gl[g_at[n] + n]
        state.first_step = last_start + 1
    if trees is not None:
        for n in range(state.first_step):
            _append_slice(state, n)
    return state


def _corrector_sweep(state: _State, n: int) -> float:
    """One corrector sweep of step n: retarded row, mixed row, lesser column (with the
    diagonal), Delta(t_n), local self-energy; returns the change of G^<(t_n, t_n), Sigma^R
    row n and G^](t_n, .) against the previous sweep."""
    history, band, scheme, trees = state.history, state.band, state.scheme, state.trees
    gr, gl, sr, sl = history.gr, history.gl, history.sr, history.sl
    g_at, s_at = history.g_at, history.s_at
    dt, gaps, gm = state.config.dt, state.gaps, state.gm
    previous_diag = gl[g_at[n] + n].copy()
    previous_sigma = history.s_slice("sr", n).copy()
    mixed_slice = gm[state.mixed_at[n]]
    previous_mixed = mixed_slice.copy()
    if trees is None:
        kernels.retarded_row(gr, g_at, sr, s_at, band.xi, gaps, n, dt, scheme.quad, scheme.lmm,
                             scheme.diff, kernels.NUMBA_THREADS)  # fmt: skip
    else:
        base = None if state.sweep_base is None else state.sweep_base.retarded
        tree_conv = compressed.retarded_row(history, trees[2], band.xi, gaps, n, dt, scheme.quad,
                                            scheme.lmm, scheme.diff, base)  # fmt: skip
    mixed_rows, sigma_row = state.mixed_rows, history.s_slice("sr", n)
    if state.branch is not None:
        conv_past = state.no_past
        if mixed_rows is not None:
            weights = compressed.row_weights(scheme.quad, n, dt)
            conv_past = mixed_rows.left_times(weights[:, None, None] * sigma_row[:n])
        state.branch.step(sigma_row, conv_past, band.xi, gaps, n, dt, scheme.quad, scheme.lmm)
    q_past = state.no_past if trees is None else _lesser_past(state, n, tree_conv)
    kernels.lesser_column(gl, gr, g_at, sl, sr, s_at, gm, state.mixed_at, state.sigma_left,
                          band.xi, gaps, state.force, state.new_force, n, dt, scheme.quad,
                          scheme.lmm, q_past)  # fmt: skip
    gaps[n] = gap_from_density(band, -1j * gl[g_at[n] + n], state.coupling[n])
    slice_self_energy(history, band.weights, n, state.disorder, state.phonon_gt)
    return max(
        np.abs(gl[g_at[n] + n] - previous_diag).max(),
        np.abs(history.s_slice("sr", n) - previous_sigma).max(),
        np.abs(mixed_slice - previous_mixed).max(initial=0.0),
    )


def _lesser_past(state: _State, n: int, tree_conv: np.ndarray) -> np.ndarray:
    """The lesser equation's history sums over the compressed past (compressed.lesser_history,
    and the mixed rows' Matsubara term). The step's first sweep records what it multiplied
    (:class:`_SweepBase`); the later sweeps add the product of the change."""
    history, scheme, trees, dt = state.history, state.scheme, state.trees, state.config.dt
    sigma_row, sigma_l = history.s_slice("sr", n), history.s_slice("sl", n)
    base = state.sweep_base
    if base is None:
        q_past = compressed.lesser_history(*trees[:2], sigma_row, sigma_l, dt, scheme.quad,
                                           scheme.steps)  # fmt: skip
        sigma = (sigma_row[:n].copy(), sigma_l[:n].copy())
        retarded = (history.g_slice("gr", n).copy(), tree_conv)
        state.sweep_base = _SweepBase(retarded, sigma, q_past.copy())
    else:
        q_past = base.q_past + compressed.lesser_history(
            *trees[:2], sigma_row, sigma_l, dt, scheme.quad, scheme.steps, base.sigma
        )
    if state.mixed_rows is not None:
        q_past += state.mixed_rows.rows_times(state.sigma_left[n])
    return q_past


def _accept(state: _State, n: int) -> None:
    """Step n is converged: it joins the trees (but the last, which no later step reads: the
    blocks that would complete with it are not recompressed at the end of the run), its
    right-hand sides become the previous."""
    if state.trees is not None and n < state.times.size - 1:
        _append_slice(state, n)
    state.force, state.new_force = state.new_force, state.force
    if state.branch is not None:
        state.branch.accept()


def _observables(state: _State, n: int) -> None:
    """rho_xi(t_n), n_s (para, dia; Eqs. 7-8) and the mean-field energy at t_n."""
    history, band = state.history, state.band
    rho = -1j * history.gl[history.g_at[n] + n]
    state.density[n] = rho
    para_imtrace = _paramagnetic(history, state.branch, n, state.config.dt, state.scheme)
    state.ns_para[n], state.ns_dia[n] = superfluid_density(band, rho, para_imtrace)
    state.energy[n] = mean_field_energy(band, rho, state.gaps[n], state.coupling[n])
    gap = state.gaps[n]
    if not (np.isfinite(gap) and np.isfinite(state.ns_para[n]) and abs(gap) < 1e3):
        raise FloatingPointError(f"KB run diverged at t = {state.times[n]:.3f} for {state.config}")


HISTORY_MODES = ("full", "compressed")


def _history_trees(config: KBConfig, n_times: int, n_xi: int):
    """(G^< tree, G^R tree, Sigma^R tree) of the compressed history; None for the full one.
    Each keeps the dense edges its reader needs: the Gregory corrections of the lesser history
    read G^R's (compressed.lesser_history), the retarded row Sigma^R's sub-diagonals."""
    if config.history not in HISTORY_MODES:
        raise ValueError(f"history {config.history!r} not in {HISTORY_MODES}")
    if config.history == "full":
        return None
    trees = ((n_xi, frozenset()), (n_xi, compressed.EDGES), (1, frozenset({"band"})))
    return tuple(
        compressed.HistoryTree(n_times, batch, config.history_tol, edges=edges)
        for batch, edges in trees
    )


def _storage(scheme: TimeScheme, n_times: int, n_xi: int, full: bool) -> ContourHistory:
    """The dense two-time storage: the full history, or the ring of the slices the compressed
    path still reads (the older ones live in the trees), per step n:

    - G: the lesser columns n - steps..n (the multistep rule of :func:`kernels._lesser_step`;
      the start values fill slices 0..steps together);
    - Sigma: the rows n - table..n with table = the Gregory table size (the dense sums of
      :func:`kernels.retarded_leaf` for n - j <= table, the start block of the retarded row),
      the Sigma^< column n - 1 of the lesser diagonal's trapezoidal force;
    - both: the predictor's slices n - PREDICTOR_POINTS..n - 1.
    """
    if full:
        return ContourHistory.allocate(n_times, n_xi)
    table = scheme.quad.shape[0] - 2
    return ContourHistory.moving(n_times, n_xi, g_window=_ring_window(scheme),
                                 s_window=max(table, PREDICTOR_POINTS) + 1)  # fmt: skip


def _ring_window(scheme: TimeScheme) -> int:
    """Slices of G^R, G^< and G^] the compressed path keeps dense: n - window < s <= n (the
    multistep rule's and the predictor's past)."""
    return max(scheme.steps, PREDICTOR_POINTS) + 1


def _append_slice(state: _State, n: int) -> None:
    """The converged lesser column, retarded row and Sigma^R row n become row n of the trees,
    the mixed row G^](t_n, .) row n of the compressed mixed rows."""
    history = state.history
    slices = (history.g_slice("gl", n), history.g_slice("gr", n), history.s_slice("sr", n))
    for tree, values in zip(state.trees, slices, strict=True):
        tree.append(values)
    if state.mixed_rows is not None:
        state.mixed_rows.append(state.gm[state.mixed_at[n]])


def _equilibrium(config: KBConfig) -> MatsubaraEquilibrium | None:
    """The Matsubara equilibrium at lambda_i and T; None at T = 0 (collisionless only)."""
    if config.temperature <= 0:
        if config.gamma_el > 0 or config.lambda_ph > 0:
            raise ValueError("KB runs with self-energies need temperature > 0 (Matsubara branch)")
        return None
    return solve_equilibrium(
        config.make_band(),
        config.lambda_i,
        config.temperature,
        config.gamma_el,
        config.lambda_ph,
        config.omega_D,
        omega_max=config.matsubara_cutoff,
    )


def _matsubara_branch(config, band, times, disorder, equilibrium, window, template):
    """The correlated initial state on the full contour (G^] in a ring of ``window`` slices,
    None: whole; ``template`` as MatsubaraBranch.prepare); None at T = 0 (collisionless)."""
    if equilibrium is None:
        return None
    return MatsubaraBranch.prepare(band, equilibrium, config.temperature, times, disorder,
                                   config.lambda_ph, config.omega_D, window, template)  # fmt: skip


def _paramagnetic(history, branch, n: int, dt: float, scheme: TimeScheme) -> np.ndarray:
    """Im Tr X_i(t_n) of the contour bubble: real-time part plus the Matsubara branch."""
    real_time = kernels.paramagnetic_kernel(
        history.g_slice("gr", n), history.g_slice("gl", n), n, dt, scheme.quad
    )
    return real_time if branch is None else real_time + branch.paramagnetic(n)


START_REFINEMENTS = (2, 4, 8)  # trapezoidal start runs at dt/2, dt/4, dt/8


def _start_values(config, equilibrium, steps, history, branch, observables) -> None:
    """Slices 0..steps of a multistep run: trapezoidal runs at dt/2, dt/4, dt/8 over
    [t_0, t_steps], Romberg-extrapolated to O((dt/2)^6) (the trapezoidal error is even in dt).
    Fills G^R, G^<, G^] and the observables; the self-energies follow from G."""
    fine_runs = []
    for refine in START_REFINEMENTS:
        fine = replace(
            config, time_order=2, dt=config.dt / refine, t_max=float(config.times()[steps])
        )
        fine_runs.append((refine, _propagate(fine, equilibrium, True, branch)))
    pairs = [(n, s) for n in range(steps + 1) for s in range(n + 1)]
    coarse = np.array([history.g_at[n] + s for n, s in pairs])
    for name in ("gr", "gl"):
        levels = [
            getattr(result.history, name)[[result.history.g_at[n * r] + s * r for n, s in pairs]]
            for r, result in fine_runs
        ]
        getattr(history, name)[coarse] = _romberg(levels)
    slices = np.arange(steps + 1)
    for target, name in zip(observables, ("gap", "ns_para", "ns_dia", "energy"), strict=True):
        target[: steps + 1] = _romberg(
            [getattr(result, name)[slices * r] for r, result in fine_runs]
        )
    if branch is not None:
        start = _romberg([result.mixed[slices * r] for r, result in fine_runs])
        branch.gm[branch.at[slices]] = start
        for n in range(steps + 1):
            branch.update_self_energy(n)


def _romberg(levels: list[np.ndarray]) -> np.ndarray:
    """Richardson extrapolation of values at h, h/2, h/4 with errors even in h: O(h^6)."""
    first = [(4 * fine - coarse) / 3 for coarse, fine in zip(levels[:-1], levels[1:], strict=True)]
    return (16 * first[1] - first[0]) / 15


PREDICTOR_POINTS = 6  # past slices of the predictor's extrapolation


def _predictor_weights(n: int) -> tuple[float, ...]:
    """Weights of slices n - 1, n - 2, ... in the predictor of slice n: polynomial
    extrapolation through PREDICTOR_POINTS slices, once there are enough of them (error
    ~(E dt)^6 for a slice oscillating at the energy E), else a copy of slice n - 1."""
    points = PREDICTOR_POINTS
    if n < 2 * points - 1:
        return (1.0,)
    return tuple((-1.0) ** (lag + 1) * math.comb(points, lag) for lag in range(1, points + 1))


def _predict(history: ContourHistory, gaps: np.ndarray, n: int, weights) -> None:
    """Predictor: Delta(t_n) and slice n extrapolated from slices n - 1, n - 2, ... with
    ``weights``: entries X(t_n, t_s) with s >= len(weights) along the time-translation
    direction, from X(t_{n-l}, t_{s-l}) (slow: only the gap dynamics moves them), the first
    ones (their t_0 is fixed) along t, from X(t_{n-l}, t_s)."""
    depth = len(weights)
    gaps[n] = sum(weight * gaps[n - lag] for lag, weight in enumerate(weights, start=1))
    parts = ((history.sr, history.s_at), (history.sl, history.s_at),
             (history.gr, history.g_at), (history.gl, history.g_at))  # fmt: skip
    for array, at in parts:
        along_t = sum(
            weight * array[at[n - lag] : at[n - lag] + depth]
            for lag, weight in enumerate(weights, start=1)
        )  # computed before slice n overwrites the ring's oldest slice
        translated = sum(
            weight * array[at[n - lag] + depth - lag : at[n - lag] + n - lag + 1]
            for lag, weight in enumerate(weights, start=1)
        )
        array[at[n] + depth : at[n] + n + 1] = translated
        array[at[n] : at[n] + depth] = along_t
