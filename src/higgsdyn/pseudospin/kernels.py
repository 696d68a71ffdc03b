"""numba kernels for the P1 pseudospin equations (Eqs. 9-11) and their numpy references.

Eq. (9) is linear in the pseudospins at given Delta(t):

    dS_p/dt = B_p(t) x S_p + f_p(t),   B_p = 2 (Delta(t), 0, -eps_p),

with Delta(t) = g sum_p S^x_p (Eq. 10, g = lambda delta / 2) and an explicit source
f_p(t) built from the clean steady-state solution L_p(t) of Eq. (11):

    f_p(t) = a_p y + b_p cos(2 E_p t) y + sin(2 E_p t) (c_p x + d_p z)

(coefficients in :mod:`higgsdyn.pseudospin.api`). The field is split as
B_p = B_p^s + 2 (Delta - Delta_s) x with the constant steady-state field
B_p^s = 2 (Delta_s, 0, -eps_p); each of the three flows is solved exactly:

- R: rotation about B_p^s by the angle 2 E_p h (precomputed cos/sin per level),
- K: rotation about x by 2 (Delta - Delta_s) h; it leaves every S^x_p and hence Delta
  unchanged, so the self-consistent kick is exact with the current Delta,
- F: the source, integrated in closed form over the sub-step (cos/sin of 2 E_p t carried
  by an exact complex-phase recurrence, no trig calls in the loop).

One step is the symmetric (Strang) product K(h/2) F(h/2) R(h) F(h/2) K(h/2), second order.
Consecutive half kicks use the same Delta and are fused into one K(h), so a step is one
pass over the levels plus one reduction.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# |Delta| above this (units Delta_1) is a blow-up: the physical |Delta| <= g sum |S| is
# O(1) for every quench we run.
BLOWUP_GAP = 1.0e3


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


@njit(cache=True, parallel=True)
def strang_run(
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
    step,
    n_steps,
    gap_out,
):
    """Advance the pseudospins ``n_steps`` Strang steps in place (Eqs. 9-11 of P1).

    On entry ``phase_cos/sin`` hold cos/sin(2 E_p t0); on exit cos/sin(2 E_p (t0 + n h)).
    ``half_cos/sin`` = cos/sin(E_p h), ``rot_cos/sin`` = cos/sin(2 E_p h) (rotation about
    B^s). ``gap_out[k]`` receives Delta after step k+1. Returns the number of steps done:
    fewer than ``n_steps`` means Delta became non-finite or exceeded BLOWUP_GAP.
    """
    n = sx.size
    half = 0.5 * step
    gap = 0.0
    for p in prange(n):
        gap += sx[p]
    gap *= coupling_weight
    kick = half  # the first kick of a run is a half kick, then fused full kicks
    for k in range(n_steps):
        angle = 2.0 * (gap - gap_steady) * kick
        cos_k = np.cos(angle)
        sin_k = np.sin(angle)
        total = 0.0
        for p in prange(n):
            x = sx[p]
            y, z = _rotate_about_x(sy[p], sz[p], cos_k, sin_k)
            c0 = phase_cos[p]
            s0 = phase_sin[p]
            c1 = c0 * half_cos[p] - s0 * half_sin[p]
            s1 = s0 * half_cos[p] + c0 * half_sin[p]
            c2 = c1 * half_cos[p] - s1 * half_sin[p]
            s2 = s1 * half_cos[p] + c1 * half_sin[p]
            # F(h/2) on [t, t + h/2]: closed-form integrals of cos and sin of 2 E t
            int_cos = (s1 - s0) * inv_two_energy[p]
            int_sin = (c0 - c1) * inv_two_energy[p]
            x += src_sin_x[p] * int_sin
            y += src_const_y[p] * half + src_cos_y[p] * int_cos
            z += src_sin_z[p] * int_sin
            x, y, z = _rotate_about_axis(x, y, z, axis_x[p], axis_z[p], rot_cos[p], rot_sin[p])
            # F(h/2) on [t + h/2, t + h]
            int_cos = (s2 - s1) * inv_two_energy[p]
            int_sin = (c1 - c2) * inv_two_energy[p]
            x += src_sin_x[p] * int_sin
            y += src_const_y[p] * half + src_cos_y[p] * int_cos
            z += src_sin_z[p] * int_sin
            sx[p] = x
            sy[p] = y
            sz[p] = z
            phase_cos[p] = c2
            phase_sin[p] = s2
            total += x
        gap = coupling_weight * total
        gap_out[k] = gap
        if not np.isfinite(gap) or abs(gap) > BLOWUP_GAP:
            return k
        kick = step
    # closing half kick: synchronises S with the time t0 + n h (leaves Delta unchanged)
    angle = 2.0 * (gap - gap_steady) * half
    cos_k = np.cos(angle)
    sin_k = np.sin(angle)
    for p in prange(n):
        sy[p], sz[p] = _rotate_about_x(sy[p], sz[p], cos_k, sin_k)
    return n_steps


@njit(cache=True, parallel=True)
def principal_value_correction(eps, energy, cos_theta, cutoff):
    """P int_{-w}^{w} de' (cos theta(e') - 1)/(E(e') (e'^2 - e_p^2)) on a uniform grid.

    Part of W_p of Suppl. Eq. (39) beyond its equilibrium value w_p (Eq. 40). The pole is
    removed by subtraction, P int g/(e'^2 - e^2) = int (g(e') - g(e))/(e'^2 - e^2)
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


def strang_run_reference(state, phase, coefficients, coupling_weight, gap_steady, step, n_steps):
    """Plain-numpy twin of :func:`strang_run` (tests and benchmark only).

    ``state`` = (sx, sy, sz) arrays, ``phase`` = 2 E_p t0 (array), ``coefficients`` a dict
    with eps, energy (E_p at Delta_s), a, b, c, d (source, Eq. 9). Returns (state, gaps).
    """
    sx, sy, sz = (np.array(component, dtype=float) for component in state)
    eps = coefficients["eps"]
    energy = coefficients["energy"]
    nx, nz = gap_steady / energy, -eps / energy
    a, b, c, d = (coefficients[key] for key in ("a", "b", "c", "d"))
    t_phase = np.array(phase, dtype=float)
    gaps = np.empty(n_steps)

    def source_increment(phase0, phase1):
        int_cos = (np.sin(phase1) - np.sin(phase0)) / (2.0 * energy)
        int_sin = (np.cos(phase0) - np.cos(phase1)) / (2.0 * energy)
        return c * int_sin, a * 0.5 * step + b * int_cos, d * int_sin

    def kick(sy, sz, gap, length):
        angle = 2.0 * (gap - gap_steady) * length
        return np.cos(angle) * sy - np.sin(angle) * sz, np.cos(angle) * sz + np.sin(angle) * sy

    gap = coupling_weight * sx.sum()
    for k in range(n_steps):
        sy, sz = kick(sy, sz, gap, 0.5 * step)
        mid = t_phase + energy * step
        end = t_phase + 2.0 * energy * step
        for phase0, phase1 in ((t_phase, mid), (mid, end)):
            dx, dy, dz = source_increment(phase0, phase1)
            sx, sy, sz = sx + dx, sy + dy, sz + dz
            if phase0 is t_phase:
                angle = 2.0 * energy * step
                n_dot_s = nx * sx + nz * sz
                cross = (-nz * sy, nz * sx - nx * sz, nx * sy)
                cos_a, sin_a = np.cos(angle), np.sin(angle)
                sx, sy, sz = (
                    cos_a * sx + sin_a * cross[0] + (1 - cos_a) * n_dot_s * nx,
                    cos_a * sy + sin_a * cross[1],
                    cos_a * sz + sin_a * cross[2] + (1 - cos_a) * n_dot_s * nz,
                )
        t_phase = end
        gap = coupling_weight * sx.sum()
        sy, sz = kick(sy, sz, gap, 0.5 * step)
        gaps[k] = gap
    return (sx, sy, sz), gaps


def rhs_reference(time, flat_state, coefficients, coupling_weight):
    """Right-hand side of Eq. (9) with Eq. (10), vectorised numpy (for scipy solve_ivp).

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
