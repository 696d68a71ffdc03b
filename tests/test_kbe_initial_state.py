"""The correlated initial state on the Matsubara branch (higgsdyn.kbe.mixed, kbe.dlr).

The mixed components G^](t, tau) must (i) start the real-time run exactly at the Matsubara
equilibrium of kbe.matsubara and (ii) keep it there without a quench: any residual drift is
the O(dt^p) error of the stepper, shown by its convergence rate. The switch-on
preparation this replaces drifted by 3-28% (docs/physics_notes.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import kb_config
from higgsdyn.kbe.bath import phonon_greater
from higgsdyn.kbe.dlr import ImaginaryTimeBasis, fine_tau_grid, kernel
from higgsdyn.kbe.matsubara import (
    equilibrium_density_matrix,
    imaginary_time_green,
    solve_equilibrium,
)
from higgsdyn.kbe.stepping import run

BETA = 200.0
CUTOFF = 4.0


@pytest.fixture(scope="module")
def basis():
    return ImaginaryTimeBasis.build(BETA, CUTOFF, 1e-12)


def _split_quadrature(function, tau_k, beta=BETA):
    """int_0^beta function(tau) dtau, split at tau_k, by the composite rule (independent)."""
    total = 0.0
    for start, length in ((0.0, tau_k), (tau_k, beta - tau_k)):
        tau, weights = fine_tau_grid(length, 50.0, order=40)
        total = total + np.sum(weights * function(start + tau))
    return total


def test_dlr_interpolates_every_kernel_in_the_cutoff(basis):
    """f(tau) = K(tau, w) for |w| <= cutoff is reproduced off the nodes (Kaye et al. 2022)."""
    omega = np.linspace(-CUTOFF, CUTOFF, 41)
    tau = np.random.default_rng(3).uniform(0, BETA, 200)
    coefficients = basis.values_to_coefficients(kernel(basis.nodes, omega, BETA))
    error = np.abs(basis.evaluate(coefficients, tau) - kernel(tau, omega, BETA)).max()
    assert basis.rank < 80 and error < 1e-10, (basis.rank, error)


def test_dlr_reflected_overlap_matches_quadrature(basis):
    """int_0^beta f(tau) g(beta - tau) dtau from the node values, f, g two kernels."""
    overlap = basis.reflected_overlap()
    for first, second in [(0.3, -0.7), (-2.5, -2.5), (1e-3, 3.9)]:
        f = kernel(basis.nodes, [first], BETA)[:, 0]
        g = kernel(basis.nodes, [second], BETA)[:, 0]
        exact = _split_quadrature(
            lambda tau, a=first, b=second: (
                kernel(tau, [a], BETA)[:, 0] * kernel(BETA - tau, [b], BETA)[:, 0]
            ),
            0.5 * BETA,
        )
        assert abs(f @ overlap @ g - exact) < 1e-10 * max(abs(exact), 1.0)


@pytest.mark.parametrize("level", [0.45, -0.02, 3.0])
def test_dlr_mixed_convolution_matches_quadrature_across_the_jump(basis, level):
    """int_0^beta S(tau') G^M(tau' - tau_k) dtau' for the free G^M(tau) = -K(tau, e)
    (antiperiodic, jump at tau' = tau_k) and S = K(., w)."""
    green_nodes = -kernel(basis.nodes, [level], BETA)[:, 0]
    convolution = basis.mixed_convolution(basis.values_to_coefficients(green_nodes))
    omega = -1.3
    values = kernel(basis.nodes, [omega], BETA)[:, 0] @ convolution

    def green(x):
        return np.where(x > 0, -kernel(np.abs(x), [level], BETA)[:, 0],
                        kernel(x + BETA, [level], BETA)[:, 0])  # fmt: skip

    for k in (0, basis.rank // 3, basis.rank - 1):
        tau_k = basis.nodes[k]
        exact = _split_quadrature(
            lambda tau, t=tau_k: kernel(tau, [omega], BETA)[:, 0] * green(tau - t), tau_k
        )
        assert abs(values[k] - exact) < 1e-10, (k, values[k], exact)


def test_imaginary_time_green_ends_at_the_density_matrix_and_is_free_without_sigma():
    """G^M(beta^-) = -rho (Matsubara density matrix); with no self-energy G^M is the mean-field
    -sum_s P_s K(tau, s E) exactly (the window part vanishes)."""
    config = kb_config(n_xi=6, lambda_i=0.3, temperature=0.02, gamma_el=0.2)
    band = config.make_band()
    state = solve_equilibrium(band, 0.3, 0.02, gamma_el=0.2, omega_max=400.0)
    near_beta = imaginary_time_green(band, state, 0.02, np.array([50.0 - 1e-7]))[0]
    rho = equilibrium_density_matrix(band, state, 0.02)
    assert np.abs(near_beta + rho).max() < 1e-5
    clean = solve_equilibrium(band, 0.3, 0.02)
    tau = np.array([0.3, 17.0, 49.0])
    green = imaginary_time_green(band, clean, 0.02, tau)
    energy = np.sqrt(band.xi**2 + clean.gap**2)
    diagonal = -(kernel(tau, energy, 50.0) * (1 + band.xi / energy)
                 + kernel(tau, -energy, 50.0) * (1 - band.xi / energy)) / 2  # fmt: skip
    np.testing.assert_allclose(green[..., 0, 0].real, diagonal, atol=1e-12)


def test_mixed_phonon_propagator_is_the_analytic_continuation():
    """D^](t, tau) = D^<(t + i tau): at tau = 0 the lesser function, and KMS
    D^<(t + i beta) = D^>(t) for the bath at temperature 1/beta."""
    beta, times = 50.0, np.array([0.0, 1.3, 7.0])
    args = (0.3, 0.16, 1.0 / beta)
    lesser = phonon_greater(-times, *args)
    np.testing.assert_allclose(phonon_greater(-(times + 0j), *args), lesser, rtol=1e-14)
    np.testing.assert_allclose(
        phonon_greater(-(times + 1j * beta), *args), phonon_greater(times, *args), rtol=1e-10
    )


COLLISIONS = [
    {"gamma_el": 0.2},
    {"lambda_ph": 0.3, "omega_D": 0.16},
]


@pytest.mark.parametrize("collisions", COLLISIONS, ids=["disorder", "phonons"])
def test_run_starts_at_the_matsubara_equilibrium(collisions):
    """Delta(0), n_s,para(0) (Matsubara-branch bubble) and n_s,dia(0) equal kbe.matsubara.

    n_s,para(0) comes from G^M on the DLR nodes (tau integral), kbe.matsubara's from the
    frequency sum: they agree to the window truncation, measured 2.5e-7 (disorder) and
    1.2e-7 (phonons) at the default window 100 (3e-9 at 400)."""
    config = kb_config(n_xi=8, lambda_i=0.3, lambda_f=0.3, temperature=0.02, dt=0.2, t_max=0.4,
                      **collisions)  # fmt: skip
    result = run(config)
    self_energies = {"gamma_el": 0.0, "lambda_ph": 0.0, **collisions}
    state = solve_equilibrium(config.make_band(), 0.3, 0.02, omega_max=config.matsubara_cutoff,
                              **self_energies)  # fmt: skip
    assert abs(result.gap[0] - state.gap) < 1e-12
    assert abs(result.ns_para[0] - state.ns_para) < 1e-6
    assert abs(result.ns_dia[0] - state.ns_dia) < 1e-9


# order: (n_s drift bound, occupation drift bound, dt-halving ratio range) at dt = 0.2
STATIONARY_BOUNDS = {2: (5e-3, 1e-3, (3.6, 4.4)), 6: (2e-4, 2e-4, (45.0, 180.0))}


@pytest.mark.parametrize(
    ("order", "history"),
    [(2, "full"), (6, "full"), pytest.param(6, "compressed", marks=pytest.mark.slow)],
    ids=["2", "6", "6-hodlr"],
)
@pytest.mark.parametrize("collisions", COLLISIONS, ids=["disorder", "phonons"])
@pytest.mark.parametrize(
    ("lambda_i", "temperature"), [(0.3, 0.02), (0.0, 0.05)], ids=["superconductor", "normal"]
)
def test_no_quench_is_stationary_to_the_order_of_the_stepper(
    collisions, lambda_i, temperature, order, history
):
    """Without a quench Delta(t), n_s(t) and the occupations rho_xi(t) stay at equilibrium;
    the drift is the stepper's O(dt^p) error (ratio 2^p under dt -> dt/2). In the normal
    state n_s = 0 (para cancels dia) at all t. Measured at dt = 0.2 (disorder, phonons), max
    drift of n_s / n_s,dia(0) and max |rho_xi(t) - rho_xi(0)|: trapezoidal: superconductor
    1.2e-3, 8.0e-4 and 2.0e-4, 1.3e-4, normal 1.1e-3, 8.0e-4 and 2.0e-4, 1.5e-4, every ratio
    3.99-4.00; BDF-6: superconductor 4.4e-5, 3.2e-5 and 8.6e-5, 6.3e-5, normal 4.5e-5,
    3.3e-5 and 8.5e-5, 6.3e-5, ratios 81-111. The compressed history (history_tol 1e-8)
    must give the same."""
    ns_bound, occupation_bound, (low, high) = STATIONARY_BOUNDS[order]
    ns_drifts, occupation_drifts = [], []
    for dt in (0.2, 0.1):
        config = kb_config(n_xi=8, lambda_i=lambda_i, lambda_f=lambda_i, temperature=temperature,
                          dt=dt, t_max=6.0, time_order=order, history=history,
                          **collisions)  # fmt: skip
        result = run(config)
        ns = result.ns_para + result.ns_dia
        ns_drifts.append(np.abs(ns - ns[0]).max() / result.ns_dia[0])
        occupation_drifts.append(np.abs(result.density - result.density[0]).max())
        assert np.abs(result.gap - result.gap[0]).max() <= 2e-3 * abs(result.gap[0])
        if lambda_i == 0.0:  # up to the n_xi quadrature of the Fermi-surface term (1e-4 here)
            assert abs(ns[0]) < 1e-3 * result.ns_dia[0]
    for drifts, bound in ((ns_drifts, ns_bound), (occupation_drifts, occupation_bound)):
        assert drifts[0] < bound, drifts
        assert low < drifts[0] / drifts[1] < high, drifts


def test_quench_is_converged_in_the_tau_representation(monkeypatch):
    """Delta(t), n_s(t) of a quench with disorder and phonons do not move when the DLR is
    refined (epsilon 1e-12 -> 1e-14, cutoff 4 -> 8 band widths) or the Matsubara window is
    doubled (100 -> 200). Measured max changes (Delta, n_s): DLR 6.9e-9, 3.5e-7 (the finer
    DLR resolves more of the window's truncation ringing); window 1.6e-9, 3.8e-7. Bounds
    10x, three orders below the O(dt^2) error of the stepper."""
    from higgsdyn.kbe import mixed

    config = kb_config(n_xi=6, lambda_i=0.3, lambda_f=0.45, temperature=0.02, dt=0.25,
                      t_max=4.0, t_prep=1.0, gamma_el=0.2, lambda_ph=0.2,
                      omega_D=0.2)  # fmt: skip

    def observables(result):
        return result.gap.real, result.ns_para + result.ns_dia

    reference = observables(run(config))
    monkeypatch.setattr(mixed, "DLR_EPSILON", 1e-14)
    monkeypatch.setattr(mixed, "CUTOFF_FACTOR", 8.0)
    refined = observables(run(config))
    monkeypatch.undo()
    wider = observables(run(kb_config(**{**config.__dict__, "matsubara_cutoff": 200.0})))
    for other, (gap_tol, ns_tol) in ((refined, (7e-8, 4e-6)), (wider, (2e-8, 4e-6))):
        assert np.abs(other[0] - reference[0]).max() < gap_tol
        assert np.abs(other[1] - reference[1]).max() < ns_tol
