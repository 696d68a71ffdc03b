"""numba kernels for the P1 pseudospin equations (P1 Eqs. (9)-(11)) and their numpy references.

P1 Eq. (9) is linear in the pseudospins at given Delta(t):

    dS_p/dt = B_p(t) x S_p + f_p(t),   B_p = 2 (Delta(t), 0, -eps_p),

with Delta(t) = g sum_p S^x_p (P1 Eq. (10), g = lambda delta / 2) and an explicit source
f_p(t) built from the clean steady-state solution L_p(t) of P1 Eq. (11):

    f_p(t) = a_p y + b_p cos(2 E_p t) y + sin(2 E_p t) (c_p x + d_p z)

(coefficients in :mod:`higgsdyn.pseudospin.quench`). The field is split as
B_p = B_p^s + 2 (Delta - Delta_s) x with the constant steady-state field
B_p^s = 2 (Delta_s, 0, -eps_p); each of the three flows is solved exactly:

- R: rotation about B_p^s by the angle 2 E_p h (precomputed cos/sin per level),
- K: rotation about x by 2 (Delta - Delta_s) h; it leaves every S^x_p and hence Delta
  unchanged, so the self-consistent kick is exact with the current Delta,
- F: the source, integrated in closed form over the sub-step (cos/sin of 2 E_p t carried
  by an exact complex-phase recurrence, no trig calls in the loop).

A Strang sub-step of length l is the symmetric product K(l/2) F(l/2) R(l) F(l/2) K(l/2)
(second order); the Yoshida triple jump of three sub-steps gives fourth order, Yoshida's
seven-stage composition sixth order. Consecutive
half kicks use the same Delta and are fused, so a sub-step is one pass over the levels
plus one reduction.

``split_run`` is compiled with the fastmath flags ``reassoc`` and ``contract`` only: they let
LLVM vectorise the level loop (the sum for Delta is reassociated into SIMD partial sums, and
multiply-adds fuse), 5x faster per update. Both change results only at round-off (tested
against the strict-IEEE numpy twin over thousands of steps); the flags that would break the
NaN/blow-up guard (``nnan``, ``ninf``) or accuracy (``afn``, ``arcp``) are not set.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# |Delta| above this (units Delta_1) is a blow-up: the physical |Delta| <= g sum |S| is
# O(1) for every quench we run.
BLOWUP_GAP = 1.0e3

# Round-off-only fastmath (module docstring): SIMD reduction and fused multiply-add.
REASSOCIATE_AND_FUSE = {"reassoc", "contract"}


@njit(cache=True, inline="always")
def _rotate_about_x(sy, sz, cos_a, sin_a):
    """Rotation about x of (S^y, S^z) for dS/dt = w x x S: S^y' = c S^y - s S^z."""
    return cos_a * sy - sin_a * sz, cos_a * sz + sin_a * sy


@njit(cache=True, inline="always")
def _rotate_about_axis(sx, sy, sz, nx, nz, cos_a, sin_a):
    """Rodrigues rotation of S about the unit axis (nx, 0, nz) by the angle a."""
    n_dot_s = nx * sx + nz * sz
    cross_x = -nz * sy  # (n x S) with n_y = 0
    cross_y = nz * sx - nx * sz
    cross_z = nx * sy
    one_minus = (1.0 - cos_a) * n_dot_s
    return (
        cos_a * sx + sin_a * cross_x + one_minus * nx,
        cos_a * sy + sin_a * cross_y,
        cos_a * sz + sin_a * cross_z + one_minus * nz,
    )


@njit(cache=True, parallel=True, fastmath=REASSOCIATE_AND_FUSE)
def split_run(
    sx,
    sy,
    sz,
    phase_cos,
    phase_sin,
    axis_x,
    axis_z,
    rot_cos,
    rot_sin,
    half_cos,
    half_sin,
    inv_two_energy,
    src_const_y,
    src_cos_y,
    src_sin_x,
    src_sin_z,
    coupling_weight,
    gap_steady,
    substeps,
    n_steps,
    gap_out,
):
    """Advance the pseudospins ``n_steps`` steps in place (P1 Eqs. (9)-(11)).

    A step is the product of symmetric Strang sub-steps of lengths ``substeps`` (one entry
    h: second order; the Yoshida triple jump h (w1, w0, w1): fourth order). Row j of
    ``rot_cos/sin`` = cos/sin(2 E_p l_j) and of ``half_cos/sin`` = cos/sin(E_p l_j) for
    sub-step length l_j. On entry ``phase_cos/sin`` = cos/sin(2 E_p t0); on exit they are
    advanced by n_steps * sum(substeps). ``gap_out[k]`` receives Delta after step k+1.
    Returns the number of steps done: fewer than ``n_steps`` means Delta became
    non-finite or exceeded BLOWUP_GAP.
    """
    n = sx.size
    n_sub = substeps.size
    gap = 0.0
    for p in prange(n):
        gap += sx[p]
    gap *= coupling_weight
    previous_half = 0.0  # pending half kick of the previous sub-step (fused with the next)
    for k in range(n_steps):
        for j in range(n_sub):
            half = 0.5 * substeps[j]
            angle = 2.0 * (gap - gap_steady) * (previous_half + half)
            cos_k = np.cos(angle)
            sin_k = np.sin(angle)
            total = 0.0
            for p in prange(n):
                x = sx[p]
                y, z = _rotate_about_x(sy[p], sz[p], cos_k, sin_k)
                hc = half_cos[j, p]
                hs = half_sin[j, p]
                c0 = phase_cos[p]
                s0 = phase_sin[p]
                c1 = c0 * hc - s0 * hs
                s1 = s0 * hc + c0 * hs
                c2 = c1 * hc - s1 * hs
                s2 = s1 * hc + c1 * hs
                inv = inv_two_energy[p]
                # F(l/2) on [t, t + l/2]: closed-form integrals of cos and sin of 2 E t
                x += src_sin_x[p] * (c0 - c1) * inv
                y += src_const_y[p] * half + src_cos_y[p] * (s1 - s0) * inv
                z += src_sin_z[p] * (c0 - c1) * inv
                x, y, z = _rotate_about_axis(
                    x, y, z, axis_x[p], axis_z[p], rot_cos[j, p], rot_sin[j, p]
                )
                # F(l/2) on [t + l/2, t + l]
                x += src_sin_x[p] * (c1 - c2) * inv
                y += src_const_y[p] * half + src_cos_y[p] * (s2 - s1) * inv
                z += src_sin_z[p] * (c1 - c2) * inv
                sx[p] = x
                sy[p] = y
                sz[p] = z
                phase_cos[p] = c2
                phase_sin[p] = s2
                total += x
            gap = coupling_weight * total
            previous_half = half
        gap_out[k] = gap
        if not np.isfinite(gap) or abs(gap) > BLOWUP_GAP:
            return k
    # closing half kick: synchronises S with the final time (leaves Delta unchanged)
    angle = 2.0 * (gap - gap_steady) * previous_half
    cos_k = np.cos(angle)
    sin_k = np.sin(angle)
    for p in prange(n):
        sy[p], sz[p] = _rotate_about_x(sy[p], sz[p], cos_k, sin_k)
    return n_steps


@njit(cache=True, parallel=True)
def principal_value_correction(eps, energy, cos_theta, cutoff):
    """P int_{-w}^{w} de' (cos theta(e') - 1)/(E(e') (e'^2 - e_p^2)) on a uniform grid.

    Part of W_p of P1 Suppl. Eq. (39) beyond its equilibrium value w_p (P1 Suppl. Eq. (40)).
    The pole is removed by subtraction, P int g/(e'^2 - e^2) = int (g(e') - g(e))/(e'^2 - e^2)
    + g(e) ln((w - |e|)/(w + |e|))/|e|, midpoint rule for the smooth remainder (the
    removable points e' = +-e take the mean of their neighbours' integrand values).
    """
    n = eps.size
    spacing = eps[1] - eps[0]
    g = (cos_theta - 1.0) / energy
    out = np.empty(n)
    for p in prange(n):
        e2 = eps[p] * eps[p]
        acc = 0.0
        for j in range(n):
            denom = eps[j] * eps[j] - e2
            if abs(abs(eps[j]) - abs(eps[p])) < 0.5 * spacing:
                value = 0.0
                count = 0
                for q in (j - 1, j + 1):
                    if 0 <= q < n:
                        d = eps[q] * eps[q] - e2
                        if abs(abs(eps[q]) - abs(eps[p])) >= 0.5 * spacing:
                            value += (g[q] - g[p]) / d
                            count += 1
                acc += value / max(count, 1)
            else:
                acc += (g[j] - g[p]) / denom
        magnitude = abs(eps[p])
        acc *= spacing
        if magnitude > 0.0:
            acc += g[p] * np.log((cutoff - magnitude) / (cutoff + magnitude)) / magnitude
        else:
            acc += g[p] * (-2.0 / cutoff)
        out[p] = acc
    return out


# ------------------------------------------------------------------ numpy references


# Yoshida (1990), Phys. Lett. A 150, 262, Table 1, solution A: w1, w2, w3 of the 6th-order
# symmetric composition w3 w2 w1 w0 w1 w2 w3 of a 2nd-order symmetric step, w0 = 1 - 2 sum w.
YOSHIDA6_WEIGHTS = (-1.17767998417887, 0.235573213359357, 0.784513610477560)


def yoshida_substeps(step: float, order: int) -> np.ndarray:
    """Sub-step lengths of one step, each a symmetric Strang sub-step: (h,) for order 2, the
    triple jump for order 4, Yoshida's 7-stage composition (solution A) for order 6."""
    if order == 2:
        return np.array([step])
    if order == 4:
        w1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
        return step * np.array([w1, 1.0 - 2.0 * w1, w1])
    if order == 6:
        w1, w2, w3 = YOSHIDA6_WEIGHTS
        w0 = 1.0 - 2.0 * (w1 + w2 + w3)
        return step * np.array([w3, w2, w1, w0, w1, w2, w3])
    raise ValueError(f"order must be 2, 4 or 6, got {order!r}")


def split_run_reference(state, time0, coefficients, coupling_weight, gap_steady, substeps, n_steps):
    """Plain-numpy twin of :func:`split_run` (tests and benchmark only).

    ``state`` = (sx, sy, sz), ``time0`` the start time, ``coefficients`` a dict with eps,
    energy (E_p at Delta_s), a, b, c, d (source of P1 Eq. (9)). Each sub-step is
    K(l/2) F(l/2) R(l) F(l/2) K(l/2), written out without fusing. Returns (state, gaps).
    """
    sx, sy, sz = (np.array(component, dtype=float) for component in state)
    eps, energy = coefficients["eps"], coefficients["energy"]
    nx, nz = gap_steady / energy, -eps / energy
    a, b, c, d = (coefficients[key] for key in ("a", "b", "c", "d"))

    def kick(sx, sy, sz, length):
        angle = 2.0 * (coupling_weight * sx.sum() - gap_steady) * length
        cos_a, sin_a = np.cos(angle), np.sin(angle)
        return sx, cos_a * sy - sin_a * sz, cos_a * sz + sin_a * sy

    def source(sx, sy, sz, t0, t1):
        int_cos = (np.sin(2 * energy * t1) - np.sin(2 * energy * t0)) / (2 * energy)
        int_sin = (np.cos(2 * energy * t0) - np.cos(2 * energy * t1)) / (2 * energy)
        return sx + c * int_sin, sy + a * (t1 - t0) + b * int_cos, sz + d * int_sin

    def rotate(sx, sy, sz, length):
        cos_a, sin_a = np.cos(2 * energy * length), np.sin(2 * energy * length)
        n_dot_s = (1 - cos_a) * (nx * sx + nz * sz)
        return (
            cos_a * sx - sin_a * nz * sy + n_dot_s * nx,
            cos_a * sy + sin_a * (nz * sx - nx * sz),
            cos_a * sz + sin_a * nx * sy + n_dot_s * nz,
        )

    t = float(time0)
    gaps = np.empty(n_steps)
    for k in range(n_steps):
        for length in substeps:
            sx, sy, sz = kick(sx, sy, sz, 0.5 * length)
            sx, sy, sz = source(sx, sy, sz, t, t + 0.5 * length)
            sx, sy, sz = rotate(sx, sy, sz, length)
            sx, sy, sz = source(sx, sy, sz, t + 0.5 * length, t + length)
            sx, sy, sz = kick(sx, sy, sz, 0.5 * length)
            t += length
        gaps[k] = coupling_weight * sx.sum()
    return (sx, sy, sz), gaps


def rhs_reference(time, flat_state, coefficients, coupling_weight):
    """Right-hand side of P1 Eq. (9) with P1 Eq. (10), vectorised numpy (for scipy solve_ivp).

    ``flat_state`` = concatenated (S^x, S^y, S^z); also accepts shape (3N, k) (vectorized).
    """
    eps = coefficients["eps"][:, None]
    energy = coefficients["energy"][:, None]
    a, b, c, d = (coefficients[key][:, None] for key in ("a", "b", "c", "d"))
    state = flat_state.reshape(3, eps.shape[0], -1)
    sx, sy, sz = state
    gap = coupling_weight * sx.sum(axis=0)
    cos_t = np.cos(2.0 * energy * time)
    sin_t = np.sin(2.0 * energy * time)
    dsx = 2.0 * eps * sy + c * sin_t
    dsy = -2.0 * eps * sx - 2.0 * gap * sz + a + b * cos_t
    dsz = 2.0 * gap * sy + d * sin_t
    derivative = np.stack([dsx, dsy, dsz])
    return derivative.reshape(flat_state.shape)
