"""Numba kernels of the lattice time-dependent BdG solver (P2 App. C), with numpy references.

Storage layout (used everywhere in :mod:`higgsdyn.bdg`): the 2N Nambu components are
interleaved site-major, row ``2 i`` = particle (c_{i up}), row ``2 i + 1`` = hole
(c^dagger_{i down}), so H_BdG is banded. The many-body state is a set of M quasiparticle
states, the columns of ``states`` (2N x M), with occupation ``weights`` (M): the
equal-time density matrix is rho_ab = <Psi_b^dagger Psi_a> = sum_l w_l V_al V_bl^*, and
the Keldysh function of Eq. (C2) is G^K(t, t) = -i (1 - 2 rho) (see docs/notes/bdg.md).

Both kernels cost O(N M) = O(N^2): H_BdG has 3 non-zeros per row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def apply_minus_i_hamiltonian(states, onsite, gap, hopping, periodic, out):
    """out = -i H_BdG states (the right-hand side of Eq. (C2) for one quasiparticle state).

    H_BdG = sum_i [-hopping (|i><i+1| + h.c.) + onsite_i |i><i|] tau_3
            + sum_i (gap_i tau_+ + gap_i^* tau_-) |i><i|,
    with onsite_i = u_i + delta u_i (disorder plus the normal part of Eq. (C1)).
    """
    n_sites = onsite.shape[0]
    n_states = states.shape[1]
    for site in prange(n_sites):
        left = site - 1
        right = site + 1
        hop_left = hopping
        hop_right = hopping
        if left < 0:
            left = n_sites - 1
            if not periodic:
                hop_left = 0.0
        if right >= n_sites:
            right = 0
            if not periodic:
                hop_right = 0.0
        energy = onsite[site]
        pair = gap[site]
        pair_conj = np.conj(pair)
        particle = 2 * site
        hole = particle + 1
        for column in range(n_states):
            up = states[particle, column]
            down = states[hole, column]
            h_up = (
                energy * up
                + pair * down
                - hop_left * states[2 * left, column]
                - hop_right * states[2 * right, column]
            )
            h_down = (
                -energy * down
                + pair_conj * up
                + hop_left * states[2 * left + 1, column]
                + hop_right * states[2 * right + 1, column]
            )
            out[particle, column] = complex(h_up.imag, -h_up.real)
            out[hole, column] = complex(h_down.imag, -h_down.real)


@njit(cache=True, parallel=True)
def local_densities(states, weights, pair_amplitude, density_excess):
    """Site-diagonal Nambu blocks of rho: what Eq. (C1) needs.

    pair_amplitude_i = rho_{i up, i down} = <c_{i down} c_{i up}>,
    density_excess_i = rho_{i up, i up} - rho_{i down-hole, i down-hole} = n_i - 1
    (n_i = electrons on site i, both spins).
    """
    n_sites = pair_amplitude.shape[0]
    n_states = states.shape[1]
    for site in prange(n_sites):
        particle = 2 * site
        hole = particle + 1
        pair = 0.0j
        excess = 0.0
        for column in range(n_states):
            up = states[particle, column]
            down = states[hole, column]
            weight = weights[column]
            pair += weight * up * np.conj(down)
            excess += weight * (up.real * up.real + up.imag * up.imag)
            excess -= weight * (down.real * down.real + down.imag * down.imag)
        pair_amplitude[site] = pair
        density_excess[site] = excess


# ---------------------------------------------------------------- plain-numpy references


def dense_hamiltonian(onsite, gap, hopping, periodic):
    """Dense 2N x 2N H_BdG in the interleaved layout (reference for tests and benchmark)."""
    n_sites = len(onsite)
    hamiltonian = np.zeros((2 * n_sites, 2 * n_sites), dtype=complex)
    particle = 2 * np.arange(n_sites)
    hole = particle + 1
    hamiltonian[particle, particle] = onsite
    hamiltonian[hole, hole] = -np.asarray(onsite)
    hamiltonian[particle, hole] = gap
    hamiltonian[hole, particle] = np.conj(gap)
    bonds = n_sites if periodic else n_sites - 1
    for site in range(bonds):
        right = (site + 1) % n_sites
        for row, col, sign in ((2 * site, 2 * right, -1), (2 * site + 1, 2 * right + 1, 1)):
            hamiltonian[row, col] += sign * hopping
            hamiltonian[col, row] += sign * hopping
    return hamiltonian


def apply_minus_i_hamiltonian_reference(states, onsite, gap, hopping, periodic):
    """numpy reference of :func:`apply_minus_i_hamiltonian` (dense product)."""
    return -1j * dense_hamiltonian(onsite, gap, hopping, periodic) @ states


def local_densities_reference(states, weights):
    """numpy reference of :func:`local_densities`: (pair_amplitude, density_excess)."""
    rho = (states * weights) @ states.conj().T
    diagonal = np.arange(0, rho.shape[0], 2)
    pair = rho[diagonal, diagonal + 1]
    excess = (rho[diagonal, diagonal] - rho[diagonal + 1, diagonal + 1]).real
    return pair, excess
