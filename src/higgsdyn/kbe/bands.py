"""Bands parametrised by xi (P2): nodes, weights, current vertices (Eqs. 7-8, App. B).

Only xi > 0 is stored; the particle-hole partner -xi enters through G_{-xi} = tau_1 G_xi tau_1.
``weights`` are the measure int dxi rho(xi) / nu_0 over xi > 0 (the pairing and the local
Green's function sum over both partners). The superfluid stiffness per node uses
``para_vertex = v^2(xi) + v^2(-xi)`` and ``dia_vertex = M(xi) - M(-xi)`` with
rho v^2 = K(xi), rho M = dK/dxi (integration by parts, App. B), and an optional boundary
node carrying a delta function of dK/dxi at the band top (the vertex cut-off of App. B).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Band:
    """xi nodes (> 0), weights, vertices; energies in the band's unit."""

    name: str
    xi: np.ndarray
    weights: np.ndarray
    para_vertex: np.ndarray
    dia_vertex: np.ndarray
    dos_fermi: float  # nu_0 = rho(0) in the measure of ``weights`` (per unit energy)
    boundary_vertex: float  # K(xi_top) of the delta term; 0 if no boundary node
    unit: str

    @property
    def n_nodes(self) -> int:
        return self.xi.size


def sinh_mapped_nodes(n: int, stretch: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre on u in (0,1) mapped by x = sinh(stretch u)/sinh(stretch): dense near 0."""
    u, wu = np.polynomial.legendre.leggauss(n)
    u = 0.5 * (u + 1.0)
    wu = 0.5 * wu
    if stretch <= 0:
        return u, wu
    x = np.sinh(stretch * u) / np.sinh(stretch)
    dx = stretch * np.cosh(stretch * u) / np.sinh(stretch)
    return x, wu * dx


def flat_band(n_xi: int, stretch: float) -> Band:
    """2D parabolic band with constant DOS, xi in [-E_F, E_F], vertex cut-off (App. B).

    Units E_F, nu_0 = 1. K(xi) = rho v_x^2 = xi + E_F (2D: k^2/(2m^2) = (xi + E_F)/m,
    m = 1/(2 E_F) absorbed), so v^2(xi) + v^2(-xi) = 2, M(xi) - M(-xi) = 0, and the
    cut-off (flattened dispersion at k~) puts -K(E_F) delta(xi - E_F) = -2 delta into dK/dxi:
    a boundary node at xi = E_F with zero weight in every sum but the diamagnetic one.
    """
    x, w = sinh_mapped_nodes(n_xi, stretch)
    xi = np.append(x, 1.0)
    weights = np.append(w, 0.0)
    para = np.append(np.full(n_xi, 2.0), 0.0)
    dia = np.zeros(n_xi + 1)
    return Band("flat", xi, weights, para, dia, 1.0, 2.0, "E_F")


def tight_binding_band(n_xi: int, stretch: float) -> Band:
    """1D chain xi_k = -2J cos k, k in [-pi, pi] (Fig. 3b); units J.

    Nodes k in (pi/2, pi) (xi > 0), mapped densely near the Fermi point k = pi/2;
    weights dk/pi (so sum over both partners = int dk/2pi); v^2 = (dxi/dk)^2 = 4J^2 - xi^2,
    M = d^2 xi/dk^2 = -xi: para_vertex = 2 (4 - xi^2), dia_vertex = -2 xi; nu_0 = 1/(2 pi J).
    """
    x, w = sinh_mapped_nodes(n_xi, stretch)
    k = 0.5 * np.pi * (1.0 + x)
    weights = 0.5 * np.pi * w / np.pi
    xi = -2.0 * np.cos(k)
    return Band(
        "tight_binding",
        xi,
        weights,
        2.0 * (4.0 - xi**2),
        -2.0 * xi,
        1.0 / (2.0 * np.pi),
        0.0,
        "J_hop",
    )
