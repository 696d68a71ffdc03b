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

``--runs T... [--paths full compressed] [--n-xi 32]``: whole KB runs of the Fig. 1b point
omega_D = 0.04 exactly as config/config.yaml p2.kbe defines it (lambda_ph, dt, t_prep,
BDF-6, history_tol; only n_xi, t_max and the history path replaced), each in its own process
with one numba and one BLAS thread (as a workflow job) after a compiling t_max = 2 run: wall
time of ``run`` (and of its Matsubara equilibrium alone), the process's peak RSS
(ru_maxrss), the two-time storage (``KBResult.history_nbytes``) and n_s(t_max)/n_s(0); then
the exponents in N_t of time (minus the CPU time of a t_max = 2 run: equilibrium, Matsubara
branches, start values) and memory fitted over the runs of each path, and their
extrapolation to ``--goal`` (t_max).
"""

from __future__ import annotations

import argparse
import json
import os
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


CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"

RUN_SCRIPT = """
import json, resource, sys, time
from dataclasses import replace
import yaml
from higgsdyn.kbe import stage
from higgsdyn.kbe.stepping import _equilibrium, run
with open({config!r}) as handle:
    block = yaml.safe_load(handle)["p2"]["kbe"]
params = next(p for p in stage.jobs(block).values() if p.get("omega_D") == 0.04)
params = dict(params, n_xi={n_xi}, t_max={t_max}, history={history!r}, **{tol})
config = stage.make_run(params)
run(replace(config, t_max=2.0))  # compile
start = time.perf_counter()
_equilibrium(config)
equilibrium = time.perf_counter() - start
start = time.process_time()
run(replace(config, t_max=2.0))
setup = time.process_time() - start  # equilibrium, Matsubara branches, start values
start, cpu = time.perf_counter(), time.process_time()
result = run(config)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
ns = result.ns_para + result.ns_dia
index0 = abs(result.times).argmin()
print(json.dumps(dict(n_times=config.n_times, wall=wall, cpu=cpu, equilibrium=equilibrium,
                      setup=setup,
                      rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
                      storage_mb=result.history_nbytes / 1e6, ns_end=ns[-1] / ns[index0],
                      history_tol=config.history_tol, n_nodes=result.band.n_nodes,
                      dt=config.dt, t_prep=config.t_prep,
                      iterations=float(result.iterations[result.iterations > 0].mean()))))
"""


def whole_run(t_max: float, n_xi: int, history: str, tol: float | None) -> dict:
    """One whole run in its own process (one numba thread, one BLAS thread: a multi-threaded
    BLAS makes the Sigma^R block products 2-3x slower on 2 cores): the dict RUN_SCRIPT prints."""
    code = RUN_SCRIPT.format(config=str(CONFIG), n_xi=n_xi, t_max=t_max, history=history,
                             tol={} if tol is None else {"history_tol": tol})  # fmt: skip
    threads = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    env = {**os.environ, **dict.fromkeys(threads, "1")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=env)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def whole_runs(t_maxes: list[float], n_xi: int, tol: float | None, paths: list[str],
               goal: float) -> None:  # fmt: skip
    """Wall time, peak RSS and storage of whole runs per history path; fitted exponents."""
    print(f"n_xi = {n_xi}, history_tol = {'config' if tol is None else tol}, 1 numba thread")
    print("| path | t_max | N_t | wall [s] | CPU [s] | set-up CPU [s] | iterations/step | "
          "peak RSS [MB] | two-time storage [MB] | n_s(t_max)/n_s(0) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows: dict[str, list[dict]] = {path: [] for path in paths}
    for t_max in t_maxes:
        for path in paths:
            out = whole_run(t_max, n_xi, path, tol)
            rows[path].append(out)
            cells = (path, f"{t_max:g}", f"{out['n_times']}", f"{out['wall']:.1f}",
                     f"{out['cpu']:.1f}", f"{out['setup']:.1f}", f"{out['iterations']:.2f}",
                     f"{out['rss_mb']:.0f}", f"{out['storage_mb']:.1f}",
                     f"{out['ns_end']:.6f}")  # fmt: skip
            print("| " + " | ".join(cells) + " |", flush=True)
    for path, runs in rows.items():
        if len(runs) < 2:
            continue
        goal_n = int(round((goal + runs[0]["t_prep"]) / runs[0]["dt"])) + 1
        n = np.log([run["n_times"] for run in runs])
        for key, name in (("wall", "wall time"), ("cpu", "CPU time"), ("storage_mb", "storage"),
                          ("rss_mb", "peak RSS")):  # fmt: skip
            values = np.array([run[key] for run in runs])
            if key in ("wall", "cpu"):  # the stepping: minus the N_t-independent set-up
                values = values - np.array([run["setup"] for run in runs])
            slope, intercept = np.polyfit(n[-3:], np.log(values[-3:]), 1)
            print(f"{path}: exponent in N_t of {name} (last {min(3, len(runs))} runs) "
                  f"{slope:.2f}; at N_t = {goal_n} (t_max = {goal:g}): "
                  f"{np.exp(intercept) * goal_n**slope:.3g} "
                  f"{'s (+ set-up)' if key in ('wall', 'cpu') else 'MB'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    parser.add_argument("--n-xi", type=int, default=8)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--runs", type=float, nargs="*", default=[])
    parser.add_argument("--paths", nargs="+", default=["full", "compressed"])
    parser.add_argument("--run-tol", type=float, default=None,
                        help="history_tol of the whole runs (default: config.yaml)")  # fmt: skip
    parser.add_argument("--goal", type=float, default=640.0, help="t_max to extrapolate to")
    args = parser.parse_args()
    if args.runs:
        whole_runs(args.runs, args.n_xi, args.run_tol, args.paths, args.goal)
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
            arrays = (history.gl, history.gr, history.g_at, history.sl, history.sr, history.s_at)
            return kernels.lesser_history_all(*arrays, n, False, DT, *quad_steps)

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
