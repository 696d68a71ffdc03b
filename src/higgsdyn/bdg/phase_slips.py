"""Phase-slip detection on the bonds of the chain (criterion in docs/physics_notes.md).

Bond phase phi_b(t) = arg(Delta_{i+1}(t) Delta_i(t)^*) for bond b = (i, i+1) (and the
wrap-around bond (N-1, 0) on a ring). It is unwrapped in time from sample to sample
(the sampling interval is the integration step, so a smooth phase moves far less than
pi between samples). A bond records a phase slip when its unwrapped phase has moved by
more than pi + hysteresis away from its initial value plus 2 pi n_b, where n_b counts the
slips of that bond so far; n_b then moves by one in that direction. One slip = one 2 pi
winding of a bond phase, i.e. one passage of the relative phase through pi, which on a
ring changes the total winding W = sum_b phi_b / 2 pi by one. The hysteresis stops a bond
whose phase sits near +-pi (a pi-junction of the disordered equilibrium) from counting
dither; a small |Delta_i| alone counts nothing.
"""

from __future__ import annotations

import numpy as np


def bond_phases(gap: np.ndarray, periodic: bool) -> np.ndarray:
    """phi_b = arg(Delta_{i+1} Delta_i^*) in (-pi, pi] on each bond (N or N - 1 bonds)."""
    right = np.roll(gap, -1) if periodic else gap[1:]
    left = gap if periodic else gap[:-1]
    return np.angle(right * np.conj(left))


def winding_number(gap: np.ndarray) -> int:
    """Total winding sum_b phi_b / 2 pi of a ring (an integer)."""
    return int(round(np.sum(bond_phases(gap, True)) / (2 * np.pi)))


class SlipCounter:
    """Counts bond phase slips of a sequence of gap profiles Delta_i(t_k)."""

    def __init__(self, gap: np.ndarray, periodic: bool, hysteresis: float):
        if not 0 <= hysteresis < np.pi:
            raise ValueError(f"hysteresis must be in [0, pi), got {hysteresis}")
        self.periodic = periodic
        self.threshold = np.pi + hysteresis
        self.initial = bond_phases(gap, periodic)
        self.previous = self.initial.copy()
        self.unwrapped = self.initial.copy()
        self.slips_per_bond = np.zeros(self.initial.shape, dtype=np.int64)
        self.total = 0  # unsigned count of slips
        self.net = 0  # signed count (+ when a bond phase has grown by 2 pi)

    def update(self, gap: np.ndarray) -> int:
        """Advance to the next sample; return the number of new slips."""
        phase = bond_phases(gap, self.periodic)
        self.unwrapped += np.angle(np.exp(1j * (phase - self.previous)))
        self.previous = phase
        offset = self.unwrapped - self.initial - 2 * np.pi * self.slips_per_bond
        up = offset > self.threshold
        down = offset < -self.threshold
        self.slips_per_bond += up.astype(np.int64) - down.astype(np.int64)
        new = int(up.sum() + down.sum())
        self.total += new
        self.net += int(up.sum() - down.sum())
        return new
