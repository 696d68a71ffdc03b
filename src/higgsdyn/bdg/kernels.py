"""Numba kernels of the lattice time-dependent BdG solver (P2 App. C), with numpy references.

Storage layout (used everywhere in :mod:`higgsdyn.bdg`): the 2N Nambu components are
interleaved site-major, row ``2 i`` = particle (c_{i up}), row ``2 i + 1`` = hole
(c^dagger_{i down}), so H_BdG is banded. The many-body state is a set of M quasiparticle
states, the columns of ``states`` (2N x M), with occupation ``weights`` (M): the
equal-time density matrix is rho_ab = <Psi_b^dagger Psi_a> = sum_l w_l V_al V_bl^*, and
the Keldysh function of Eq. (C2) is G^K(t, t) = -i (1 - 2 rho) (see docs/physics_notes.md).

Every kernel costs O(N M) = O(N^2): H_BdG has 3 non-zeros per row.
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


# Exact-rotation splitting of Eq. (C2) (dynamics.SplittingPropagator). The inner kernels
# take the rows of one site or one pair as separate 1D arrays: numba then treats them as
# non-aliased and vectorises the column loops (3-4x faster than 2D indexing, measured).
# fastmath lets the density sums vectorise (reassociation only: round-off level).


@njit(cache=True, fastmath=True, inline="always")
def _abs2(value):
    return value.real * value.real + value.imag * value.imag


@njit(cache=True, fastmath=True)
def _hop_rows(up_l, down_l, up_r, down_r, cos, sin):
    """exp(-i tau h_b) on a bond (l, r), h_b = -J (|l><r| + h.c.) tau_3, (cos, sin) of J tau:
    particles up_l' = c up_l + i s up_r, holes down_l' = c down_l - i s down_r (and l <-> r)."""
    for column in range(up_l.shape[0]):
        a, b = up_l[column], up_r[column]
        c, d = down_l[column], down_r[column]
        up_l[column] = cos * a + 1j * sin * b
        up_r[column] = cos * b + 1j * sin * a
        down_l[column] = cos * c - 1j * sin * d
        down_r[column] = cos * d - 1j * sin * c


@njit(cache=True, fastmath=True)
def _site_densities(up, down, weights):
    """(p_i, x_i) = (<c_dn c_up>, n_i - 1) of one site, the input of Eq. (C1)."""
    pair = 0.0j
    excess = 0.0
    for column in range(up.shape[0]):
        a, b = up[column], down[column]
        pair += weights[column] * a * b.conjugate()
        excess += weights[column] * (_abs2(a) - _abs2(b))
    return pair, excess


@njit(cache=True, fastmath=True)
def _hop_pair_densities(up_l, down_l, up_r, down_r, weights, cos, sin):
    """:func:`_hop_rows` fused with :func:`_site_densities` of both sites after the hop."""
    pair_l = pair_r = 0.0j
    excess_l = excess_r = 0.0
    for column in range(up_l.shape[0]):
        a, b = up_l[column], up_r[column]
        c, d = down_l[column], down_r[column]
        new_a = cos * a + 1j * sin * b
        new_b = cos * b + 1j * sin * a
        new_c = cos * c - 1j * sin * d
        new_d = cos * d - 1j * sin * c
        up_l[column], up_r[column], down_l[column], down_r[column] = new_a, new_b, new_c, new_d
        weight = weights[column]
        pair_l += weight * new_a * new_c.conjugate()
        pair_r += weight * new_b * new_d.conjugate()
        excess_l += weight * (_abs2(new_a) - _abs2(new_c))
        excess_r += weight * (_abs2(new_b) - _abs2(new_d))
    return pair_l, excess_l, pair_r, excess_r


@njit(cache=True, fastmath=True)
def _rotate_site(up, down, u00, u01, u10, u11):
    for column in range(up.shape[0]):
        a, b = up[column], down[column]
        up[column] = u00 * a + u01 * b
        down[column] = u10 * a + u11 * b


@njit(cache=True, fastmath=True)
def _rotate_pair(up_l, down_l, up_r, down_r, left, right, cos, sin):
    """On-site unitaries ``left``, ``right`` (4-tuples) on both sites, then the bond hopping."""
    l00, l01, l10, l11 = left
    r00, r01, r10, r11 = right
    for column in range(up_l.shape[0]):
        a, b = up_l[column], down_l[column]
        c, d = up_r[column], down_r[column]
        new_a = l00 * a + l01 * b
        new_b = l10 * a + l11 * b
        new_c = r00 * c + r01 * d
        new_d = r10 * c + r11 * d
        up_l[column] = cos * new_a + 1j * sin * new_c
        up_r[column] = cos * new_c + 1j * sin * new_a
        down_l[column] = cos * new_b - 1j * sin * new_d
        down_r[column] = cos * new_d - 1j * sin * new_b


@njit(cache=True)
def _onsite_unitary(pair, excess, disorder, coupling, hartree_sign, tau):
    """Exact flow over time tau of the self-consistent on-site part of Eq. (C2), one site.

    h_i = (u_i + s U x/2) tau_3 + Delta tau_+ + Delta^* tau_-, Delta = -U p (Eq. C1), with
    p = <c_dn c_up>, x = n_i - 1 of the site. Under h_i alone x stays fixed and (p, Delta)
    rotate about tau_3 at omega = 2 u_i + (1 + s) U x, so the flow is exactly
    exp(-i omega tau tau_3/2) exp(-i tau h_eff), h_eff = h_i - omega tau_3/2 = -U/2 r.tau
    (r the Bloch vector of the site's density matrix: h_eff commutes with it).
    Returns the 2x2 unitary (u00, u01, u10, u11).
    """
    gap = -coupling * pair
    half_z = -0.5 * coupling * excess
    energy = np.sqrt(half_z * half_z + gap.real * gap.real + gap.imag * gap.imag)
    cos = np.cos(energy * tau)
    sinc = np.sin(energy * tau) / energy if energy > 0.0 else tau
    phase = 0.5 * tau * (2.0 * disorder + (1.0 + hartree_sign) * coupling * excess)
    rot_up = complex(np.cos(phase), -np.sin(phase))
    rot_down = rot_up.conjugate()
    return (
        rot_up * complex(cos, -sinc * half_z),
        rot_up * complex(sinc * gap.imag, -sinc * gap.real),
        rot_down * complex(-sinc * gap.imag, -sinc * gap.real),
        rot_down * complex(cos, sinc * half_z),
    )


@njit(cache=True)
def _hop_bond(states, left, right, cos, sin):
    _hop_rows(
        states[2 * left], states[2 * left + 1], states[2 * right], states[2 * right + 1], cos, sin
    )


@njit(cache=True)
def splitting_sweep(
    states,
    weights,
    disorder,
    coupling,
    hartree_sign,
    hopping,
    periodic,
    hop_before,
    site_time,
    hop_after,
    odd_time,
    pair_amplitude,
    density_excess,
):
    """One sweep of the splitting of Eq. (C2): E(hop_before) S(site_time) E(hop_after) on
    every site pair (2k, 2k+1), then O(odd_time), all exact flows:

    - E(tau), O(tau): hopping on the even bonds (2k, 2k+1), on the odd bonds (2k+1, 2k+2)
      and on a ring the closing bond (N-1, 0) (odd class for even N; for odd N it shares
      site N-1 with the last odd bond b = (N-2, N-1), and gets b(tau/2) closing(tau) b(tau/2));
    - S(tau): the self-consistent on-site flow of every site (:func:`_onsite_unitary`); the
      densities p_i, x_i it starts from (Eq. C1) are written to pair_amplitude,
      density_excess. A site left without a pair (odd N) gets S only.

    E, S, E act inside a pair, so its 4 rows are read while cache-resident (E + densities,
    then S + E, then the odd bond (2k-1, 2k) to the previous pair, complete by then): one
    pass over the states per sweep from memory. Fusing the odd bond into the S + E loop
    measured the same time (benchmarks/README.md, BdG), so it stays a separate call.
    """
    n_sites = disorder.shape[0]
    cos_before, sin_before = np.cos(hopping * hop_before), np.sin(hopping * hop_before)
    cos_after, sin_after = np.cos(hopping * hop_after), np.sin(hopping * hop_after)
    cos_odd, sin_odd = np.cos(hopping * odd_time), np.sin(hopping * odd_time)
    for site in range(0, n_sites - 1, 2):
        rows = (states[2 * site], states[2 * site + 1], states[2 * site + 2], states[2 * site + 3])
        if hop_before != 0.0:
            pair_l, excess_l, pair_r, excess_r = _hop_pair_densities(
                *rows, weights, cos_before, sin_before
            )
        else:
            pair_l, excess_l = _site_densities(rows[0], rows[1], weights)
            pair_r, excess_r = _site_densities(rows[2], rows[3], weights)
        pair_amplitude[site], density_excess[site] = pair_l, excess_l
        pair_amplitude[site + 1], density_excess[site + 1] = pair_r, excess_r
        left = _onsite_unitary(pair_l, excess_l, disorder[site], coupling, hartree_sign, site_time)
        right = _onsite_unitary(
            pair_r, excess_r, disorder[site + 1], coupling, hartree_sign, site_time
        )
        _rotate_pair(*rows, left, right, cos_after, sin_after)
        if odd_time != 0.0 and site > 0:
            # the odd bond (site - 1, site) to the previous pair, complete by now; its rows
            # are still cache-resident
            _hop_bond(states, site - 1, site, cos_odd, sin_odd)
    last = n_sites - 1
    if n_sites % 2 == 1:
        up, down = states[2 * last], states[2 * last + 1]
        pair, excess = _site_densities(up, down, weights)
        pair_amplitude[last] = pair
        density_excess[last] = excess
        _rotate_site(
            up,
            down,
            *_onsite_unitary(pair, excess, disorder[last], coupling, hartree_sign, site_time),
        )
    if odd_time == 0.0:
        return
    if n_sites % 2 == 0:
        if periodic:
            _hop_bond(states, last, 0, cos_odd, sin_odd)
    elif periodic:
        half_cos, half_sin = np.cos(0.5 * hopping * odd_time), np.sin(0.5 * hopping * odd_time)
        _hop_bond(states, last - 1, last, half_cos, half_sin)
        _hop_bond(states, last, 0, cos_odd, sin_odd)
        _hop_bond(states, last - 1, last, half_cos, half_sin)
    else:
        _hop_bond(states, last - 1, last, cos_odd, sin_odd)


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
    """numpy reference of :func:`local_densities` at step 0: (pair_amplitude, density_excess),
    the entries rho_{2i, 2i+1} and rho_{2i, 2i} - rho_{2i+1, 2i+1} of rho = V diag(w) V^dagger
    (Eq. C1), O(N M) instead of forming rho."""
    up, down = states[0::2], states[1::2]
    pair = np.einsum("il,il,l->i", up, down.conj(), weights)
    excess = (np.abs(up) ** 2 - np.abs(down) ** 2) @ weights
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
