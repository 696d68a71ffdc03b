"""Floquet-BdG quasienergies of h_k(t) = xi tau_3 + (Delta + theta cos omega0 t) tau_1 (P2 Fig. 2a).

Truncated Sambe space: harmonics n = -N..N, H_F[n, m] = (h_0 + n omega0) delta_nm +
(theta / 2) tau_1 delta_{|n-m|, 1}. Its eigenvalues are the quasienergies repeated with
period omega0 (exactly so away from the truncation edge). The Floquet index m = 0 bands
are the two eigenvectors with the largest weight in harmonic 0 (they tend to +-E_k as
theta -> 0); the m = 1 bands are the same shifted by +omega0.
"""

from __future__ import annotations

import numpy as np

TAU1 = np.array([[0.0, 1.0], [1.0, 0.0]])
TAU3 = np.array([[1.0, 0.0], [0.0, -1.0]])


def sambe_hamiltonian(
    xi: np.ndarray, theta: float, omega0: float, n_harmonics: int, delta: float = 1.0
) -> np.ndarray:
    """Real symmetric Floquet-Sambe BdG Hamiltonian for each xi: (..., 2M, 2M), M = 2N+1."""
    xi = np.asarray(xi, dtype=float)
    size = 2 * n_harmonics + 1
    shifts = np.arange(-n_harmonics, n_harmonics + 1) * omega0
    static = xi[..., None, None] * TAU3 + delta * TAU1
    diagonal = np.kron(np.diag(shifts), np.eye(2))
    coupling = np.kron(np.eye(size, k=1) + np.eye(size, k=-1), 0.5 * theta * TAU1)
    block_diagonal = np.einsum("nm,...ij->...nimj", np.eye(size), static)
    return block_diagonal.reshape(xi.shape + (2 * size,) * 2) + diagonal + coupling


def floquet_bands(
    xi: np.ndarray, theta: float, omega0: float, n_harmonics: int, delta: float = 1.0
) -> np.ndarray:
    """Quasienergies of Floquet index m = 0, branches (lower, upper): shape (2, len(xi))."""
    values, vectors = np.linalg.eigh(sambe_hamiltonian(xi, theta, omega0, n_harmonics, delta))
    centre = slice(2 * n_harmonics, 2 * n_harmonics + 2)
    weight = np.sum(np.abs(vectors[..., centre, :]) ** 2, axis=-2)
    chosen = np.sort(np.argsort(weight, axis=-1)[..., -2:], axis=-1)
    bands = np.take_along_axis(values, chosen, axis=-1)
    return np.sort(bands, axis=-1).T


def quasienergy_spectrum(
    xi: float, theta: float, omega0: float, n_harmonics: int, delta: float = 1.0
) -> np.ndarray:
    """All eigenvalues of the truncated Sambe Hamiltonian at one xi (sorted)."""
    return np.linalg.eigvalsh(sambe_hamiltonian(xi, theta, omega0, n_harmonics, delta))
