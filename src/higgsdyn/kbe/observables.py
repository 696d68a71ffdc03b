"""Equal-time observables of the Nambu band (P2 Eqs. 4, 7-8): BCS thermal state, gap
equation, superfluid density and mean-field energy, shared by the real-time solver
(:mod:`higgsdyn.kbe.stepping`) and the Matsubara equilibrium (:mod:`higgsdyn.kbe.matsubara`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from higgsdyn.kbe.bands import Band


def mean_field_hamiltonian(band: Band, gap: float) -> np.ndarray:
    """h_xi = xi tau_3 + Delta tau_1 (Eq. 4, real Delta) for every node, shape (n_nodes, 2, 2)."""
    hamiltonian = np.zeros((band.n_nodes, 2, 2))
    hamiltonian[:, 0, 0], hamiltonian[:, 1, 1] = band.xi, -band.xi
    hamiltonian[:, 0, 1] = hamiltonian[:, 1, 0] = gap
    return hamiltonian


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
