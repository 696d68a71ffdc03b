"""Anderson acceleration of a fixed-point iteration x = g(x), shared by the self-consistent
equilibria (BdG chain, Matsubara KB start)."""

from __future__ import annotations

import numpy as np


class Anderson:
    """Anderson mixing of x = g(x) (Walker & Ni, SIAM J. Numer. Anal. 49, 1715 (2011)): from
    the last ``depth`` steps dX and residual changes dF, x + b f - (dX + b dF) gamma with
    gamma = argmin |f - dF gamma|; plain linear mixing x + b f on the first step (depth 0:
    always). b = ``mixing``."""

    def __init__(self, mixing: float, depth: int):
        self.mixing, self.depth = mixing, depth
        self.steps: list[np.ndarray] = []
        self.residual_changes: list[np.ndarray] = []
        self.previous: tuple[np.ndarray, np.ndarray] | None = None

    def step(self, state: np.ndarray, mapped: np.ndarray) -> np.ndarray:
        """The next iterate from the current one and its image g(state)."""
        residual = mapped - state
        if self.previous is not None and self.depth > 0:
            self.steps = [*self.steps, state - self.previous[0]][-self.depth :]
            self.residual_changes = [*self.residual_changes, residual - self.previous[1]][
                -self.depth :
            ]
        self.previous = (state, residual)
        update = self.mixing * residual
        if self.steps:
            d_state = np.array(self.steps).T
            d_residual = np.array(self.residual_changes).T
            gamma = np.linalg.lstsq(d_residual, residual, rcond=None)[0]
            update -= (d_state + self.mixing * d_residual) @ gamma
        return state + update
