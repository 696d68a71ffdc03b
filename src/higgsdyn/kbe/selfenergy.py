"""The model's local self-energy on the real-time branch (P2 Eqs. 5, 6).

Phonons (the equilibrium Debye bath D^> of :mod:`higgsdyn.kbe.bath`, Eq. 5) and Born
disorder (strength c, Eq. 6) both give a local self-energy, one function for every xi:
Sigma^{<,>}(t,t') = tau_3 [c + i D^{<,>}(t-t')] G_loc^{<,>}(t,t') tau_3. The Dyson solvers
(:mod:`higgsdyn.kbe.kernels`) only read it; its mixed component lives with the Matsubara
branch (:meth:`higgsdyn.kbe.mixed.MatsubaraBranch.update_self_energy`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from higgsdyn.kbe.contour import ContourHistory


@njit(cache=True)
def local_self_energy(gr_row, gl_row, sr_row, sl_row, weights, n, disorder, phonon_gt):
    """Sigma^R(t_n, t_s) and Sigma^<(t_s, t_n), s = 0..n, from the local G (Eqs. 5, 6), slice n
    of each function given (``gr_row[s]`` = G^R(t_n, t_s), ``gl_row[s]`` = G^<(t_s, t_n)).

    G_loc = sum_i w_i (G_i + tau_1 G_i tau_1) (particle-hole partner), and
    Sigma^{<,>}(t,t') = tau_3 [c_dis + i D^{<,>}(t-t')] G_loc^{<,>}(t,t') tau_3,
    with D^>(tau) = phonon_gt[tau/dt], D^<(tau) = D^>(-tau) = -conj(D^>(tau)).
    Sigma^R = Sigma^> - Sigma^< for t > t' (G^> = G^R + G^<).
    """
    n_xi = weights.shape[0]
    for s in range(n + 1):
        loc_r = np.zeros((2, 2), dtype=np.complex128)
        loc_l = np.zeros((2, 2), dtype=np.complex128)
        for i in range(n_xi):
            w = weights[i]
            g = gr_row[s, i]
            loc_r[0, 0] += w * (g[0, 0] + g[1, 1])
            loc_r[0, 1] += w * (g[0, 1] + g[1, 0])
            g = gl_row[s, i]
            loc_l[0, 0] += w * (g[0, 0] + g[1, 1])
            loc_l[0, 1] += w * (g[0, 1] + g[1, 0])
        loc_r[1, 1] = loc_r[0, 0]
        loc_r[1, 0] = loc_r[0, 1]
        loc_l[1, 1] = loc_l[0, 0]
        loc_l[1, 0] = loc_l[0, 1]
        d_gt = phonon_gt[n - s]
        d_lt = -np.conj(d_gt)
        # G^<_loc(t_n, t_s) = -G^<_loc(t_s, t_n)^dagger
        for a in range(2):
            for b in range(2):
                sign = 1.0 if a == b else -1.0
                lesser_ns = -np.conj(loc_l[b, a])
                greater_ns = loc_r[a, b] + lesser_ns
                sl_row[s, a, b] = sign * (disorder + 1j * d_gt) * loc_l[a, b]
                sr_row[s, a, b] = sign * (
                    disorder * loc_r[a, b] + 1j * (d_gt * greater_ns - d_lt * lesser_ns)
                )


def slice_self_energy(history: ContourHistory, weights, n: int, disorder, phonon_gt) -> None:
    """Sigma^R row n and Sigma^< column n of ``history`` from its G slice n."""
    local_self_energy(history.g_slice("gr", n), history.g_slice("gl", n),
                      history.s_slice("sr", n), history.s_slice("sl", n), weights, n, disorder,
                      phonon_gt)  # fmt: skip
