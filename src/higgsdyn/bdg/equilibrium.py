"""Self-consistent BdG equilibrium of the disordered chain (P2 Eqs. C1, C3).

rho = f(H_BdG) = sum_l f(gamma_l) |l><l| (Eq. (C3): G^K(0, 0) = -i tanh(beta H / 2)
= -i (1 - 2 rho)); Delta_i and delta u_i from Eq. (C1) via :func:`model.self_energy`;
iterated to a fixed point with Anderson mixing. The equilibrium is time-reversal
symmetric, so Delta_i is real and H_BdG is real symmetric here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.optimize import brentq

from higgsdyn.analysis.fixed_point import Anderson
from higgsdyn.bdg import kernels
from higgsdyn.bdg.model import ChainQuench, self_energy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Equilibrium:
    """Self-consistent state at coupling U: occupied quasiparticle states and their weights."""

    states: np.ndarray  # (2N, M) complex, columns = eigenvectors with weight > cutoff
    weights: np.ndarray  # (M,) Fermi occupations f(gamma_l)
    energies: np.ndarray  # (2N,) all BdG eigenvalues gamma_l, units J
    gap: np.ndarray  # (N,) Delta_i, units J
    delta_u: np.ndarray  # (N,) normal part of Eq. (C1), units J
    iterations: int


def fermi(energies: np.ndarray, temperature: float) -> np.ndarray:
    """f(gamma) = (1 - tanh(gamma / 2T)) / 2; a step at T = 0 (Eq. C3)."""
    if temperature == 0:
        return np.where(energies < 0, 1.0, np.where(energies > 0, 0.0, 0.5))
    return 0.5 * (1.0 - np.tanh(energies / (2.0 * temperature)))


def clean_chain_gap(coupling: float, n_sites: int, temperature: float) -> float:
    """Uniform BCS gap of the clean ring, 1 = U/N sum_k (1 - 2 f(E_k))/(2 E_k): the start
    of the self-consistency loop (0 if the coupling is below the pairing threshold)."""
    xi = -2.0 * np.cos(2.0 * np.pi * np.arange(n_sites) / n_sites)

    def residual(gap):
        energy = np.sqrt(xi**2 + gap**2)
        return coupling * np.mean((1.0 - 2.0 * fermi(energy, temperature)) / (2.0 * energy)) - 1.0

    upper = 2.0 * coupling + 4.0
    if residual(1e-8) <= 0:
        return 0.0
    return brentq(residual, 1e-8, upper, xtol=1e-12)


def _diagonalise(params, disorder, gap, delta_u):
    hamiltonian = kernels.dense_hamiltonian(disorder + delta_u, gap, 1.0, params.periodic).real
    # LAPACK dsyevd: 20-25% less CPU than dsyevr at 2N = 1024 (benchmarks/README.md, BdG)
    energies, vectors = scipy.linalg.eigh(hamiltonian, driver="evd")
    weights = fermi(energies, params.temperature)
    return energies, vectors, weights


def solve_equilibrium(
    params: ChainQuench, disorder: np.ndarray, coupling: float, anderson_depth: int = 10
) -> Equilibrium:
    """Fixed point of Eqs. (C1), (C3) at on-site attraction ``coupling`` (units J)."""
    n_sites = params.n_sites
    # start from the clean uniform BCS gap (or U/2 if the clean ring does not pair);
    # the sign of Delta is a gauge choice
    start = clean_chain_gap(coupling, n_sites, params.temperature) or 0.5 * coupling
    x = np.concatenate([np.full(n_sites, start), np.zeros(n_sites)])
    accelerator = Anderson(1.0, anderson_depth)
    for iteration in range(1, params.scf_max_iter + 1):
        energies, vectors, weights = _diagonalise(params, disorder, x[:n_sites], x[n_sites:])
        pair, excess = kernels.local_densities_reference(vectors, weights)
        gap, delta_u = self_energy(pair.real, excess, coupling, params.hartree_sign)
        mapped = np.concatenate([gap, delta_u])
        change = np.max(np.abs(mapped - x))
        if not np.isfinite(change):
            raise FloatingPointError(f"equilibrium diverged at iteration {iteration}: {params}")
        if change < params.scf_tol:
            keep = weights > params.occupation_cutoff
            log.info("equilibrium U=%.4g converged in %d iterations", coupling, iteration)
            return Equilibrium(
                states=np.ascontiguousarray(vectors[:, keep], dtype=complex),
                weights=np.ascontiguousarray(weights[keep]),
                energies=energies,
                gap=x[:n_sites].copy(),
                delta_u=x[n_sites:].copy(),
                iterations=iteration,
            )
        x = accelerator.step(x, mapped)
    raise RuntimeError(
        f"equilibrium not converged in {params.scf_max_iter} iterations "
        f"(last change {change:.3g}): {params.describe()}"
    )
