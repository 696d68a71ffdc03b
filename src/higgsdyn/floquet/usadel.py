"""Uniform Floquet-Usadel-Keldysh solution for a driven gap (P2 Eqs. (9)-(10), (A1)-(A6)).

Convention (documented in docs/physics_notes.md). Energies are in units of the static
gap Delta. The quasiclassical function is a 4x4 Keldysh-Nambu matrix
``g = [[g^R, g^K], [0, g^A]]`` that solves, in frequency space,

    [Lambda, g] = 0,    g o g = 1,                                   (P2 Eqs. (9) / (A1))
    Lambda(w, w') = 2 pi delta(w - w') (w tau_3 - Sigma_w) + i Delta(w - w') tau_2,

with the relaxation-time self-energy of P2 Eq. (10) written retarded-consistently,
``Sigma^R = -i gamma tau_3 = -Sigma^A``, ``Sigma^K = (Sigma^R - Sigma^A) tanh(w / 2T)``.
For a static gap this gives ``g^R = ((w + i gamma) tau_3 + i Delta tau_2) / sqrt(...)``
(-> tau_3 at large |w|), ``g^A -> -tau_3`` and ``g^K = (g^R - g^A) tanh(w / 2T)``.
The solution is the matrix sign function with respect to the imaginary axis,
``g = sign_Im(Lambda)``: +1 on eigenvectors of Lambda with Im(lambda) > 0, -1 otherwise;
it commutes with Lambda and squares to one by construction.

A Floquet function is stored by harmonic: ``X_k(w) = X(w, w - k omega_0)``; products are
``(AB)_k(w) = sum_j A_j(w) B_{k-j}(w - j omega_0)`` and the time-diagonal value is
``X(t, t) = sum_k exp(-i k omega_0 t) int dw/2pi X_k(w)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from higgsdyn.io.progress import Progress

log = logging.getLogger(__name__)
# Frequencies per batched Sambe solve: bounds the (chunk, 4(2N+1), 4(2N+1)) work arrays.
FREQUENCY_CHUNK = 256

TAU0 = np.eye(2, dtype=complex)
TAU1 = np.array([[0, 1], [1, 0]], dtype=complex)
TAU2 = np.array([[0, -1j], [1j, 0]], dtype=complex)
TAU3 = np.array([[1, 0], [0, -1]], dtype=complex)
ID4 = np.eye(4, dtype=complex)
TAU3_K = np.kron(np.eye(2), TAU3)  # tau_3 in every Keldysh block
DRIVE_VERTEX = np.kron(np.eye(2), 1j * TAU2)  # i tau_2 in the R and A blocks, none in K


@dataclass(frozen=True)
class Drive:
    """Delta(t) = Delta + theta cos(omega0 t) with the bath of P2 Eq. (10); energies in Delta."""

    theta: float
    omega0: float
    gamma: float
    temperature: float
    delta: float = 1.0


def distribution(omega: np.ndarray, temperature: float) -> np.ndarray:
    """Equilibrium h(w) = tanh(w / 2T) of the bath in P2 Eq. (10) (sign(w) at T = 0)."""
    omega = np.asarray(omega, dtype=float)
    if temperature == 0.0:
        return np.sign(omega)
    return np.tanh(omega / (2.0 * temperature))


def keldysh_matrix(retarded, keldysh, advanced) -> np.ndarray:
    """Assemble [[R, K], [0, A]] from (..., 2, 2) blocks."""
    shape = np.broadcast_shapes(retarded.shape, keldysh.shape, advanced.shape)
    out = np.zeros(shape[:-2] + (4, 4), dtype=complex)
    out[..., :2, :2] = retarded
    out[..., :2, 2:] = keldysh
    out[..., 2:, 2:] = advanced
    return out


def static_lambda(omega: np.ndarray, drive: Drive) -> np.ndarray:
    """Frequency-diagonal part of Lambda at w (P2 Eq. (A1) with P2 Eq. (10)): (..., 4, 4)."""
    w = np.asarray(omega, dtype=float)[..., None, None]
    h = distribution(omega, drive.temperature)[..., None, None]
    gap = 1j * drive.delta * TAU2
    retarded = (w + 1j * drive.gamma) * TAU3 + gap
    advanced = (w - 1j * drive.gamma) * TAU3 + gap
    return keldysh_matrix(retarded, 2j * drive.gamma * h * TAU3, advanced)


def sqrt_upper(z: np.ndarray) -> np.ndarray:
    """Square root on the branch with Im >= 0 (the retarded/advanced branch of sign_Im)."""
    return 1j * np.sqrt(-np.asarray(z, dtype=complex))


def static_g(omega: np.ndarray, drive: Drive) -> np.ndarray:
    """Zeroth order g(w): the BCS-Dynes solution of P2 Eq. (9) with P2 Eq. (10), closed form."""
    w = np.asarray(omega, dtype=float)[..., None, None]
    h = distribution(omega, drive.temperature)[..., None, None]
    gap = 1j * drive.delta * TAU2
    blocks = []
    for sign in (1.0, -1.0):
        z = w + sign * 1j * drive.gamma
        blocks.append((z * TAU3 + gap) / sqrt_upper(z**2 - drive.delta**2))
    retarded, advanced = blocks
    return keldysh_matrix(retarded, (retarded - advanced) * h, advanced)


def solve_order_block(
    lam_left, lam_right, g_left, g_right, commutator_rhs, normalisation_rhs, shift
):
    """Solve L X - X R = C1 together with g_l X + X g_r = C2 for X (batched 4x4).

    The anticommutator fixes the blocks of X inside the +/+ and -/- spectral subspaces
    of g0 (P+ X P+ = P+ C2 P+ / 2, ...); the commutator fixes the +/- and -/+ blocks,
    where the Sylvester operator is invertible because the two spectra lie in opposite
    half planes. The shifted operator T(Y) = (L + i s g_l) Y - Y (R - i s g_r) equals the
    Sylvester operator on the mixed blocks and is invertible on the others when
    s > max |Im lambda| / 2, so one batched 16x16 solve gives the mixed blocks.
    """
    p_left = 0.5 * (ID4 + g_left), 0.5 * (ID4 - g_left)
    p_right = 0.5 * (ID4 + g_right), 0.5 * (ID4 - g_right)
    mixed_rhs = (
        commutator_rhs
        - p_left[0] @ commutator_rhs @ p_right[0]
        - p_left[1] @ commutator_rhs @ p_right[1]
    )
    a = lam_left + 1j * shift * g_left
    b = lam_right - 1j * shift * g_right
    operator = np.einsum("...ik,jl->...ijkl", a, ID4) - np.einsum("ik,...lj->...ijkl", ID4, b)
    batch = np.broadcast_shapes(a.shape, b.shape)[:-2]
    operator = operator.reshape(batch + (16, 16))
    mixed = np.linalg.solve(operator, mixed_rhs.reshape(batch + (16, 1))).reshape(batch + (4, 4))
    return mixed + 0.25 * (g_left @ normalisation_rhs + normalisation_rhs @ g_right)


class PerturbativeSolution:
    """Orders theta^n of the Floquet harmonics of g on a frequency grid (P2 Eq. (A1), App. A).

    ``g(n, k, shift)`` is g_k at order n evaluated at w - shift * omega0 (the products of
    Floquet functions need shifted arguments); results are cached, so each block is
    solved once. Order 0 is :func:`static_g`; order n solves
    [Lambda_0, g_n] = -[V, g_{n-1}] with {g_0, g_n} = -sum_m g_m g_{n-m}, the paper's
    iterative expansion, with V_{+-1} = (theta / 2) i tau_2 from Delta(Omega).
    ``shift_factor`` scales the auxiliary shift s = Delta + gamma of
    :func:`solve_order_block` (any s > (Delta + gamma) / 2 is exact; used to test stability).
    """

    def __init__(self, drive: Drive, omega: np.ndarray, shift_factor: float = 1.0):
        self.drive = drive
        self.shift = shift_factor * (drive.delta + drive.gamma)
        self.omega = np.asarray(omega, dtype=float)
        self._cache: dict[tuple[int, int, int], np.ndarray] = {}
        self._zero = np.zeros(self.omega.shape + (4, 4), dtype=complex)
        self._vertex = 0.5 * drive.theta * DRIVE_VERTEX

    def frequency(self, shift: int) -> np.ndarray:
        return self.omega - shift * self.drive.omega0

    def g(self, order: int, k: int, shift: int = 0) -> np.ndarray:
        """g_k^(order)(w - shift omega0) = g^(order)(w_s, w_s - k omega0), (..., 4, 4)."""
        if abs(k) > order or (order - k) % 2:
            return self._zero
        key = (order, k, shift)
        if key not in self._cache:
            self._cache[key] = self._solve(order, k, shift)
        return self._cache[key]

    def _solve(self, order: int, k: int, shift: int) -> np.ndarray:
        left = self.frequency(shift)
        if order == 0:
            return static_g(left, self.drive)
        right = self.frequency(shift + k)
        commutator_rhs = -sum(
            self._vertex @ self.g(order - 1, k - j, shift + j)
            - self.g(order - 1, k - j, shift) @ self._vertex
            for j in (1, -1)
        )
        normalisation_rhs = -sum(
            self.g(m, i, shift) @ self.g(order - m, k - i, shift + i)
            for m in range(1, order)
            for i in range(-m, m + 1)
        )
        return solve_order_block(
            static_lambda(left, self.drive),
            static_lambda(right, self.drive),
            self.g(0, 0, shift),
            self.g(0, 0, shift + k),
            commutator_rhs,
            normalisation_rhs + self._zero,
            shift=self.shift,
        )

    def commutator_residual(self, order: int, k: int) -> float:
        """Relative residual of [Lambda_0, g_n]_k + [V, g_{n-1}]_k = 0 (P2 Eq. (A1), all blocks):
        max |lhs + source| / (max |Lambda_0 g_n| + max |source|)."""
        g_n = self.g(order, k)
        lam_left = static_lambda(self.omega, self.drive)
        lam_right = static_lambda(self.frequency(k), self.drive)
        source = sum(
            self._vertex @ self.g(order - 1, k - j, j) - self.g(order - 1, k - j) @ self._vertex
            for j in (1, -1)
        )
        scale = np.abs(lam_left @ g_n).max() + np.abs(source).max()
        return float(np.abs(lam_left @ g_n - g_n @ lam_right + source).max() / scale)

    def current_integrand(self, order: int, k: int) -> np.ndarray:
        """(i/4) Tr[tau_3 g tau_3 g]^K_k(w) / 2pi at order theta^order (P2 Eqs. (A2)-(A6)).

        Integrated over w it is harmonic k of n_s in units of (m/2) sigma_N Delta; the
        prefactor (i/4 for the printed i sigma_N / 8 with j = -n_s A / m) is fixed by the
        equilibrium value n_s = (m/2) sigma_N Delta tanh(Delta / 2T) (test_floquet).
        """
        total = np.zeros(self.omega.shape, dtype=complex)
        for m in range(order + 1):
            for i in range(-m, m + 1):
                product = TAU3_K @ self.g(m, i) @ TAU3_K @ self.g(order - m, k - i, i)
                total += np.trace(product[..., :2, 2:], axis1=-2, axis2=-1)
        return 0.25j * total / (2 * np.pi)

    def superfluid_density(self, order: int, k: int) -> complex:
        """Harmonic k of n_s at order theta^order [(m/2) sigma_N Delta]
        (P2 Eqs. (A2), (A5), (A6))."""
        return complex(np.trapezoid(self.current_integrand(order, k), self.omega))


# ------------------------------------------------------------ non-perturbative (Sambe)


def sambe_lambda(omega: np.ndarray, drive: Drive, n_harmonics: int, block: str) -> np.ndarray:
    """Truncated Sambe matrix of Lambda^R or Lambda^A centred on w: (..., 2M, 2M), M = 2N+1.

    Harmonic n (row) carries frequency w + n omega0; Delta_{+-1} = theta / 2 couples n, n+-1.
    """
    harmonics = np.arange(-n_harmonics, n_harmonics + 1)
    size = harmonics.size
    w = np.asarray(omega, dtype=float)[..., None] + harmonics * drive.omega0
    lam = static_lambda(w, drive)
    sub = lam[..., :2, :2] if block == "R" else lam[..., 2:, 2:]
    out = np.zeros(np.shape(omega) + (size, 2, size, 2), dtype=complex)
    index = np.arange(size)
    out[..., index, :, index, :] = np.moveaxis(sub, -3, 0)
    coupling = 0.5 * drive.theta * 1j * TAU2
    out[..., index[:-1], :, index[1:], :] = coupling
    out[..., index[1:], :, index[:-1], :] = coupling
    return out.reshape(np.shape(omega) + (2 * size, 2 * size))


def sambe_keldysh_source(omega: np.ndarray, drive: Drive, n_harmonics: int) -> np.ndarray:
    """Lambda^K = -Sigma^K in Sambe space: diagonal, 2 i gamma tanh(w_n / 2T) tau_3."""
    harmonics = np.arange(-n_harmonics, n_harmonics + 1)
    w = np.asarray(omega, dtype=float)[..., None] + harmonics * drive.omega0
    diag = 2j * drive.gamma * distribution(w, drive.temperature)[..., None] * np.array([1, -1])
    diag = diag.reshape(np.shape(omega) + (2 * harmonics.size,))
    return diag[..., :, None] * np.eye(diag.shape[-1])


def nonperturbative_g(omega: np.ndarray, drive: Drive, n_harmonics: int, tol: float = 1e-8):
    """g = sign_Im(Lambda) in truncated Sambe space, all orders in theta: (R, K, A) blocks.

    g^R, g^A from eigen-decompositions of Lambda^R, Lambda^A; the Keldysh block from the
    divided-difference (Daleckii-Krein) formula of the sign function,
    g^K = V_R [(s^R_i - s^A_j) / (l^R_i - l^A_j) (V_R^-1 Lambda^K V_A)_ij] V_A^-1.
    Raises FloatingPointError if g o g = 1 is violated by more than ``tol``.
    """
    parts = {}
    for block in ("R", "A"):
        values, vectors = np.linalg.eig(sambe_lambda(omega, drive, n_harmonics, block))
        parts[block] = values, vectors, np.linalg.inv(vectors), np.where(values.imag > 0, 1, -1)
    lr, vr, vr_inv, sr = parts["R"]
    la, va, va_inv, sa = parts["A"]
    g_r = (vr * sr[..., None, :]) @ vr_inv
    g_a = (va * sa[..., None, :]) @ va_inv
    rotated = vr_inv @ sambe_keldysh_source(omega, drive, n_harmonics) @ va
    sign_jump = sr[..., :, None] - sa[..., None, :]
    denominator = lr[..., :, None] - la[..., None, :]
    safe = np.where(sign_jump != 0, denominator, 1.0)
    g_k = vr @ (np.where(sign_jump != 0, sign_jump / safe, 0.0) * rotated) @ va_inv
    eye = np.eye(g_r.shape[-1])
    violation = max(
        np.abs(g_r @ g_r - eye).max(),
        np.abs(g_a @ g_a - eye).max(),
        np.abs(g_r @ g_k + g_k @ g_a).max(),
    )
    if not violation < tol:
        raise FloatingPointError(
            f"Sambe solution violates g o g = 1 by {violation:.2e} at {drive}, N={n_harmonics}"
        )
    return g_r, g_k, g_a


def sambe_element(matrix: np.ndarray, n_harmonics: int, row: int, col: int) -> np.ndarray:
    """Nambu 2x2 block (row, col) of a Sambe matrix, harmonics counted from -N."""
    r, c = 2 * (row + n_harmonics), 2 * (col + n_harmonics)
    return matrix[..., r : r + 2, c : c + 2]


# ------------------------------------------------------------------ observables


def ldos(g: np.ndarray) -> np.ndarray:
    """Re (1/2) Tr tau_3 g^R: density of states / nu_0 (Fig. 2b), from (..., 4, 4) or R."""
    retarded = g[..., :2, :2]
    return 0.5 * np.real(np.einsum("ij,...ji->...", TAU3, retarded))


def occupied_ldos(g: np.ndarray) -> np.ndarray:
    """Re g^<_00 / 2 with g^< = (g^R - g^A - g^K) / 2, normalised to N(w) n_F(w) (Fig. 2b)."""
    lesser = 0.5 * (g[..., :2, :2] - g[..., 2:, 2:] - g[..., :2, 2:])
    return 0.25 * np.real(np.einsum("ij,...ji->...", TAU3, lesser))


def frequency_grid(
    drive: Drive, omega_max: float, n_uniform: int, points_per_decade: int, max_shift: int = 2
) -> np.ndarray:
    """Integration grid: uniform plus geometric clusters (down to gamma / 20) around every
    point where an integrand has structure of width gamma: the shifted gap edges
    +-Delta + j omega0 and the resonances w = j omega0 / 2 (|j| <= 2 max_shift + 1), where
    an eigenvalue of Lambda_0(w) meets one of Lambda_0(w - n omega0) (pair creation
    2E = n omega0)."""
    points = [np.linspace(-omega_max, omega_max, n_uniform)]
    smallest = drive.gamma / 20.0
    decades = np.log10(2 * omega_max / smallest)
    offsets = np.geomspace(smallest, 2 * omega_max, int(decades * points_per_decade) + 2)
    shifts = np.arange(-max_shift, max_shift + 1) * drive.omega0
    half_shifts = np.arange(-2 * max_shift - 1, 2 * max_shift + 2) * drive.omega0 / 2
    centres = np.concatenate([shifts - drive.delta, shifts + drive.delta, half_shifts])
    for centre in np.unique(centres):
        points += [centre + offsets, centre - offsets]
    grid = np.unique(np.concatenate(points))
    return grid[np.abs(grid) <= omega_max]


def nonperturbative_current_integrands(
    omega: np.ndarray, drive: Drive, n_harmonics: int, harmonics: tuple[int, ...] = (0, 1)
) -> list[np.ndarray]:
    """(i/4) Tr[tau_3 g tau_3 g]^K_{0,-k}(w) / 2pi from the Sambe solution (all orders),
    one array per harmonic k in ``harmonics``, on the 1-D grid ``omega``.

    Solved :data:`FREQUENCY_CHUNK` frequencies at a time (bounded memory), with a progress
    line in the job log (:class:`higgsdyn.io.progress.Progress`).
    """
    omega = np.asarray(omega, dtype=float)
    t3 = np.kron(np.eye(2 * n_harmonics + 1), TAU3)
    progress = Progress(
        log, f"Sambe solve N={n_harmonics}, omega0={drive.omega0:g}", omega.size, "frequencies"
    )
    chunks = []
    for begin in range(0, omega.size, FREQUENCY_CHUNK):
        g_r, g_k, g_a = nonperturbative_g(
            omega[begin : begin + FREQUENCY_CHUNK], drive, n_harmonics
        )
        keldysh = t3 @ g_r @ t3 @ g_k + t3 @ g_k @ t3 @ g_a
        chunks.append(
            [
                0.25j
                * np.trace(sambe_element(keldysh, n_harmonics, 0, -k), axis1=-2, axis2=-1)
                / (2 * np.pi)
                for k in harmonics
            ]
        )
        progress.update(min(begin + FREQUENCY_CHUNK, omega.size))
    progress.finish()
    return [np.concatenate([chunk[i] for chunk in chunks]) for i in range(len(harmonics))]
