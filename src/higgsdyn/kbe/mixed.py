"""Matsubara branch of the Kadanoff-Baym contour: the correlated initial state (P2 Eqs. 4-8).

The run starts at the first time point from the self-consistent equilibrium of
:mod:`higgsdyn.kbe.matsubara` at lambda_i and T. Initial correlations enter through the mixed
components on the imaginary branch tau in [0, beta] (conventions in docs/physics_notes.md,
"Matsubara branch"):

- G^](0, tau) = i G^M(-tau) = -i G^M(beta - tau), G^<(0, 0) = i rho (correlated rho);
- i d/dt G^](t, tau) = h(t) G^] + int_0^t Sigma^R G^] ds
  + int_0^beta Sigma^](t, tau') G^M(tau' - tau) dtau';
- Sigma^](t, tau) = tau_3 [c + i D^](t, tau) / nu_0] G_loc^](t, tau) tau_3 with
  D^](t, tau) = D^<(t + i tau);
- the right equation of G^< gains -i int_0^beta G^](t, tau) Sigma^[(tau, t') dtau, with
  Sigma^[(tau, t) = [Sigma^](t, beta - tau)]^dagger, and the paramagnetic bubble
  -i Tr [G * G]^<(t, t) gains -Tr int_0^beta G^](t, tau) [G^](t, beta - tau)]^dagger dtau.

The tau dependence lives on the nodes of a discrete Lehmann representation
(:mod:`higgsdyn.kbe.dlr`), so every tau integral is a small matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from higgsdyn.kbe import kernels
from higgsdyn.kbe.bands import Band
from higgsdyn.kbe.bath import phonon_greater
from higgsdyn.kbe.dlr import ImaginaryTimeBasis
from higgsdyn.kbe.matsubara import (
    MatsubaraEquilibrium,
    equilibrium_density_matrix,
    imaginary_time_green,
)
from higgsdyn.kbe.observables import mean_field_hamiltonian

DLR_EPSILON = 1e-12
CUTOFF_FACTOR = 4.0  # DLR cutoff in units of the widest one-particle energy scale
INTERPOLATION_TOLERANCE = 1e-6  # G^M off the nodes: DLR against the direct Matsubara sum


def spectral_cutoff(band: Band, lambda_ph: float, omega_D: float) -> float:
    """DLR cutoff: CUTOFF_FACTOR times the widest one-particle energy scale (band + phonon)."""
    return CUTOFF_FACTOR * (float(np.abs(band.xi).max()) + (omega_D if lambda_ph > 0 else 0.0))


@dataclass
class MatsubaraBranch:
    """Mixed components on the DLR nodes and the fixed tau-integration matrices."""

    basis: ImaginaryTimeBasis
    equilibrium: MatsubaraEquilibrium
    rho: np.ndarray  # correlated rho_i(0), (n_xi, 2, 2)
    overlap: np.ndarray  # W[k, k']: int_0^beta f(tau) g(beta - tau) dtau
    source_matrix: np.ndarray  # B[k', k, i] (int_0^beta S(tau') G^M_i(tau' - tau_k) dtau')
    # as a ((k', b), (k, i, c)) matrix, so the source is one matrix product
    phonon_mixed: np.ndarray  # D^](t_n, tau_k) / nu_0, (n_t, r)
    disorder: float
    weights: np.ndarray  # band weights
    gm: np.ndarray  # G^](t_n, tau_k) = gm[at[n]], (n_t or a ring of window slices, r, n_xi, 2, 2)
    at: np.ndarray  # (n_t,) int64: slot of slice n in gm
    sigma: np.ndarray  # Sigma^](t_n, tau_k), (n_t, r, 2, 2)
    sigma_left: np.ndarray  # -i sum_k' W[k, k'] Sigma^](t_n, tau_k')^dagger, (n_t, r, 2, 2)
    force: np.ndarray  # right-hand side of the G^] equation at the previous step
    new_force: np.ndarray

    @classmethod
    def prepare(
        cls,
        band: Band,
        equilibrium: MatsubaraEquilibrium,
        temperature: float,
        times: np.ndarray,
        disorder: float,
        lambda_ph: float,
        omega_D: float,
        window: int | None = None,
        template: MatsubaraBranch | None = None,
    ) -> MatsubaraBranch:
        """``window``: keep only the last ``window`` slices of G^] (a ring; the older ones
        live in :class:`higgsdyn.kbe.compressed.LowRankRows`), None: all of them.
        ``template``: a branch of the same equilibrium and band on another time grid (the
        start runs of a run) whose tau-integration data (basis, rho, overlap, source matrix)
        are taken instead of built again."""
        beta = 1.0 / temperature
        if template is None:
            basis = ImaginaryTimeBasis.build(
                beta, spectral_cutoff(band, lambda_ph, omega_D), DLR_EPSILON
            )
            green_nodes = imaginary_time_green(band, equilibrium, temperature, basis.nodes)
            coefficients = basis.values_to_coefficients(green_nodes)
            _check_interpolation(basis, coefficients, band, equilibrium, temperature)
            convolution = basis.mixed_convolution(coefficients)  # (k', k, i, b, c)
            rho = equilibrium_density_matrix(band, equilibrium, temperature)
            overlap = basis.reflected_overlap()
            source_matrix = convolution.transpose(0, 3, 1, 2, 4).reshape(2 * basis.rank, -1)
        else:
            basis, rho, overlap = template.basis, template.rho, template.overlap
            source_matrix = template.source_matrix
        elapsed = times - times[0]
        lags = -(elapsed[:, None] + 1j * basis.nodes[None, :])  # D^<(t + i tau) = D^>(-t - i tau)
        phonon_mixed = (
            phonon_greater(lags.ravel(), lambda_ph, omega_D, temperature).reshape(lags.shape)
            / band.dos_fermi
        )
        n_times, rank, n_xi = times.size, basis.rank, band.n_nodes
        slots = n_times if window is None else min(window, n_times)
        gm = np.zeros((slots, rank, n_xi, 2, 2), dtype=np.complex128)
        gm[0] = -1j * imaginary_time_green(band, equilibrium, temperature, beta - basis.nodes)
        branch = cls(
            basis=basis,
            equilibrium=equilibrium,
            rho=rho,
            overlap=overlap,
            source_matrix=source_matrix,
            phonon_mixed=phonon_mixed,
            disorder=disorder,
            weights=band.weights,
            gm=gm,
            at=np.arange(n_times, dtype=np.int64) % slots,
            sigma=np.zeros((n_times, rank, 2, 2), dtype=np.complex128),
            sigma_left=np.zeros((n_times, rank, 2, 2), dtype=np.complex128),
            force=np.zeros((rank, n_xi, 2, 2), dtype=np.complex128),
            new_force=np.zeros((rank, n_xi, 2, 2), dtype=np.complex128),
        )
        branch.update_self_energy(0)
        hamiltonian = mean_field_hamiltonian(band, equilibrium.gap)
        branch.force[:] = np.einsum("iab,kibc->kiac", hamiltonian, gm[0]) + branch.source(0)
        return branch

    def update_self_energy(self, n: int) -> None:
        """Sigma^](t_n, tau_k) (Eqs. 5-6 on the mixed branch) and its Q-term partner."""
        block = self.gm[self.at[n]]
        local = np.einsum("i,kiab->kab", self.weights, block + block[:, :, ::-1, ::-1])
        local = (self.disorder + 1j * self.phonon_mixed[n])[:, None, None] * local
        local[:, 0, 1] *= -1.0
        local[:, 1, 0] *= -1.0
        self.sigma[n] = local
        self.sigma_left[n] = -1j * np.einsum("kl,lba->kab", self.overlap, np.conj(local))

    def source(self, n: int) -> np.ndarray:
        """int_0^beta Sigma^](t_n, tau') G^M_i(tau' - tau_k) dtau', shape (r, n_xi, 2, 2)."""
        rank = self.sigma.shape[1]
        sigma = self.sigma[n].transpose(1, 0, 2).reshape(2, 2 * rank)  # (a, (k', b))
        product = (sigma @ self.source_matrix).reshape(2, rank, -1, 2)  # (a, k, i, c)
        return np.ascontiguousarray(product.transpose(1, 2, 0, 3))

    def step(self, sigma_row, conv_past, xi, gaps, n, dt, quad, lmm) -> None:
        """One corrector sweep of G^](t_n, .) and Sigma^](t_n, .) (see kernels.mixed_row);
        ``sigma_row[s]`` = Sigma^R(t_n, t_s), s = 0..n; ``conv_past`` the history sum over
        s < n from the compressed rows, or empty (the dense sum over ``gm``)."""
        kernels.mixed_row(
            self.gm,
            self.at,
            sigma_row,
            self.source(n),
            conv_past,
            xi,
            gaps,
            self.force,
            self.new_force,
            n,
            dt,
            quad,
            lmm,
            kernels.NUMBA_THREADS,
        )
        self.update_self_energy(n)

    def accept(self) -> None:
        """The step is converged: its right-hand side becomes the previous one."""
        self.force, self.new_force = self.new_force, self.force

    def predict(self, n: int, weights) -> None:
        """Slice n extrapolated from slices n - 1, n - 2, ... with ``weights``."""
        every = np.arange(self.sigma.shape[0])  # Sigma^] is kept whole
        for values, at in ((self.gm, self.at), (self.sigma, every), (self.sigma_left, every)):
            past = (weight * values[at[n - lag]] for lag, weight in enumerate(weights, 1))
            values[at[n]] = sum(past)

    def paramagnetic(self, n: int) -> np.ndarray:
        """Matsubara-branch part of Im Tr X_i (see :func:`kernels.paramagnetic_kernel`):
        -i Tr [G * G]^< gains -Tr sum_kk' G^](t, tau_k) W[k, k'] G^](t, tau_k')^dagger."""
        block = self.gm[self.at[n]]
        weighted = np.tensordot(self.overlap, np.conj(block), axes=(1, 0))  # sum_l W[k, l] G^]*_l
        trace = np.einsum("kiab,kiab->i", block, weighted)
        return -0.5 * trace.real


def _check_interpolation(basis, coefficients, band, equilibrium, temperature) -> None:
    """G^M between the nodes: the DLR must reproduce the direct Matsubara sum."""
    probe = np.linspace(0.0, basis.beta, 41)[1:-1] + 0.37 * basis.beta / 40
    direct = imaginary_time_green(band, equilibrium, temperature, probe)
    error = float(np.abs(basis.evaluate(coefficients, probe) - direct).max())
    if error > INTERPOLATION_TOLERANCE:
        raise ValueError(
            f"G^M is not resolved by the DLR (cutoff {basis.cutoff:g}, rank {basis.rank}): "
            f"interpolation error {error:.2e} > {INTERPOLATION_TOLERANCE:g}"
        )
