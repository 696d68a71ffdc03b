"""Numba kernels of the Nambu Kadanoff-Baym stepper (P2 Eqs. 4-8), with numpy references.

Storage (see :mod:`higgsdyn.kbe.contour`): two-time functions live in arrays of shape
``(storage, n_xi, 2, 2)``; time slice ``n`` of G starts at ``g_at[n]``, of Sigma at ``s_at[n]``
(packed triangles ``n(n+1)/2`` for the full history, a ring of recent slices for the moving
one; the kernels read only the slices the caller keeps):

- ``gr[g_at[n] + s, i] = G^R_xi_i(t_n, t_s)``  (retarded row n, s <= n)
- ``gl[g_at[n] + s, i] = G^<_xi_i(t_s, t_n)``  (lesser column n, s <= n)
- ``sr[s_at[n] + s]    = Sigma^R(t_n, t_s)`` and ``sl[s_at[n] + s] = Sigma^<(t_s, t_n)``
  (local self-energies, one slice serves every xi)

The other triangles follow from G^<(t,t') = -G^<(t',t)^dagger and G^A(t,t') = G^R(t',t)^dagger.
Time integrals use the Gregory weights ``quad`` and time derivatives the multistep rule ``lmm``
of a :class:`higgsdyn.kbe.quadrature.TimeScheme` (order 2: trapezoidal; order p: BDF-p with
degree-p Gregory quadrature); the terms that contain the unknown are solved implicitly
(2x2 linear solves), everything else is explicit, so one call of :func:`retarded_row`,
:func:`lesser_column` and the model's local self-energy
(:func:`higgsdyn.kbe.selfenergy.local_self_energy`) is one corrector sweep of the
predictor-corrector step in :mod:`higgsdyn.kbe.stepping`.

Each xi is stored only for xi > 0: particle-hole symmetry gives G_{-xi} = tau_1 G_xi tau_1
(for real Delta on a band with rho(xi) = rho(-xi)), which the local sums use explicitly.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import njit, prange

from higgsdyn.kbe.contour import offset


@njit(cache=True, inline="always")
def _hamiltonian(xi, gap, out):
    """h_xi(t) = xi tau_3 + Delta tau_+ + Delta^* tau_- (Eq. 4)."""
    out[0, 0] = xi
    out[0, 1] = gap
    out[1, 0] = np.conj(gap)
    out[1, 1] = -xi


@njit(cache=True, inline="always")
def _solve_right(rhs, mat, out):
    """out = rhs @ inv(mat) for 2x2 complex matrices."""
    det = mat[0, 0] * mat[1, 1] - mat[0, 1] * mat[1, 0]
    i00 = mat[1, 1] / det
    i01 = -mat[0, 1] / det
    i10 = -mat[1, 0] / det
    i11 = mat[0, 0] / det
    out[0, 0] = rhs[0, 0] * i00 + rhs[0, 1] * i10
    out[0, 1] = rhs[0, 0] * i01 + rhs[0, 1] * i11
    out[1, 0] = rhs[1, 0] * i00 + rhs[1, 1] * i10
    out[1, 1] = rhs[1, 0] * i01 + rhs[1, 1] * i11


@njit(cache=True, inline="always")
def _solve_left(mat, rhs, out):
    """out = inv(mat) @ rhs for 2x2 complex matrices."""
    det = mat[0, 0] * mat[1, 1] - mat[0, 1] * mat[1, 0]
    r00, r01, r10, r11 = rhs[0, 0], rhs[0, 1], rhs[1, 0], rhs[1, 1]
    out[0, 0] = (mat[1, 1] * r00 - mat[0, 1] * r10) / det
    out[0, 1] = (mat[1, 1] * r01 - mat[0, 1] * r11) / det
    out[1, 0] = (mat[0, 0] * r10 - mat[1, 0] * r00) / det
    out[1, 1] = (mat[0, 0] * r11 - mat[1, 0] * r01) / det


@njit(cache=True, inline="always")
def add_product(acc, a, b, weight):
    """acc += weight * a @ b (2x2)."""
    acc[0, 0] += weight * (a[0, 0] * b[0, 0] + a[0, 1] * b[1, 0])
    acc[0, 1] += weight * (a[0, 0] * b[0, 1] + a[0, 1] * b[1, 1])
    acc[1, 0] += weight * (a[1, 0] * b[0, 0] + a[1, 1] * b[1, 0])
    acc[1, 1] += weight * (a[1, 0] * b[0, 1] + a[1, 1] * b[1, 1])


@njit(cache=True, inline="always")
def _dagger(a, out):
    out[0, 0] = np.conj(a[0, 0])
    out[0, 1] = np.conj(a[1, 0])
    out[1, 0] = np.conj(a[0, 1])
    out[1, 1] = np.conj(a[1, 1])


@njit(cache=True, inline="always")
def gregory(quad, m, s):
    """Gregory weight w(m, s) of node s in an m-interval integral (see quadrature.TimeScheme)."""
    last = quad.shape[0] - 2
    if m <= last:
        return quad[m, s]
    distance = min(s, m - s)
    return quad[last + 1, distance] if distance <= last else 1.0


@njit(cache=True, inline="always")
def _triangle_entry(store, at, major, minor, out):
    """out = the 2x2 entry (major, minor) of a two-time function stored on one triangle,
    ``store[at[major] + minor]`` for minor <= major, else -store[at[minor] + major]^dagger:
    Sigma^R(t_a, t_b) as (a, b) with its smooth continuation for a < b, and Sigma^<(t_j, t_s)
    as (s, j) from the lesser columns, whose partner is Sigma^<(t, t') = -Sigma^<(t', t)^dagger."""
    if minor <= major:
        for p in range(2):
            for q in range(2):
                out[p, q] = store[at[major] + minor, p, q]
    else:
        for p in range(2):
            for q in range(2):
                out[p, q] = -np.conj(store[at[minor] + major, q, p])


@njit(cache=True)
def _dense_solve(mat, rhs):
    """rhs <- inv(mat) @ rhs by Gaussian elimination with partial pivoting (mat is destroyed)."""
    size = mat.shape[0]
    for col in range(size):
        pivot = col
        for row in range(col + 1, size):
            if abs(mat[row, col]) > abs(mat[pivot, col]):
                pivot = row
        if pivot != col:
            for q in range(size):
                mat[col, q], mat[pivot, q] = mat[pivot, q], mat[col, q]
            for q in range(rhs.shape[1]):
                rhs[col, q], rhs[pivot, q] = rhs[pivot, q], rhs[col, q]
        for row in range(col + 1, size):
            factor = mat[row, col] / mat[col, col]
            for q in range(col, size):
                mat[row, q] -= factor * mat[col, q]
            for q in range(rhs.shape[1]):
                rhs[row, q] -= factor * rhs[col, q]
    for col in range(size - 1, -1, -1):
        for q in range(rhs.shape[1]):
            value = rhs[col, q]
            for r in range(col + 1, size):
                value -= mat[col, r] * rhs[r, q]
            rhs[col, q] = value / mat[col, col]


@njit(cache=True)
def _retarded_start(gr, g_at, sr, s_at, xi, gaps, n, i, dt, quad, diff):
    """G^R(t_n, t_{n-m}), m = 1..S, of one xi solved together (NESSi's start values).

    On the nodes x = 0..S (t' = t_n - x dt) the right Dyson equation reads
    (i/dt) sum_l D[m, l] G_l = G_m h(t_{n-m}) + dt sum_l w(m, l) G_l Sigma~(n-l, n-m),
    with G_0 = -i, the start weights w(m, l) of :mod:`higgsdyn.kbe.quadrature` and the smooth
    continuation Sigma~ of Sigma^R below its diagonal.
    """
    size = diff.shape[0] - 1
    mat = np.zeros((2 * size, 2 * size), dtype=np.complex128)
    rhs = np.zeros((2 * size, 2), dtype=np.complex128)  # transposed: mat^T X^T = B^T
    h = np.zeros((2, 2), dtype=np.complex128)
    sig = np.zeros((2, 2), dtype=np.complex128)
    for m in range(1, size + 1):
        _hamiltonian(xi, gaps[n - m], h)
        _triangle_entry(sr, s_at, n, n - m, sig)
        for c in range(2):
            # B_m = -(i/dt) D[m,0] G_0 + dt w(m,0) G_0 Sigma~(n, n-m), G_0 = -i
            for a in range(2):
                value = -dt * quad[m, 0] * 1j * sig[a, c]
                if a == c:
                    value -= diff[m, 0] / dt
                rhs[2 * (m - 1) + c, a] = value
        for lag in range(1, size + 1):
            _triangle_entry(sr, s_at, n - lag, n - m, sig)
            for b in range(2):
                for c in range(2):
                    value = -dt * quad[m, lag] * sig[b, c]
                    if b == c:
                        value += 1j / dt * diff[m, lag]
                    if lag == m:
                        value -= h[b, c]
                    mat[2 * (m - 1) + c, 2 * (lag - 1) + b] = value
    _dense_solve(mat, rhs)
    for lag in range(1, size + 1):
        for a in range(2):
            for b in range(2):
                gr[g_at[n] + n - lag, i, a, b] = rhs[2 * (lag - 1) + b, a]


@njit(cache=True)
def _retarded_top(gr, g_at, sr, s_at, xi, gaps, n, i, dt, quad, lmm, diff, force_next):
    """G^R(t_n, t_n) = -i, the start block next to the diagonal (BDF) and the trapezoidal
    right-hand side at j = n, for one xi."""
    row = g_at[n]
    h = np.zeros((2, 2), dtype=np.complex128)
    gr[row + n, i, 0, 0] = -1j
    gr[row + n, i, 0, 1] = 0.0
    gr[row + n, i, 1, 0] = 0.0
    gr[row + n, i, 1, 1] = -1j
    _hamiltonian(xi[i], gaps[n], h)
    for a in range(2):
        for b in range(2):
            force_next[a, b] = -1j * h[a, b]
    if lmm.shape[1] > 2:
        _retarded_start(gr, g_at, sr, s_at, xi[i], gaps, n, i, dt, quad, diff)


@njit(cache=True, inline="always")
def _retarded_solve(gr, row, sig, xi, gaps, n, j, i, dt, quad, lmm, conv, force_next, h, mat,
                    rhs):  # fmt: skip
    """G^R(t_n, t_j) of one xi by the multistep rule, given the history sum ``conv``; row n
    starts at ``row``, ``sig`` = Sigma^R(t_j, t_j)."""
    b0, b1 = lmm[1, 0], lmm[1, 1]
    end_weight = dt * gregory(quad, n - j, 0)
    _hamiltonian(xi[i], gaps[j], h)
    for a in range(2):
        for b in range(2):
            h[a, b] += end_weight * sig[a, b]
            mat[a, b] = 1j * dt * b0 * h[a, b]
            value = -1j * dt * (b0 * conv[a, b] + b1 * force_next[a, b])
            for lag in range(1, lmm.shape[1]):
                value -= lmm[0, lag] * gr[row + j + lag, i, a, b]
            rhs[a, b] = value
        mat[a, a] += lmm[0, 0]
    _solve_right(rhs, mat, gr[row + j, i])
    for a in range(2):
        for b in range(2):
            force_next[a, b] = conv[a, b]
    add_product(force_next, gr[row + j, i], h, 1.0)


@njit(cache=True, parallel=True)
def retarded_row(gr, g_at, sr, s_at, xi, gaps, n, dt, quad, lmm, diff, n_blocks):
    """Retarded row G^R(t_n, t_j), j = n..0, from the right Dyson equation in t' (Eq. 4).

    -i d/dt' G^R(t,t') = G^R(t,t') h(t') + int_{t'}^{t} ds G^R(t,s) Sigma^R(s,t'),
    integrated backwards from G^R(t_n,t_n) = -i with the multistep rule ``lmm`` and the
    Gregory weights ``quad``; a BDF scheme first solves the S points next to the diagonal
    together (:func:`_retarded_start`). The xi nodes are split into ``n_blocks`` blocks (one
    per thread); within a block xi is the innermost loop, so each Sigma^R(s, t_j) is loaded
    once per block.
    """
    row = g_at[n]
    n_xi = xi.shape[0]
    n_blocks = min(n_blocks, n_xi)
    steps = lmm.shape[1] - 1
    start = steps if steps > 1 else 0
    for block in prange(n_blocks):
        first = block * n_xi // n_blocks
        last = (block + 1) * n_xi // n_blocks
        size = last - first
        conv = np.zeros((size, 2, 2), dtype=np.complex128)
        force_next = np.zeros((size, 2, 2), dtype=np.complex128)
        h = np.zeros((2, 2), dtype=np.complex128)
        mat = np.zeros((2, 2), dtype=np.complex128)
        rhs = np.zeros((2, 2), dtype=np.complex128)
        for k in range(size):
            _retarded_top(gr, g_at, sr, s_at, xi, gaps, n, first + k, dt, quad, lmm, diff,
                          force_next[k])  # fmt: skip
        for j in range(n - 1 - start, -1, -1):
            m = n - j
            conv[:] = 0.0
            for s in range(j + 1, n + 1):
                weight = dt * gregory(quad, m, s - j)
                sig = sr[s_at[s] + j]
                for k in range(size):
                    add_product(conv[k], gr[row + s, first + k], sig, weight)
            sig = sr[s_at[j] + j]
            for k in range(size):
                _retarded_solve(gr, row, sig, xi, gaps, n, j, first + k, dt, quad, lmm, conv[k],
                                force_next[k], h, mat, rhs)  # fmt: skip


@njit(cache=True, inline="always")
def right_end_weight(quad, distance):
    """Gregory weight of a node ``distance`` steps from the upper end of a long integral."""
    last = quad.shape[0] - 2
    return quad[last + 1, distance] if distance <= last else 1.0


@njit(cache=True)
def retarded_leaf(gr, g_at, sr, s_at, leaf, band, xi, gaps, n, dt, quad, lmm, tree_conv, lo, hi,
                  force_next):  # fmt: skip
    """Retarded row G^R(t_n, t_j) for j in [lo, hi), descending (compressed history).

    ``tree_conv[j - lo]`` holds sum_{hi <= s < n} dt w_R(n - s) G^R(t_n, t_s) Sigma^R(t_s, t_j)
    from the Sigma^R tree (:func:`higgsdyn.kbe.compressed.retarded_row`), w_R the weights of
    the upper end; here the exact Gregory weights are completed for s < max(hi, j + edge)
    and s = n (edge = ``band.shape[1]`` > the Gregory end correction: the weight at
    s - j = edge is exactly 1 - 1). Rows with m = n - j inside the Gregory table are summed
    densely. Sigma^R(t_s, t_j) for s < n comes from the Sigma^R tree's dense parts (as stored:
    single precision from compressed.SINGLE_PRECISION_TOL): ``leaf[offset(s - lo) + j - lo]``
    (this leaf, a packed triangle) or ``band[s, s - j]`` (the sub-diagonals, s - j < edge);
    near the end (n - s inside the Gregory table) and at s = n from the ring ``sr``.
    """
    row = g_at[n]
    edge = band.shape[1]
    table = quad.shape[0] - 2
    start = lmm.shape[1] - 1 if lmm.shape[1] > 2 else 0
    n_xi = xi.shape[0]
    conv = np.zeros((n_xi, 2, 2), dtype=np.complex128)
    h = np.zeros((2, 2), dtype=np.complex128)
    mat = np.zeros((2, 2), dtype=np.complex128)
    rhs = np.zeros((2, 2), dtype=np.complex128)
    for j in range(min(hi, n - start) - 1, lo - 1, -1):
        m = n - j
        # conv[i]: the history sum of row j for every xi, the xi nodes innermost (contiguous
        # in gr; each Sigma^R entry (tree or ring) and weight read once)
        if m <= table:
            conv[:] = 0.0
            for s in range(j + 1, n + 1):
                ring, weight = sr[s_at[s] + j], dt * gregory(quad, m, s - j)
                for i in range(n_xi):
                    add_product(conv[i], gr[row + s, i], ring, weight)
        else:
            conv[:] = tree_conv[j - lo]
            for s in range(j + 1, min(max(hi, j + edge), n)):
                weight = dt * gregory(quad, m, s - j)
                if s >= hi:
                    weight -= dt * right_end_weight(quad, n - s)
                    sigma = band[s, s - j]
                else:
                    sigma = leaf[offset(s - lo) + j - lo]
                for i in range(n_xi):
                    add_product(conv[i], gr[row + s, i], sigma, weight)
            ring, weight = sr[s_at[n] + j], dt * gregory(quad, m, m)
            for i in range(n_xi):
                add_product(conv[i], gr[row + n, i], ring, weight)
        for i in range(n_xi):
            _retarded_solve(gr, row, band[j, 0], xi, gaps, n, j, i, dt, quad, lmm, conv[i],
                            force_next[i], h, mat, rhs)  # fmt: skip


@njit(cache=True)
def retarded_tops(gr, g_at, sr, s_at, xi, gaps, n, dt, quad, lmm, diff, force_next):
    """:func:`_retarded_top` for every xi (compressed path)."""
    for i in range(xi.shape[0]):
        _retarded_top(gr, g_at, sr, s_at, xi, gaps, n, i, dt, quad, lmm, diff, force_next[i])


@njit(cache=True, inline="always")
def _lesser(gl, g_at, j, s, i, out):
    """out = G^<(t_j, t_s) from the stored lesser columns."""
    if j <= s:
        for a in range(2):
            for b in range(2):
                out[a, b] = gl[g_at[s] + j, i, a, b]
    else:
        for a in range(2):
            for b in range(2):
                out[a, b] = -np.conj(gl[g_at[j] + s, i, b, a])


@njit(cache=True, inline="always")
def stream_product(acc, block, b00, b01, b10, b11):
    """acc[i] += block[i] @ b for every xi (b given by its entries; xi innermost)."""
    for i in range(acc.shape[0]):
        g00, g01, g10, g11 = block[i, 0, 0], block[i, 0, 1], block[i, 1, 0], block[i, 1, 1]
        acc[i, 0, 0] += g00 * b00 + g01 * b10
        acc[i, 0, 1] += g00 * b01 + g01 * b11
        acc[i, 1, 0] += g10 * b00 + g11 * b10
        acc[i, 1, 1] += g10 * b01 + g11 * b11


@njit(cache=True, inline="always")
def stream_product_minus_dagger(acc, block, b00, b01, b10, b11):
    """acc[i] += (-block[i]^dagger) @ b for every xi: the other triangle of G^< (Hermitian
    symmetry) or the smooth continuation of G^R."""
    for i in range(acc.shape[0]):
        g00 = -np.conj(block[i, 0, 0])
        g01 = -np.conj(block[i, 1, 0])
        g10 = -np.conj(block[i, 0, 1])
        g11 = -np.conj(block[i, 1, 1])
        acc[i, 0, 0] += g00 * b00 + g01 * b10
        acc[i, 0, 1] += g00 * b01 + g01 * b11
        acc[i, 1, 0] += g10 * b00 + g11 * b10
        acc[i, 1, 1] += g10 * b01 + g11 * b11


@njit(cache=True)
def _lesser_history(gl, gr, g_at, sl, sr, s_at, j, m, include_end, dt, quad, steps, acc):
    """acc[i] = Q_i(t_j, t_m) = int_0^{t_m} G^< Sigma^A + int_0^{t_j} G^R Sigma^< (Gregory).

    The s = m endpoint of the first integral is left out unless ``include_end``. For
    j < ``steps`` the second integral uses start weights on the nodes 0..steps, with G^R
    continued above its diagonal as -G^R(t_s, t_j)^dagger. The loop over xi is innermost:
    each (s, xi, 2, 2) slice is read once, contiguously.
    """
    acc[:] = 0.0
    last = m if (include_end and m > 0) else m - 1
    for s in range(0, last + 1):
        weight = dt * gregory(quad, m, s)
        sig = sr[s_at[m] + s]
        # Sigma^A(s, m) = Sigma^R(m, s)^dagger
        a00 = weight * np.conj(sig[0, 0])
        a01 = weight * np.conj(sig[1, 0])
        a10 = weight * np.conj(sig[0, 1])
        a11 = weight * np.conj(sig[1, 1])
        if j <= s:
            stream_product(acc, gl[g_at[s] + j], a00, a01, a10, a11)
        else:  # G^<(t_j, t_s) = -G^<(t_s, t_j)^dagger
            stream_product_minus_dagger(acc, gl[g_at[j] + s], a00, a01, a10, a11)
    if j > 0:
        sig_l = np.zeros((2, 2), dtype=np.complex128)
        for s in range(0, max(j, steps) + 1):
            weight = dt * gregory(quad, j, s)
            _triangle_entry(sl, s_at, m, s, sig_l)
            b00 = weight * sig_l[0, 0]
            b01 = weight * sig_l[0, 1]
            b10 = weight * sig_l[1, 0]
            b11 = weight * sig_l[1, 1]
            if s <= j:
                stream_product(acc, gr[g_at[j] + s], b00, b01, b10, b11)
            else:  # smooth continuation G^R(t_j, t_s) = -G^R(t_s, t_j)^dagger, s > j
                stream_product_minus_dagger(acc, gr[g_at[s] + j], b00, b01, b10, b11)


@njit(cache=True)
def _lesser_step(gl, g_at, sr, s_at, xi, gaps, j, n, dt, quad, lmm, force_prev, q_rest,
                 force_out):  # fmt: skip
    """G^<(t_j, t_n) by the multistep rule ``lmm`` in t' (Eq. 4, lesser).

    -i d/dt' G^<(t,t') = G^<(t,t') h(t') + Q(t,t'); the s = n endpoint of Q is implicit.
    ``q_rest`` is Q without that endpoint; ``force_prev`` the right-hand side at t_{n-1}
    (used by the trapezoidal rule only); all arrays are per xi.
    """
    h = np.zeros((2, 2), dtype=np.complex128)
    mat = np.zeros((2, 2), dtype=np.complex128)
    rhs = np.zeros((2, 2), dtype=np.complex128)
    past = np.zeros((2, 2), dtype=np.complex128)
    sig_adv = np.zeros((2, 2), dtype=np.complex128)
    _dagger(sr[s_at[n] + n], sig_adv)
    end_weight = dt * gregory(quad, n, n)
    b0, b1 = lmm[1, 0], lmm[1, 1]
    for i in range(xi.shape[0]):
        _hamiltonian(xi[i], gaps[n], h)
        for a in range(2):
            for b in range(2):
                h[a, b] += end_weight * sig_adv[a, b]
                mat[a, b] = -1j * dt * b0 * h[a, b]
                rhs[a, b] = 1j * dt * (b0 * q_rest[i, a, b] + b1 * force_prev[i, a, b])
            mat[a, a] += lmm[0, 0]
        for lag in range(1, lmm.shape[1]):
            _lesser(gl, g_at, j, n - lag, i, past)
            for a in range(2):
                for b in range(2):
                    rhs[a, b] -= lmm[0, lag] * past[a, b]
        new = gl[g_at[n] + j, i]
        _solve_right(rhs, mat, new)
        for a in range(2):
            for b in range(2):
                force_out[i, a, b] = q_rest[i, a, b]
        add_product(force_out[i], new, h, 1.0)


@njit(cache=True)
def mixed_history(gm, m_at, sigma_left, j, m, acc):
    """acc[i] += -i int_0^beta dtau G^](t_j, tau) Sigma^[(tau, t_m), the Matsubara-branch part
    of Q (right Dyson equation), as sum_k G^](t_j, tau_k) sigma_left[m, k] with
    sigma_left[m, k] = -i sum_k' W[k, k'] Sigma^](t_m, tau_k')^dagger (DLR quadrature);
    G^](t_j, .) is ``gm[m_at[j]]`` (the whole history or a ring of the last slices)."""
    for k in range(gm.shape[1]):
        b = sigma_left[m, k]
        stream_product(acc, gm[m_at[j], k], b[0, 0], b[0, 1], b[1, 0], b[1, 1])


@njit(cache=True, parallel=True)
def lesser_column(gl, gr, g_at, sl, sr, s_at, gm, m_at, sigma_left, xi, gaps, force, new_force,
                  n, dt, quad, lmm, q_past):  # fmt: skip
    """Lesser column G^<(t_j, t_n), j = 0..n, and the t'-derivative terms for the next step.

    ``force[j]`` holds R(t_j, t_{n-1}) = G^< h + Q; ``new_force[j]`` receives R(t_j, t_n)
    (both used by the trapezoidal rule only). Q includes the Matsubara-branch term of
    :func:`mixed_history` (``gm[m_at[n]]`` = G^](t_n, tau_k), shape (n_tau, n_xi, 2, 2);
    n_tau = 0 without a Matsubara branch). ``q_past[j]``, if given (j < len(q_past)),
    replaces Q(t_j, t_n) without its s = n endpoint, the Matsubara-branch term included
    (compressed history, :func:`higgsdyn.kbe.compressed.lesser_history`). The diagonal
    j = n is stepped from G^<(t_n, t_{n-l}) = -G^<(t_{n-l}, t_n)^dagger, the column just
    computed.
    """
    n_xi = xi.shape[0]
    steps = lmm.shape[1] - 1
    for j in prange(n):
        q_rest = np.empty((n_xi, 2, 2), dtype=np.complex128)
        if j < q_past.shape[0]:
            q_rest[:] = q_past[j]
        else:
            _lesser_history(gl, gr, g_at, sl, sr, s_at, j, n, False, dt, quad, steps, q_rest)
            mixed_history(gm, m_at, sigma_left, j, n, q_rest)
        _lesser_step(gl, g_at, sr, s_at, xi, gaps, j, n, dt, quad, lmm, force[j], q_rest,
                     new_force[j])  # fmt: skip
    force_prev = np.zeros((n_xi, 2, 2), dtype=np.complex128)
    q_rest = np.empty((n_xi, 2, 2), dtype=np.complex128)
    if lmm[1, 1] != 0.0:
        previous = np.empty((n_xi, 2, 2), dtype=np.complex128)
        h = np.zeros((2, 2), dtype=np.complex128)
        _lesser_history(gl, gr, g_at, sl, sr, s_at, n, n - 1, True, dt, quad, steps, force_prev)
        mixed_history(gm, m_at, sigma_left, n, n - 1, force_prev)
        for i in range(n_xi):
            _lesser(gl, g_at, n, n - 1, i, previous[i])
            _hamiltonian(xi[i], gaps[n - 1], h)
            add_product(force_prev[i], previous[i], h, 1.0)
    _lesser_history(gl, gr, g_at, sl, sr, s_at, n, n, False, dt, quad, steps, q_rest)
    mixed_history(gm, m_at, sigma_left, n, n, q_rest)
    _lesser_step(gl, g_at, sr, s_at, xi, gaps, n, n, dt, quad, lmm, force_prev, q_rest,
                 new_force[n])  # fmt: skip
    for i in range(n_xi):
        diag = gl[g_at[n] + n, i]
        d00 = 0.5 * (diag[0, 0] - np.conj(diag[0, 0]))
        d11 = 0.5 * (diag[1, 1] - np.conj(diag[1, 1]))
        d01 = 0.5 * (diag[0, 1] - np.conj(diag[1, 0]))
        diag[0, 0] = d00
        diag[1, 1] = d11
        diag[0, 1] = d01
        diag[1, 0] = -np.conj(d01)


@njit(cache=True, parallel=True)
def mixed_row(gm, m_at, sigma_row, source, conv_past, xi, gaps, force, new_force, n, dt, quad,
              lmm, n_blocks):  # fmt: skip
    """G^](t_n, tau_k) for every node tau_k and xi: the left Dyson equation in t,

    i d/dt G^](t,tau) = h(t) G^](t,tau) + int_0^t ds Sigma^R(t,s) G^](s,tau) + source(t,tau),
    source = int_0^beta dtau' Sigma^](t,tau') G^M(tau' - tau), by the multistep rule ``lmm``
    and the Gregory weights ``quad`` with the s = n endpoint implicit. ``force[k, i]`` holds
    the right-hand side at t_{n-1}; ``new_force`` receives it at t_n (trapezoidal rule only).
    ``sigma_row[s]`` = Sigma^R(t_n, t_s), s = 0..n; G^](t_s, .) is ``gm[m_at[s]]`` (the whole
    history, or a ring of the last slices with ``conv_past``). The history sum runs in ``n_blocks``
    blocks of tau nodes (one per thread), each streaming G^](t_s, .) slice by slice, unless
    ``conv_past`` (n_tau, n_xi, 2, 2) gives it (the compressed rows of
    :class:`higgsdyn.kbe.compressed.LowRankRows`; empty: the dense sum).
    """
    n_xi = xi.shape[0]
    n_tau = gm.shape[1]
    sig_nn = sigma_row[n]
    end_weight = dt * gregory(quad, n, n)
    b0, b1 = lmm[1, 0], lmm[1, 1]
    dense = conv_past.shape[0] == 0
    conv = np.zeros((n_tau, n_xi, 2, 2), dtype=np.complex128) if dense else conv_past.copy()
    n_blocks = min(n_blocks, n_tau) if dense else 0
    for block in prange(n_blocks):
        first = block * n_tau // n_blocks
        last = (block + 1) * n_tau // n_blocks
        for s in range(n):
            sig = sigma_row[s]
            weight = dt * gregory(quad, n, s)
            s00, s01 = weight * sig[0, 0], weight * sig[0, 1]
            s10, s11 = weight * sig[1, 0], weight * sig[1, 1]
            for k in range(first, last):
                for i in range(n_xi):
                    g = gm[m_at[s], k, i]
                    acc = conv[k, i]
                    acc[0, 0] += s00 * g[0, 0] + s01 * g[1, 0]
                    acc[0, 1] += s00 * g[0, 1] + s01 * g[1, 1]
                    acc[1, 0] += s10 * g[0, 0] + s11 * g[1, 0]
                    acc[1, 1] += s10 * g[0, 1] + s11 * g[1, 1]
    for k in prange(n_tau):
        h = np.zeros((2, 2), dtype=np.complex128)
        mat = np.zeros((2, 2), dtype=np.complex128)
        rhs = np.zeros((2, 2), dtype=np.complex128)
        for i in range(n_xi):
            _hamiltonian(xi[i], gaps[n], h)
            for a in range(2):
                for b in range(2):
                    h[a, b] += end_weight * sig_nn[a, b]
                    conv[k, i, a, b] += source[k, i, a, b]
                    mat[a, b] = 1j * dt * b0 * h[a, b]
                    value = -1j * dt * (b0 * conv[k, i, a, b] + b1 * force[k, i, a, b])
                    for lag in range(1, lmm.shape[1]):
                        value -= lmm[0, lag] * gm[m_at[n - lag], k, i, a, b]
                    rhs[a, b] = value
                mat[a, a] += lmm[0, 0]
            _solve_left(mat, rhs, gm[m_at[n], k, i])
            for a in range(2):
                for b in range(2):
                    new_force[k, i, a, b] = conv[k, i, a, b]
            add_product(new_force[k, i], h, gm[m_at[n], k, i], 1.0)


@njit(cache=True)
def paramagnetic_kernel(gr_row, gl_row, n, dt, quad):
    """Im Tr X_i(t_n), X = int_0^t ds G^R(t,s) G^<(s,t); -i Tr [G*G]^<(t,t) = 2 Im Tr X (Eq. 7),
    from slice n (``gr_row[s]`` = G^R(t_n, t_s), ``gl_row[s]`` = G^<(t_s, t_n))."""
    n_xi = gr_row.shape[1]
    out = np.zeros(n_xi)
    acc = np.zeros((2, 2), dtype=np.complex128)
    for i in range(n_xi):
        acc[:] = 0.0
        for s in range(n + 1):
            add_product(acc, gr_row[s, i], gl_row[s, i], dt * gregory(quad, n, s))
        out[i] = (acc[0, 0] + acc[1, 1]).imag
    return out


# ---------------------------------------------------------------------------------------
# Plain-numpy references (tests and benchmark only)


def lesser_history_reference(gl, gr, sl, sr, n, include_end, dt, scheme):
    """Q(t_j, t_n) for all j <= n and all xi, as in :func:`_lesser_history`, with numpy
    (``scheme`` a :class:`higgsdyn.kbe.quadrature.TimeScheme`)."""
    n_xi = gr.shape[1]

    def dagger(block):
        return np.conj(np.swapaxes(block, -1, -2))

    sigma_adv = dagger(sr[offset(n) : offset(n) + n + 1])
    out = np.zeros((n + 1, n_xi, 2, 2), dtype=np.complex128)
    for j in range(n + 1):
        lesser_row = np.array(
            [gl[offset(s) + j] if j <= s else -dagger(gl[offset(j) + s]) for s in range(n + 1)]
        )
        weights = np.array([scheme.weight(n, s) for s in range(n + 1)])
        if not include_end:
            weights[n] = 0.0
        out[j] = np.einsum("s,siab,sbc->iac", dt * weights, lesser_row, sigma_adv)
        if j > 0:
            nodes = max(j, scheme.steps) + 1
            retarded_row = np.array(
                [gr[offset(j) + s] if s <= j else -dagger(gr[offset(s) + j]) for s in range(nodes)]
            )
            weights_r = np.array([scheme.weight(j, s) for s in range(nodes)])
            out[j] += np.einsum(
                "s,siab,sbc->iac", dt * weights_r, retarded_row, sl[offset(n) : offset(n) + nodes]
            )
    return out


@njit(cache=True, parallel=True)
def lesser_history_all(gl, gr, g_at, sl, sr, s_at, n, include_end, dt, quad, steps):
    """Numba counterpart of :func:`lesser_history_reference` (benchmark of the convolution)."""
    n_xi = gr.shape[1]
    out = np.zeros((n + 1, n_xi, 2, 2), dtype=np.complex128)
    for j in prange(n + 1):
        _lesser_history(gl, gr, g_at, sl, sr, s_at, j, n, include_end, dt, quad, steps, out[j])
    return out


NUMBA_THREADS = nb.config.NUMBA_NUM_THREADS
