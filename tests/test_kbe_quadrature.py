"""The time-stepping schemes of the KB solver (higgsdyn.kbe.quadrature): Gregory weights,
BDF coefficients, the start-block derivative matrix, and why only orders 2, 5, 6 exist."""

from __future__ import annotations

import numpy as np
import pytest

from higgsdyn.kbe import kernels
from higgsdyn.kbe.quadrature import ORDERS, bdf_coefficients, make_scheme


def _degree(order: int) -> int:
    return 1 if order == 2 else order


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("m", [0, 1, 2, 3, 5, 6, 7, 12, 27, 28, 29, 64, 301])
def test_gregory_weights_integrate_polynomials_of_the_scheme_degree_exactly(order, m):
    """sum_s w(m, s) f(s) = int_0^m f for every polynomial of degree <= p (start rows m < p
    on the nodes 0..p, table rows, and the end corrections beyond the table), read through
    the kernels' own lookup; interior weights are exactly 1. Scaled to [0, 1] so the check
    is relative."""
    scheme = make_scheme(order)
    degree = _degree(order)
    size = max(m, degree if m < degree else m) + 1
    weights = np.array([scheme.weight(m, s) for s in range(size)])
    scale = max(m, 1)
    nodes = np.arange(size) / scale
    for power in range(degree + 1):
        exact = (m / scale) ** (power + 1) / (power + 1)
        assert abs(weights @ nodes**power / scale - exact) < 1e-12, (power, m)
    if m > 2 * (degree + 1):
        np.testing.assert_array_equal(weights[degree + 1 : m - degree], 1.0)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 6])
def test_bdf_coefficients_differentiate_polynomials_of_their_order_exactly(order):
    """sum_l a_l y(t - l) = y'(t) for y = t^q, q <= p, and not for q = p + 1 (order exactly p)."""
    a = bdf_coefficients(order)
    lags = -np.arange(order + 1.0)
    for power in range(1, order + 1):
        assert abs(a @ lags**power - (power if power == 1 else 0.0)) < 1e-12
    assert abs(a @ lags ** (order + 1)) > 1e-3


@pytest.mark.parametrize("order", [o for o in ORDERS if o > 2])
def test_start_block_derivative_matrix_is_exact_on_its_nodes(order):
    """D[m, l] = L_l'(m): the derivative of every polynomial of degree <= p at the nodes."""
    scheme = make_scheme(order)
    nodes = np.arange(scheme.steps + 1.0)
    for power in range(1, order + 1):
        np.testing.assert_allclose(
            scheme.diff @ nodes**power, power * nodes ** (power - 1), atol=1e-9
        )


@pytest.mark.parametrize("order", [2, 3, 4, 5, 6])
def test_only_bdf6_keeps_the_band_edge_oscillation_within_1e3_per_step(order):
    """y' = -i E y, E dt = theta: the largest root of the BDF-p stability polynomial grows
    (|zeta| > 1) for p = 3, 4, decays for p = 2, 5, 6; at the band edge of the production
    step (theta = 0.5) BDF-5 damps by 1.2e-3 per step and BDF-6 by 1.0e-3, but at theta = 0.2
    BDF-5 by 1e-5 against BDF-6's 9e-7. So ORDERS = (2, 6) (2 being the trapezoidal rule,
    |zeta| = 1, not BDF-2)."""
    a = bdf_coefficients(order)
    growth = {}
    for theta in (0.05, 0.1, 0.2, 0.5):
        polynomial = a.astype(complex)
        polynomial[0] += 1j * theta
        growth[theta] = np.abs(np.roots(polynomial)).max() - 1.0
    if order in (3, 4):
        assert min(growth.values()) > 0.0
    else:
        assert max(growth.values()) < 0.0
    if order == 6:
        assert -1e-6 < growth[0.2] and -1.1e-3 < growth[0.5]
    if order == 5:
        assert growth[0.2] < -5e-6
    assert (order in ORDERS) == (order == 6 or order == 2)


def test_dense_solve_matches_numpy():
    """The start block's pivoted Gaussian elimination solves like numpy.linalg.solve."""
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(12, 12)) + 1j * rng.normal(size=(12, 12))
    matrix[0, 0] = 0.0  # forces a pivot
    rhs = rng.normal(size=(12, 2)) + 1j * rng.normal(size=(12, 2))
    expected = np.linalg.solve(matrix, rhs)
    solution = rhs.copy()
    kernels._dense_solve(matrix.copy(), solution)
    np.testing.assert_allclose(solution, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("order", [1, 3, 4, 5, 7])
def test_unsupported_orders_are_rejected(order):
    with pytest.raises(ValueError, match=f"time order {order}"):
        make_scheme(order)
