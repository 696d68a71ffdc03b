"""Two-time Nambu contour functions on the real-time branch (NESSi-style container).

A :class:`ContourHistory` holds, for every xi node, the retarded rows G^R(t_n, t_s) and the
lesser columns G^<(t_s, t_n) (s <= n) in packed triangles, plus the local self-energy
Sigma^R(t_n, t_s), Sigma^<(t_s, t_n) shared by all xi. The other halves follow from the
Hermitian symmetries G^<(t,t') = -G^<(t',t)^dagger and G^A(t,t') = G^R(t',t)^dagger.
Layout per time slice: (s, xi, 2, 2) contiguous, so the history convolutions stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def packed_size(n_times: int) -> int:
    """Number of (t_n, t_s <= t_n) pairs for n_times time points."""
    return n_times * (n_times + 1) // 2


def offset(n: int) -> int:
    """Start of time slice n in a packed triangle."""
    return n * (n + 1) // 2


@dataclass
class ContourHistory:
    """Full two-time history of G_xi (retarded, lesser) and of the local self-energy."""

    gr: np.ndarray  # (packed, n_xi, 2, 2): G^R(t_n, t_s)
    gl: np.ndarray  # (packed, n_xi, 2, 2): G^<(t_s, t_n)
    sr: np.ndarray  # (packed, 2, 2): Sigma^R(t_n, t_s)
    sl: np.ndarray  # (packed, 2, 2): Sigma^<(t_s, t_n)

    @classmethod
    def allocate(cls, n_times: int, n_xi: int) -> ContourHistory:
        size = packed_size(n_times)
        return cls(
            gr=np.zeros((size, n_xi, 2, 2), dtype=np.complex128),
            gl=np.zeros((size, n_xi, 2, 2), dtype=np.complex128),
            sr=np.zeros((size, 2, 2), dtype=np.complex128),
            sl=np.zeros((size, 2, 2), dtype=np.complex128),
        )

    @staticmethod
    def bytes_needed(n_times: int, n_xi: int) -> int:
        """Memory of the full history (complex128)."""
        return packed_size(n_times) * (2 * n_xi + 2) * 4 * 16

    def retarded(self, n: int, s: int) -> np.ndarray:
        """G^R(t_n, t_s) for all xi (zero for s > n)."""
        if s > n:
            return np.zeros_like(self.gr[0])
        return self.gr[offset(n) + s]

    def lesser(self, j: int, s: int) -> np.ndarray:
        """G^<(t_j, t_s) for all xi, from the stored column via the Hermitian symmetry."""
        if j <= s:
            return self.gl[offset(s) + j]
        return -np.conj(np.swapaxes(self.gl[offset(j) + s], -1, -2))

    def density_matrix(self, n: int) -> np.ndarray:
        """rho_xi(t_n) = -i G^<(t_n, t_n) (Nambu, per xi)."""
        return -1j * self.gl[offset(n) + n]
