"""Time stepping of the Nambu Kadanoff-Baym equations (P2 Eqs. 4-8) on the real-time branch.

One step n: predict Delta(t_n) and the self-energy slice n by extrapolation, then repeat the
corrector sweep (retarded row, lesser column incl. the diagonal, Delta(t_n) from the
BCS coupling, local self-energy slice) until the slice changes by less than ``tolerance``.

Initial state (documented limitation, docs/physics_notes.md): the run starts at t = -t_prep from
the mean-field BCS thermal state at lambda_i (no initial correlations, no Matsubara branch);
the self-energies are switched on smoothly over ``switch_on_time`` and the system relaxes
until the quench at t = 0. The static vector potential of Eqs. (7)-(8) is present from
t = -t_prep, so n_s,para is the response accumulated over the whole real-time history.
"""

from __future__ import annotations

import logging
import time as wallclock
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from higgsdyn.kbe import kernels
from higgsdyn.kbe.bands import Band, flat_band, tight_binding_band
from higgsdyn.kbe.bath import disorder_strength, phonon_greater
from higgsdyn.kbe.contour import ContourHistory, offset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KBConfig:
    """One Kadanoff-Baym run; energies in the band unit (E_F flat band, J chain)."""

    band: str = "flat"  # "flat" (Figs. 1b, 1c) or "tight_binding" (Fig. 3b)
    n_xi: int = 24  # Gauss-Legendre nodes for xi > 0
    xi_stretch: float = 4.0  # sinh map: node density near the Fermi level
    lambda_i: float = 0.25
    lambda_f: float = 0.45
    temperature: float = 0.005
    scattering_rate: float = 0.0  # 1/tau_el (Eq. 6)
    lambda_ph: float = 0.0  # lambda_el-ph (Eq. 5, Debye bath)
    omega_debye: float = 0.16
    dt: float = 0.2
    t_max: float = 100.0
    t_prep: float = 0.0  # preparation before the quench
    switch_on_time: float = 0.0  # smooth switch-on of the self-energies from t = -t_prep
    quench_time: float = 0.5  # sin^2 ramp of lambda from lambda_i to lambda_f after t = 0
    tolerance: float = 1e-9
    max_iterations: int = 12

    def make_band(self) -> Band:
        if self.band == "flat":
            return flat_band(self.n_xi, self.xi_stretch)
        if self.band == "tight_binding":
            return tight_binding_band(self.n_xi, self.xi_stretch)
        raise ValueError(f"unknown band {self.band!r}")

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
    history: ContourHistory
    band: Band


def smooth_ramp(x: np.ndarray) -> np.ndarray:
    """0 for x <= 0, sin^2(pi x / 2) on (0, 1), 1 for x >= 1."""
    return np.where(x <= 0, 0.0, np.where(x >= 1, 1.0, np.sin(0.5 * np.pi * np.clip(x, 0, 1)) ** 2))


def thermal_density_matrix(band: Band, gap: float, temperature: float) -> np.ndarray:
    """rho_xi = f(h_xi) = [1 - (h/E) tanh(E/2T)]/2 for h = xi tau_3 + Delta tau_1."""
    energy = np.sqrt(band.xi**2 + gap**2)
    occupation = np.tanh(energy / (2 * temperature)) if temperature > 0 else np.ones_like(energy)
    rho = np.zeros((band.n_nodes, 2, 2), dtype=np.complex128)
    rho[:, 0, 0] = 0.5 * (1 - band.xi / energy * occupation)
    rho[:, 1, 1] = 0.5 * (1 + band.xi / energy * occupation)
    rho[:, 0, 1] = rho[:, 1, 0] = -0.5 * gap / energy * occupation
    return rho


def mean_field_gap(band: Band, coupling: float, temperature: float) -> float:
    """BCS gap on the discrete band: 1 = lambda sum_i w_i tanh(E_i/2T)/E_i (0 if none)."""

    def residual(gap):
        energy = np.sqrt(band.xi**2 + gap**2)
        thermal = np.tanh(energy / (2 * temperature)) if temperature > 0 else 1.0
        return 1.0 - coupling * np.sum(band.weights * thermal / energy)

    if coupling <= 0 or residual(1e-12) > 0:
        return 0.0
    return brentq(residual, 1e-12, 10.0 * band.xi.max(), xtol=1e-15, rtol=1e-14)


def gap_from_density(band: Band, rho: np.ndarray, coupling: float) -> complex:
    """Delta = -lambda sum_i w_i (rho_12 + rho_21) (both particle-hole partners)."""
    return -coupling * np.sum(band.weights * (rho[:, 0, 1] + rho[:, 1, 0]))


def superfluid_density(band: Band, rho: np.ndarray, para_imtrace: np.ndarray):
    """n_s/m = -i sum_k [v^2 Tr (G*G)^<(t,t) + M Tr tau_3 G^<(t,t)] (Eqs. 7, 8), split para/dia."""
    tr_tau3 = (rho[:, 0, 0] - rho[:, 1, 1]).real
    para = np.sum(band.weights * band.para_vertex * 2.0 * para_imtrace)
    dia = np.sum(band.weights * band.dia_vertex * tr_tau3)
    if band.boundary_vertex:
        dia -= band.boundary_vertex * tr_tau3[-1]
    return para, dia


def mean_field_energy(band: Band, rho: np.ndarray, gap: complex, coupling: float) -> float:
    """E = int dxi xi Tr tau_3 rho - |Delta|^2/lambda (both partners)."""
    tr_tau3 = (rho[:, 0, 0] - rho[:, 1, 1]).real
    pairing = abs(gap) ** 2 / coupling if coupling > 0 else 0.0
    return float(np.sum(band.weights * 2.0 * band.xi * tr_tau3) - pairing)


def run(config: KBConfig) -> KBResult:
    """Propagate the KB equations from t = -t_prep to t_max (see module docstring)."""
    band = config.make_band()
    times = config.times()
    n_times = times.size
    dt = config.dt
    coupling = config.lambda_i + (config.lambda_f - config.lambda_i) * smooth_ramp(
        times / config.quench_time if config.quench_time > 0 else np.sign(times) + (times == 0)
    )
    if config.switch_on_time > 0:
        ramp = smooth_ramp((times + config.t_prep) / config.switch_on_time)
    else:
        ramp = np.ones(n_times)
    lags = dt * np.arange(n_times)
    phonon_gt = (
        phonon_greater(lags, config.lambda_ph, config.omega_debye, config.temperature)
        / band.dos_fermi
    )
    disorder = disorder_strength(config.scattering_rate, band.dos_fermi)

    history = ContourHistory.allocate(n_times, band.n_nodes)
    gr, gl, sr, sl = history.gr, history.gl, history.sr, history.sl
    gaps = np.zeros(n_times, dtype=np.complex128)
    gap0 = mean_field_gap(band, config.lambda_i, config.temperature)
    gaps[0] = gap0
    rho0 = thermal_density_matrix(band, gap0, config.temperature)
    gr[0] = -1j * np.eye(2)
    gl[0] = 1j * rho0
    kernels.local_self_energy(gr, gl, sr, sl, band.weights, 0, disorder, phonon_gt, ramp)
    h0 = np.zeros((band.n_nodes, 2, 2), dtype=np.complex128)
    h0[:, 0, 0], h0[:, 1, 1], h0[:, 0, 1], h0[:, 1, 0] = band.xi, -band.xi, gap0, gap0
    force = np.zeros((n_times, band.n_nodes, 2, 2), dtype=np.complex128)
    force[0] = gl[0] @ h0
    new_force = np.zeros_like(force)

    ns_para = np.zeros(n_times)
    ns_dia = np.zeros(n_times)
    energy = np.zeros(n_times)
    iterations = np.zeros(n_times, dtype=np.int64)
    ns_para[0], ns_dia[0] = superfluid_density(band, rho0, np.zeros(band.n_nodes))
    energy[0] = mean_field_energy(band, rho0, gap0, coupling[0])

    last_log = wallclock.monotonic()
    start = last_log
    for n in range(1, n_times):
        _predict(history, gaps, n)
        for iteration in range(1, config.max_iterations + 1):
            previous_diag = gl[offset(n) + n].copy()
            previous_sigma = sr[offset(n) : offset(n) + n + 1].copy()
            kernels.retarded_row(gr, sr, band.xi, gaps, n, dt, kernels.NUMBA_THREADS)
            kernels.lesser_column(gl, gr, sl, sr, band.xi, gaps, force, new_force, n, dt)
            rho = -1j * gl[offset(n) + n]
            gaps[n] = gap_from_density(band, rho, coupling[n])
            kernels.local_self_energy(gr, gl, sr, sl, band.weights, n, disorder, phonon_gt, ramp)
            change = max(
                np.abs(gl[offset(n) + n] - previous_diag).max(),
                np.abs(sr[offset(n) : offset(n) + n + 1] - previous_sigma).max(),
            )
            if iteration > 1 and change < config.tolerance:
                break
        iterations[n] = iteration
        force, new_force = new_force, force
        rho = -1j * gl[offset(n) + n]
        para_imtrace = kernels.paramagnetic_kernel(gr, gl, n, dt)
        ns_para[n], ns_dia[n] = superfluid_density(band, rho, para_imtrace)
        energy[n] = mean_field_energy(band, rho, gaps[n], coupling[n])
        if not (np.isfinite(gaps[n]) and np.isfinite(ns_para[n]) and abs(gaps[n]) < 1e3):
            raise FloatingPointError(f"KB run diverged at t = {times[n]:.3f} for {config}")
        now = wallclock.monotonic()
        if now - last_log > 5.0:
            log.info(
                "t = %.2f (%d/%d), Delta = %.5f, %.2f steps/s, corrector iterations %d",
                times[n],
                n,
                n_times - 1,
                gaps[n].real,
                n / (now - start),
                iteration,
            )
            last_log = now
    return KBResult(times, gaps, ns_para, ns_dia, energy, iterations, history, band)


def _predict(history: ContourHistory, gaps: np.ndarray, n: int) -> None:
    """Predictor: Delta by linear extrapolation, slice n by time-translation of slice n-1."""
    gaps[n] = 2 * gaps[n - 1] - gaps[n - 2] if n >= 2 else gaps[n - 1]
    for array in (history.sr, history.sl, history.gr, history.gl):
        array[offset(n) + 1 : offset(n) + n + 1] = array[offset(n - 1) : offset(n - 1) + n]
        array[offset(n)] = array[offset(n - 1)]
