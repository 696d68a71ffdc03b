"""Time evolution of the quenched chain: Eq. (C2) with the fields of Eq. (C1) self-consistent.

d rho/dt = -i [H_BdG(t), rho] (Eq. C2) is integrated as d V/dt = -i H_BdG(t) V for the
M quasiparticle states that carry occupation (rho = V w V^dagger): O(N M) = O(N^2) per
step, never a dense 2N x 2N product. Two integrators (``ChainQuench.integrator``):
:class:`SplittingPropagator` (default ``"split6"``), a composition of exact flows (bond
rotations and the exact self-consistent on-site rotation), unitary by construction; and
:class:`Propagator`, classical RK4 with Delta_i(t), delta u_i(t) recomputed from V at
every stage (``"rk4"``, the second solver).
"""

from __future__ import annotations

import itertools
import logging
import time as wallclock
from dataclasses import dataclass

import numpy as np

from higgsdyn.bdg import kernels
from higgsdyn.bdg.equilibrium import solve_equilibrium
from higgsdyn.bdg.model import ChainQuench, disorder_potential, self_energy
from higgsdyn.bdg.phase_slips import SlipCounter, winding_number
from higgsdyn.io.progress import Progress

log = logging.getLogger(__name__)
HOPPING = 1.0  # J, the energy unit


class Propagator:
    """RK4 stepper for the states V of one chain at fixed coupling U and disorder u_i."""

    def __init__(self, disorder, weights, coupling, hartree_sign, periodic, shift=0.0):
        self.disorder = np.ascontiguousarray(disorder, dtype=float)
        self.weights = np.ascontiguousarray(weights, dtype=float)
        self.coupling = float(coupling)
        self.hartree_sign = float(hartree_sign)
        self.periodic = bool(periodic)
        self.shift = float(shift)
        n_sites = len(disorder)
        self.pair = np.empty(n_sites, dtype=complex)
        self.excess = np.empty(n_sites)

    def fields(self, states, slope=None, step=0.0, stage=None):
        """Eq. (C1) for the states Y = states + step slope (written to stage):
        (Delta_i, u_i + delta u_i, n_i - 1)."""
        slope = states if slope is None else slope
        stage = states if stage is None else stage
        kernels.local_densities(states, slope, step, stage, self.weights, self.pair, self.excess)
        gap, delta_u = self_energy(self.pair, self.excess, self.coupling, self.hartree_sign)
        return gap, self.disorder + delta_u, self.excess.copy()

    def allocate(self, states):
        """Work arrays of :meth:`step` (slope, RK4 sum, stage) shaped like ``states``."""
        return tuple(np.empty_like(states) for _ in range(3))

    def step(self, states, dt, buffers):
        """Advance V by one RK4 step in place; return (Delta_i, n_i - 1) at the start.

        Stage s: Y_s = V + c_s dt K_{s-1}, K_s = -i (H[Y_s] - shift) Y_s, with the fields
        of Eq. (C1) evaluated from Y_s; V += dt/6 (K_1 + 2 K_2 + 2 K_3 + K_4).
        """
        slope, accumulated, stage = buffers
        gap_start = excess_start = None
        for fraction, weight in ((0.0, 1.0), (0.5, 2.0), (0.5, 2.0), (1.0, 1.0)):
            gap, onsite, excess = self.fields(states, slope, fraction * dt, stage)
            source = states if fraction == 0.0 else stage
            kernels.apply_minus_i_hamiltonian(
                source,
                onsite,
                gap,
                HOPPING,
                self.periodic,
                self.shift,
                slope,
                accumulated,
                weight,
                fraction != 0.0,
            )
            if gap_start is None:
                gap_start, excess_start = gap, excess
        accumulated *= dt / 6.0
        states += accumulated
        return gap_start, excess_start


# Symmetric compositions of the Strang step (weights w_j of the sub-steps w_j dt), by order:
# Suzuki's 5-stage fractal (order 4) and Yoshida's 7-stage solution A (order 6; Hairer,
# Lubich, Wanner, Geometric Numerical Integration, Sec. V.3.2).
_SUZUKI = 1.0 / (4.0 - 4.0 ** (1.0 / 3.0))
_YOSHIDA_A = (
    0.78451361047755726381949763,
    0.23557321335935813368479318,
    -1.17767998417887100694641568,
)
COMPOSITIONS = {
    "split2": (1.0,),
    "split4": (_SUZUKI, _SUZUKI, 1.0 - 4.0 * _SUZUKI, _SUZUKI, _SUZUKI),
    "split6": (*_YOSHIDA_A, 1.0 - 2.0 * sum(_YOSHIDA_A), *_YOSHIDA_A[::-1]),
}


class SplittingPropagator(Propagator):
    """Exact-rotation splitting of Eq. (C2): unitary and number-conserving by construction.

    dV/dt = -i (H_even + H_odd + H_site[V]) V is split into three flows, each solved exactly:
    hopping on the even bonds and on the odd bonds (commuting 2x2 bond rotations) and the
    self-consistent on-site part (u_i + delta u_i) tau_3 + Delta_i tau_+ + h.c. with
    Eq. (C1) (an exact 2x2 rotation per site, kernels._onsite_unitary). The Strang step
    S(h/2) E(h/2) O(h) E(h/2) S(h/2) is symmetric (order 2); ``composition`` lists the
    weights of a symmetric composition of Strang steps (order 4, 6; COMPOSITIONS).
    Each Strang sub-step is one pass over the states (kernels.splitting_sweep): the S and E
    flows that meet between sub-steps are merged, and O runs behind them in the same pass.
    """

    def __init__(self, disorder, weights, coupling, hartree_sign, periodic, composition):
        super().__init__(disorder, weights, coupling, hartree_sign, periodic)
        self.composition = tuple(float(weight) for weight in composition)
        self.owed = 0.0  # time tau of the flows E(tau) S(tau) the last step left to do

    def allocate(self, states):
        """No work arrays: the flows act in place."""
        return ()

    def _sweep(self, states, hop_before, site_time, hop_after, odd_time):
        kernels.splitting_sweep(
            states,
            self.weights,
            self.disorder,
            self.coupling,
            self.hartree_sign,
            HOPPING,
            self.periodic,
            hop_before,
            site_time,
            hop_after,
            odd_time,
            self.pair,
            self.excess,
        )

    def step(self, states, dt, buffers):
        """Advance V by one composed step in place; return (Delta_i, n_i - 1) at the start.

        A step ends with E(w h/2) S(w h/2) and the next begins with S(w h/2) E(w h/2):
        exact flows of one field compose, so that last sweep is left owed (``self.owed``)
        and done inside the next step's first one. The fields at the step boundary are
        those S started from, moved by the exact on-site flow over the owed time: x_i
        fixed, p_i -> p_i exp(-i omega_i tau), omega_i = 2 u_i + (1 + s) U x_i.
        """
        owed, first = self.owed, self.composition[0]
        self._sweep(states, owed, owed + 0.5 * first * dt, 0.5 * first * dt, first * dt)
        excess = self.excess.copy()
        omega = 2.0 * self.disorder + (1.0 + self.hartree_sign) * self.coupling * excess
        pair = self.pair * np.exp(-1j * omega * owed)
        for previous, weight in itertools.pairwise(self.composition):
            self._sweep(
                states,
                0.5 * previous * dt,
                0.5 * (previous + weight) * dt,
                0.5 * weight * dt,
                weight * dt,
            )
        self.owed = 0.5 * self.composition[-1] * dt
        gap, _ = self_energy(pair, excess, self.coupling, self.hartree_sign)
        return gap, excess

    def finish(self, states):
        """Do the flows the last step left owed: V is then the state at the step's end."""
        if self.owed:
            self._sweep(states, self.owed, self.owed, 0.0, 0.0)
            self.owed = 0.0

    def fields(self, states, slope=None, step=0.0, stage=None):
        """Eq. (C1) for the states at the end of the last step (:meth:`finish` first)."""
        self.finish(states)
        return super().fields(states)


def make_propagator(params: ChainQuench, disorder, equilibrium):
    """The integrator ``params.integrator`` for the quench from ``equilibrium`` to lambda_f."""
    arguments = (
        disorder,
        equilibrium.weights,
        params.coupling(params.lambda_f),
        params.hartree_sign,
        params.periodic,
    )
    if params.integrator == "rk4":
        occupied = equilibrium.energies[equilibrium.energies <= 0]
        return Propagator(*arguments, shift=0.5 * (occupied.min() + occupied.max()))
    return SplittingPropagator(*arguments, COMPOSITIONS[params.integrator])


@dataclass(frozen=True)
class QuenchResult:
    """Stored samples of one quench run (times in 1/J, energies in J)."""

    time: np.ndarray  # (T,)
    gap: np.ndarray  # (T, N) complex Delta_i(t)
    density: np.ndarray  # (T, N) n_i(t)
    slips: np.ndarray  # (T,) cumulative unsigned bond slips
    slips_net: np.ndarray  # (T,) cumulative signed bond slips
    winding: np.ndarray  # (T,) total winding (ring) or 0 (open chain)
    particle_number: np.ndarray  # (T,)
    norm_error: np.ndarray  # (T,) max_l |<v_l|v_l> - 1|
    slip_times: np.ndarray  # (S,) time of every slip (at step resolution)
    disorder: np.ndarray  # (N,)
    gap_initial: np.ndarray  # (N,) equilibrium Delta_i at lambda_i
    delta_u_initial: np.ndarray  # (N,)
    gram_error: float  # max |V^dagger V - 1| at the end
    scf_iterations: int
    wall_seconds: float
    steps: int


def _check(params, t, gap, particle_number, number0, norm_error):
    where = f"at t = {t:.4g}/J for {params.describe()}"
    if not np.all(np.isfinite(gap)):
        raise FloatingPointError(f"Delta_i(t) not finite {where}")
    drift = abs(particle_number - number0) / params.n_sites
    if drift > params.number_tol:
        raise RuntimeError(f"particle number drifted by {drift:.3g} per site {where}")
    if norm_error > params.norm_tol:
        raise RuntimeError(f"quasiparticle norm lost by {norm_error:.3g} {where}")


def run_quench(params: ChainQuench) -> QuenchResult:
    """Equilibrium at lambda_i (Eqs. C1, C3), quench to lambda_f, evolve (Eqs. C1, C2)."""
    start = wallclock.perf_counter()
    disorder = disorder_potential(params)
    equilibrium = solve_equilibrium(params, disorder, params.coupling(params.lambda_i))
    states = equilibrium.states.copy()
    propagator = make_propagator(params, disorder, equilibrium)
    buffers = propagator.allocate(states)
    store_every = int(round(params.store_interval / params.dt))
    n_steps = int(round(params.t_max / params.dt))
    n_samples = n_steps // store_every + 1
    n_sites = params.n_sites
    gap_t = np.empty((n_samples, n_sites), dtype=complex)
    density_t = np.empty((n_samples, n_sites))
    series = {
        name: np.empty(n_samples)
        for name in ("slips", "slips_net", "winding", "particle_number", "norm_error")
    }
    # the fields right after the quench (U -> U_f) define the slip counter's reference
    gap, _, excess = propagator.fields(states)
    counter = SlipCounter(gap, params.periodic, params.slip_hysteresis)
    number0 = float(np.sum(excess + 1.0))
    slip_times: list[float] = []
    progress = Progress(log, f"BdG {params.variant} seed {params.seed}", n_steps)
    sample = 0
    for step in range(n_steps + 1):
        t = step * params.dt
        if step < n_steps:
            gap, excess = propagator.step(states, params.dt, buffers)
        else:
            gap, _, excess = propagator.fields(states)
        if step > 0:
            slip_times.extend([t] * counter.update(gap))
        if step % store_every == 0:
            norms = np.einsum("al,al->l", states.real, states.real)
            norms += np.einsum("al,al->l", states.imag, states.imag)
            values = {
                "slips": counter.total,
                "slips_net": counter.net,
                "winding": winding_number(gap) if params.periodic else 0,
                "particle_number": float(np.sum(excess + 1.0)),
                "norm_error": float(np.max(np.abs(norms - 1.0))),
            }
            _check(params, t, gap, values["particle_number"], number0, values["norm_error"])
            gap_t[sample] = gap
            density_t[sample] = excess + 1.0
            for name, value in values.items():
                series[name][sample] = value
            sample += 1
        done = min(step + 1, n_steps)  # steps taken after this iteration
        progress.update(done, sim_time=done * params.dt)
    progress.finish()
    gram = states.conj().T @ (states)
    gram_error = float(np.max(np.abs(gram - np.eye(gram.shape[0]))))
    if gram_error > params.norm_tol:
        raise RuntimeError(f"orthonormality lost ({gram_error:.3g}) for {params.describe()}")
    return QuenchResult(
        time=np.arange(n_samples) * store_every * params.dt,
        gap=gap_t,
        density=density_t,
        slip_times=np.array(slip_times),
        disorder=disorder,
        gap_initial=equilibrium.gap,
        delta_u_initial=equilibrium.delta_u,
        gram_error=gram_error,
        scf_iterations=equilibrium.iterations,
        wall_seconds=wallclock.perf_counter() - start,
        steps=n_steps,
        **series,
    )
