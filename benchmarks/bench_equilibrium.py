"""Time the P1 AG equilibrium stage (higgsdyn.equilibrium.ag).

Run: PYTHONPATH=src python benchmarks/bench_equilibrium.py
Prints the wall time of one full parameter point at default (paper) and quick resolution,
and of the Gauss-Legendre profile evaluation (Eqs. 63/66) against scipy.quad of the same
printed integrals on the default 801-point grid, with their ratio and largest difference.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import integrate
from timing import best_of

from higgsdyn.equilibrium import AGPoint, solve_ag_point
from higgsdyn.equilibrium.ag import pseudospin_profiles

DEFAULT = AGPoint(
    zeta_s=0.5,
    zeta_u=0.1,
    omega_D=20.0,
    energy_max=4.0,
    n_energy=801,
    n_quadrature=64,
    root_tol=1e-12,
)
QUICK = AGPoint(
    zeta_s=0.5,
    zeta_u=0.1,
    omega_D=20.0,
    energy_max=3.0,
    n_energy=61,
    n_quadrature=32,
    root_tol=1e-10,
)


def profiles_quad(x: np.ndarray, zeta_s: float, zeta_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Eqs. 63/66 by scipy.quad, one call per energy and component (the reference)."""

    def sx_integrand(u, xi):
        r = np.sqrt(1 + u * u)
        return (r - zeta_m) * (r**3 - zeta_s) / (r**4 * ((r - zeta_m) ** 2 + xi * xi))

    def sz_integrand(u, xi):
        r = np.sqrt(1 + u * u)
        return (r**3 - zeta_s) / (r**3 * ((r - zeta_m) ** 2 + xi * xi))

    options = {"epsabs": 1e-14, "epsrel": 1e-13, "limit": 500}
    sx = [2 / np.pi * integrate.quad(sx_integrand, 0, np.inf, args=(v,), **options)[0] for v in x]
    sz = [
        -2 * v / np.pi * integrate.quad(sz_integrand, 0, np.inf, args=(v,), **options)[0] for v in x
    ]
    return np.array(sx), np.array(sz)


def main() -> None:
    for label, point in (("default", DEFAULT), ("quick", QUICK)):
        seconds = best_of(lambda point=point: solve_ag_point(point), 5)
        print(f"solve_ag_point {label} {point}: {seconds * 1e3:.1f} ms")

    ds = solve_ag_point(DEFAULT)
    x = ds.energy.values / float(ds.gap)
    zeta_m = DEFAULT.zeta_m
    fast_seconds = best_of(
        lambda: pseudospin_profiles(x, DEFAULT.zeta_s, zeta_m, DEFAULT.n_quadrature), 20
    )
    start = time.perf_counter()
    sx_ref, sz_ref = profiles_quad(x, DEFAULT.zeta_s, zeta_m)
    quad_seconds = time.perf_counter() - start
    sx, sz = pseudospin_profiles(x, DEFAULT.zeta_s, zeta_m, DEFAULT.n_quadrature)
    difference = max(np.abs(sx - sx_ref).max(), np.abs(sz - sz_ref).max())
    print(
        f"profiles Eqs. 63/66 on {x.size} energies: Gauss-Legendre n={DEFAULT.n_quadrature} "
        f"{fast_seconds * 1e3:.2f} ms, scipy.quad {quad_seconds * 1e3:.0f} ms, "
        f"speed-up {quad_seconds / fast_seconds:.0f}x, max |difference| {difference:.1e}"
    )


if __name__ == "__main__":
    main()
