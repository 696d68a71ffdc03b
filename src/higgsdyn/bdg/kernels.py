"""Numba kernels of the lattice time-dependent BdG solver (P2 App. C), with numpy references.

Storage layout (used everywhere in :mod:`higgsdyn.bdg`): the 2N Nambu components are
interleaved site-major, row ``2 i`` = particle (c_{i up}), row ``2 i + 1`` = hole
(c^dagger_{i down}), so H_BdG is banded. The many-body state is a set of M quasiparticle
states, the columns of ``states`` (2N x M), with occupation ``weights`` (M): the
equal-time density matrix is rho_ab = <Psi_b^dagger Psi_a> = sum_l w_l V_al V_bl^*, and
the Keldysh function of Eq. (C2) is G^K(t, t) = -i (1 - 2 rho) (see docs/physics_notes.md).

Both kernels cost O(N M) = O(N^2): H_BdG has 3 non-zeros per row.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def apply_minus_i_hamiltonian(
    states, onsite, gap, hopping, periodic, shift, out, accumulated, weight, accumulate
):
    """out = -i (H_BdG - shift) states (right-hand side of Eq. (C2) for each state), and
    accumulated = [accumulated if accumulate else 0] + weight out (the RK4 sum, fused).

    H_BdG = sum_i [-hopping (|i><i+1| + h.c.) + onsite_i |i><i|] tau_3
            + sum_i (gap_i tau_+ + gap_i^* tau_-) |i><i|,
    with onsite_i = u_i + delta u_i (disorder plus the normal part of Eq. (C1)). The constant
    ``shift`` (times the identity) only multiplies every state by a common phase, which
    rho = V w V^dagger does not see; centring the occupied spectrum on 0 with it makes
    RK4 more accurate (docs/physics_notes.md).
    """
    n_sites = onsite.shape[0]
    n_states = states.shape[1]
    for site in range(n_sites):
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
        particle_energy = energy - shift
        hole_energy = -energy - shift
        pair = gap[site]
        pair_conj = np.conj(pair)
        particle = 2 * site
        hole = particle + 1
        for column in range(n_states):
            up = states[particle, column]
            down = states[hole, column]
            h_up = (
                particle_energy * up
                + pair * down
                - hop_left * states[2 * left, column]
                - hop_right * states[2 * right, column]
            )
            h_down = (
                hole_energy * down
                + pair_conj * up
                + hop_left * states[2 * left + 1, column]
                + hop_right * states[2 * right + 1, column]
            )
            slope_up = complex(h_up.imag, -h_up.real)
            slope_down = complex(h_down.imag, -h_down.real)
            out[particle, column] = slope_up
            out[hole, column] = slope_down
            if accumulate:
                accumulated[particle, column] += weight * slope_up
                accumulated[hole, column] += weight * slope_down
            else:
                accumulated[particle, column] = weight * slope_up
                accumulated[hole, column] = weight * slope_down


@njit(cache=True)
def local_densities(states, slope, step, stage, weights, pair_amplitude, density_excess):
    """Site-diagonal Nambu blocks of rho for the states Y = states + step * slope: what
    Eq. (C1) needs. Y is written to ``stage`` unless step == 0 (the RK4 stage, fused).

    pair_amplitude_i = rho_{i up, i down} = <c_{i down} c_{i up}>,
    density_excess_i = rho_{i up, i up} - rho_{i down-hole, i down-hole} = n_i - 1
    (n_i = electrons on site i, both spins).
    """
    n_sites = pair_amplitude.shape[0]
    n_states = states.shape[1]
    for site in range(n_sites):
        particle = 2 * site
        hole = particle + 1
        pair = 0.0j
        excess = 0.0
        for column in range(n_states):
            up = states[particle, column]
            down = states[hole, column]
            if step != 0.0:
                up += step * slope[particle, column]
                down += step * slope[hole, column]
                stage[particle, column] = up
                stage[hole, column] = down
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


def apply_minus_i_hamiltonian_reference(states, onsite, gap, hopping, periodic, shift):
    """numpy reference of :func:`apply_minus_i_hamiltonian` (dense product, no accumulation)."""
    return -1j * (dense_hamiltonian(onsite, gap, hopping, periodic) @ states - shift * states)


def local_densities_reference(states, weights):
    """numpy reference of :func:`local_densities` at step 0: (pair_amplitude, density_excess)."""
    rho = (states * weights) @ states.conj().T
    diagonal = np.arange(0, rho.shape[0], 2)
    pair = rho[diagonal, diagonal + 1]
    excess = (rho[diagonal, diagonal] - rho[diagonal + 1, diagonal + 1]).real
    return pair, excess


def dense_commutator_rk4_step(rho, disorder, coupling, hartree_sign, periodic, dt):
    """Reference for the whole step: RK4 of Eq. (C2) on the dense 2N x 2N density matrix.

    d rho/dt = -i [H_BdG[rho], rho], with Delta_i = -U rho_{2i, 2i+1} and
    delta u_i = s U/2 (rho_{2i, 2i} - rho_{2i+1, 2i+1}) (Eq. C1) at every stage. O(N^3).
    """

    def slope(density):
        diagonal = np.arange(0, density.shape[0], 2)
        gap = -coupling * density[diagonal, diagonal + 1]
        excess = (density[diagonal, diagonal] - density[diagonal + 1, diagonal + 1]).real
        onsite = disorder + 0.5 * hartree_sign * coupling * excess
        hamiltonian = dense_hamiltonian(onsite, gap, 1.0, periodic)
        return -1j * (hamiltonian @ density - density @ hamiltonian)

    k1 = slope(rho)
    k2 = slope(rho + 0.5 * dt * k1)
    k3 = slope(rho + 0.5 * dt * k2)
    k4 = slope(rho + dt * k3)
    return rho + (dt / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
