"""Anderson acceleration (higgsdyn.analysis.fixed_point), shared by the BdG and Matsubara
equilibria."""

import numpy as np

from higgsdyn.analysis.fixed_point import Anderson


def _iterations_to_converge(depth, tolerance=1e-12, limit=2000):
    """x = A x + b with a slow contraction (spectral radius 0.95) in 6 dimensions."""
    rng = np.random.default_rng(7)
    basis, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    matrix = basis @ np.diag([0.95, 0.9, 0.5, -0.6, 0.2, -0.9]) @ basis.T
    offset = rng.normal(size=6)
    exact = np.linalg.solve(np.eye(6) - matrix, offset)
    accelerator = Anderson(1.0, depth)
    state = np.zeros(6)
    for iteration in range(1, limit + 1):
        state = accelerator.step(state, matrix @ state + offset)
        if np.max(np.abs(state - exact)) < tolerance:
            return iteration
    return limit + 1


def test_anderson_solves_a_linear_map_in_about_its_dimension():
    """On a linear map Anderson mixing with full depth is GMRES: exact after dim + 1 steps
    (+ round-off), where plain iteration needs ~log(1e-12)/log(0.95) ~ 540."""
    assert _iterations_to_converge(depth=6) <= 9
    assert _iterations_to_converge(depth=0) > 400
