"""P1 equilibrium: Abrikosov-Gor'kov superconductor at T = 0."""

from higgsdyn.equilibrium.ag import AGPoint, solve_ag_point

__all__ = ["AGPoint", "solve_ag_point"]
