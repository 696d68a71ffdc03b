"""P1 pseudospin dynamics (Eqs. 9-12): numba kernels, quench set-up, one-point stage."""

from higgsdyn.pseudospin.quench import QuenchSpec, Rates, evolve, simulate
from higgsdyn.pseudospin.stage import QuenchParams, expand_grids, merge_points, run_point

__all__ = [
    "QuenchParams",
    "QuenchSpec",
    "Rates",
    "evolve",
    "expand_grids",
    "merge_points",
    "run_point",
    "simulate",
]
