"""Lattice time-dependent BdG of a disordered chain (P2 App. C): quench and phase slips."""

from higgsdyn.bdg.dynamics import Propagator, QuenchResult, run_quench
from higgsdyn.bdg.equilibrium import Equilibrium, solve_equilibrium
from higgsdyn.bdg.model import ChainQuench, disorder_potential
from higgsdyn.bdg.phase_slips import SlipCounter, bond_phases, winding_number

__all__ = [
    "ChainQuench",
    "Equilibrium",
    "Propagator",
    "QuenchResult",
    "SlipCounter",
    "bond_phases",
    "disorder_potential",
    "run_quench",
    "solve_equilibrium",
    "winding_number",
]
