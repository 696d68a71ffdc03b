"""Compressed two-time history: a HODLR lower triangle built row by row during stepping.

Kaye & Golez (SciPost Phys. 10, 091, 2021): the off-diagonal blocks of G and Sigma are
numerically low rank. A :class:`HistoryTree` stores a lower triangle X[p, q] (q <= p) of 2x2
entries for a batch of functions (one per xi node) as

- a static hierarchical partition of [0, n_times): each node [lo, hi) splits at mid into the
  off-diagonal block rows [mid, hi) x columns [lo, mid) and two children, down to leaves of at
  most ``leaf`` points, which are stored dense (their lower triangle, packed row by row);
- each off-diagonal block as X[p, q] = sum_r U[p, r] V_r[q] with scalar U and 2x2-valued,
  orthonormal V_r (the columns and the Nambu indices flattened together), grown row by row:
  a new row is projected on the V_r (modified Gram-Schmidt; a second sweep only for a residual
  above the bound), and the residual becomes a new V_r if its norm exceeds ``ABSORB_SHARE``
  times the bound, ``tol`` times the largest entry seen so far. This greedy basis holds
  1.3-1.9x more vectors than the block's rank, so whenever it fills its capacity and when the
  block is complete it is recompressed by a truncated SVD (:func:`_recompressed`), which
  tracks a bound of every row's error. Every stored row of a block is exact to the bound
  (and the discarded singular values are below it), so every entry is: the error is
  controlled by the one tolerance ``tol`` and does not accumulate with the number of rows;
- dense copies of the first ``EDGE`` columns, the ``EDGE`` sub-diagonals and the first
  ``corner`` rows, which the Gregory end corrections of the history integrals read exactly
  (a tree keeps those its reader needs, ``edges``);
- the factors U, V, the leaves and the edge copies in single precision when ``tol`` >=
  SINGLE_PRECISION_TOL (the sums stay in double precision); the factors with real and imaginary
  parts apart and the time index innermost (u[b, part, r, p], v[b, part, r, a, d, q]), so
  that the sums of the products run in SIMD lanes.

Rows arrive in time order (row p is complete at time step p). The products of the history
integrals (P2 Eqs. 4-6 through :mod:`higgsdyn.kbe.kernels`) cost O(k) per row and column of a
block instead of its area, so one full product costs O(k n log n) instead of O(n^2). The
corrector's later sweeps of a time step multiply only the change of their vector since the
first sweep (~0.5% of it); each block then leaves out trailing basis vectors as long as that
moves the product by no more than the tolerance allows for the whole vector
(:func:`_used_rank`), so these products use a fraction of the rank.

A :class:`LowRankRows` holds the mixed component G^](t_p, tau_q) (rows in time, a fixed set of
DLR columns) as one such block spanning every row, read by the mixed equation's history sum
and the Matsubara term of the lesser equation.
"""

from __future__ import annotations

import ctypes
import mmap
import sys

import numpy as np
from numba import njit

from higgsdyn.kbe import kernels
from higgsdyn.kbe.contour import offset
from higgsdyn.kbe.kernels import (
    add_product,
    stream_product,
    stream_product_minus_dagger,
)

EDGE = 8  # dense columns and sub-diagonals: Gregory end corrections span <= degree + 1 = 7 nodes
EDGES = frozenset({"head", "band", "corner"})  # the dense copies a HistoryTree may keep
# Tolerances from which the stored history (factors, leaves, edges) is in single precision: its
# rounding (6e-8 relative) is then <= 6% of the tolerance, and it halves the memory.
SINGLE_PRECISION_TOL = 1e-6
# Share of the tolerance a row's absorbed residual may take; the rest is the budget of the SVD
# recompressions (_recompressed), which keep the rows exact to the whole tolerance.
ABSORB_SHARE = 0.25
# The sums over a block's rows or columns may be reassociated (and multiply-adds fused), so
# that they run in SIMD lanes; only rounding changes (tests/test_kbe_compressed.py).
SUMS = {"reassoc", "contract"}


@njit(cache=True)
def _split(x):
    """x[q, a, c] (complex) as (real/imaginary part, a, c, q): the time index innermost."""
    parts = np.empty((2, 2, 2, x.shape[0]))
    for q in range(x.shape[0]):
        for a in range(2):
            for c in range(2):
                parts[0, a, c, q] = x[q, a, c].real
                parts[1, a, c, q] = x[q, a, c].imag
    return parts


@njit(cache=True, fastmath=SUMS)
def _absorb_row(u, v, rank, error, peak, local, row, tol):
    """Row ``local`` of a block: project ``row`` (|C|, batch, 2, 2) on the basis v, extend it.
    The projection is modified Gram-Schmidt (the residual updated after each basis vector), so
    the stored row is off by exactly the residual: once its norm is <= tol the row is absorbed
    after one sweep; a second sweep re-orthogonalises a residual that may extend the basis.
    ``error[b, local]`` receives the norm of the discarded residual (0 if the basis grew), and
    ``peak[b, r]`` (the largest |U[p, r]|^2 over the rows) the row's coefficients."""
    for b in range(u.shape[0]):
        k = rank[b]
        residual = _split(row[:, b])  # (part, a, d, q)
        coeff = np.zeros((2, k + 1))
        for _sweep in range(2):
            for r in range(k):
                c_re = c_im = 0.0  # c = <V_r, residual>
                for a in range(2):
                    for d in range(2):
                        v_re, v_im = v[b, 0, r, a, d], v[b, 1, r, a, d]
                        res_re, res_im = residual[0, a, d], residual[1, a, d]
                        for q in range(v_re.shape[0]):
                            c_re += v_re[q] * res_re[q] + v_im[q] * res_im[q]
                            c_im += v_re[q] * res_im[q] - v_im[q] * res_re[q]
                coeff[0, r] += c_re
                coeff[1, r] += c_im
                for a in range(2):
                    for d in range(2):
                        v_re, v_im = v[b, 0, r, a, d], v[b, 1, r, a, d]
                        res_re, res_im = residual[0, a, d], residual[1, a, d]
                        for q in range(v_re.shape[0]):
                            res_re[q] -= c_re * v_re[q] - c_im * v_im[q]
                            res_im[q] -= c_re * v_im[q] + c_im * v_re[q]
            norm = np.sqrt(np.sum(residual**2))
            if norm <= tol:
                break
        if norm > tol and k < v.shape[2]:
            v[b, :, k] = residual / norm
            coeff[0, k] = norm
            rank[b] = k + 1
            k += 1
            norm = 0.0
        u[b, :, :k, local] = coeff[:, :k]
        error[b, local] = norm
        for r in range(k):
            peak[b, r] = max(peak[b, r], coeff[0, r] ** 2 + coeff[1, r] ** 2)


@njit(cache=True, fastmath=SUMS)
def _basis_times(v, k, x, conjugate):
    """W_r = sum_q V_r[q] x[q] (``conjugate``: sum_q V_r[q]^dagger x[q]) for r < k, from
    the split x (_split), as (part, r, a, c)."""
    w = np.zeros((2, k, 2, 2))
    sign = -1.0 if conjugate else 1.0  # of the imaginary part of V
    for r in range(k):
        for a in range(2):
            for d in range(2):
                # V_r[q][a, d] x[q][d, c] (conjugate: conj(V_r[q][d, a]) x[q][d, c])
                row, inner = (d, a) if conjugate else (a, d)
                v_re, v_im = v[0, r, row, inner], v[1, r, row, inner]
                for c in range(2):
                    x_re, x_im = x[0, d, c], x[1, d, c]
                    s_re = s_im = 0.0
                    for q in range(v_re.shape[0]):
                        s_re += v_re[q] * x_re[q] - sign * v_im[q] * x_im[q]
                        s_im += v_re[q] * x_im[q] + sign * v_im[q] * x_re[q]
                    w[0, r, a, c] += s_re
                    w[1, r, a, c] += s_im
    return w


@njit(cache=True, fastmath=SUMS)
def _factor_times(u, w, n_rows, conjugate, out):
    """out[part, a, c, p] += sum_r U[p, r] W_r[a, c] (``conjugate``: conj(U[p, r])) for
    p < n_rows, with ``u`` (part, capacity, rows) and ``w`` (part, r, a, c)."""
    sign = -1.0 if conjugate else 1.0
    for r in range(w.shape[1]):
        u_re, u_im = u[0, r], u[1, r]
        for a in range(2):
            for c in range(2):
                w_re, w_im = w[0, r, a, c], w[1, r, a, c]
                out_re, out_im = out[0, a, c], out[1, a, c]
                for p in range(n_rows):
                    out_re[p] += u_re[p] * w_re - sign * u_im[p] * w_im
                    out_im[p] += u_re[p] * w_im + sign * u_im[p] * w_re


@njit(cache=True)
def _add_split(parts, sign, y):
    """y[p] += sign * parts[:, :, :, p] (real and imaginary part back together)."""
    for p in range(parts.shape[3]):
        for a in range(2):
            for c in range(2):
                y[p, a, c] += sign * complex(parts[0, a, c, p], parts[1, a, c, p])


@njit(cache=True, inline="always")
def _used_rank(peak, rank, budget):
    """The fewest leading basis vectors m of one function's block such that sum_{r >= m}
    peak[r] <= ``budget``^2, ``peak[r]`` the largest |U[p, r]|^2 over the block's rows. Then
    every row's left-out part has norm <= budget, and (V orthonormal) leaving it out changes
    the product with x by <= budget |x| in every row and by <= sqrt(rows) budget |x| in the
    columns: the bounds of the stored rows' error (each <= the tolerance) with budget = tol.
    Budget 0 keeps every vector (but exactly zero columns)."""
    tail, used = 0.0, rank
    while used > 0 and tail + peak[used - 1] <= budget * budget:
        tail += peak[used - 1]
        used -= 1
    return used


@njit(cache=True)
def _block_rows_times(u, v, rank, peak, budget, x, n_rows, y):
    """y[p, b] += sum_q X_b[p, q] x[q] over the first ``n_rows`` rows of one block, without
    the trailing vectors _used_rank leaves out under ``budget``."""
    x_split = _split(x)
    for b in range(u.shape[0]):
        k = _used_rank(peak[b], rank[b], budget)
        if k == 0:
            continue
        out = np.zeros((2, 2, 2, n_rows))
        _factor_times(u[b], _basis_times(v[b], k, x_split, False), n_rows, False, out)
        _add_split(out, 1.0, y[:, b])


@njit(cache=True, fastmath=SUMS)
def _factor_transpose_times(u, k, x, n_rows):
    """T_r = sum_p U[p, r] x[p] over the first ``n_rows`` rows, r < k, with ``u`` (part,
    capacity, rows) and the split x (_split), as (part, r, a, c)."""
    coeffs = np.zeros((2, k, 2, 2))
    for r in range(k):
        u_re, u_im = u[0, r], u[1, r]
        for a in range(2):
            for c in range(2):
                x_re, x_im = x[0, a, c], x[1, a, c]
                s_re = s_im = 0.0
                for p in range(n_rows):
                    s_re += u_re[p] * x_re[p] - u_im[p] * x_im[p]
                    s_im += u_re[p] * x_im[p] + u_im[p] * x_re[p]
                coeffs[0, r, a, c] = s_re
                coeffs[1, r, a, c] = s_im
    return coeffs


@njit(cache=True, fastmath=SUMS)
def _basis_sum(v, coeffs, k, n_cols, coeffs_left):
    """sum_r T_r V_r[q] (``coeffs_left``) or sum_r V_r[q] T_r, r < k, for q < n_cols, with the
    2x2 T_r = ``coeffs`` (part, r, a, c) and ``v`` (part, capacity, a, c, columns), as
    (part, a, c, q)."""
    out = np.zeros((2, 2, 2, n_cols))
    for r in range(k):
        for a in range(2):
            for d in range(2):
                for c in range(2):
                    t_at, v_at = ((a, d), (d, c)) if coeffs_left else ((d, c), (a, d))
                    t_re, t_im = coeffs[0, r, t_at[0], t_at[1]], coeffs[1, r, t_at[0], t_at[1]]
                    v_re, v_im = v[0, r, v_at[0], v_at[1]], v[1, r, v_at[0], v_at[1]]
                    out_re, out_im = out[0, a, c], out[1, a, c]
                    for q in range(n_cols):
                        out_re[q] += t_re * v_re[q] - t_im * v_im[q]
                        out_im[q] += t_re * v_im[q] + t_im * v_re[q]
    return out


@njit(cache=True, fastmath=SUMS)
def _block_left_times(u, v, rank, x, n_rows, y):
    """y[q, b] += sum_p x[p] X_b[p, q] = sum_r T_r V_r[q] with T_r = sum_p U[p, r] x[p], over
    the first ``n_rows`` rows (``x`` shared by the batch, multiplied from the left)."""
    x_split = _split(x[:n_rows])
    n_cols = y.shape[0]
    for b in range(u.shape[0]):
        k = rank[b]
        coeffs = _factor_transpose_times(u[b], k, x_split, n_rows)
        _add_split(_basis_sum(v[b], coeffs, k, n_cols, True), 1.0, y[:, b])


@njit(cache=True, fastmath=SUMS)
def _block_hermitian_times(u, v, rank, peak, budget, x_rows, x_cols, n_rows, y_rows, y_cols):
    """Both triangles of one block (first ``n_rows`` rows): y_cols[q, b] += sum_p X_b[p, q]
    x_rows[p] = sum_r V_r[q] T_r with T_r = sum_p U[p, r] x_rows[p], and y_rows[p, b] -=
    sum_q X_b[p, q]^dagger x_cols[q] = sum_r conj(U[p, r]) sum_q V_r[q]^dagger x_cols[q];
    without the trailing vectors _used_rank leaves out under ``budget``."""
    rows_split, cols_split = _split(x_rows[:n_rows]), _split(x_cols)
    n_cols = x_cols.shape[0]
    for b in range(u.shape[0]):
        k = _used_rank(peak[b], rank[b], budget)
        if k == 0:
            continue
        coeffs = _factor_transpose_times(u[b], k, rows_split, n_rows)
        _add_split(_basis_sum(v[b], coeffs, k, n_cols, False), 1.0, y_cols[:, b])
        rows = np.zeros((2, 2, 2, n_rows))
        _factor_times(u[b], _basis_times(v[b], k, cols_split, True), n_rows, True, rows)
        _add_split(rows, -1.0, y_rows[:, b])


@njit(cache=True)
def _leaf_products(dense, lo, n_rows, x, hermitian, y):
    """Dense lower-triangular leaf (rows/columns lo..; ``dense[offset(p) + q]`` the batch's
    X[p, q], packed), first ``n_rows`` rows: y[p] += sum_{q<=p} X[p,q] x[q]; ``hermitian``:
    instead y[q] += sum_{p>=q} X[p,q] x[p] and y[p] -= sum_{q<p} X[p,q]^dagger x[q] (both
    triangles, as _block_hermitian_times). The batch is the innermost loop."""
    for p in range(n_rows):
        row = offset(p)
        for q in range(p + 1):
            if not hermitian:
                b = x[lo + q]
                stream_product(y[lo + p], dense[row + q], b[0, 0], b[0, 1], b[1, 0], b[1, 1])
                continue
            b = x[lo + p]
            stream_product(y[lo + q], dense[row + q], b[0, 0], b[0, 1], b[1, 0], b[1, 1])
            if q < p:
                b = x[lo + q]
                stream_product_minus_dagger(y[lo + p], dense[row + q], b[0, 0], b[0, 1],
                                            b[1, 0], b[1, 1])  # fmt: skip


@njit(cache=True)
def _start_corrections(q, corner, lesser, quad, steps, dt):
    """q[j] += dt sum_s (w(j, s) - 1) X[j, s] x[s] for the rows j inside the Gregory table:
    its table and start weights w(j, s), s <= max(j, steps), minus the unit weights of the tree
    product, with X[j, s] = -X[s, j]^dagger above the diagonal (G^R continued)."""
    last = quad.shape[0] - 2
    n = q.shape[0]
    for j in range(min(n, last + 1)):
        for s in range(min(max(j, steps) + 1, n)):
            excess = (quad[j, s] if j > 0 else 0.0) - (1.0 if s <= j else 0.0)
            if excess == 0.0:
                continue
            x = dt * excess * lesser[s]
            if s <= j:
                stream_product(q[j], corner[j, s], x[0, 0], x[0, 1], x[1, 0], x[1, 1])
            else:
                stream_product_minus_dagger(q[j], corner[s, j], x[0, 0], x[0, 1], x[1, 0],
                                            x[1, 1])  # fmt: skip


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


def storage_dtype(tol: float) -> type:
    """complex64 from SINGLE_PRECISION_TOL on, else complex128 (module doc)."""
    return np.complex64 if tol >= SINGLE_PRECISION_TOL else np.complex128


def _with_slack(rank: int, limit: int) -> int:
    """Capacity for a block of ``rank`` basis vectors that may grow: slack <= 25% (at least 8),
    at most ``limit`` (the full rank)."""
    return min(max(rank + 8, rank * 5 // 4), limit)


_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
MADV_DONTNEED = 4  # Linux madvise(2): the pages are dropped and read back as zeros


def _clear(array: np.ndarray) -> None:
    """array[...] = 0 for a C-contiguous ``array``, its whole memory pages given back to the
    system instead of written (Linux madvise; they read back as zeros and take memory again
    only when written). So a block's unused capacity and the old factors of a block that a
    recompression grew (at N_t 2601 the largest block is ~0.35 GB) hold no memory."""
    if not array.flags.c_contiguous:
        raise ValueError("_clear needs a C-contiguous array")
    flat = array.reshape(-1)
    page = mmap.PAGESIZE // flat.itemsize  # elements per page
    start = array.ctypes.data // flat.itemsize
    first, last = -(-start // page) * page - start, (start + flat.size) // page * page - start
    if _LIBC is None or last - first < 4 * page:
        flat[:] = 0
        return
    flat[:first], flat[last:] = 0, 0
    address = ctypes.c_void_p(array.ctypes.data + first * flat.itemsize)
    if _LIBC.madvise(address, ctypes.c_size_t((last - first) * flat.itemsize), MADV_DONTNEED):
        flat[first:last] = 0  # not given back: written instead


def _recompressed(u, v, rank, error, n_rows, tol, limit, final):
    """Truncated SVD of a block's first ``n_rows`` rows (Kaye & Golez), factors u (batch,
    part, capacity, rows), v (batch, part, capacity, 2, 2, columns) as the module doc.

    With the basis V orthonormal, X = U V and U = W S Z^H give X = (W S)(Z^H V): the singular
    values of X are S, the new factors U Z = W S and Z^H V. Per node the fewest vectors are
    kept such that the largest discarded singular value is <= ``tol`` (so every product from
    either side is off by <= tol |x| more) and the norm of every row's discarded part fits in
    the room its error bound ``error`` leaves below ``tol`` (``error`` updated in place: the
    rows stay exact to ``tol`` however often a block is recompressed). A block still growing
    (not ``final``) spends half of that room, so later recompressions keep some, and gets room
    for more vectors (_with_slack, at most ``limit``; in place if its capacity has that room);
    a ``final`` one is trimmed to its rank, the old factors cleared node by node (_clear).
    Returns the new factors and the largest |U[p, r]|^2 of the new U's columns (``peak`` of
    _absorb_row); ``rank`` is updated in place."""
    rotations = []  # per node the kept rows of Z^H
    for b in range(u.shape[0]):
        k = int(rank[b])
        coeffs = u[b, 0, :k, :n_rows] + 1j * u[b, 1, :k, :n_rows]  # (k, rows)
        left, values, right_h = np.linalg.svd(coeffs.T, full_matrices=False)
        # discarded[p, m]: norm of row p's part beyond the first m singular vectors
        discarded = np.sqrt(np.cumsum((np.abs(left * values) ** 2)[:, ::-1], axis=1)[:, ::-1])
        room = (1.0 if final else 0.5) * (tol - error[b, :n_rows])
        fits = (values <= tol) & np.all(discarded <= room[:, None], axis=0)  # monotone in m
        keep = k - int(np.argmin(fits[::-1])) if not fits.all() else 0
        if keep < k:
            error[b, :n_rows] += discarded[:, keep]
        rotations.append(right_h[:keep])
    largest = max(rotation.shape[0] for rotation in rotations)
    cap = largest if final else _with_slack(largest, limit)
    in_place = not final and cap <= u.shape[2]  # room enough: no second copy of the block
    if in_place:
        new_u, new_v, cap = u, v, u.shape[2]
    else:
        new_u = np.zeros(u.shape[:2] + (cap,) + u.shape[3:], dtype=u.dtype)
        new_v = np.zeros(v.shape[:2] + (cap,) + v.shape[3:], dtype=v.dtype)
    peak = np.zeros((u.shape[0], cap))
    for b, rotation in enumerate(rotations):
        k, keep = int(rank[b]), rotation.shape[0]
        coeffs = rotation.conj() @ (u[b, 0, :k, :n_rows] + 1j * u[b, 1, :k, :n_rows])
        basis = rotation @ (v[b, 0, :k] + 1j * v[b, 1, :k]).reshape(k, np.prod(v.shape[3:]))
        if in_place:  # the old vectors beyond
            for part in range(2):
                _clear(new_u[b, part, keep:])
                _clear(new_v[b, part, keep:])
        new_u[b, 0, :keep, :n_rows], new_u[b, 1, :keep, :n_rows] = coeffs.real, coeffs.imag
        peak[b, :keep] = np.max(np.abs(coeffs) ** 2, axis=1, initial=0.0)
        basis = basis.reshape((keep,) + v.shape[3:])
        new_v[b, 0, :keep], new_v[b, 1, :keep] = basis.real, basis.imag
        rank[b] = keep
        if not in_place:  # node b's old factors are no longer read
            _clear(u[b])
            _clear(v[b])
    return new_u, new_v, peak


def _change_budget(tol: float, whole: float, change: float) -> float:
    """tol |base| / |change| (inf for no change): the norm the left-out U columns of a block
    may have (_used_rank) when it multiplies a change of a vector ``base`` whose product is
    known."""
    return tol * whole / change if change > 0.0 else np.inf


def _prefix_norms(x: np.ndarray) -> np.ndarray:
    """c[m] = sum_{s < m} |x[s]|^2 (all trailing axes), so |x[a:b]|^2 = c[b] - c[a]."""
    sums = np.zeros(x.shape[0] + 1)
    np.cumsum(np.sum(np.abs(x.reshape(x.shape[0], -1)) ** 2, axis=1), out=sums[1:])
    return sums


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

    def __init__(self, n_times: int, batch: int, tol: float, leaf: int = 32, corner: int = 32,
                 edges: frozenset = EDGES):  # fmt: skip
        """``edges``: the dense copies (module doc) to keep, of EDGES: "head" (the first EDGE
        columns), "band" (the EDGE sub-diagonals), "corner" (the first ``corner`` rows); the
        others stay empty (a tree whose reader needs none of them)."""
        self.n_times, self.batch, self.tol = n_times, batch, tol
        self.dtype = storage_dtype(tol)
        self.factor_dtype = np.finfo(self.dtype).dtype  # U, V: real and imaginary parts apart
        self.blocks, self.leaves = partition(n_times, leaf)
        self.leaf_of = np.zeros(n_times, dtype=np.int64)
        for index, (lo, hi) in enumerate(self.leaves):
            self.leaf_of[lo:hi] = index
        self.dense = [  # packed lower triangles, X[p, q] at offset(p - lo) + q - lo
            np.zeros((offset(hi - lo), batch, 2, 2), dtype=self.dtype) for lo, hi in self.leaves
        ]
        self.u: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.rank: list[np.ndarray] = []
        self.error: list[np.ndarray] = []  # per block and row: bound of the stored row's error
        self.peak: list[np.ndarray] = []  # per block: largest |U[p, r]|^2 of each column
        for lo, mid, hi in self.blocks:
            cap = min(8, 4 * (mid - lo))
            self.u.append(np.zeros((batch, 2, cap, hi - mid), dtype=self.factor_dtype))
            self.v.append(np.zeros((batch, 2, cap, 2, 2, mid - lo), dtype=self.factor_dtype))
            self.rank.append(np.zeros(batch, dtype=np.int64))
            self.error.append(np.zeros((batch, hi - mid)))
            self.peak.append(np.zeros((batch, cap)))
        rows = {name: n_times if name in edges else 0 for name in EDGES}
        self.head = np.zeros((rows["head"], EDGE, batch, 2, 2), dtype=self.dtype)  # X[p, q]
        self.band = np.zeros((rows["band"], EDGE, batch, 2, 2), dtype=self.dtype)  # X[p, p-d]
        self.corner_size = min(corner, rows["corner"])
        self.corner = np.zeros((self.corner_size, self.corner_size, batch, 2, 2), dtype=self.dtype)
        self.filled = 0
        self.scale = 0.0

    def append(self, row: np.ndarray) -> None:
        """Row p = ``filled``: X[p, q] for q = 0..p, shape (p + 1, batch, 2, 2)."""
        p = self.filled
        row = np.ascontiguousarray(row.reshape(p + 1, self.batch, 2, 2))
        self.scale = max(self.scale, float(np.abs(row).max()))
        lo, hi = self.leaves[self.leaf_of[p]]
        self.dense[self.leaf_of[p]][offset(p - lo) : offset(p - lo + 1)] = row[lo:]
        width = min(EDGE, p + 1)
        if self.head.shape[0]:
            self.head[p, :width] = row[:width]
        if self.band.shape[0]:
            self.band[p, :width] = row[p::-1][:width]
        if p < self.corner_size:
            self.corner[p, : p + 1] = row[: self.corner_size][: p + 1]
        tol = self.tol * self.scale
        for index, (b_lo, mid, b_hi) in enumerate(self.blocks):
            if mid <= p < b_hi:
                rank, limit = self.rank[index], 4 * (mid - b_lo)
                if rank.max() == self.u[index].shape[2] and rank.max() < limit:
                    self._recompress(index, p - mid, tol, final=False)  # full: make room
                _absorb_row(self.u[index], self.v[index], rank, self.error[index],
                            self.peak[index], p - mid, row[b_lo:mid],
                            ABSORB_SHARE * tol)  # fmt: skip
                if p == b_hi - 1:
                    self._recompress(index, p + 1 - mid, tol, final=True)
        self.filled = p + 1

    def _recompress(self, index: int, n_rows: int, tol: float, final: bool) -> None:
        lo, mid, _ = self.blocks[index]
        self.u[index], self.v[index], self.peak[index] = _recompressed(
            self.u[index], self.v[index], self.rank[index], self.error[index], n_rows, tol,
            4 * (mid - lo), final,
        )  # fmt: skip

    def _budgets(self, x: np.ndarray, base: np.ndarray | None, rows_too: bool) -> list[float]:
        """Per block the norm its left-out U columns may have (_used_rank) in a product with
        ``x``: 0 (all kept) without ``base``; with it, x is the change of a vector ``base``
        whose product is known, and the part left out may change the product by as much as
        the tolerance allows for ``base`` itself: tol |base| / |x| over the block's columns
        (and, ``rows_too``, its rows), so a small change is multiplied with few vectors."""
        if base is None:
            return [0.0] * len(self.blocks)
        change, whole = _prefix_norms(x), _prefix_norms(base)
        tol = self.tol * self.scale
        budgets = []
        n = self.filled
        for lo, mid, hi in self.blocks:
            lo, mid, hi = min(lo, n), min(mid, n), min(hi, n)
            spans = ((lo, mid), (mid, hi))[: 2 if rows_too else 1]
            per_span = (_change_budget(tol, np.sqrt(max(whole[b] - whole[a], 0.0)),
                                       np.sqrt(max(change[b] - change[a], 0.0)))
                        for a, b in spans)  # fmt: skip
            budgets.append(min(per_span))
        return budgets

    def rows_times(self, x: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """y[p] = sum_{q <= p} X[p, q] x[q] for the stored rows p; ``x`` (>= filled, 2, 2)
        shared by the batch; ``base``: x is a change of it (:meth:`_budgets`)."""
        n = self.filled
        y = np.zeros((n, self.batch, 2, 2), dtype=np.complex128)
        budgets = self._budgets(x[:n], base, rows_too=False)
        for index, (lo, mid, hi) in enumerate(self.blocks):
            if mid < n:
                _block_rows_times(self.u[index], self.v[index], self.rank[index],
                                  self.peak[index], budgets[index], x[lo:mid], min(hi, n) - mid,
                                  y[mid:])  # fmt: skip
        for index, (lo, hi) in enumerate(self.leaves):
            if lo >= n:
                break
            _leaf_products(self.dense[index], lo, min(hi, n) - lo, x, False, y)
        return y

    def hermitian_times(self, x: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """y[j] = sum_s M[j, s] x[s] over the stored rows, M[j, s] = X[s, j] for s >= j and
        -X[j, s]^dagger for s < j (G^<(t_j, t_s) from its stored triangle); ``x`` shared;
        ``base``: x is a change of it (:meth:`_budgets`)."""
        n = self.filled
        y = np.zeros((n, self.batch, 2, 2), dtype=np.complex128)
        budgets = self._budgets(x[:n], base, rows_too=True)
        for index, (lo, mid, hi) in enumerate(self.blocks):
            if mid < n:
                _block_hermitian_times(self.u[index], self.v[index], self.rank[index],
                                       self.peak[index], budgets[index], x[mid:], x[lo:mid],
                                       min(hi, n) - mid, y[mid:], y[lo:mid])  # fmt: skip
        for index, (lo, hi) in enumerate(self.leaves):
            if lo >= n:
                break
            _leaf_products(self.dense[index], lo, min(hi, n) - lo, x, True, y)
        return y

    def entry(self, p: int, q: int) -> np.ndarray:
        """X[p, q] for the batch (reconstructed; tests and diagnostics)."""
        lo, hi = self.leaves[self.leaf_of[p]]
        if q >= lo:
            return self.dense[self.leaf_of[p]][offset(p - lo) + q - lo]
        for index, (b_lo, mid, b_hi) in enumerate(self.blocks):
            if mid <= p < b_hi and b_lo <= q < mid:
                u = self.u[index][:, 0, :, p - mid] + 1j * self.u[index][:, 1, :, p - mid]
                v = self.v[index][:, 0, ..., q - b_lo] + 1j * self.v[index][:, 1, ..., q - b_lo]
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
        arrays = [*self.dense, *self.u, *self.v, *self.rank, *self.error, *self.peak]
        arrays += [self.head, self.band, self.corner]
        return sum(array.nbytes for array in arrays) + self.leaf_of.nbytes

    def nbytes(self) -> int:
        """Memory actually used (ranks, not capacities, for the blocks)."""
        total = sum(d.nbytes for d in self.dense) + self.head.nbytes + self.band.nbytes
        total += self.corner.nbytes + sum(a.nbytes for a in (*self.error, *self.peak))
        for (lo, mid, hi), rank in zip(self.blocks, self.rank, strict=True):
            total += int(rank.sum()) * ((hi - mid) + 4 * (mid - lo)) * np.dtype(self.dtype).itemsize
        return total


class LowRankRows:
    """Rows X[p, q], p < ``filled``, of a batch of 2x2-valued functions over a fixed set of
    columns (the mixed component G^](t_p, tau_q) on the DLR nodes) as one low-rank factor
    X = U V: one block of a :class:`HistoryTree` that spans every row, grown by the same rule
    (every stored row exact to ``tol`` times the largest entry seen)."""

    def __init__(self, n_times: int, n_cols: int, batch: int, tol: float):
        self.tol, self.limit = tol, 4 * n_cols
        dtype = np.finfo(storage_dtype(tol)).dtype
        cap = min(8, self.limit)
        self.u = np.zeros((batch, 2, cap, n_times), dtype=dtype)
        self.v = np.zeros((batch, 2, cap, 2, 2, n_cols), dtype=dtype)
        self.rank = np.zeros(batch, dtype=np.int64)
        self.error = np.zeros((batch, n_times))  # bound of each stored row's error
        self.peak = np.zeros((batch, cap))  # largest |U[p, r]|^2 of each column
        self.filled = 0
        self.scale = 0.0

    def append(self, row: np.ndarray) -> None:
        """Row p = ``filled``: X[p, q] for every column q, shape (n_cols, batch, 2, 2)."""
        self.scale = max(self.scale, float(np.abs(row).max()))
        tol = self.tol * self.scale
        if self.rank.max() == self.u.shape[2] and self.rank.max() < self.limit:
            self.u, self.v, self.peak = _recompressed(
                self.u, self.v, self.rank, self.error, self.filled, tol, self.limit, final=False
            )
        row = np.ascontiguousarray(row)
        _absorb_row(self.u, self.v, self.rank, self.error, self.peak, self.filled, row,
                    ABSORB_SHARE * tol)  # fmt: skip
        self.filled += 1

    def rows_times(self, x: np.ndarray) -> np.ndarray:
        """y[p, b] = sum_q X_b[p, q] x[q] for the stored rows; ``x`` (n_cols, 2, 2)."""
        y = np.zeros((self.filled, self.u.shape[0], 2, 2), dtype=np.complex128)
        _block_rows_times(self.u, self.v, self.rank, self.peak, 0.0, x, self.filled, y)
        return y

    def left_times(self, x: np.ndarray) -> np.ndarray:
        """y[q, b] = sum_p x[p] X_b[p, q] over the stored rows; ``x`` (>= filled, 2, 2)."""
        y = np.zeros((self.v.shape[-1], self.u.shape[0], 2, 2), dtype=np.complex128)
        _block_left_times(self.u, self.v, self.rank, np.ascontiguousarray(x), self.filled, y)
        return y

    def entry(self, p: int) -> np.ndarray:
        """Row p, (n_cols, batch, 2, 2) (reconstructed; tests and diagnostics)."""
        u = self.u[:, 0, :, p] + 1j * self.u[:, 1, :, p]
        v = self.v[:, 0] + 1j * self.v[:, 1]
        return np.einsum("br,bracq->qbac", u, v)

    def nbytes(self) -> int:
        """Memory allocated."""
        arrays = (self.u, self.v, self.rank, self.error, self.peak)
        return sum(array.nbytes for array in arrays)


def row_weights(quad: np.ndarray, n: int, dt: float) -> np.ndarray:
    """dt w(n, s) for s < n: the Gregory weights (kernels.gregory) of an integral over
    [t_0, t_n] without its upper end node."""
    last = quad.shape[0] - 2
    if n <= last:
        return dt * quad[n, :n]
    distance = np.minimum(np.arange(n), n - np.arange(n))
    return dt * np.where(distance <= last, quad[last + 1, np.minimum(distance, last)], 1.0)


def lesser_history(gl_tree, gr_tree, sigma_r_row, sigma_l_col, dt, quad, steps, base=None):
    """Q(t_j, t_n) for j < n = ``filled`` from the compressed past (as kernels._lesser_history
    with the s = n endpoint left out): int_0^{t_n} G^< Sigma^A + int_0^{t_j} G^R Sigma^<.

    ``gl_tree`` holds M[s, j] = G^<(t_j, t_s), ``gr_tree`` G^R(t_j, t_s) for rows < n;
    ``sigma_r_row[s]`` = Sigma^R(t_n, t_s), ``sigma_l_col[s]`` = Sigma^<(t_s, t_n), s <= n.
    The first integral has the weights w(n, s) of its own end; the second runs with unit
    weights through the tree, and its Gregory end corrections (and the start weights of the
    first ``steps`` rows, with G^R continued as -G^R(t_s, t_j)^dagger) use the dense edges.
    ``base``: (sigma_r_row, sigma_l_col) of an earlier call; then Q is linear in them and the
    result is Q - Q(base), the trees multiplying only the change, truncated as
    HistoryTree._budgets allows for the earlier vectors.
    """
    n = gl_tree.filled
    last = quad.shape[0] - 2
    weights = row_weights(quad, n, dt)

    def advanced(sigma_row):  # weighted Sigma^A(t_s, t_n) = Sigma^R(t_n, t_s)^dagger
        return np.conj(np.swapaxes(sigma_row[:n], -1, -2)) * weights[:, None, None]

    sigma_adv, lesser = advanced(sigma_r_row), np.ascontiguousarray(sigma_l_col[:n])
    adv_base = lesser_base = None
    if base is not None:
        adv_base, lesser_base = advanced(base[0]), base[1][:n]
        sigma_adv, lesser = sigma_adv - adv_base, lesser - lesser_base
    q = gl_tree.hermitian_times(sigma_adv, adv_base)
    q += dt * gr_tree.rows_times(lesser, lesser_base)
    _start_corrections(q, gr_tree.corner, lesser, quad, steps, dt)
    if n > last + 1:  # longer rows: end corrections at s = d and s = j - d
        excess = dt * (quad[last + 1, :EDGE] - 1.0)
        _edge_corrections(q, gr_tree.head, gr_tree.band, lesser, excess, last + 1)
    return q


@njit(cache=True)
def _block_left_cols(u, v, rank, peak, budget, x, y):
    """y[q, i] += sum_p x[p, i] X[p, q] over one block of a single-function tree (Sigma^R),
    as two matrix products (BLAS): coefficients C_r = sum_p U[p, r] x[p], then sum_r C_r V_r,
    with the Nambu indices taken into the rows ((i, a)) and columns ((q, c)) of the second;
    without the trailing vectors _used_rank leaves out under ``budget``."""
    k = _used_rank(peak[0], rank[0], budget)
    if k == 0:
        return
    n_rows, n_xi, n_cols = x.shape[0], x.shape[1], y.shape[0]
    u_t = np.empty((k, n_rows), dtype=np.complex128)
    for r in range(k):
        for p in range(n_rows):
            u_t[r, p] = complex(u[0, 0, r, p], u[0, 1, r, p])
    coeffs = np.dot(u_t, x.reshape(n_rows, 4 * n_xi)).reshape(k, n_xi, 2, 2)
    left = np.empty((n_xi, 2, k, 2), dtype=np.complex128)
    basis = np.empty((k, 2, n_cols, 2), dtype=np.complex128)
    for r in range(k):
        for a in range(2):
            for b in range(2):
                left[:, a, r, b] = coeffs[r, :, a, b]
                for q in range(n_cols):
                    basis[r, a, q, b] = complex(v[0, 0, r, a, b, q], v[0, 1, r, a, b, q])
    product = np.dot(left.reshape(2 * n_xi, 2 * k), basis.reshape(2 * k, 2 * n_cols))
    product = product.reshape(n_xi, 2, n_cols, 2)
    for q in range(n_cols):
        for i in range(n_xi):
            for a in range(2):
                for c in range(2):
                    y[q, i, a, c] += product[i, a, q, c]


def retarded_row(history, sigma_tree, xi, gaps, n, dt, quad, lmm, diff, base=None):
    """Retarded row G^R(t_n, t_j) as kernels.retarded_row, with the history sum over s from
    the Sigma^R tree (rows < n) in HODLR order: the block rows [mid, hi) x columns [lo, mid)
    contribute to the columns once G^R(t_n, t_s), s >= mid, is solved (Kaye & Golez).
    ``history`` (:class:`higgsdyn.kbe.contour.ContourHistory`, full or moving) holds row n of
    G^R and the Sigma^R rows inside the Gregory table; older Sigma^R from the tree's dense
    leaves and sub-diagonals. Returns the tree's sums (``tree_conv``). ``base``: (row n,
    tree sums) of an earlier solve of this row; then the blocks multiply only the row's change,
    truncated as HistoryTree._budgets allows for the earlier row, added to its sums."""
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
    if base is None:
        tree_conv = np.zeros((n, n_xi, 2, 2), dtype=np.complex128)
    else:
        base_row, tree_conv = base[0], base[1].copy()
    tol = sigma_tree.tol * sigma_tree.scale
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
            budget = 0.0
            if base is not None:
                x_base = base_row[mid:top] * weights[mid:top, None, None, None]
                x = x - x_base
                whole = np.sqrt(np.sum(np.abs(x_base) ** 2))
                budget = _change_budget(tol, whole, np.sqrt(np.sum(np.abs(x) ** 2)))
            _block_left_cols(sigma_tree.u[index], sigma_tree.v[index], sigma_tree.rank[index],
                             sigma_tree.peak[index], budget, np.ascontiguousarray(x),
                             tree_conv[b_lo:mid])  # fmt: skip
        leaf = sigma_tree.dense[leaf_index].reshape(-1, 2, 2)
        kernels.retarded_leaf(gr, g_at, sr, s_at, leaf, band, xi, gaps, n, dt, quad, lmm,
                              tree_conv[lo:hi], lo, hi, force_next)  # fmt: skip
    return tree_conv
