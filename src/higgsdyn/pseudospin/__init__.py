"""Pseudospin dynamics of P1 Eqs. (9)-(12): numba kernels, quench set-up, one-point stage."""

from higgsdyn.pseudospin.quench import QuenchParams, Rates, evolve, simulate
from higgsdyn.pseudospin.stage import expand_grids, merge_points, run_point

__all__ = [
    "QuenchParams",
    "Rates",
    "evolve",
    "expand_grids",
    "merge_points",
    "run_point",
    "simulate",
]
