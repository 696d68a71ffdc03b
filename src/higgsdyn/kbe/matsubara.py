"""Correlated equilibrium on the Matsubara axis with the KB self-energies (P2 Eqs. 4-8).

The same model as the real-time solver (:mod:`higgsdyn.kbe.stepping`): nodes xi_i > 0 of a
:class:`~higgsdyn.kbe.bands.Band` with their particle-hole partners, the instantaneous BCS
coupling lambda, Born disorder (Eq. 6) and the Debye phonon bath (Eq. 5), solved
self-consistently at temperature T on fermionic frequencies w_n = pi T (2n + 1):

    G_i(iw_n) = [iw_n - xi_i tau_3 - Delta tau_1 - Sigma(iw_n)]^(-1),
    Sigma(iw_n) = tau_3 [c L(iw_n) + (T / nu_0) sum_m lambda_ph(w_n - w_m) L(iw_m)] tau_3,
    L = sum_i w_i (G_i + tau_1 G_i tau_1),  c = 1/(2 pi nu_0 tau_el),
    lambda_ph(nu) = 2 int dW alpha^2F(W) W/(W^2 + nu^2)
                  = lambda_ph [1 - (nu/wD)^2 ln(1 + (wD/nu)^2)]  (Debye alpha^2F),
    Delta = -lambda sum_i w_i (rho_i,12 + rho_i,21),  rho_i = T sum_n G_i(iw_n) e^(iw_n 0+).

These are the Matsubara images of the real-time self-energies: the contour convolution maps
to the product in iw_n, so normal-state Sigma_dis = -i sgn(w_n)/(2 tau_el) and, for
pi T << wD, the phonon mass enhancement Z(0) = 1 + lambda_ph (tested). Equal-time sums are
done on a finite window |w_n| < omega_max with the free parts summed exactly (mean-field G for
the anomalous part, the free normal G for the diagonal and for Tr G^2), so the remainders
decay as 1/w^3 or faster.

The superfluid density is the thermodynamic (static, q -> 0) one of Eqs. (7)-(8):
n_s,para = sum_i w_i v_i^2 T sum_n Tr G_i(iw_n)^2 (the equal-time value of the contour
convolution G * G) and n_s,dia = sum_i w_i M_i Tr tau_3 rho_i (+ the boundary node), as in
:func:`higgsdyn.kbe.observables.superfluid_density`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from higgsdyn.analysis.fixed_point import Anderson
from higgsdyn.kbe.bands import Band
from higgsdyn.kbe.bath import disorder_strength
from higgsdyn.kbe.dlr import kernel
from higgsdyn.kbe.observables import (
    mean_field_gap,
    mean_field_hamiltonian,
    superfluid_density,
    thermal_density_matrix,
)

TAU1_SWAP = (1, 0)  # tau_1 X tau_1 swaps both indices of a 2x2 matrix


@dataclass
class MatsubaraEquilibrium:
    """Self-consistent equilibrium: BCS gap Delta and the local self-energy on iw_n."""

    gap: float  # Delta = -lambda sum w (rho_12 + rho_21): what the KB solver calls Delta(t)
    frequencies: np.ndarray  # w_n in the window
    sigma: np.ndarray  # Sigma(iw_n), shape (n_w, 2, 2)
    ns_para: float  # thermodynamic n_s/m, paramagnetic part (units of the band)
    ns_dia: float
    iterations: int

    @property
    def ns(self) -> float:
        return self.ns_para + self.ns_dia


def phonon_kernel(nu: np.ndarray, lambda_ph: float, omega_D: float) -> np.ndarray:
    """lambda_ph(nu) = 2 int_0^wD dW alpha^2F(W) W/(W^2 + nu^2) for the Debye alpha^2F of
    :func:`higgsdyn.kbe.bath.debye_alpha2f` (lambda_ph(0) = lambda_ph); zero without a bath
    (lambda_ph = 0, where omega_D = 0 is allowed)."""
    if lambda_ph == 0.0:
        return np.zeros(np.shape(nu))
    nu_sq = np.asarray(nu, dtype=float) ** 2
    safe = np.where(nu_sq > 0, nu_sq, 1.0)
    log_term = np.where(nu_sq > 0, safe / omega_D**2 * np.log1p(omega_D**2 / safe), 0.0)
    return lambda_ph * (1.0 - log_term)


def _inverse(matrices: np.ndarray) -> np.ndarray:
    """Inverse of a stack of 2x2 matrices (..., 2, 2)."""
    a, b = matrices[..., 0, 0], matrices[..., 0, 1]
    c, d = matrices[..., 1, 0], matrices[..., 1, 1]
    det = a * d - b * c
    out = np.empty_like(matrices)
    out[..., 0, 0], out[..., 0, 1] = d / det, -b / det
    out[..., 1, 0], out[..., 1, 1] = -c / det, a / det
    return out


def _green(band: Band, frequencies: np.ndarray, gap: float, sigma: np.ndarray) -> np.ndarray:
    """G_i(iw_n), shape (n_nodes, n_w, 2, 2)."""
    inverse = np.zeros((band.n_nodes, frequencies.size, 2, 2), dtype=np.complex128)
    inverse[..., 0, 0] = 1j * frequencies - band.xi[:, None]
    inverse[..., 1, 1] = 1j * frequencies + band.xi[:, None]
    inverse[..., 0, 1] = inverse[..., 1, 0] = -gap
    return _inverse(inverse - sigma[None])


def _with_tau3(matrices: np.ndarray) -> np.ndarray:
    """tau_3 X tau_3: off-diagonal elements change sign."""
    out = matrices.copy()
    out[..., 0, 1] *= -1
    out[..., 1, 0] *= -1
    return out


def _density_matrix(band, frequencies, gap, green, temperature) -> np.ndarray:
    """rho_i = T sum_n G_i(iw_n) e^(iw_n 0+): window sum of G - G_free plus the exact free sum
    (free: the mean-field G with the same Delta, whose sum is the thermal BCS rho)."""
    free = _green(band, frequencies, gap, np.zeros((frequencies.size, 2, 2)))
    window = temperature * (green - free).sum(axis=1)
    return window + thermal_density_matrix(band, gap, temperature)


def equilibrium_green(band: Band, equilibrium: MatsubaraEquilibrium) -> np.ndarray:
    """G_i(iw_n) on the window, shape (n_nodes, n_w, 2, 2)."""
    return _green(band, equilibrium.frequencies, equilibrium.gap, equilibrium.sigma)


def equilibrium_density_matrix(
    band: Band, equilibrium: MatsubaraEquilibrium, temperature: float
) -> np.ndarray:
    """rho_i = T sum_n G_i(iw_n) e^(iw_n 0+) = -G^M_i(beta^-), shape (n_nodes, 2, 2)."""
    green = equilibrium_green(band, equilibrium)
    return _density_matrix(band, equilibrium.frequencies, equilibrium.gap, green, temperature)


def imaginary_time_green(
    band: Band, equilibrium: MatsubaraEquilibrium, temperature: float, tau: np.ndarray
) -> np.ndarray:
    """G^M_i(tau) = -<T psi(tau) psi^dagger> = T sum_n e^(-iw_n tau) G_i(iw_n), 0 < tau < beta.

    Window sum of G - G_free plus the mean-field part exactly,
    G^M_free(tau) = -sum_(s = +-) P_s K(tau, s E), P_s = (1 + s h/E)/2, h = xi tau_3 + Delta tau_1
    (K the fermionic kernel of :mod:`higgsdyn.kbe.dlr`). Shape (n_tau, n_nodes, 2, 2).
    """
    frequencies, gap = equilibrium.frequencies, equilibrium.gap
    difference = equilibrium_green(band, equilibrium) - _green(
        band, frequencies, gap, np.zeros((frequencies.size, 2, 2))
    )
    phase = np.exp(-1j * np.outer(tau, frequencies))
    window = temperature * np.tensordot(phase, difference, axes=(1, 1))  # (tau, i, a, b)
    energy = np.sqrt(band.xi**2 + gap**2)
    unit_h = mean_field_hamiltonian(band, gap) / energy[:, None, None]
    identity = np.eye(2)
    beta = 1.0 / temperature
    upper = kernel(tau, energy, beta)[..., None, None] * 0.5 * (identity + unit_h)
    lower = kernel(tau, -energy, beta)[..., None, None] * 0.5 * (identity - unit_h)
    return window - upper - lower


def _valid_convolution(kernel: np.ndarray, values: np.ndarray) -> np.ndarray:
    """np.convolve(kernel, values, "valid") (len(kernel) >= len(values)) by FFT, as
    scipy.signal.fftconvolve, whose import alone costs ~0.8 s in every KB job."""
    size = kernel.size + values.size - 1
    full = np.fft.ifft(np.fft.fft(kernel, size) * np.fft.fft(values, size))
    return full[values.size - 1 : kernel.size]


def solve_equilibrium(
    band: Band,
    coupling: float,
    temperature: float,
    gamma_el: float = 0.0,
    lambda_ph: float = 0.0,
    omega_D: float = 0.0,
    omega_max: float = 40.0,
    tolerance: float = 1e-12,
    mixing: float = 0.5,
    max_iterations: int = 2000,
    anderson_depth: int = 5,
) -> MatsubaraEquilibrium:
    """Self-consistent Delta and Sigma(iw_n) on |w_n| < omega_max (module docstring), by
    Anderson mixing of depth ``anderson_depth`` (0: linear mixing)."""
    if temperature <= 0:
        raise ValueError("the Matsubara equilibrium needs temperature > 0")
    n_positive = max(int(np.ceil(omega_max / (2 * np.pi * temperature))), 8)
    index = np.arange(-n_positive, n_positive)
    frequencies = np.pi * temperature * (2 * index + 1)
    disorder = disorder_strength(gamma_el, band.dos_fermi)
    lags = 2 * np.pi * temperature * np.arange(-2 * n_positive + 1, 2 * n_positive)
    kernel = phonon_kernel(lags, lambda_ph, omega_D) * temperature / band.dos_fermi
    gap = max(mean_field_gap(band, coupling, temperature), 1e-3 if coupling > 0 else 0.0)
    sigma = np.zeros((frequencies.size, 2, 2), dtype=np.complex128)
    weights = band.weights[:, None, None, None]
    iterations, change = 0, np.inf
    accelerator = Anderson(mixing, anderson_depth)
    while change >= tolerance:
        iterations += 1
        if iterations > max_iterations:
            raise RuntimeError(f"Matsubara equilibrium not converged (change {change:.2e})")
        green = _green(band, frequencies, gap, sigma)
        local = (weights * (green + green[..., TAU1_SWAP, :][..., :, TAU1_SWAP])).sum(axis=0)
        new_sigma = disorder * local
        if lambda_ph > 0:
            for a in range(2):
                for b in range(2):
                    new_sigma[:, a, b] += _valid_convolution(kernel, local[:, a, b])
        new_sigma = _with_tau3(new_sigma)
        rho = _density_matrix(band, frequencies, gap, green, temperature)
        new_gap = float(-coupling * np.sum(band.weights * (rho[:, 0, 1] + rho[:, 1, 0])).real)
        change = max(abs(new_gap - gap), float(np.abs(new_sigma - sigma).max()))
        state = accelerator.step(_pack(gap, sigma), _pack(new_gap, new_sigma))
        gap, sigma = float(state[0]), state[1:].view(np.complex128).reshape(sigma.shape)
    green = _green(band, frequencies, gap, sigma)
    rho = _density_matrix(band, frequencies, gap, green, temperature)
    ns_para, ns_dia = _superfluid_density(band, frequencies, green, rho, temperature)
    return MatsubaraEquilibrium(gap, frequencies, sigma, ns_para, ns_dia, iterations)


def _pack(gap: float, sigma: np.ndarray) -> np.ndarray:
    """(Delta, Sigma(iw_n)) as one real vector for the fixed-point accelerator."""
    return np.concatenate([[gap], np.ascontiguousarray(sigma).ravel().view(np.float64)])


def _superfluid_density(band, frequencies, green, rho, temperature):
    """Static n_s/m (Eqs. 7-8): para from T sum_n Tr G^2 (free normal part summed exactly:
    T sum_n [(iw - xi)^-2 + (iw + xi)^-2] = 2 f'(xi)); vertices and dia via the real-time
    solver's :func:`~higgsdyn.kbe.observables.superfluid_density`."""
    free_diag = np.stack(
        [1.0 / (1j * frequencies[None] - band.xi[:, None]),
         1.0 / (1j * frequencies[None] + band.xi[:, None])], axis=-1)  # fmt: skip
    squared = np.einsum("inab,inba->in", green, green)
    window = temperature * (squared - (free_diag**2).sum(axis=-1)).sum(axis=1).real
    decay = np.exp(-np.abs(band.xi) / temperature)  # sech^2(x/2T) = 4 e^-|x|/T / (1 + e^-|x|/T)^2
    exact_free = 2.0 * (-decay / (temperature * (1.0 + decay) ** 2))  # 2 f'(xi)
    # the real-time helper takes Im Tr X with -i Tr (G*G)^<(t,t) = 2 Im Tr X
    para, dia = superfluid_density(band, rho, 0.5 * (window + exact_free))
    return float(para), float(dia)
