"""Benchmark of the P2 Floquet-Usadel stage (higgsdyn.floquet).

Measures, in one run (so ratios are taken under the same load):
1. one Fig. 2 point (omega0 = 2 Delta and 0.15 Delta) and one scaling point at default
   resolution;
2. the batched (vectorised over frequency) perturbative solver against the obvious
   alternative, the same block solves done frequency by frequency in a Python loop;
3. the perturbative theta^2 solution against the all-orders truncated-Sambe solution on
   the same grid;
4. with ``--stage``: the whole stage (every default point, 2 worker processes).

BLAS threads are pinned to 1 (each job is one process; multi-threaded LAPACK on small
batched matrices was 10x slower under load). Run:
    /tmp/venv/h/bin/python benchmarks/bench_floquet.py [--stage]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from timing import best_of  # noqa: E402

from higgsdyn.floquet import stage, usadel  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"


def stage_points() -> list[dict]:
    """Every Floquet job of the default (paper-resolution) config."""
    block = yaml.safe_load(CONFIG.read_text())["p2"]["floquet"]
    return list(stage.jobs(block).values())


def timed_point(params: dict) -> float:
    start = time.perf_counter()
    stage.run_point(params)
    return time.perf_counter() - start


def static_ns_batched(drive: usadel.Drive, grid: np.ndarray) -> complex:
    return usadel.PerturbativeSolution(drive, grid).superfluid_density(2, 0)


def static_ns_loop(drive: usadel.Drive, grid: np.ndarray) -> complex:
    """The obvious alternative: one frequency at a time (same formulas, no batching)."""
    integrand = np.array(
        [usadel.PerturbativeSolution(drive, np.array([w])).current_integrand(2, 0)[0] for w in grid]
    )
    return complex(np.trapezoid(integrand, grid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", action="store_true", help="also time the whole stage")
    args = parser.parse_args()

    print("| measurement | value |\n|---|---|")
    for omega0 in (2.0, 0.15):
        seconds = timed_point({"job": "fig2", "omega0": omega0})
        print(f"| one fig2 point, omega0 = {omega0} Delta (default resolution) | {seconds:.1f} s |")
    seconds = timed_point({"job": "scaling", "sweep": "gamma", "gamma_inel": 0.001})
    print(f"| one scaling point, gamma_inel = 0.001 Delta | {seconds:.2f} s |")

    drive = usadel.Drive(theta=0.2, omega0=2.0, gamma=0.01, temperature=0.01)
    grid = usadel.frequency_grid(drive, 30.0, 3001, 30)
    sub = grid[:: max(1, grid.size // 400)]
    batched = best_of(lambda: static_ns_batched(drive, sub))
    loop = best_of(lambda: static_ns_loop(drive, sub), repeats=1)
    agree = abs(static_ns_batched(drive, sub) - static_ns_loop(drive, sub))
    print(
        f"| n_s^(2), {sub.size} frequencies: batched / per-frequency loop | "
        f"{batched * 1e3:.1f} ms / {loop * 1e3:.0f} ms = speed-up {loop / batched:.0f}x "
        f"(difference {agree:.1e}) |"
    )
    full = best_of(lambda: static_ns_batched(drive, grid))
    print(f"| n_s^(2) perturbative, full grid ({grid.size} frequencies) | {full:.2f} s |")
    n_harm = 6
    sambe = best_of(
        lambda: usadel.nonperturbative_current_integrands(sub, drive, n_harm), repeats=1
    )
    print(
        f"| all-orders Sambe (N = {n_harm}) / perturbative, {sub.size} frequencies | "
        f"{sambe:.2f} s / {batched:.3f} s = {sambe / batched:.0f}x |"
    )

    if args.stage:
        points = stage_points()
        start = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            per_point = list(pool.map(timed_point, points))
        wall = time.perf_counter() - start
        fig2 = [seconds for seconds, params in zip(per_point, points, strict=True)
                if params["job"] == "fig2"]  # fmt: skip
        print(
            f"| whole stage, {len(points)} jobs on 2 processes (wall) | {wall:.0f} s "
            f"(fig2 jobs {min(fig2):.0f}-{max(fig2):.0f} s, scaling jobs "
            f"{min(per_point[len(fig2) :]):.1f}-{max(per_point[len(fig2) :]):.1f} s) |"
        )


if __name__ == "__main__":
    main()
