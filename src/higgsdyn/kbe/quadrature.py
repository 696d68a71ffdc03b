"""Time-stepping schemes of the Kadanoff-Baym solver: multistep rule plus Gregory quadrature.

Every KB equation is an integro-differential equation dy/dt = F(t, y) with F containing
history integrals (P2 Eqs. 4-8). A :class:`TimeScheme` bundles, as plain arrays for the
numba kernels:

- ``lmm``: the linear multistep rule sum_l a_l y_{n-index} = dt (b_0 F_n + b_1 F_{n-1})
  (``lmm[0] = a``, ``lmm[1, :2] = b``). Order 2 is the trapezoidal (Crank-Nicolson) rule,
  a one-step method; order p >= 3 is the backward-differentiation formula BDF-p (as NESSi,
  Schueler et al., CPC 2020).
- ``quad``: Gregory weights w(m, s) for int_0^{m dt} f = dt sum_s w(m, s) f(s dt). Row m <= M0
  holds the rule for m intervals; for m < p the rule interpolates on the nodes 0..p (start
  weights, the integrand continued beyond m); row M0 + 1 holds the end corrections of every
  longer interval (padded with ones). Interior weights are exactly 1.
- ``diff``: derivative matrix D[m, index] = L_l'(m) of the Lagrange basis on the nodes 0..p
  (the start block of a retarded row, :func:`kernels.retarded_row`).

The quadrature is a composite Lagrange rule of degree p (exact for polynomials of degree p,
error O(dt^(p+1))), so the scheme has order p. BDF-p is zero-stable for p <= 6; on the
imaginary axis (undamped oscillation, E dt up to 0.5 at the band edge for dt = 0.25/E_F)
BDF-3 and BDF-4 amplify, BDF-5 damps by 1.2e-3 per step at E dt = 0.5 (measured: its
production n_s error grows to 5% by t = 60/E_F), BDF-6 by 1e-3 at most and 1e-6 at
E dt = 0.2 (docs/physics_notes.md), so the orders offered are 2 and 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
from numpy.polynomial import polynomial as P

from higgsdyn.kbe.kernels import gregory

ORDERS = (2, 6)


@dataclass(frozen=True)
class TimeScheme:
    order: int
    lmm: np.ndarray  # (2, steps + 1): a_l and (b_0, b_1)
    quad: np.ndarray  # (M0 + 2, M0 + 1): Gregory weights and the end corrections
    diff: np.ndarray  # (steps + 1, steps + 1): Lagrange derivative matrix on nodes 0..steps

    @property
    def steps(self) -> int:
        """Number of previous points the multistep rule uses (1 for trapezoidal, p for BDF)."""
        return self.lmm.shape[1] - 1

    def weight(self, m: int, s: int) -> float:
        """w(m, s) of an m-interval integral, read as the kernels read it."""
        return float(gregory(self.quad, m, s))


def bdf_coefficients(order: int) -> np.ndarray:
    """a_l of BDF-p: sum_l a_l y_{n-index} = dt y'_n, from sum_{j=1}^p nabla^j / j."""
    a = np.zeros(order + 1)
    for j in range(1, order + 1):
        for index in range(j + 1):
            a[index] += (-1) ** index * comb(j, index) / j
    return a


def lagrange_basis(nodes: np.ndarray) -> list[np.ndarray]:
    """Power-series coefficients of the Lagrange polynomials L_l on ``nodes``."""
    basis = []
    for index, node in enumerate(nodes):
        others = np.delete(nodes, index)
        poly = P.polyfromroots(others)
        basis.append(poly / P.polyval(node, poly))
    return basis


def gregory_weights(m: int, degree: int) -> np.ndarray:
    """Weights of int_0^m f(x) dx on the integer nodes (composite Lagrange rule of ``degree``).

    For m >= degree each unit interval is integrated with the interpolant on the degree + 1
    nodes nearest to it inside [0, m] (symmetrised); for m < degree the single interpolant on
    the nodes 0..degree is integrated over [0, m] (start weights).
    """
    size = max(m, degree) + 1
    weights = np.zeros(size)
    if m == 0:
        return weights
    antiderivatives = [P.polyint(poly) for poly in lagrange_basis(np.arange(degree + 1.0))]
    if m < degree:
        for index, antiderivative in enumerate(antiderivatives):
            weights[index] = P.polyval(m, antiderivative) - P.polyval(0, antiderivative)
        return weights
    for left in range(m):
        first = min(max(left - (degree - 1) // 2, 0), m - degree)
        x = left - first  # the interval in the window's own coordinates 0..degree
        for index, antiderivative in enumerate(antiderivatives):
            weights[first + index] += P.polyval(x + 1, antiderivative) - P.polyval(
                x, antiderivative
            )
    weights = 0.5 * (weights + weights[::-1])
    weights[np.abs(weights - 1.0) < 1e-12] = 1.0  # interior: exactly 1 up to rounding
    return weights


def scheme_name(order: int) -> str:
    """Human-readable name of the scheme of ``order`` (dataset attributes, logs)."""
    return "trapezoidal (order 2)" if order == 2 else f"BDF-{order} + Gregory (order {order})"


def make_scheme(order: int) -> TimeScheme:
    """The scheme of the given order (2: trapezoidal; 6: BDF-6 with degree-6 Gregory)."""
    if order not in ORDERS:
        raise ValueError(f"time order {order} not in {ORDERS}")
    if order == 2:
        lmm = np.array([[1.0, -1.0], [0.5, 0.5]])
        degree = 1
    else:
        a = bdf_coefficients(order)
        lmm = np.zeros((2, order + 1))
        lmm[0] = a
        lmm[1, 0] = 1.0
        degree = order
    steps = lmm.shape[1] - 1
    width = degree + 1  # end corrections differ from 1 on at most degree + 1 nodes
    last = 4 * width
    quad = np.zeros((last + 2, last + 1))
    for m in range(last + 1):
        row = gregory_weights(m, degree)
        quad[m, : row.size] = row
    quad[last + 1] = 1.0
    quad[last + 1, :width] = quad[last, :width]
    nodes = np.arange(steps + 1.0)
    diff = np.array(
        [[P.polyval(x, P.polyder(poly)) for poly in lagrange_basis(nodes)] for x in nodes]
    )
    scheme = TimeScheme(order=order, lmm=lmm, quad=quad, diff=diff)
    for m in (last + 1, last + 2, 3 * last):
        expected = gregory_weights(m, degree)
        actual = np.array([scheme.weight(m, s) for s in range(m + 1)])
        if not np.allclose(actual, expected, atol=1e-13):
            raise AssertionError(f"Gregory end corrections do not extend to m = {m}")
    return scheme
