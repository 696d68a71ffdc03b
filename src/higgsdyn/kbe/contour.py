"""Two-time Nambu contour functions on the real-time branch (NESSi-style container).

A :class:`ContourHistory` holds, for every xi node, the retarded rows G^R(t_n, t_s) and the
lesser columns G^<(t_s, t_n) (s <= n), plus the local self-energy Sigma^R(t_n, t_s),
Sigma^<(t_s, t_n) shared by all xi. The other halves follow from the Hermitian symmetries
G^<(t,t') = -G^<(t',t)^dagger and G^A(t,t') = G^R(t',t)^dagger. Layout per time slice:
(s, xi, 2, 2) contiguous, so the history convolutions stream.

Slice n of G starts at ``g_at[n]`` (entry s at ``g_at[n] + s``), slice n of Sigma at
``s_at[n]``; the kernels address the storage only through these two index arrays, so one
layout serves two storages:

- full (:meth:`ContourHistory.allocate`): packed triangles, ``at[n] = offset(n)``; the whole
  history (the reference path, ``history = "full"``);
- moving (:meth:`ContourHistory.moving`, as NESSi's ``herm_matrix_moving``): a ring of the
  last ``window`` slices, slot ``n % window`` of ``n_times`` entries each. Only the slices
  the stepping reads are kept (the multistep rule's past G^< columns, the predictor's last
  slice, the Sigma^R rows inside the Gregory table); the older history lives in the HODLR
  trees of :mod:`higgsdyn.kbe.compressed` (``history = "compressed"``). A slice older than
  the window is overwritten: its index still points into the ring, so only the callers
  (tested bit-identical to the full storage) guarantee that they do not read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba.extending import register_jitable

ENTRY_BYTES = 4 * 16  # one 2x2 complex128 block


@register_jitable
def offset(n):
    """Start of time slice n in a packed triangle, which is also the number of (t_m, t_s <= t_m)
    pairs of n time points (n an int or an integer array); callable from numba kernels too."""
    return n * (n + 1) // 2


@dataclass
class ContourHistory:
    """Two-time G_xi (retarded, lesser) and local self-energy, full or moving (module doc)."""

    gr: np.ndarray  # (storage, n_xi, 2, 2): G^R(t_n, t_s) at g_at[n] + s
    gl: np.ndarray  # (storage, n_xi, 2, 2): G^<(t_s, t_n) at g_at[n] + s
    sr: np.ndarray  # (storage, 2, 2): Sigma^R(t_n, t_s) at s_at[n] + s
    sl: np.ndarray  # (storage, 2, 2): Sigma^<(t_s, t_n) at s_at[n] + s
    g_at: np.ndarray  # (n_times,) int64: start of slice n in gr, gl
    s_at: np.ndarray  # (n_times,) int64: start of slice n in sr, sl

    @classmethod
    def allocate(cls, n_times: int, n_xi: int) -> ContourHistory:
        """The full history in packed triangles."""
        starts = offset(np.arange(n_times, dtype=np.int64))
        return cls._zeros(offset(n_times), offset(n_times), n_xi, starts, starts)

    @classmethod
    def moving(cls, n_times: int, n_xi: int, g_window: int, s_window: int) -> ContourHistory:
        """A ring of the last ``g_window`` slices of G and ``s_window`` slices of Sigma."""
        g_window, s_window = min(g_window, n_times), min(s_window, n_times)
        steps = np.arange(n_times, dtype=np.int64)
        return cls._zeros(g_window * n_times, s_window * n_times, n_xi,
                          (steps % g_window) * n_times, (steps % s_window) * n_times)  # fmt: skip

    @classmethod
    def _zeros(cls, g_size, s_size, n_xi, g_at, s_at) -> ContourHistory:
        return cls(
            gr=np.zeros((g_size, n_xi, 2, 2), dtype=np.complex128),
            gl=np.zeros((g_size, n_xi, 2, 2), dtype=np.complex128),
            sr=np.zeros((s_size, 2, 2), dtype=np.complex128),
            sl=np.zeros((s_size, 2, 2), dtype=np.complex128),
            g_at=g_at,
            s_at=s_at,
        )

    @staticmethod
    def bytes_needed(n_times: int, n_xi: int) -> int:
        """Memory of the full history (complex128)."""
        return offset(n_times) * (2 * n_xi + 2) * ENTRY_BYTES

    @property
    def nbytes(self) -> int:
        """Memory of this storage."""
        return sum(part.nbytes for part in (self.gr, self.gl, self.sr, self.sl))

    def g_slice(self, name: str, n: int) -> np.ndarray:
        """Slice n (entries s = 0..n) of ``gr`` or ``gl`` as a view."""
        return getattr(self, name)[self.g_at[n] : self.g_at[n] + n + 1]

    def s_slice(self, name: str, n: int) -> np.ndarray:
        """Slice n (entries s = 0..n) of ``sr`` or ``sl`` as a view."""
        return getattr(self, name)[self.s_at[n] : self.s_at[n] + n + 1]
