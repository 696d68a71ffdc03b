"""Benchmark of the BdG chain solver (P2 App. C): cost per step, dense reference, scaling.

Run:  /tmp/venv/h/bin/python benchmarks/bench_bdg.py [--sizes 256 512 1024 2048 4096]
      [--full-run] [--dense-steps 2]

Prints markdown tables (paste into benchmarks/README.md):
1. one RK4 step at N = 512 of the banded solver (numba kernels, states V of 2N x N) versus
   the dense reference (RK4 of Eq. (C2) on the dense 2N x 2N density matrix with dense
   commutators, kernels.dense_commutator_rk4_step), in the same run, wall and CPU time;
2. the kernel apply_minus_i_hamiltonian versus its numpy reference (dense H times V);
3. cost per step for N in --sizes and the fitted exponent of cost ~ N^p;
4. with --full-run: the paper-size run (N = 512, t = 100/J, default ChainQuench) end to end.
CPU time (time.process_time) is given beside wall time because the machine is shared.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from higgsdyn.bdg import ChainQuench, kernels, run_quench
from higgsdyn.bdg.dynamics import Propagator

DT = 0.025


def _timed(function, repeats):
    """(wall, cpu) seconds per call, after one warm-up call."""
    function()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats


def _random_state(n_sites, rng):
    shape = (2 * n_sites, n_sites)
    states = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return np.ascontiguousarray(states / np.sqrt(2 * shape[0]))


def _propagator(n_sites, rng):
    disorder = rng.uniform(-0.55, 0.55, n_sites)
    return Propagator(disorder, np.ones(n_sites), 2.0, 1.0, True, shift=-1.3)


def sparse_step_cost(n_sites, repeats, rng):
    states = _random_state(n_sites, rng)
    propagator = _propagator(n_sites, rng)
    buffers = propagator.allocate(states)
    return _timed(lambda: propagator.step(states, DT, buffers), repeats)


def dense_step_cost(n_sites, repeats, rng):
    states = _random_state(n_sites, rng)
    rho = states @ states.conj().T
    disorder = rng.uniform(-0.55, 0.55, n_sites)
    return _timed(
        lambda: kernels.dense_commutator_rk4_step(rho, disorder, 2.0, 1.0, True, DT), repeats
    )


def kernel_costs(n_sites, repeats, rng):
    states = _random_state(n_sites, rng)
    onsite = rng.normal(size=n_sites)
    gap = rng.normal(size=n_sites) + 0j
    out, accumulated = np.empty_like(states), np.empty_like(states)
    numba_cost = _timed(
        lambda: kernels.apply_minus_i_hamiltonian(
            states, onsite, gap, 1.0, True, 0.0, out, accumulated, 1.0, False
        ),
        repeats,
    )
    numpy_cost = _timed(
        lambda: kernels.apply_minus_i_hamiltonian_reference(states, onsite, gap, 1.0, True, 0.0),
        max(1, repeats // 10),
    )
    return numba_cost, numpy_cost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--dense-steps", type=int, default=2)
    parser.add_argument("--full-run", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}")

    sparse = sparse_step_cost(512, 20, rng)
    dense = dense_step_cost(512, args.dense_steps, rng)
    print("\n| N = 512, one RK4 step | wall [ms] | CPU [ms] |")
    print("|---|---|---|")
    print(f"| banded solver (numba) | {1e3 * sparse[0]:.1f} | {1e3 * sparse[1]:.1f} |")
    print(f"| dense commutator reference | {1e3 * dense[0]:.0f} | {1e3 * dense[1]:.0f} |")
    print(f"| speed-up | {dense[0] / sparse[0]:.0f}x | {dense[1] / sparse[1]:.0f}x |")

    numba_cost, numpy_cost = kernel_costs(512, 20, rng)
    print("\n| N = 512, -i H V | wall [ms] | CPU [ms] |")
    print("|---|---|---|")
    print(f"| numba kernel | {1e3 * numba_cost[0]:.2f} | {1e3 * numba_cost[1]:.2f} |")
    print(f"| numpy dense reference | {1e3 * numpy_cost[0]:.1f} | {1e3 * numpy_cost[1]:.1f} |")

    print("\n| N | wall per step [ms] | CPU per step [ms] |")
    print("|---|---|---|")
    costs = []
    for n_sites in args.sizes:
        repeats = max(2, int(4e6 / n_sites**2))
        cost = sparse_step_cost(n_sites, repeats, rng)
        costs.append(cost)
        print(f"| {n_sites} | {1e3 * cost[0]:.2f} | {1e3 * cost[1]:.2f} |")
    sizes = np.log(np.array(args.sizes, dtype=float))
    for label, column in (("wall", 0), ("CPU", 1)):
        exponent = np.polyfit(sizes, np.log([cost[column] for cost in costs]), 1)[0]
        print(f"\nscaling exponent ({label}): cost per step ~ N^{exponent:.2f}")

    if args.full_run:
        params = ChainQuench()
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_quench(params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"\npaper-size run (N = {params.n_sites}, t = {params.t_max}/J, dt = {params.dt}, "
            f"{result.steps} steps, equilibrium {result.scf_iterations} iterations): "
            f"wall {wall:.1f} s, CPU {cpu:.1f} s, {len(result.slip_times)} slips"
        )


if __name__ == "__main__":
    main()
