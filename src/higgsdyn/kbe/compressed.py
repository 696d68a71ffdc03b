"""Compressed two-time history: a HODLR lower triangle built row by row during stepping.

Kaye & Golez (SciPost Phys. 10, 091, 2021): the off-diagonal blocks of G and Sigma are
numerically low rank. A :class:`HistoryTree` stores a lower triangle X[p, q] (q <= p) of 2x2
entries for a batch of functions (one per xi node) as

- a static hierarchical partition of [0, n_times): each node [lo, hi) splits at mid into the
  off-diagonal block rows [mid, hi) x columns [lo, mid) and two children, down to leaves of at
  most ``leaf`` points, which are stored dense (their lower triangle);
- each off-diagonal block as X[p, q] = sum_r U[p, r] V_r[q] with scalar U and 2x2-valued,
  orthonormal V_r (the columns and the Nambu indices flattened together), grown row by row:
  a new row is projected on the V_r (classical Gram-Schmidt, twice), and the residual becomes
  a new V_r if its norm exceeds ``tol`` times the largest entry seen so far. Every stored row
  of a block is then exact to that bound, so every entry is: the error is controlled by the
  one tolerance ``tol`` and does not accumulate with the number of rows;
- dense copies of the first ``EDGE`` columns, the ``EDGE`` sub-diagonals and the first
  ``corner`` rows, which the Gregory end corrections of the history integrals read exactly;
- the factors U, V and the leaves in single precision when ``tol`` >= SINGLE_PRECISION_TOL
  (sums and the edge copies stay in double precision).

Rows arrive in time order (row p is complete at time step p). The products of the history
integrals (P2 Eqs. 4-6 through :mod:`higgsdyn.kbe.kernels`) cost O(k) per row and column of a
block instead of its area, so one full product costs O(k n log n) instead of O(n^2).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from higgsdyn.kbe import kernels
from higgsdyn.kbe.kernels import (
    add_product,
    gregory,
    stream_product,
    stream_product_minus_dagger,
)

EDGE = 8  # dense columns and sub-diagonals: Gregory end corrections span <= degree + 1 = 7 nodes
# Tolerances from which the factors and leaves are stored in single precision: its rounding
# (6e-8 relative) is then <= 6% of the tolerance, and it halves their memory (the products
# take as long: they are bound by arithmetic, not by the bytes they read; benchmarks/README.md).
SINGLE_PRECISION_TOL = 1e-6


@njit(cache=True)
def _absorb_row(u, v, rank, local, row, tol):
    """Row ``local`` of a block: project ``row`` (|C|, batch, 2, 2) on the basis v, extend it."""
    n_cols = row.shape[0]
    for b in range(u.shape[0]):
        k = rank[b]
        residual = row[:, b].copy()
        coeff = np.zeros(k + 1, dtype=np.complex128)
        for _sweep in range(2):
            for r in range(k):
                c = 0.0j
                for q in range(n_cols):
                    for a in range(2):
                        for d in range(2):
                            c += np.conj(v[b, r, q, a, d]) * residual[q, a, d]
                coeff[r] += c
                for q in range(n_cols):
                    for a in range(2):
                        for d in range(2):
                            residual[q, a, d] -= c * v[b, r, q, a, d]
        norm = np.sqrt(np.sum(np.abs(residual) ** 2))
        if norm > tol and k < v.shape[1]:
            v[b, k] = residual / norm
            coeff[k] = norm
            rank[b] = k + 1
            k += 1
        for r in range(k):
            u[b, local, r] = coeff[r]


@njit(cache=True, inline="always")
def _entries(m):
    """The four entries of a 2x2 matrix, row by row."""
    return m[0, 0], m[0, 1], m[1, 0], m[1, 1]


@njit(cache=True, inline="always")
def _multiply_add(acc, a, b):
    """acc + a @ b for 2x2 matrices given as their _entries."""
    return (
        acc[0] + a[0] * b[0] + a[1] * b[2],
        acc[1] + a[0] * b[1] + a[1] * b[3],
        acc[2] + a[2] * b[0] + a[3] * b[2],
        acc[3] + a[2] * b[1] + a[3] * b[3],
    )


@njit(cache=True)
def _block_rows_times(u, v, rank, x, n_rows, y):
    """y[p, b] += sum_q X_b[p, q] x[q] over the first ``n_rows`` rows of one block."""
    for b in range(u.shape[0]):
        k = rank[b]
        w = np.zeros((k, 2, 2), dtype=np.complex128)
        for r in range(k):
            basis = v[b, r]
            acc = (0j, 0j, 0j, 0j)
            for q in range(x.shape[0]):
                acc = _multiply_add(acc, _entries(basis[q]), _entries(x[q]))
            w[r, 0, 0], w[r, 0, 1], w[r, 1, 0], w[r, 1, 1] = acc
        _add_rows(u[b], w, n_rows, False, y[:, b])


@njit(cache=True, inline="always")
def _add_rows(u, w, n_rows, conjugate_minus, y):
    """y[p] += sum_r u[p, r] w[r] (``conjugate_minus``: -= conj(u[p, r]) w[r]), p < n_rows."""
    for p in range(n_rows):
        y00 = y01 = y10 = y11 = 0j
        for r in range(w.shape[0]):
            coeff = -np.conj(u[p, r]) if conjugate_minus else u[p, r]
            y00 += coeff * w[r, 0, 0]
            y01 += coeff * w[r, 0, 1]
            y10 += coeff * w[r, 1, 0]
            y11 += coeff * w[r, 1, 1]
        y[p, 0, 0] += y00
        y[p, 0, 1] += y01
        y[p, 1, 0] += y10
        y[p, 1, 1] += y11


@njit(cache=True)
def _block_hermitian_times(u, v, rank, x_rows, x_cols, n_rows, y_rows, y_cols):
    """Both triangles of one block (first ``n_rows`` rows): y_cols[q, b] += sum_p X_b[p, q]
    x_rows[p] and y_rows[p, b] -= sum_q X_b[p, q]^dagger x_cols[q], reading each V_r once."""
    for b in range(u.shape[0]):
        k = rank[b]
        t = np.zeros((k, 2, 2), dtype=np.complex128)
        w = np.zeros((k, 2, 2), dtype=np.complex128)
        for p in range(n_rows):
            x00, x01, x10, x11 = _entries(x_rows[p])
            for r in range(k):
                coeff = u[b, p, r]
                t[r, 0, 0] += coeff * x00
                t[r, 0, 1] += coeff * x01
                t[r, 1, 0] += coeff * x10
                t[r, 1, 1] += coeff * x11
        for r in range(k):
            basis = v[b, r]
            t_r = _entries(t[r])
            acc = (0j, 0j, 0j, 0j)
            for q in range(x_cols.shape[0]):
                v00, v01, v10, v11 = _entries(basis[q])
                y = y_cols[q, b]
                y[0, 0], y[0, 1], y[1, 0], y[1, 1] = _multiply_add(
                    _entries(y), (v00, v01, v10, v11), t_r
                )
                adjoint = (np.conj(v00), np.conj(v10), np.conj(v01), np.conj(v11))
                acc = _multiply_add(acc, adjoint, _entries(x_cols[q]))
            w[r, 0, 0], w[r, 0, 1], w[r, 1, 0], w[r, 1, 1] = acc
        _add_rows(u[b], w, n_rows, True, y_rows[:, b])


@njit(cache=True)
def _leaf_products(dense, lo, n_rows, x, hermitian, y):
    """Dense lower-triangular leaf (rows/columns lo..; ``dense[p, q]`` the batch's X[p, q]),
    first ``n_rows`` rows: y[p] += sum_{q<=p} X[p,q] x[q]; ``hermitian``: instead y[q] +=
    sum_{p>=q} X[p,q] x[p] and y[p] -= sum_{q<p} X[p,q]^dagger x[q] (both triangles, as
    _block_hermitian_times). The batch is the innermost loop."""
    for p in range(n_rows):
        for q in range(p + 1):
            if not hermitian:
                b = x[lo + q]
                stream_product(y[lo + p], dense[p, q], b[0, 0], b[0, 1], b[1, 0], b[1, 1])
                continue
            b = x[lo + p]
            stream_product(y[lo + q], dense[p, q], b[0, 0], b[0, 1], b[1, 0], b[1, 1])
            if q < p:
                b = x[lo + q]
                stream_product_minus_dagger(y[lo + p], dense[p, q], b[0, 0], b[0, 1], b[1, 0],
                                             b[1, 1])  # fmt: skip


@njit(cache=True)
def _edge_corrections(q, head, band, lesser, excess, first):
    """q[j] += sum_d excess[d] (X[j, d] x[d] + X[j, j - d] x[j - d]) for rows j >= first."""
    for j in range(first, q.shape[0]):
        for d in range(excess.shape[0]):
            weight = excess[d]
            if weight == 0.0:
                continue
            for b in range(q.shape[1]):
                add_product(q[j, b], head[j, d, b], lesser[d], weight)
                add_product(q[j, b], band[j, d, b], lesser[j - d], weight)


def partition(n_times: int, leaf: int) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    """Off-diagonal blocks (lo, mid, hi) and leaves (lo, hi) of the HODLR partition."""
    blocks, leaves = [], []

    def split(lo: int, hi: int) -> None:
        if hi - lo <= leaf:
            leaves.append((lo, hi))
            return
        mid = (lo + hi) // 2
        blocks.append((lo, mid, hi))
        split(lo, mid)
        split(mid, hi)

    split(0, n_times)
    return blocks, sorted(leaves)


class HistoryTree:
    """HODLR lower triangle X[p, q], q <= p, of a batch of 2x2-valued functions (module doc)."""

    def __init__(self, n_times: int, batch: int, tol: float, leaf: int = 32, corner: int = 32):
        self.n_times, self.batch, self.tol = n_times, batch, tol
        self.dtype = np.complex64 if tol >= SINGLE_PRECISION_TOL else np.complex128
        self.blocks, self.leaves = partition(n_times, leaf)
        self.leaf_of = np.zeros(n_times, dtype=np.int64)
        for index, (lo, hi) in enumerate(self.leaves):
            self.leaf_of[lo:hi] = index
        self.dense = [
            np.zeros((hi - lo, hi - lo, batch, 2, 2), dtype=self.dtype) for lo, hi in self.leaves
        ]
        self.u: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.rank: list[np.ndarray] = []
        for lo, mid, hi in self.blocks:
            cap = min(8, 4 * (mid - lo))
            self.u.append(np.zeros((batch, hi - mid, cap), dtype=self.dtype))
            self.v.append(np.zeros((batch, cap, mid - lo, 2, 2), dtype=self.dtype))
            self.rank.append(np.zeros(batch, dtype=np.int64))
        self.head = np.zeros((n_times, EDGE, batch, 2, 2), dtype=np.complex128)  # X[p, q < EDGE]
        self.band = np.zeros((n_times, EDGE, batch, 2, 2), dtype=np.complex128)  # X[p, p - d]
        self.corner_size = min(corner, n_times)
        self.corner = np.zeros(
            (self.corner_size, self.corner_size, batch, 2, 2), dtype=np.complex128
        )
        self.filled = 0
        self.scale = 0.0

    def append(self, row: np.ndarray) -> None:
        """Row p = ``filled``: X[p, q] for q = 0..p, shape (p + 1, batch, 2, 2)."""
        p = self.filled
        row = np.ascontiguousarray(row.reshape(p + 1, self.batch, 2, 2))
        self.scale = max(self.scale, float(np.abs(row).max()))
        lo, hi = self.leaves[self.leaf_of[p]]
        self.dense[self.leaf_of[p]][p - lo, : p - lo + 1] = row[lo:]
        width = min(EDGE, p + 1)
        self.head[p, :width] = row[:width]
        self.band[p, :width] = row[p::-1][:width]
        if p < self.corner_size:
            self.corner[p, : p + 1] = row[: self.corner_size][: p + 1]
        for index, (b_lo, mid, b_hi) in enumerate(self.blocks):
            if mid <= p < b_hi:
                rank, u = self.rank[index], self.u[index]
                if rank.max() == u.shape[2] and u.shape[2] < 4 * (mid - b_lo):
                    self._grow(index)
                tol = self.tol * self.scale
                _absorb_row(self.u[index], self.v[index], rank, p - mid, row[b_lo:mid], tol)
                if p == b_hi - 1:  # block complete: keep its rank, not its capacity
                    k = int(rank.max())
                    self.u[index] = self.u[index][:, :, :k].copy()
                    self.v[index] = self.v[index][:, :k].copy()
        self.filled = p + 1

    def _grow(self, index: int) -> None:
        lo, mid, _ = self.blocks[index]
        u, v = self.u[index], self.v[index]
        cap = min(max(u.shape[2] + 8, u.shape[2] * 5 // 4), 4 * (mid - lo))  # slack <= 25%
        new_u = np.zeros(u.shape[:2] + (cap,), dtype=self.dtype)
        new_v = np.zeros((u.shape[0], cap) + v.shape[2:], dtype=self.dtype)
        new_u[:, :, : u.shape[2]] = u
        new_v[:, : v.shape[1]] = v
        self.u[index], self.v[index] = new_u, new_v

    def rows_times(self, x: np.ndarray) -> np.ndarray:
        """y[p] = sum_{q <= p} X[p, q] x[q] for the stored rows p; ``x`` (>= filled, 2, 2)
        shared by the batch."""
        n = self.filled
        y = np.zeros((n, self.batch, 2, 2), dtype=np.complex128)
        for index, (lo, mid, hi) in enumerate(self.blocks):
            if mid < n:
                _block_rows_times(self.u[index], self.v[index], self.rank[index], x[lo:mid],
                                  min(hi, n) - mid, y[mid:])  # fmt: skip
        for index, (lo, hi) in enumerate(self.leaves):
            if lo >= n:
                break
            _leaf_products(self.dense[index], lo, min(hi, n) - lo, x, False, y)
        return y

    def hermitian_times(self, x: np.ndarray) -> np.ndarray:
        """y[j] = sum_s M[j, s] x[s] over the stored rows, M[j, s] = X[s, j] for s >= j and
        -X[j, s]^dagger for s < j (G^<(t_j, t_s) from its stored triangle); ``x`` shared."""
        n = self.filled
        y = np.zeros((n, self.batch, 2, 2), dtype=np.complex128)
        for index, (lo, mid, hi) in enumerate(self.blocks):
            if mid < n:
                _block_hermitian_times(self.u[index], self.v[index], self.rank[index], x[mid:],
                                       x[lo:mid], min(hi, n) - mid, y[mid:], y[lo:mid])  # fmt: skip
        for index, (lo, hi) in enumerate(self.leaves):
            if lo >= n:
                break
            _leaf_products(self.dense[index], lo, min(hi, n) - lo, x, True, y)
        return y

    def entry(self, p: int, q: int) -> np.ndarray:
        """X[p, q] for the batch (reconstructed; tests and diagnostics)."""
        lo, hi = self.leaves[self.leaf_of[p]]
        if q >= lo:
            return self.dense[self.leaf_of[p]][p - lo, q - lo]
        for index, (b_lo, mid, b_hi) in enumerate(self.blocks):
            if mid <= p < b_hi and b_lo <= q < mid:
                u, v = self.u[index][:, p - mid], self.v[index][:, :, q - b_lo]
                return np.einsum("br,brac->bac", u, v)
        raise IndexError((p, q))

    def ranks(self) -> list[tuple[int, int, int]]:
        """(block rows, block columns, max rank over the batch) of every off-diagonal block."""
        return [
            (hi - mid, mid - lo, int(rank.max()))
            for (lo, mid, hi), rank in zip(self.blocks, self.rank, strict=True)
        ]

    def allocated_nbytes(self) -> int:
        """Memory allocated (the blocks at their capacities, >= the ranks)."""
        arrays = [*self.dense, *self.u, *self.v, *self.rank, self.head, self.band, self.corner]
        return sum(array.nbytes for array in arrays) + self.leaf_of.nbytes

    def nbytes(self) -> int:
        """Memory actually used (ranks, not capacities, for the blocks)."""
        total = sum(d.nbytes for d in self.dense) + self.head.nbytes + self.band.nbytes
        total += self.corner.nbytes
        for (lo, mid, hi), rank in zip(self.blocks, self.rank, strict=True):
            total += int(rank.sum()) * ((hi - mid) + 4 * (mid - lo)) * np.dtype(self.dtype).itemsize
        return total


def lesser_history(gl_tree, gr_tree, sigma_r_row, sigma_l_col, dt, quad, steps) -> np.ndarray:
    """Q(t_j, t_n) for j < n = ``filled`` from the compressed past (as kernels._lesser_history
    with the s = n endpoint left out): int_0^{t_n} G^< Sigma^A + int_0^{t_j} G^R Sigma^<.

    ``gl_tree`` holds M[s, j] = G^<(t_j, t_s), ``gr_tree`` G^R(t_j, t_s) for rows < n;
    ``sigma_r_row[s]`` = Sigma^R(t_n, t_s), ``sigma_l_col[s]`` = Sigma^<(t_s, t_n), s <= n.
    The first integral has the weights w(n, s) of its own end; the second runs with unit
    weights through the tree, and its Gregory end corrections (and the start weights of the
    first ``steps`` rows, with G^R continued as -G^R(t_s, t_j)^dagger) use the dense edges.
    """
    n = gl_tree.filled
    last = quad.shape[0] - 2
    weights = dt * np.array([gregory(quad, n, s) for s in range(n)]) if n <= last else None
    if weights is None:  # interior weights 1, end corrections within EDGE of both ends
        weights = np.full(n, dt)
        weights[:EDGE] = dt * quad[last + 1, :EDGE]
        weights[n - EDGE + 1 :] = dt * quad[last + 1, 1:EDGE][::-1]
    sigma_adv = np.conj(np.swapaxes(sigma_r_row[:n], -1, -2)) * weights[:, None, None]
    q = gl_tree.hermitian_times(sigma_adv)
    lesser = np.ascontiguousarray(sigma_l_col[:n])
    q += dt * gr_tree.rows_times(lesser)
    corner = gr_tree.corner
    for j in range(min(n, last + 1)):  # table and start weights minus the unit weights above
        excess = np.zeros(max(j, steps) + 1)
        if j > 0:
            excess[:] = quad[j, : excess.size]
        excess[: j + 1] -= 1.0
        for s in np.flatnonzero(excess[: min(excess.size, n)]):
            block = corner[j, s] if s <= j else -np.conj(np.swapaxes(corner[s, j], -1, -2))
            q[j] += dt * excess[s] * block @ lesser[s]
    if n > last + 1:  # longer rows: end corrections at s = d and s = j - d
        excess = dt * (quad[last + 1, :EDGE] - 1.0)
        _edge_corrections(q, gr_tree.head, gr_tree.band, lesser, excess, last + 1)
    return q


@njit(cache=True)
def _block_left_cols(u, v, rank, x, y):
    """y[q, i] += sum_p x[p, i] X[p, q] over one block of a single-function tree (Sigma^R),
    as two matrix products (BLAS): coefficients C_r = sum_p U[p, r] x[p], then sum_r C_r V_r,
    with the Nambu indices taken into the rows ((i, a)) and columns ((q, c)) of the second."""
    k, n_rows, n_xi, n_cols = rank[0], x.shape[0], x.shape[1], y.shape[0]
    u_t = np.empty((k, n_rows), dtype=np.complex128)
    for p in range(n_rows):
        for r in range(k):
            u_t[r, p] = u[0, p, r]
    coeffs = np.dot(u_t, x.reshape(n_rows, 4 * n_xi)).reshape(k, n_xi, 2, 2)
    left = np.empty((n_xi, 2, k, 2), dtype=np.complex128)
    basis = np.empty((k, 2, n_cols, 2), dtype=np.complex128)
    for r in range(k):
        for a in range(2):
            for b in range(2):
                left[:, a, r, b] = coeffs[r, :, a, b]
                basis[r, a, :, b] = v[0, r, :, a, b]
    product = np.dot(left.reshape(2 * n_xi, 2 * k), basis.reshape(2 * k, 2 * n_cols))
    product = product.reshape(n_xi, 2, n_cols, 2)
    for q in range(n_cols):
        for i in range(n_xi):
            for a in range(2):
                for c in range(2):
                    y[q, i, a, c] += product[i, a, q, c]


def retarded_row(history, sigma_tree, xi, gaps, n, dt, quad, lmm, diff) -> None:
    """Retarded row G^R(t_n, t_j) as kernels.retarded_row, with the history sum over s from
    the Sigma^R tree (rows < n) in HODLR order: the block rows [mid, hi) x columns [lo, mid)
    contribute to the columns once G^R(t_n, t_s), s >= mid, is solved (Kaye & Golez).
    ``history`` (:class:`higgsdyn.kbe.contour.ContourHistory`, full or moving) holds row n of
    G^R and the Sigma^R rows inside the Gregory table; older Sigma^R from the tree's dense
    leaves and sub-diagonals."""
    n_xi = xi.shape[0]
    gr, g_at, sr, s_at = history.gr, history.g_at, history.sr, history.s_at
    row = history.g_slice("gr", n)
    force_next = np.zeros((n_xi, 2, 2), dtype=np.complex128)
    kernels.retarded_tops(gr, g_at, sr, s_at, xi, gaps, n, dt, quad, lmm, diff, force_next)
    start = lmm.shape[1] - 1 if lmm.shape[1] > 2 else 0
    last = quad.shape[0] - 2
    end_weights = np.ones(n)  # kernels.right_end_weight(quad, n - s), s < n
    distance = np.arange(1, min(n, last) + 1)
    end_weights[n - distance] = quad[last + 1, distance]
    weights = dt * end_weights
    tree_conv = np.zeros((n, n_xi, 2, 2), dtype=np.complex128)
    block_ending = {mid: index for index, (_, mid, _) in enumerate(sigma_tree.blocks)}
    band = sigma_tree.band.reshape(sigma_tree.n_times, EDGE, 2, 2)
    for leaf_index in range(len(sigma_tree.leaves) - 1, -1, -1):
        lo, hi = sigma_tree.leaves[leaf_index]
        if lo >= n - start:
            continue
        index = block_ending.get(hi)
        if index is not None and hi < n:
            b_lo, mid, b_hi = sigma_tree.blocks[index]
            top = min(b_hi, n)
            x = row[mid:top] * weights[mid:top, None, None, None]
            _block_left_cols(sigma_tree.u[index], sigma_tree.v[index], sigma_tree.rank[index],
                             np.ascontiguousarray(x), tree_conv[b_lo:mid])  # fmt: skip
        leaf = sigma_tree.dense[leaf_index].reshape(hi - lo, hi - lo, 2, 2)
        kernels.retarded_leaf(gr, g_at, sr, s_at, leaf, band, xi, gaps, n, dt, quad, lmm,
                              tree_conv[lo:hi], lo, hi, force_next)  # fmt: skip
