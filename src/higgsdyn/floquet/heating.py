"""Heating estimate of P2 Eq. (D1) (Appendix D) and power-law fits of the scalings.

P2 Eq. (D1): N_ex / nu_0 = c theta^2 int dxi (xi^2 / E^2) / (gamma^2 + (2E - omega0)^2),
E = sqrt(xi^2 + Delta^2). The printed prefactor is c = 2; the first-order amplitude
derived just above it, with theta_k(t) = theta cos(omega0 t) xi / E and only the resonant
half e^{-i omega0 t} / 2 of the cosine kept, gives c = 2 / 4 = 1/2 (docs/physics_notes.md).
The prefactor does not change the scaling N_ex ~ theta^2 nu_0 / sqrt(Delta gamma).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

D1_PREFACTOR = {"printed": 2.0, "rotating_wave": 0.5}


def excited_quasiparticles(
    theta: float,
    omega0: float,
    gamma: float,
    delta: float = 1.0,
    prefactor: str = "printed",
) -> float:
    """N_ex / nu_0 of P2 Eq. (D1) [units Delta]; the xi integral over the whole real line.

    Substituting E = Delta + u^2 (dxi = E dE / xi, both signs of xi) removes the
    square-root edge: N = c theta^2 * 2 int_0^inf 2u du (xi / E) / (gamma^2 + (2E - w0)^2).
    """

    def integrand(u: float) -> float:
        energy = delta + u * u
        xi = u * np.sqrt(2 * delta + u * u)
        return 4.0 * u * (xi / energy) / (gamma**2 + (2 * energy - omega0) ** 2)

    resonance = np.sqrt(max(omega0 / 2 - delta, 0.0))
    breaks = sorted({resonance, resonance + np.sqrt(gamma), np.sqrt(gamma)})
    pieces = [0.0, *breaks, 10 * (1 + resonance)]
    total = sum(
        integrate.quad(integrand, a, b, limit=400, epsabs=0, epsrel=1e-10)[0]
        for a, b in zip(pieces[:-1], pieces[1:], strict=True)
    )
    total += integrate.quad(integrand, pieces[-1], np.inf, limit=400, epsrel=1e-10)[0]
    return D1_PREFACTOR[prefactor] * theta**2 * total


def fit_power_law(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares fit log|y| = log A + p log x: returns (p, sigma_p, A).

    sigma_p is the standard error from the residual scatter (needs >= 4 points).
    """
    coef, cov = np.polyfit(np.log(x), np.log(np.abs(y)), 1, cov=True)
    return float(coef[0]), float(np.sqrt(cov[0, 0])), float(np.exp(coef[1]))


def fit_logarithm(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares fit y = a + b log(x): returns (b, sigma_b, a)."""
    coef, cov = np.polyfit(np.log(x), y, 1, cov=True)
    return float(coef[0]), float(np.sqrt(cov[0, 0])), float(coef[1])
