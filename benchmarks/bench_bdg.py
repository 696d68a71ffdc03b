"""Benchmark of the BdG chain solver (P2 App. C): RK4 vs the exact-rotation splitting.

Run:  NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_bdg.py
      [--sizes 256 512 1024 2048 4096] [--dense] [--full-run]

Prints markdown tables (paste into benchmarks/README.md):
1. this machine's streaming bandwidth (numpy copy of 1 GiB: read + write bytes / time);
2. accuracy at equal simulated time: max_i ||Delta_i(t)| - |Delta_i^ref(t)|| at t = 20/J
   after the quench (baseline N = 512; coupling_dos N = 128), for RK4 at its production
   dt (0.025; 0.005 for coupling_dos) and the splittings at dt dividing the store interval
   0.5/J; the reference is split6 at a tiny dt, checked against RK4 at dt/2. The largest
   dt of each splitting with an error <= RK4's is its equal-accuracy dt;
3. cost per step (min over repeats, one core) for N in --sizes, ms per 0.025/J of simulated
   time at the equal-accuracy dt, the ratio to RK4, the fitted exponent of cost ~ N^p and
   the fraction of the streaming bandwidth the splitting reaches (each sweep reads and
   writes the 2N x N states once);
4. with --dense: one RK4 step at N = 512 vs the dense commutator reference, and the kernel
   apply_minus_i_hamiltonian vs its numpy reference; with --full-run: the default
   config's baseline run (N = 512, t = 150/J, split6 at dt = 1/18) end to end;
5. with --equilibrium (only this): one self-consistency iteration at N = 512 (dense
   2N x 2N real symmetric eigh by LAPACK dsyevd vs dsyevr; the Eq. (C1) densities directly
   vs from the full density matrix rho = V w V^T) and the iterations to scf_tol at Anderson
   depth 6 vs 10.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import platform
import subprocess
import time

import numpy as np
import scipy.linalg

from higgsdyn.bdg import disorder_potential, kernels, run_quench, solve_equilibrium
from higgsdyn.bdg.dynamics import (
    COMPOSITIONS,
    Propagator,
    SplittingPropagator,
    make_propagator,
)
from higgsdyn.bdg.stage import baseline_run
from higgsdyn.io.config import load_config

DT = 0.025
# the default config's p2.bdg block: the runs below are its baseline with a few overrides
BLOCK = load_config(["config/config.yaml"])["p2"]["bdg"]
ACCURACY_TIME = 20.0
# candidate dt of the splittings (divisors of the store interval 0.5/J), in 1/J
SPLIT_DTS = (1 / 40, 1 / 32, 1 / 24, 1 / 20, 1 / 18, 1 / 16, 1 / 12, 1 / 10, 1 / 8)
SPLIT_DTS_DOS = (1 / 200, 1 / 160, 1 / 100, 1 / 80, 1 / 60, 1 / 50, 1 / 40, 1 / 32, 1 / 24)


def _timed(function, repeats):
    """(wall, cpu) seconds per call, after one warm-up call."""
    function()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats


def _best(function, repeats):
    """Fastest of ``repeats`` calls in seconds, after one warm-up (robust to a shared machine)."""
    function()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


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


def streaming_bandwidth(n_bytes=2**30):
    """Bytes per second of a numpy copy (read + write) of an out-of-cache array."""
    source = np.ones(n_bytes // 8)
    target = np.empty_like(source)
    return 2 * n_bytes / _best(lambda: np.copyto(target, source), 5)


class QuenchEvolution:
    """Equilibrium of one ChainQuench, computed once; |Delta_i(t)| for any integrator and dt."""

    def __init__(self, params):
        self.params = params
        self.disorder = disorder_potential(params)
        self.equilibrium = solve_equilibrium(
            params, self.disorder, params.coupling(params.lambda_i)
        )

    def gap_abs(self, integrator, dt, t_end):
        params = dataclasses.replace(self.params, integrator=integrator, dt=dt)
        propagator = make_propagator(params, self.disorder, self.equilibrium)
        states = self.equilibrium.states.copy()
        buffers = propagator.allocate(states)
        for _ in range(round(t_end / dt)):
            propagator.step(states, dt, buffers)
        gap, _, _ = propagator.fields(states)
        return np.abs(gap)


def accuracy_study(params, rk4_dt, reference_dt, candidates):
    """Errors of |Delta_i(t)| at ACCURACY_TIME; returns (rk4 error, {integrator: dt_equal})."""
    evolution = QuenchEvolution(params)
    reference = evolution.gap_abs("split6", reference_dt, ACCURACY_TIME)
    rk4_error = np.max(np.abs(evolution.gap_abs("rk4", rk4_dt, ACCURACY_TIME) - reference))
    rk4_half = np.max(np.abs(evolution.gap_abs("rk4", rk4_dt / 2, ACCURACY_TIME) - reference))
    label = f"{params.coupling_normalization} normalisation, N = {params.n_sites}"
    print(f"\n| {label}: scheme | dt [1/J] | max_i error of abs Delta_i(t = 20/J) [J] |")
    print("|---|---|---|")
    print(f"| rk4 | {rk4_dt:.4g} | {rk4_error:.2e} |")
    print(f"| rk4 (reference check) | {rk4_dt / 2:.4g} | {rk4_half:.2e} |")
    equal_dt = {}
    for integrator in ("split4", "split6"):
        for dt in candidates:
            error = np.max(np.abs(evolution.gap_abs(integrator, dt, ACCURACY_TIME) - reference))
            print(f"| {integrator} | {dt:.4g} | {error:.2e} |")
            if error <= rk4_error:
                equal_dt[integrator] = dt
    print(f"\nreference: split6 at dt = {reference_dt}; equal-accuracy dt: {equal_dt}")
    return rk4_error, equal_dt


def step_costs(n_sites, equal_dt, rng):
    """Seconds per step of rk4 (dt = 0.025) and of the splittings at their equal-accuracy dt:
    the fastest of several calls, the schemes interleaved so that load affects all alike."""
    states = _random_state(n_sites, rng)
    propagator = _propagator(n_sites, rng)
    buffers = propagator.allocate(states)
    steps = {"rk4": lambda: propagator.step(states, DT, buffers)}
    for integrator, dt in equal_dt.items():
        splitting = SplittingPropagator(
            propagator.disorder, np.ones(n_sites), 2.0, 1.0, True, COMPOSITIONS[integrator]
        )
        steps[integrator] = functools.partial(splitting.step, states, dt, ())
    best = {name: np.inf for name in steps}
    for step in steps.values():
        step()  # compile / warm up
    for _ in range(max(3, int(4e6 / n_sites**2))):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def equilibrium_costs(n_sites, repeats):
    """Per-iteration parts of the BdG self-consistency at the baseline's first iterate."""
    params = baseline_run(BLOCK, n_sites=n_sites)
    disorder = disorder_potential(params)
    gap = np.full(n_sites, 0.5)
    hamiltonian = kernels.dense_hamiltonian(disorder, gap, 1.0, params.periodic).real
    rows = {}
    for driver in ("evd", "evr"):
        rows[f"eigh, LAPACK dsy{driver}"] = _best(
            lambda driver=driver: scipy.linalg.eigh(hamiltonian, driver=driver), repeats
        )
    energies, vectors = scipy.linalg.eigh(hamiltonian, driver="evd")
    weights = (energies < 0).astype(float)

    def from_rho():
        rho = (vectors * weights) @ vectors.T
        diagonal = np.arange(0, rho.shape[0], 2)
        excess = rho[diagonal, diagonal] - rho[diagonal + 1, diagonal + 1]
        return rho[diagonal, diagonal + 1], excess

    rows["densities (Eq. C1) from rho = V w V^T"] = _best(from_rho, repeats)
    rows["densities (Eq. C1) directly, O(N M)"] = _best(
        lambda: kernels.local_densities_reference(vectors, weights), repeats
    )
    iterations = {}
    for depth in (6, 10):
        start = time.process_time()
        solved = solve_equilibrium(params, disorder, params.coupling(params.lambda_i), depth)
        iterations[depth] = (solved.iterations, time.process_time() - start)
    return rows, iterations


def sweeps_per_step(integrator):
    """Passes over the states per splitting step (the closing sweep is merged into the next)."""
    return len(COMPOSITIONS[integrator])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--dense", action="store_true")
    parser.add_argument("--dense-steps", type=int, default=2)
    parser.add_argument("--full-run", action="store_true")
    parser.add_argument("--equilibrium", action="store_true")
    args = parser.parse_args()
    if args.equilibrium:
        rows, iterations = equilibrium_costs(512, 5)
        print("\n| N = 512, one self-consistency iteration | best of 5 [ms] |")
        print("|---|---|")
        for name, seconds in rows.items():
            print(f"| {name} | {1e3 * seconds:.1f} |")
        for depth, (count, cpu) in iterations.items():
            print(f"\nAnderson depth {depth}: {count} iterations, {cpu:.2f} s CPU")
        return

    rng = np.random.default_rng(0)
    model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next(
        (line.split(":", 1)[1].strip() for line in model.splitlines() if "Model name" in line),
        platform.machine(),
    )
    bandwidth = streaming_bandwidth()
    print(f"machine: {model}, numpy {np.__version__}; streaming copy {bandwidth / 1e9:.1f} GB/s")

    _, equal_dt = accuracy_study(baseline_run(BLOCK, n_sites=512), DT, DT / 4, SPLIT_DTS)
    _, equal_dt_dos = accuracy_study(
        baseline_run(BLOCK, n_sites=128, coupling_normalization="dos"),
        0.005,
        0.005 / 4,
        SPLIT_DTS_DOS,
    )
    print(f"coupling_dos equal-accuracy dt (RK4 at 0.005): {equal_dt_dos}")

    print(
        "\n| N | rk4 ms/step | "
        + " | ".join(f"{name} ms/step (dt = {dt:.4g})" for name, dt in equal_dt.items())
        + " | rk4 ms per 0.025/J | "
        + " | ".join(f"{name} ms per 0.025/J | ratio | bandwidth" for name in equal_dt)
        + " |"
    )
    print("|---" * (2 + 4 * len(equal_dt) + 1) + "|")
    per_unit = {name: [] for name in ("rk4", *equal_dt)}
    for n_sites in args.sizes:
        costs = step_costs(n_sites, equal_dt, rng)
        state_bytes = 2 * n_sites * n_sites * 16
        row = [f"{n_sites}", f"{1e3 * costs['rk4']:.2f}"]
        row += [f"{1e3 * costs[name]:.2f}" for name in equal_dt]
        rk4_unit = costs["rk4"]
        per_unit["rk4"].append(rk4_unit)
        row.append(f"{1e3 * rk4_unit:.2f}")
        for name, dt in equal_dt.items():
            unit = costs[name] * DT / dt
            per_unit[name].append(unit)
            reached = sweeps_per_step(name) * 2 * state_bytes / costs[name] / bandwidth
            row += [f"{1e3 * unit:.2f}", f"{rk4_unit / unit:.1f}x", f"{100 * reached:.0f} %"]
        print("| " + " | ".join(row) + " |")
    sizes = np.log(np.array(args.sizes, dtype=float))
    for name, values in per_unit.items():
        exponent = np.polyfit(sizes, np.log(values), 1)[0]
        print(f"\nscaling exponent ({name}): cost ~ N^{exponent:.2f}")

    if args.dense:
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

    if args.full_run:
        params = baseline_run(BLOCK)
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_quench(params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"\npaper-size run (N = {params.n_sites}, t = {params.t_max}/J, "
            f"{params.integrator}, dt = {params.dt}, {result.steps} steps, equilibrium "
            f"{result.scf_iterations} iterations): wall {wall:.1f} s, CPU {cpu:.1f} s, "
            f"{len(result.slip_times)} slips"
        )


if __name__ == "__main__":
    main()
