"""Benchmark of the compressed (HODLR) two-time history against the full history (higgsdyn.kbe).

Rerun: PYTHONPATH=src python benchmarks/bench_kbe_compressed.py [--sizes 256 512 1024 2048]
    [--n-xi 8] [--tol 1e-6] [--runs 20 40 80]
For each history length N: the lesser-history integral Q(t_j, t_N) for all j (the O(N^2)
product of one corrector sweep, P2 Eq. 4) from the full packed history (numba,
kernels.lesser_history_all) and from the trees (compressed.lesser_history), the cost of
appending one row to the trees, the history memory of G^R and G^< for both, the maximal
block rank and the error of Q. The history is the smooth non-separable test history of
tests/test_kbe_compressed.py (free Nambu propagators times 1/(1 + (t/3)^2)); fitted exponents
of cost and memory in N are printed at the end.

``--runs T...``: whole KB runs (Fig. 1b set-up, omega_D = 0.04, dt = 0.25, t_prep = 10) to
t_max = T for both history paths, each in its own process: wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from timing import best_of

from higgsdyn.kbe import compressed, kernels
from higgsdyn.kbe.contour import ContourHistory, offset
from higgsdyn.kbe.quadrature import make_scheme

DT = 0.25


def test_history(n_times: int, n_xi: int) -> ContourHistory:
    """The test history of tests/test_kbe_compressed.py, vectorised over the row."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_kbe_compressed import free_history

    return free_history(n_times, DT, n_xi)


RUN_SCRIPT = """
import resource, sys, time
from higgsdyn.kbe.stepping import KBConfig, run
config = KBConfig(n_xi={n_xi}, lambda_i=0.25, lambda_f=0.45, lambda_ph=0.3, omega_debye=0.04,
                  dt=0.25, t_max={t_max}, t_prep=10.0, tolerance=1e-7, max_iterations=10,
                  history="{history}", history_tol={tol})
run(KBConfig(**{{**config.__dict__, "t_max": 2.0}}))  # compile
start = time.perf_counter()
result = run(config)
print(config.n_times, time.perf_counter() - start,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
      result.ns_para[-1] + result.ns_dia[-1])
"""


def whole_runs(t_maxes: list[float], n_xi: int, tol: float) -> None:
    """Wall time and peak RSS of whole runs for both history paths (one process each)."""
    print("| t_max | N_t | full [s] | compressed [s] | full peak RSS [MB] | compressed [MB] | "
          "|n_s difference| |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for t_max in t_maxes:
        out = {}
        for history in ("full", "compressed"):
            code = RUN_SCRIPT.format(n_xi=n_xi, t_max=t_max, history=history, tol=tol)
            text = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout.split()  # fmt: skip
            out[history] = [float(x) for x in text]
        full, fast = out["full"], out["compressed"]
        cells = (f"{t_max:g}", f"{int(full[0])}", f"{full[1]:.1f}", f"{fast[1]:.1f}",
                 f"{full[2]:.0f}", f"{fast[2]:.0f}", f"{abs(full[3] - fast[3]):.1e}")  # fmt: skip
        print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    parser.add_argument("--n-xi", type=int, default=8)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--runs", type=float, nargs="*", default=[])
    args = parser.parse_args()
    if args.runs:
        whole_runs(args.runs, args.n_xi, args.tol)
        return
    scheme = make_scheme(6)
    quad_steps = (scheme.quad, scheme.steps)
    print(f"n_xi = {args.n_xi}, history_tol = {args.tol:g}, dt = {DT}")
    print("| N | Q full [ms] | Q compressed [ms] | append [ms] | G memory full [MB] | "
          "compressed [MB] | max rank | max |Q error| / max |Q| |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for size in args.sizes:
        history = test_history(size, args.n_xi)
        n = size - 1
        trees = [compressed.HistoryTree(size, args.n_xi, args.tol) for _ in range(2)]
        start = time.perf_counter()
        for p in range(n):
            trees[0].append(history.gl[offset(p) : offset(p) + p + 1])
            trees[1].append(history.gr[offset(p) : offset(p) + p + 1])
        append = (time.perf_counter() - start) / n
        window = slice(offset(n), offset(n) + n + 1)

        def full(history=history, n=n):
            return kernels.lesser_history_all(
                history.gl, history.gr, history.sl, history.sr, n, False, DT, *quad_steps
            )

        def tree(history=history, trees=trees, window=window):
            return compressed.lesser_history(
                *trees, history.sr[window], history.sl[window], DT, *quad_steps
            )

        reference, approximate = full()[:n], tree()
        error = np.abs(approximate - reference).max() / np.abs(reference).max()
        t_full, t_tree = best_of(full, 3), best_of(tree, 3)
        memory_full = 2 * history.gr.nbytes / 1e6
        memory_tree = sum(t.nbytes() for t in trees) / 1e6
        rank = max(max(r[2] for r in t.ranks()) for t in trees)
        rows.append((size, t_full, t_tree, memory_full, memory_tree))
        cells = (f"{size}", f"{1e3 * t_full:.1f}", f"{1e3 * t_tree:.1f}", f"{1e3 * append:.2f}",
                 f"{memory_full:.0f}", f"{memory_tree:.1f}", f"{rank}", f"{error:.1e}")  # fmt: skip
        print("| " + " | ".join(cells) + " |", flush=True)
    table = np.array(rows)
    if len(rows) > 1:
        logs = np.log(table[:, 0])
        for column, name in ((1, "Q full"), (2, "Q compressed"), (3, "memory full"),
                             (4, "memory compressed")):  # fmt: skip
            slope = np.polyfit(logs[-3:], np.log(table[-3:, column]), 1)[0]
            print(f"exponent in N of {name} (last 3 sizes): {slope:.2f}")


if __name__ == "__main__":
    main()
