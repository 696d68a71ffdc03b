"""Phase-slip detection on the bonds of the chain (criterion in docs/physics_notes.md).

Bond phase phi_b(t) = arg(Delta_{i+1}(t) Delta_i(t)^*) in (-pi, pi] for bond b = (i, i+1)
(and the wrap-around bond (N-1, 0) on a ring), unwrapped in time from sample to sample to
Phi_b(t) (the sampling interval is the integration step). A slip on bond b is a passage of
Phi_b through an odd multiple of pi, i.e. a change of its wrap index
n_b = (Phi_b - phi_b)/2 pi. On a ring the total winding is W = sum_b phi_b/2 pi =
sum_b Phi_b/2 pi - sum_b n_b, and the unwrapping keeps sum_b Phi_b fixed (see
:meth:`SlipCounter.update`), so the signed count -sum_b (n_b(t) - n_b(0)) equals
W(t) - W(0) by construction. The unsigned count uses a hysteresis h: a change of n_b is
committed (counted, timed) only once |phi_b| <= pi - h, so a bond dithering across pi
(e.g. a pi-junction of the disordered equilibrium) counts nothing; a small |Delta_i|
alone counts nothing.
"""

from __future__ import annotations

import numpy as np

TWO_PI = 2.0 * np.pi


def bond_phases(gap: np.ndarray, periodic: bool) -> np.ndarray:
    """phi_b = arg(Delta_{i+1} Delta_i^*) in (-pi, pi] on each bond (N or N - 1 bonds)."""
    right = np.roll(gap, -1) if periodic else gap[1:]
    left = gap if periodic else gap[:-1]
    return np.angle(right * np.conj(left))


def winding_number(gap: np.ndarray) -> int:
    """Total winding sum_b phi_b / 2 pi of a ring (an integer)."""
    return int(round(np.sum(bond_phases(gap, True)) / TWO_PI))


class SlipCounter:
    """Counts bond phase slips of a sequence of gap profiles Delta_i(t_k)."""

    def __init__(self, gap: np.ndarray, periodic: bool, hysteresis: float):
        if not 0 <= hysteresis < np.pi:
            raise ValueError(f"hysteresis must be in [0, pi), got {hysteresis}")
        self.periodic = periodic
        self.hysteresis = hysteresis
        self.phase = bond_phases(gap, periodic)
        self.unwrapped = self.phase.copy()  # Phi_b
        self.wraps = np.zeros(self.phase.shape, dtype=np.int64)  # n_b
        self.committed = np.zeros(self.phase.shape, dtype=np.int64)  # n_b as last counted
        self.total = 0  # unsigned count of committed slips
        self.net = 0  # signed count = W(t) - W(0) on a ring (+ when a bond phase drops by 2 pi)

    def update(self, gap: np.ndarray) -> int:
        """Advance to the next sample; return the number of newly committed slips.

        Each bond phase moves by its increment in (-pi, pi]. On a ring these sum to
        2 pi K; K != 0 means |K| increments were ambiguous (a |Delta_i| near 0 let a site
        phase jump by ~pi between samples): the |K| increments nearest to the cut in the
        direction of K are moved by -2 pi sign(K), so that sum_b Phi_b stays fixed.
        """
        phase = bond_phases(gap, self.periodic)
        increment = np.angle(np.exp(1j * (phase - self.phase)))
        if self.periodic:
            excess = int(round(np.sum(increment) / TWO_PI))
            order = np.argsort(increment)
            if excess > 0:
                increment[order[-excess:]] -= TWO_PI
            elif excess < 0:
                increment[order[:-excess]] += TWO_PI
        self.unwrapped += increment
        self.phase = phase
        self.wraps = np.rint((self.unwrapped - phase) / TWO_PI).astype(np.int64)
        self.net = -int(np.sum(self.wraps))
        settled = (self.wraps != self.committed) & (np.abs(phase) <= np.pi - self.hysteresis)
        new = int(np.sum(np.abs(self.wraps[settled] - self.committed[settled])))
        self.committed[settled] = self.wraps[settled]
        self.total += new
        return new
