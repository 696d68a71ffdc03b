"""Model self-energy inputs: equilibrium Debye phonon bath (Eq. 5) and Born disorder (Eq. 6)."""

from __future__ import annotations

import numpy as np


def bose(omega: np.ndarray, temperature: float) -> np.ndarray:
    if temperature <= 0:
        return np.zeros_like(omega)
    return 1.0 / np.expm1(omega / temperature)


def debye_alpha2f(omega: np.ndarray, lambda_ph: float, omega_D: float) -> np.ndarray:
    """alpha^2F(w) = (lambda_ph / w_D^2) w^2 theta(w_D - w): lambda_ph = 2 int dw alpha^2F / w.

    (Standard Eliashberg normalisation; the paper's alpha^2F = 2 nu_0 Im<g^2 D^R> is twice
    this, with lambda_el-ph = int dw alpha^2F_paper / w: the same lambda.)
    """
    return np.where(omega < omega_D, lambda_ph * omega**2 / omega_D**2, 0.0)


CHUNK = 2048  # lags per block (the mixed component has N_t x r of them: 4 GB at once at N_t 2601)


def phonon_greater(
    times: np.ndarray, lambda_ph: float, omega_D: float, temperature: float, n_omega: int = 400
) -> np.ndarray:
    """D^>(tau) = -i int_0^wD dw alpha^2F(w) [(n_B + 1) e^{-i w tau} + n_B e^{i w tau}].

    Equilibrium bath at the initial temperature (no back-action, Eq. 5). With it the local
    phonon self-energy Sigma^>(t,t') = i D^>(t-t') tau_3 G_loc^>(t,t') tau_3 / nu_0 gives
    Im Sigma^R(w) = -pi int_0^|w| alpha^2F at T = 0 in the normal state. Complex ``times``
    continue it analytically: D^](t, tau) = D^<(t + i tau) = D^>(-t - i tau) (mixed component).
    """
    if lambda_ph == 0.0:
        return np.zeros(times.shape, dtype=np.complex128)
    x, w = np.polynomial.legendre.leggauss(n_omega)
    omega = 0.5 * omega_D * (x + 1.0)
    weight = 0.5 * omega_D * w * debye_alpha2f(omega, lambda_ph, omega_D)
    occupation = bose(omega, temperature)
    flat = np.ravel(times)
    out = np.empty(flat.shape, dtype=np.complex128)
    for lo in range(0, flat.size, CHUNK):  # (CHUNK, n_omega) temporaries, not (N_t r, n_omega)
        phase = np.exp(-1j * np.outer(flat[lo : lo + CHUNK], omega))
        out[lo : lo + CHUNK] = -1j * (phase * (occupation + 1.0) + occupation / phase) @ weight
    return out.reshape(np.shape(times))


def disorder_strength(gamma_el: float, dos_fermi: float) -> float:
    """c of Sigma_dis = c tau_3 G_loc tau_3 (Eq. 6): c = 1/(2 pi nu_0 tau_el).

    In the normal state Sigma^R = -i/(2 tau_el) at the Fermi level; gamma_el = 1/tau_el.
    """
    return gamma_el / (2.0 * np.pi * dos_fermi)
