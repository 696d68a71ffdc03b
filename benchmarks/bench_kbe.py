"""Benchmark of the KB history convolution and time step (P2 solver, higgsdyn.kbe).

Rerun: /tmp/venv/h/bin/python benchmarks/bench_kbe.py [--quick] [--order 2|5|6]
Prints a markdown table: cost per corrector sweep (retarded row, mixed row G^](t_n, tau_k) on
MIXED_RANK DLR nodes, lesser column with its Matsubara-branch term) vs history length n and
N_xi, achieved bytes/s of the streamed convolution, the numpy reference of the same
convolution in the same run (ratio), and the history memory of the default runs.
"""

from __future__ import annotations

import argparse

import numpy as np
from timing import best_of

from higgsdyn.io.config import load_config
from higgsdyn.kbe import kernels
from higgsdyn.kbe.contour import ContourHistory
from higgsdyn.kbe.quadrature import make_scheme
from higgsdyn.kbe.stage import jobs, make_run


def synthetic_history(n: int, n_xi: int) -> ContourHistory:
    history = ContourHistory.allocate(n + 1, n_xi)
    rng = np.random.default_rng(0)
    for array in (history.gr, history.gl, history.sr, history.sl):
        array[:] = rng.normal(size=array.shape) + 1j * rng.normal(size=array.shape)
    return history


def lesser_args(history: ContourHistory) -> tuple[np.ndarray, ...]:
    """The history arrays of kernels.lesser_history_all, in its order."""
    return history.gl, history.gr, history.g_at, history.sl, history.sr, history.s_at


MIXED_RANK = 57  # DLR nodes of the default flat-band runs (beta = 200, cutoff 4 + 4 omega_D)


def synthetic_mixed(n: int, n_xi: int) -> tuple[np.ndarray, ...]:
    """G^](t_s, tau_k), the Sigma^[ weights, the G^] source and force arrays (random)."""
    rng = np.random.default_rng(1)

    def noise(*shape):
        return rng.normal(size=shape) + 1j * rng.normal(size=shape)

    return (noise(n + 1, MIXED_RANK, n_xi, 2, 2), noise(n + 1, MIXED_RANK, 2, 2),
            noise(MIXED_RANK, n_xi, 2, 2), noise(MIXED_RANK, n_xi, 2, 2))  # fmt: skip


def convolution_bytes(n: int, n_xi: int) -> float:
    """Bytes of G read by Q(t_j, t_n) for all j <= n: sum_j (n + j) slices of n_xi 2x2."""
    return 1.5 * n * n * n_xi * 64.0


def whole_run_bandwidth(n_times: int, n_xi: int, every: int, scheme) -> None:
    """Bytes over time of the convolution summed over the steps of a whole run (history
    lengths n = every, 2 every, ... < n_times): the time-weighted bandwidth of a run."""
    history = synthetic_history(n_times - 1, n_xi)
    quad_steps = (scheme.quad, scheme.steps)
    lengths = range(every, n_times, every)
    total_time = total_bytes = 0.0
    for n in lengths:
        total_time += best_of(
            lambda n=n: kernels.lesser_history_all(
                *lesser_args(history), n, False, 0.1, *quad_steps
            ),
            10,
        )
        total_bytes += convolution_bytes(n, n_xi)
    print(
        f"\nwhole run N_t = {n_times}, N_xi = {n_xi} (n = {every}, {2 * every}, ...): "
        f"{total_bytes / total_time / 1e9:.1f} GB/s time-weighted"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--order", type=int, default=6, help="time_order of the scheme")
    args = parser.parse_args()
    scheme = make_scheme(args.order)
    quad_steps = (scheme.quad, scheme.steps)
    print(f"time_order {args.order}")
    sizes = [(200, 17), (400, 17)] if args.quick else [(200, 17), (400, 17), (800, 17), (400, 33)]
    print("| n (history) | N_xi | sweep [s] (retarded + mixed + lesser) | convolution [s] | GB/s |")
    print("|---|---|---|---|---|")
    for n, n_xi in sizes:
        history = synthetic_history(n, n_xi)
        xi = np.linspace(0.01, 1.0, n_xi)
        gaps = np.full(n + 1, 0.05 + 0j)
        force = np.zeros((n + 1, n_xi, 2, 2), dtype=np.complex128)
        new_force = np.zeros_like(force)
        gm, sigma_left, source, mixed_force = synthetic_mixed(n, n_xi)
        no_past = np.zeros((0, n_xi, 2, 2), dtype=np.complex128)  # full history path
        m_at = np.arange(gm.shape[0], dtype=np.int64)
        args_lesser = (history.gl, history.gr, history.g_at, history.sl, history.sr,
                       history.s_at, gm, m_at, sigma_left, xi, gaps, force, new_force)  # fmt: skip
        args_mixed = (gm, m_at, history.s_slice("sr", n), source, no_past, xi, gaps, mixed_force,
                      mixed_force.copy())  # fmt: skip

        def sweep(args_lesser=args_lesser, args_mixed=args_mixed, history=history, xi=xi,
                  gaps=gaps, n=n, no_past=no_past):  # fmt: skip
            kernels.retarded_row(
                history.gr, history.g_at, history.sr, history.s_at, xi, gaps, n, 0.1,
                scheme.quad, scheme.lmm, scheme.diff, kernels.NUMBA_THREADS,
            )  # fmt: skip
            kernels.mixed_row(*args_mixed, n, 0.1, scheme.quad, scheme.lmm, kernels.NUMBA_THREADS)
            kernels.lesser_column(*args_lesser, n, 0.1, scheme.quad, scheme.lmm, no_past)

        def convolution(history=history, n=n):
            kernels.lesser_history_all(*lesser_args(history), n, False, 0.1, *quad_steps)

        sweep()
        convolution()
        t_sweep = best_of(sweep, 5)
        t_conv = best_of(convolution, 20)
        rate = convolution_bytes(n, n_xi) / t_conv / 1e9
        print(f"| {n} | {n_xi} | {t_sweep:.4f} | {t_conv:.4f} | {rate:.1f} |")
    whole_run_bandwidth(681, 17, 40, scheme)
    n, n_xi = 200, 17
    history = synthetic_history(n, n_xi)
    t_fast = best_of(
        lambda: kernels.lesser_history_all(*lesser_args(history), n, False, 0.1, *quad_steps),
        3,
    )
    t_numpy = best_of(
        lambda: kernels.lesser_history_reference(
            history.gl, history.gr, history.sl, history.sr, n, False, 0.1, scheme
        ),
        1,
    )
    print(
        f"\nnumpy reference of the convolution (n={n}, N_xi={n_xi}): {t_numpy:.3f} s, "
        f"numba {t_fast:.4f} s, ratio {t_numpy / t_fast:.0f}x"
    )
    print(f"numba threads: {kernels.NUMBA_THREADS}")
    default_jobs = jobs(load_config(["config/config.yaml"])["p2"]["kbe"])
    for name, key in (
        ("Fig. 1b point (default)", "flat_omegaD-0.160_lf-0.450"),
        ("Fig. 3b (default)", "chain_lf-2.000"),
    ):
        config = make_run(default_jobs[key])
        memory = ContourHistory.bytes_needed(config.n_times, config.make_band().n_nodes)
        print(f"{name}: N_t = {config.n_times}, history memory {memory / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
