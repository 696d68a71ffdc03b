"""Benchmark of the P1 pseudospin solver (issue 3): one quench at N = 15024 to t = 400/Delta_1.

Defaults are config.yaml's integrator (order 6, h = 1/32 and h/2). Reports wall time,
steps/s, ns per pseudospin update and a flop estimate for the numba splitting kernel; its
accuracy (max |Delta_h - Delta_ref| with Delta_ref from h/4, and the step-halving change);
and, in the same run and on the same interval, scipy solve_ivp DOP853 with the vectorised
numpy right-hand side (kernels.rhs_reference) at the same accuracy, and the plain-numpy twin
of the kernel. Rerun:  python benchmarks/bench_pseudospin.py [--quick]
[--order 4 --steps 0.01 0.008]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from scipy.integrate import solve_ivp

from higgsdyn.pseudospin import kernels, quench

# flops per pseudospin per sub-step in split_run: x-kick 6, phase recurrence 12,
# two source half-steps 2 x 12, Rodrigues rotation 21, reduction 1 (counted by hand).
FLOPS_PER_UPDATE = 64


def problem(n_levels: int, zeta: float):
    lambda_f = 1.0 / np.arcsinh(10.0)
    lambda_i = 1.0 / np.arcsinh(10.0 / 1.05)
    cutoff = quench.cutoff_for_unit_gap(lambda_f, n_levels)
    eps = quench.level_grid(n_levels, cutoff)
    gap0 = quench.clean_gap(lambda_i, n_levels, cutoff)
    cos_t, sin_t = quench.projection_angle(eps, gap0, 1.0)
    w = quench.w_eq40(eps, 1.0)
    coefficients = quench.source_coefficients(eps, 1.0, cos_t, sin_t, w, quench.Rates(zeta, 0.0))
    energy0 = np.sqrt(eps**2 + gap0**2)
    state = (gap0 / energy0, np.zeros_like(eps), -eps / energy0)
    return state, coefficients, quench.coupling_weight(lambda_f, n_levels, cutoff)


def run(state, coefficients, weight, dt, t_end, order=4):
    start = time.perf_counter()
    n_steps = int(round(t_end / dt))
    result = quench.evolve(state, coefficients, weight, 1.0, dt, n_steps, order=order)
    return result.gaps, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, default=15024)
    parser.add_argument("--t-max", type=float, default=400.0)
    parser.add_argument("--steps", type=float, nargs="+", default=[0.03125, 0.015625])
    parser.add_argument("--zeta", type=float, default=0.1)
    parser.add_argument("--t-compare", type=float, default=40.0, help="interval for scipy")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rtols", type=float, nargs="+", default=[1e-5, 1e-7])
    parser.add_argument("--order", type=int, default=6, choices=(2, 4, 6))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.levels, args.t_max, args.t_compare = 2000, 50.0, 10.0
    state, coefficients, weight = problem(args.levels, args.zeta)
    run(state, coefficients, weight, 0.1, 1.0)  # compile
    order = args.order
    n_sub = kernels.yoshida_substeps(1.0, order).size
    print(
        f"N = {args.levels}, t_max = {args.t_max}, zeta = {args.zeta} (paramagnetic), order {order}"
    )

    numba.set_num_threads(1)
    finest = min(args.steps) / 4
    reference, _ = run(state, coefficients, weight, finest, args.t_max, order)
    for threads in args.threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        for dt in args.steps:
            gaps, seconds = run(state, coefficients, weight, dt, args.t_max, order)
            stride = int(round(dt / finest))
            error = np.max(np.abs(gaps - reference[::stride]))
            halved, _ = run(state, coefficients, weight, dt / 2, args.t_max, order)
            change = np.max(np.abs(gaps - halved[::2]))
            n_steps = int(round(args.t_max / dt))
            updates = n_sub * n_steps * args.levels
            print(
                f"threads={threads} h={dt}: {seconds:.2f} s, {n_steps / seconds:.0f} steps/s, "
                f"{1e9 * seconds / updates:.2f} ns/pseudospin-update ({n_sub} per step), "
                f"{FLOPS_PER_UPDATE * updates / seconds / 1e9:.2f} GFlop/s; "
                f"max|Delta - ref| = {error:.2e}, step-halving change = {change:.2e}"
            )

    # same interval, same accuracy: scipy DOP853 (numpy, one core) vs numba splitting on each
    # thread count. Reference: our order-4 run at h = 0.0015625 (error ~1e-8); for each rtol,
    # our dt shrinks from the largest --steps value until our error is at most scipy's.
    numba.set_num_threads(1)
    t_end = args.t_compare
    sample = np.linspace(0.0, t_end, 201)
    fine, _ = run(state, coefficients, weight, 0.0015625, t_end, 4)
    exact = np.interp(sample, np.linspace(0, t_end, fine.size), fine)
    for rtol in args.rtols:
        start = time.perf_counter()
        solution = solve_ivp(
            kernels.rhs_reference,
            (0.0, t_end),
            np.concatenate(state),
            method="DOP853",
            rtol=rtol,
            atol=rtol * 1e-2,
            vectorized=True,
            args=(coefficients, weight),
            t_eval=sample,
        )
        seconds_scipy = time.perf_counter() - start
        scipy_gap = weight * solution.y.reshape(3, args.levels, -1)[0].sum(axis=0)
        scipy_error = np.max(np.abs(scipy_gap - exact))
        # dt = t_end / n_steps with every sample point on the step grid (no interpolation
        # error), n_steps growing by ~20% per try
        per_sample = int(np.ceil(t_end / max(args.steps) / (sample.size - 1)))
        while True:
            n_steps = per_sample * (sample.size - 1)
            dt = t_end / n_steps
            gaps, _ = run(state, coefficients, weight, dt, t_end, order)
            ours = gaps[::per_sample]
            our_error = np.max(np.abs(ours - exact))
            if our_error <= scipy_error or dt <= 0.0031251:
                break  # the reference step is 0.0015625: do not go below 2x it
            per_sample += max(1, round(0.2 * per_sample))
        for threads in args.threads:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            _, seconds_numba = run(state, coefficients, weight, dt, t_end, order)
            print(
                f"on [0, {t_end}]: scipy DOP853 rtol={rtol:g} ({solution.nfev} RHS calls) "
                f"{seconds_scipy:.2f} s, error {scipy_error:.2e}; numba order {order} h={dt:.4g} "
                f"threads={threads} {seconds_numba:.3f} s, error {our_error:.2e}"
                f"{'' if our_error <= scipy_error else ' (NOT reached: compare with care)'}; "
                f"time ratio scipy/numba = {seconds_scipy / seconds_numba:.1f}"
            )
        numba.set_num_threads(1)

    target_step = args.steps[0]
    steps_ref = int(round(min(t_end, 5.0) / target_step))
    substeps = kernels.yoshida_substeps(target_step, order)
    start = time.perf_counter()
    kernels.split_run_reference(state, 0.0, coefficients, weight, 1.0, substeps, steps_ref)
    seconds_numpy = time.perf_counter() - start
    start = time.perf_counter()
    quench.evolve(state, coefficients, weight, 1.0, target_step, steps_ref, order=order)
    seconds_kernel = time.perf_counter() - start
    print(
        f"numpy twin of the kernel, {steps_ref} steps: {seconds_numpy:.3f} s vs numba "
        f"{seconds_kernel:.3f} s: ratio {seconds_numpy / seconds_kernel:.1f}"
    )


if __name__ == "__main__":
    main()
