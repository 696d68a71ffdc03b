"""Compressed (HODLR) two-time history of the KB solver against the full history.

The compressed path (:mod:`higgsdyn.kbe.compressed`) must reproduce the full-history history
integrals Q(t_j, t_n) of P2 Eq. 4 (lesser component, :func:`kernels.lesser_history_reference`)
and whole runs within its tolerance, with an error that falls with the tolerance.
"""

from __future__ import annotations

import mmap
import sys
from dataclasses import replace

import numpy as np
import pytest

from conftest import kb_config
from higgsdyn.kbe import compressed, kernels, stepping
from higgsdyn.kbe.contour import ContourHistory, offset
from higgsdyn.kbe.quadrature import ORDERS, make_scheme
from higgsdyn.kbe.stepping import run

DT = 0.2
N_TIMES = 120


def free_history(n_times: int, dt: float, n_xi: int = 3) -> ContourHistory:
    """Nambu propagators G^R_xi(t,t') = -i e^{-i h (t-t')} L(t-t'),
    G^<_xi(t,t') = i U(t) rho U(t')^dagger L(t-t') and a damped-oscillating local Sigma, with
    the non-separable envelope L(x) = 1/(1 + (x/3)^2) (numerically, not exactly, low rank):
    smooth two-time functions of the solver's shapes (a test of the arithmetic)."""
    xi = np.linspace(0.05, 0.9, n_xi)
    gap = 0.2
    history = ContourHistory.allocate(n_times, n_xi)
    times = dt * np.arange(n_times)
    hamiltonian = np.zeros((n_xi, 2, 2))
    hamiltonian[:, 0, 0], hamiltonian[:, 1, 1] = xi, -xi
    hamiltonian[:, 0, 1] = hamiltonian[:, 1, 0] = gap
    values, vectors = np.linalg.eigh(hamiltonian)
    rho = 0.5 * (np.eye(2) - hamiltonian / np.sqrt(xi**2 + gap**2)[:, None, None])

    def evolution(t):  # (len(t), n_xi, 2, 2)
        phase = np.exp(-1j * values[None] * t[:, None, None])
        return np.einsum("iab,tib,icb->tiac", vectors, phase, vectors)

    sigma = np.array([[0.3, 0.1j], [-0.1j, -0.2]])
    for p in range(n_times):
        rows = slice(offset(p), offset(p) + p + 1)
        lag = times[p] - times[: p + 1]
        envelope = (1.0 / (1.0 + (lag / 3.0) ** 2))[:, None, None, None]
        history.gr[rows] = -1j * evolution(lag) * envelope
        u_q, u_p = evolution(times[: p + 1]), evolution(times[p : p + 1])
        lesser = 1j * u_q @ rho @ np.conj(np.swapaxes(u_p, -1, -2))
        history.gl[rows] = lesser * envelope
        decay = np.exp(-0.1 * lag)[:, None, None]
        history.sr[rows] = -1j * sigma * (np.cos(0.7 * lag)[:, None, None] * decay)
        history.sl[rows] = 1j * sigma * (np.exp(-0.4j * lag)[:, None, None] * decay)
    return history


@pytest.fixture(scope="module")
def history() -> ContourHistory:
    return free_history(N_TIMES, DT)


def fill_trees(history, n_fill, tol, leaf=16):
    n_xi = history.gr.shape[1]
    trees = [compressed.HistoryTree(N_TIMES, n_xi, tol, leaf=leaf) for _ in range(2)]
    for p in range(n_fill):
        trees[0].append(history.gl[offset(p) : offset(p) + p + 1])
        trees[1].append(history.gr[offset(p) : offset(p) + p + 1])
    return trees


@pytest.mark.parametrize(("tol", "dtype"), [(1e-7, np.complex128), (1e-5, np.complex64)])
def test_tree_entries_are_exact_to_the_tolerance_and_blocks_are_low_rank(history, tol, dtype):
    """Every reconstructed entry of the HODLR triangle is within tol x max|G| of the stored
    one, also stored in single precision (tol >= SINGLE_PRECISION_TOL), and the
    off-diagonal blocks of these oscillating propagators are low rank."""
    lesser, retarded = fill_trees(history, N_TIMES, tol)
    for tree, packed in ((lesser, history.gl), (retarded, history.gr)):
        assert tree.dense[0].dtype == tree.band.dtype == tree.corner.dtype == dtype
        assert tree.u[0].dtype == tree.v[0].dtype == np.finfo(dtype).dtype  # parts apart
        error = max(
            np.abs(tree.entry(p, q) - packed[offset(p) + q]).max()
            for p in range(0, N_TIMES, 3)
            for q in range(0, p + 1, 2)
        )
        assert error <= tol * tree.scale
        rows, cols, rank = max(tree.ranks())
        assert rank < cols, tree.ranks()  # 4 * cols is full rank


def dense_block(packed, lo, mid, hi):
    """X[p, q] of one off-diagonal block from the packed triangle, (rows, batch, cols, 2, 2)."""
    rows = [np.moveaxis(packed[offset(p) + np.arange(lo, mid)], 0, 1) for p in range(mid, hi)]
    return np.array(rows)


@pytest.mark.parametrize("tol", [1e-3, 1e-5])
def test_recompressed_blocks_have_the_svd_rank_and_rows_within_their_error_bound(history, tol):
    """The SVD recompression (compressed._recompressed): every off-diagonal block ends with no
    more basis vectors than the singular values of the exact block above tol x max|G| (+1 for
    the stored rows' own error), where the greedy Gram-Schmidt basis alone keeps 1.3-1.5x more
    on this history; and every stored row is off by no more than its tracked error bound,
    which stays <= tol x max|G|."""
    _, retarded = fill_trees(history, N_TIMES, tol)
    bound = tol * retarded.scale
    for (lo, mid, hi), rank, error in zip(
        retarded.blocks, retarded.rank, retarded.error, strict=True
    ):
        exact = dense_block(history.gr, lo, mid, hi)
        for b in range(exact.shape[1]):
            matrix = exact[:, b].reshape(hi - mid, -1)
            svd_rank = int((np.linalg.svd(matrix, compute_uv=False) > bound).sum())
            assert rank[b] <= svd_rank + 1, ((lo, mid, hi), rank, svd_rank)
        stored = np.array([[retarded.entry(p, q) for q in range(lo, mid)] for p in range(mid, hi)])
        actual = np.sqrt((np.abs(stored - exact.swapaxes(1, 2)) ** 2).sum(axis=(1, 3, 4)))
        rounding = 10 * np.finfo(retarded.factor_dtype).eps * np.abs(exact).max() * (mid - lo)
        assert np.all(actual <= error.T + rounding)  # (rows, batch)
        assert error.max() <= bound


@pytest.mark.parametrize("final", [False, True])
def test_recompression_keeps_the_block_within_its_bound_in_place_or_trimmed(final):
    """compressed._recompressed on a block whose greedy basis (20 vectors) holds a rank-6 block
    plus noise below the tolerance: a growing block with room in its capacity is rewritten in
    place (the same arrays, the vectors beyond its new rank zero, so rows absorbed later start
    from zero coefficients), a complete one trimmed to its rank; both keep the product U V
    within every row's error bound."""
    rng = np.random.default_rng(5)
    batch, cap, k, n_rows, n_cols, tol = 2, 32, 20, 40, 12, 1e-3
    basis, _ = np.linalg.qr(
        rng.normal(size=(4 * n_cols, k)) + 1j * rng.normal(size=(4 * n_cols, k))
    )
    low_rank = rng.normal(size=(n_rows, 6)) @ rng.normal(size=(6, k)) + 1j * 0.0
    u = np.zeros((batch, 2, cap, n_rows + 5))
    v = np.zeros((batch, 2, cap, 2, 2, n_cols))
    for b in range(batch):
        coeffs = low_rank + 1e-5 * rng.normal(size=(n_rows, k))
        u[b, 0, :k, :n_rows], u[b, 1, :k, :n_rows] = coeffs.T.real, coeffs.T.imag
        v[b, 0, :k], v[b, 1, :k] = (
            part.T.reshape(k, 2, 2, n_cols) for part in (basis.real, basis.imag)
        )

    def product(u, v, b):  # X[p, (a, d, q)] of node b
        return (u[b, 0].T + 1j * u[b, 1].T) @ (v[b, 0] + 1j * v[b, 1]).reshape(v.shape[2], -1)

    before = [product(u, v, b)[:n_rows] for b in range(batch)]
    rank, error = np.full(batch, k), np.zeros((batch, n_rows + 5))
    new_u, new_v, peak = compressed._recompressed(u, v, rank, error, n_rows, tol, 4 * n_cols, final)
    assert (new_u is u) == (not final) and (new_v is v) == (not final)
    assert np.all(rank <= 7) and new_u.shape[2] == (cap if not final else rank.max())
    for b in range(batch):
        assert not new_u[b, :, rank[b] :].any() and not new_v[b, :, rank[b] :].any()
        moved = np.linalg.norm(product(new_u, new_v, b)[:n_rows] - before[b], axis=1)
        assert np.all(moved <= error[b, :n_rows] + 1e-12) and error.max() <= tol
        assert np.allclose(
            peak[b, : rank[b]],
            np.max(new_u[b, 0, : rank[b]] ** 2 + new_u[b, 1, : rank[b]] ** 2, axis=1),
        )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise(MADV_DONTNEED)")
def test_cleared_factors_read_zero_and_give_their_memory_back():
    """compressed._clear: a cleared contiguous array (here 64 MB, not page-aligned at either
    end) reads zero everywhere, and its pages leave the resident memory at once; a strided
    view is refused (its zeros would land in a copy)."""

    def resident_mb():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * mmap.PAGESIZE / 1e6

    factors = np.ones(8_000_003)[1:-1]
    before = resident_mb()
    compressed._clear(factors)
    assert before - resident_mb() > 60.0
    assert not factors.any()
    small = np.ones(100)
    compressed._clear(small)
    assert not small.any()
    with pytest.raises(ValueError, match="contiguous"):
        compressed._clear(np.ones((4, 4))[:, :2])


@pytest.mark.parametrize("product", ["rows_times", "hermitian_times"])
def test_product_of_a_small_change_leaves_out_vectors_within_the_tolerance(history, product):
    """HistoryTree products of a change x of a vector whose product is known (``base``, the
    corrector's later sweeps): each block leaves out trailing basis vectors whose U columns
    have sum_r max_p |U[p, r]|^2 <= (tol |base| / |x|)^2 (compressed._used_rank), so every
    output row moves by <= tol |base| per block level (rows) and <= sqrt(block rows) times
    that (columns): the stored rows' own error bound. Here that leaves out over 30% of the
    vectors, and the split product f(base) + f(x, base) stays within that bound of
    f(base + x), and within 1% of the change's own product."""
    tol = 1e-5
    lesser, retarded = fill_trees(history, N_TIMES, tol)
    tree = retarded if product == "rows_times" else lesser
    n = N_TIMES - 1
    base = history.sl[offset(n) : offset(n) + N_TIMES]
    change = 1e-3 * np.exp(0.37j * np.arange(N_TIMES))[:, None, None] * base
    multiply = getattr(tree, product)
    exact = multiply(base + change)
    error = np.abs(multiply(base) + multiply(change, base) - exact).max()
    budgets = tree._budgets(change, base, rows_too=product == "hermitian_times")
    used = sum(
        compressed._used_rank(peak[b], rank[b], budget)
        for peak, rank, budget in zip(tree.peak, tree.rank, budgets, strict=True)
        for b in range(tree.batch)
    )
    assert used < 0.7 * sum(int(rank.sum()) for rank in tree.rank)
    levels = len({mid - lo for lo, mid, _ in tree.blocks})
    largest = max(hi - mid for _, mid, hi in tree.blocks)
    sides = 1.0 if product == "rows_times" else 1.0 + np.sqrt(largest)  # rows (+ columns)
    bound = levels * sides * tol * tree.scale * np.sqrt(np.sum(np.abs(base) ** 2))
    assert 0 < error <= bound
    assert error < 0.01 * np.abs(multiply(change)).max()


@pytest.mark.parametrize("order", ORDERS)
def test_lesser_history_integral_from_the_tree_matches_the_full_history(history, order):
    """Q(t_j, t_n) of the lesser equation (Eq. 4) from the compressed history equals the
    numpy reference on the full history: to rounding at tol = 0 (so the Gregory end and
    start corrections are exact), and with an error that falls with the tolerance."""
    scheme = make_scheme(order)
    n = N_TIMES - 1
    reference = kernels.lesser_history_reference(
        history.gl, history.gr, history.sl, history.sr, n, False, DT, scheme
    )[:n]
    errors = []
    for tol in (1e-3, 1e-5, 1e-7, 0.0):
        lesser, retarded = fill_trees(history, n, tol)
        rows = slice(offset(n), offset(n) + n + 1)
        q = compressed.lesser_history(
            lesser, retarded, history.sr[rows], history.sl[rows], DT, scheme.quad, scheme.steps
        )
        errors.append(np.abs(q - reference).max())
    assert errors[-1] < 1e-12 * np.abs(reference).max()
    for tol, error in zip((1e-3, 1e-5, 1e-7), errors, strict=False):
        assert error < 10 * tol * n * DT  # |Q error| <= t_n max|Sigma| tol max|G| (both ~1)
    assert errors[0] > errors[1] > errors[2] > errors[3], errors


def mixed_rows_values(n_times: int, n_tau: int, n_xi: int = 3) -> np.ndarray:
    """G^](t_p, tau_q)-shaped rows (n_times, n_tau, n_xi, 2, 2): free Nambu evolution
    e^{-i h t} of a tau-dependent thermal-like matrix, times a non-separable envelope."""
    xi = np.linspace(0.05, 0.9, n_xi)
    times, taus = DT * np.arange(n_times), np.linspace(0.0, 10.0, n_tau)
    hamiltonian = np.zeros((n_xi, 2, 2))
    hamiltonian[:, 0, 0], hamiltonian[:, 1, 1] = xi, -xi
    hamiltonian[:, 0, 1] = hamiltonian[:, 1, 0] = 0.2
    values, vectors = np.linalg.eigh(hamiltonian)
    phase = np.exp(-1j * values[None] * times[:, None, None])  # (t, xi, eigen)
    decay = np.exp(-values[None] * taus[:, None, None]) / (1 + np.exp(-10 * values[None]))
    rows = np.einsum("iab,tib,qib,icb->tqiac", vectors, phase, decay, vectors)
    envelope = 1.0 / (1.0 + (times[:, None] * taus[None, :] / 30.0) ** 2)
    return -1j * rows * envelope[:, :, None, None, None]


@pytest.mark.parametrize("tol", [1e-3, 1e-6, 0.0])
def test_low_rank_rows_products_match_the_dense_rows(tol):
    """compressed.LowRankRows (the mixed component G^] of the compressed path): every stored
    row within tol x max|G| of the dense one (exact at tol = 0), the two products of the
    stepping (sum over tau with Sigma^[ for the lesser equation, the Sigma^R-weighted sum over
    t for the mixed equation) equal the dense sums to that bound, and the rank stays far
    below the full 4 n_tau at a finite tolerance."""
    n_times, n_tau = 90, 20
    values = mixed_rows_values(n_times, n_tau)
    rows = compressed.LowRankRows(n_times, n_tau, values.shape[2], tol)
    for row in values:
        rows.append(row)
    scale = np.abs(values).max()
    bound = max(tol, 1e-6 if rows.u.dtype == np.float32 else 1e-13) * scale
    error = max(np.abs(rows.entry(p) - values[p]).max() for p in range(n_times))
    assert error <= bound
    rng = np.random.default_rng(3)
    right = rng.normal(size=(n_tau, 2, 2)) + 1j * rng.normal(size=(n_tau, 2, 2))
    left = rng.normal(size=(n_times, 2, 2)) + 1j * rng.normal(size=(n_times, 2, 2))
    dense_right = np.einsum("pqiab,qbc->piac", values, right)
    dense_left = np.einsum("pab,pqibc->qiac", left, values)
    assert np.abs(rows.rows_times(right) - dense_right).max() <= 8 * n_tau * bound
    assert np.abs(rows.left_times(left) - dense_left).max() <= 8 * n_times * bound
    if tol > 0:
        assert rows.rank.max() < 4 * n_tau // 2, rows.rank


BASE = {"n_xi": 4, "temperature": 0.02, "dt": 0.2, "t_max": 9.0, "t_prep": 1.0}
RUNS = {
    "clean-quench": {"lambda_i": 0.3, "lambda_f": 0.45},
    "disorder-quench": {"lambda_i": 0.3, "lambda_f": 0.45, "gamma_el": 0.2},
    "phonons-no-quench": {"lambda_i": 0.3, "lambda_f": 0.3, "lambda_ph": 0.3,
                          "omega_D": 0.16},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(RUNS))
def test_compressed_run_matches_the_full_history_run(name):
    """Delta(t) and n_s(t) of the compressed path equal the full-history run to the history
    tolerance (relative to |Delta(0)| and n_s,dia(0))."""
    config = kb_config(**BASE, **RUNS[name])
    full = run(config)
    tol = 1e-8
    fast = run(replace(config, history="compressed", history_tol=tol))
    assert fast.history is None and full.history is not None  # no dense history kept
    scale_ns = abs(full.ns_dia[0])
    assert np.abs(fast.gap - full.gap).max() <= tol * abs(full.gap[0])
    assert np.abs(fast.density - full.density).max() <= tol
    ns_full, ns_fast = full.ns_para + full.ns_dia, fast.ns_para + fast.ns_dia
    assert np.abs(ns_fast - ns_full).max() <= tol * scale_ns


def test_compressed_quench_with_phonons_error_falls_with_tolerance():
    """Phonon + disorder quench (Eqs. 5, 6): at history_tol = 0 the tree products are exact
    and the run equals the full-history run to rounding (measured 1.3e-13); above it the
    deviation of n_s(t) falls with history_tol and stays below it (measured 5.3e-6, 2.1e-10
    at 1e-4, 1e-8 with n_xi = 3, N_t = 86)."""
    config = kb_config(**BASE, lambda_i=0.3, lambda_f=0.45, lambda_ph=0.3, omega_D=0.16,
                      gamma_el=0.1)  # fmt: skip
    full = run(config)
    ns_full = full.ns_para + full.ns_dia
    errors = []
    for tol in (0.0, 1e-4, 1e-7):
        fast = run(replace(config, history="compressed", history_tol=tol))
        errors.append(np.abs(fast.ns_para + fast.ns_dia - ns_full).max() / abs(full.ns_dia[0]))
        assert errors[-1] <= max(tol, 1e-11), errors
    assert errors[1] > 10 * errors[2], errors


def test_compressed_run_does_not_allocate_the_dense_history():
    """history = "compressed" keeps a ring of the last slices and the HODLR trees instead of
    the N_t^2 dense history: its two-time storage grows ~linearly in N_t (measured 3.6, 7.4,
    15.5, 33 MB at N_t = 101, 201, 401, 801, n_xi = 2, where the dense history takes 2.6,
    10.4, 41, 165 MB) and the moving storage is a fixed number of slices."""
    base = kb_config(n_xi=2, temperature=0.0, dt=0.2, lambda_i=0.3, lambda_f=0.45,
                    history="compressed", history_tol=1e-6)  # fmt: skip
    storage = {}
    for t_max in (32.0, 64.0):
        config = replace(base, t_max=t_max)
        result = run(config)
        assert result.history is None
        dense = ContourHistory.bytes_needed(config.n_times, result.band.n_nodes)
        storage[config.n_times] = (result.history_nbytes, dense)
    (small, dense_small), (large, dense_large) = storage.values()
    assert dense_large > 3.9 * dense_small
    assert large < 2.3 * small  # ~N_t, not N_t^2
    assert large < 0.5 * dense_large
    scheme = make_scheme(6)
    ring = stepping._storage(scheme, 1000, 2, full=False)
    table = scheme.quad.shape[0] - 2
    assert ring.gr.shape[0] == (scheme.steps + 1) * 1000 and ring.sr.shape[0] == (table + 1) * 1000


def test_unknown_history_mode_is_rejected():
    with pytest.raises(ValueError, match="history"):
        run(kb_config(n_xi=2, t_max=0.4, history="hodlr"))
