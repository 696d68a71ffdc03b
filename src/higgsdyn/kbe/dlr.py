"""Discrete Lehmann representation (DLR) of fermionic imaginary-time functions on [0, beta].

Every function of the form f(tau) = int dw rho(w) K(tau, w) with spectral support in
[-cutoff, cutoff] and the fermionic kernel

    K(tau, w) = e^(-w tau) / (1 + e^(-beta w)),      0 <= tau <= beta,

is represented to relative accuracy ``epsilon`` by r real frequencies w_l and r values at
imaginary-time nodes tau_k, with r ~ log(beta cutoff) log(1/epsilon) (Kaye, Chen and
Parcollet, Phys. Rev. B 105, 235115 (2022)). Frequencies and nodes are chosen by pivoted
QR of the kernel on fine composite grids, as in that paper. The mixed (real-time /
imaginary-time) Green's functions G^](t, tau) of the Kadanoff-Baym contour are such
functions of tau for every t (their tau dependence comes from the initial equilibrium
spectrum), so a few dozen nodes replace a uniform tau grid of ~beta * cutoff points.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lu_factor, lu_solve, qr


def kernel(tau: np.ndarray, omega: np.ndarray, beta: float) -> np.ndarray:
    """K(tau, w) = e^(-w tau)/(1 + e^(-beta w)), evaluated without overflow (outer product)."""
    tau = np.asarray(tau, dtype=float)[..., None]
    omega = np.asarray(omega, dtype=float)
    positive = omega >= 0
    # w >= 0: e^(-w tau)/(1 + e^(-beta w));  w < 0: e^(w (beta - tau))/(1 + e^(beta w))
    exponent = np.where(positive, -omega * tau, omega * (beta - tau))
    return np.exp(exponent) / (1.0 + np.exp(-beta * np.abs(omega)))


@functools.cache
def _gauss_legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1] (computed once per order: a run's tau
    grids ask for the same order hundreds of times)."""
    x, w = np.polynomial.legendre.leggauss(order)
    x.flags.writeable = w.flags.writeable = False
    return x, w


def _composite_nodes(edges: np.ndarray, order: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of a composite Gauss-Legendre (or Chebyshev) rule on panels."""
    if kind == "legendre":
        x, w = _gauss_legendre(order)
    else:
        x = np.cos(np.pi * (np.arange(order) + 0.5) / order)[::-1]
        w = np.zeros(order)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    return (mid[:, None] + half[:, None] * x).ravel(), (half[:, None] * w).ravel()


def _dyadic_edges(length: float, finest: float) -> np.ndarray:
    """0, finest, 2 finest, 4 finest, ..., length: panels refined towards 0."""
    count = max(int(np.ceil(np.log2(length / finest))), 1)
    return np.concatenate([[0.0], length * 2.0 ** -np.arange(count, -1, -1)])


def fine_tau_grid(beta: float, cutoff: float, order: int = 24):
    """Composite Gauss-Legendre rule on [0, beta], dyadically refined towards both ends so
    that e^(-cutoff tau) and e^(-cutoff (beta - tau)) are integrated to machine precision."""
    edges = _dyadic_edges(0.5 * beta, 0.5 / cutoff)
    half, weights = _composite_nodes(edges, order, "legendre")
    return np.concatenate([half, beta - half[::-1]]), np.concatenate([weights, weights[::-1]])


@dataclass(frozen=True)
class ImaginaryTimeBasis:
    """DLR of fermionic functions on [0, beta] with spectral support in [-cutoff, cutoff].

    ``frequencies`` w_l and ``nodes`` tau_k (both length r); ``values_to_coefficients`` maps
    values f(tau_k) to coefficients c_l of f = sum_l c_l K(., w_l).
    """

    beta: float
    cutoff: float
    epsilon: float
    frequencies: np.ndarray
    nodes: np.ndarray
    node_kernel: np.ndarray  # K(tau_k, w_l), shape (r, r)

    @classmethod
    def build(cls, beta: float, cutoff: float, epsilon: float = 1e-12) -> ImaginaryTimeBasis:
        """Pivoted-QR selection of frequencies, then of nodes (Kaye, Chen, Parcollet 2022)."""
        if beta <= 0 or cutoff <= 0:
            raise ValueError("the DLR needs beta > 0 and cutoff > 0")
        omega_half, _ = _composite_nodes(_dyadic_edges(cutoff, 1.0 / beta), 24, "chebyshev")
        omega_fine = np.concatenate([-omega_half[::-1], omega_half])
        tau_fine, _ = fine_tau_grid(beta, cutoff)
        matrix = kernel(tau_fine, omega_fine, beta)
        _, r_factor, pivots = qr(matrix, mode="economic", pivoting=True)
        diagonal = np.abs(np.diag(r_factor))
        rank = int(np.sum(diagonal > epsilon * diagonal[0]))
        frequencies = np.sort(omega_fine[pivots[:rank]])
        _, _, row_pivots = qr(kernel(tau_fine, frequencies, beta).T, mode="economic", pivoting=True)
        nodes = np.sort(tau_fine[row_pivots[:rank]])
        return cls(beta, cutoff, epsilon, frequencies, nodes, kernel(nodes, frequencies, beta))

    @property
    def rank(self) -> int:
        return self.nodes.size

    def values_to_coefficients(self, values: np.ndarray) -> np.ndarray:
        """c with sum_l c_l K(tau_k, w_l) = values[k] (leading axis k)."""
        shape = values.shape
        solved = lu_solve(lu_factor(self.node_kernel), values.reshape(self.rank, -1))
        return solved.reshape(shape)

    def evaluate(self, coefficients: np.ndarray, tau: np.ndarray) -> np.ndarray:
        """f(tau) = sum_l c_l K(tau, w_l) (leading axis of the result: tau)."""
        return np.tensordot(kernel(tau, self.frequencies, self.beta), coefficients, axes=1)

    def cardinal(self, tau: np.ndarray) -> np.ndarray:
        """L_k(tau): the span's functions with L_k(tau_k') = delta_kk', shape (len(tau), r).

        Evaluated by a backward-stable solve, not through the coefficients of L_k, which are
        as large as the condition number of K(tau_k, w_l) (~1/epsilon).
        """
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        return lu_solve(lu_factor(self.node_kernel.T), kernel(tau, self.frequencies, self.beta).T).T

    def reflected_overlap(self) -> np.ndarray:
        """W[k, k'] with int_0^beta f(tau) g(beta - tau) dtau = sum f(tau_k) W[k, k'] g(tau_k')
        for f, g in the span (real symmetric)."""
        tau, weights = fine_tau_grid(self.beta, self.cutoff)
        overlap = self.cardinal(tau).T @ (weights[:, None] * self.cardinal(self.beta - tau))
        return 0.5 * (overlap + overlap.T)

    def mixed_convolution(self, green_coefficients: np.ndarray) -> np.ndarray:
        """B[k', k] with int_0^beta S(tau') G(tau' - tau_k) dtau' = sum_k' S(tau_k') B[k', k].

        G is fermionic (G(tau - beta) = -G(tau)) with DLR coefficients ``green_coefficients``
        (leading axis l, trailing matrix axes allowed); S is any function in the span. The
        integral is split at tau' = tau_k (the jump of G) and done by the composite rule.
        """
        dtype = np.result_type(green_coefficients, float)
        out = np.zeros((self.rank, self.rank) + green_coefficients.shape[1:], dtype=dtype)
        for k, tau_k in enumerate(self.nodes):
            below, w_below = fine_tau_grid(tau_k, self.cutoff)
            above, w_above = fine_tau_grid(self.beta - tau_k, self.cutoff)
            tau = np.concatenate([below, tau_k + above])
            weights = np.concatenate([w_below, w_above])
            # below tau_k: G(tau - tau_k) = -G(tau - tau_k + beta) (antiperiodic)
            lag = np.concatenate([below - tau_k + self.beta, above])
            sign = np.concatenate([-np.ones(below.size), np.ones(above.size)])
            green = self.evaluate(green_coefficients, lag)
            weighted = (weights * sign)[:, None] * self.cardinal(tau)
            out[:, k] = np.tensordot(weighted, green, axes=([0], [0]))
        return out
