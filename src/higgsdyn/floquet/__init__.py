"""Floquet-BdG quasienergies, Floquet-Usadel solution and heating estimate (P2 Eqs. (9)-(10),
A1-A6, D1; Fig. 2)."""

from higgsdyn.floquet.bands import floquet_bands, quasienergy_spectrum, sambe_hamiltonian
from higgsdyn.floquet.heating import excited_quasiparticles, fit_logarithm, fit_power_law
from higgsdyn.floquet.stage import (
    Fig2Point,
    ScalingPoint,
    merge_points,
    run_point,
)
from higgsdyn.floquet.usadel import (
    Drive,
    PerturbativeSolution,
    frequency_grid,
    ldos,
    nonperturbative_g,
    occupied_ldos,
    static_g,
)

__all__ = [
    "Drive",
    "Fig2Point",
    "PerturbativeSolution",
    "ScalingPoint",
    "excited_quasiparticles",
    "fit_logarithm",
    "fit_power_law",
    "floquet_bands",
    "frequency_grid",
    "ldos",
    "merge_points",
    "nonperturbative_g",
    "occupied_ldos",
    "quasienergy_spectrum",
    "run_point",
    "sambe_hamiltonian",
    "static_g",
]
