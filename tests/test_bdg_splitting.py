"""Tests of the exact-rotation splitting propagator of Eq. (C2) and of the slip bookkeeping.

Oracles: a scipy ODE integration of the self-consistent on-site equation (Eqs. C1, C2 with
the hopping switched off), matrix exponentials of the non-interacting H_BdG, the dense
commutator RK4 of Eq. (C2) and the RK4 states path, measured convergence orders,
conservation laws, and the total winding of the ring (for the slip count).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from scipy.integrate import solve_ivp

from conftest import chain_run
from higgsdyn.bdg import (
    SlipCounter,
    disorder_potential,
    kernels,
    run_quench,
    solve_equilibrium,
    winding_number,
)
from higgsdyn.bdg.dynamics import COMPOSITIONS, SplittingPropagator

ORDERS = {"split2": 2, "split4": 4, "split6": 6}


def _random_states(rng, n_sites, n_states):
    shape = (2 * n_sites, n_states)
    return np.ascontiguousarray(rng.normal(size=shape) + 1j * rng.normal(size=shape))


@pytest.mark.parametrize("hartree_sign", [1.0, -1.0])
def test_onsite_flow_is_the_exact_self_consistent_solution_of_eqs_c1_c2(hartree_sign):
    """Hopping off: the on-site rotation over a long time 3/J equals the ODE
    dV/dt = -i H_site[V] V with Delta_i, delta u_i recomputed from V (Eq. C1) at all times."""
    rng = np.random.default_rng(1)
    n_sites, n_states, coupling, tau = 5, 4, 2.0, 3.0
    states = _random_states(rng, n_sites, n_states) / 3
    weights = rng.uniform(size=n_states)
    disorder = rng.normal(size=n_sites)

    def rhs(_, flat):
        v = flat.reshape(states.shape)
        pair, excess = kernels.local_densities_reference(v, weights)
        onsite = disorder + 0.5 * hartree_sign * coupling * excess
        hamiltonian = kernels.dense_hamiltonian(onsite, -coupling * pair, 0.0, True)
        return (-1j * hamiltonian @ v).ravel()

    expected = solve_ivp(rhs, (0, tau), states.ravel(), method="DOP853", rtol=1e-12, atol=1e-13)
    pair, excess = np.empty(n_sites, dtype=complex), np.empty(n_sites)
    evolved = states.copy()
    kernels.splitting_sweep(
        evolved,
        weights,
        disorder,
        coupling,
        hartree_sign,
        0.0,
        True,
        0.0,
        tau,
        0.0,
        0.0,
        pair,
        excess,
    )
    assert np.max(np.abs(evolved - states)) > 0.1
    np.testing.assert_allclose(evolved.ravel(), expected.y[:, -1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        (pair, excess), kernels.local_densities_reference(states, weights), atol=1e-14
    )


@pytest.mark.parametrize(("n_sites", "periodic"), [(8, True), (7, True), (7, False)])
@pytest.mark.parametrize("integrator", ["split2", "split4", "split6"])
def test_free_chain_matches_the_matrix_exponential_at_the_measured_order(
    n_sites, periodic, integrator
):
    """U = 0: the scheme vs exp(-i t H_BdG) (even and odd rings: the closing bond, open chain);
    the error falls as dt^p with the composition's order p (log-log slope)."""
    rng = np.random.default_rng(2)
    disorder = rng.normal(size=n_sites)
    states = np.ascontiguousarray(
        scipy.linalg.qr(_random_states(rng, n_sites, n_sites), mode="economic")[0]
    )
    hamiltonian = kernels.dense_hamiltonian(disorder, np.zeros(n_sites), 1.0, periodic)
    t_end = 4.0
    expected = scipy.linalg.expm(-1j * t_end * hamiltonian) @ states
    propagator = SplittingPropagator(
        disorder, np.ones(n_sites), 0.0, 1.0, periodic, COMPOSITIONS[integrator]
    )
    errors = []
    for dt in (0.2, 0.1):
        evolved = states.copy()
        for _ in range(round(t_end / dt)):
            propagator.step(evolved, dt, ())
        propagator.finish(evolved)
        errors.append(np.max(np.abs(evolved - expected)))
    assert np.log2(errors[0] / errors[1]) == pytest.approx(ORDERS[integrator], abs=0.3)


@pytest.mark.parametrize("integrator", ["split4", "split6"])
def test_self_consistent_order_and_agreement_with_the_dense_reference(integrator):
    """Disordered quench (odd ring, N = 11): the scheme converges to the dense-commutator RK4
    of Eq. (C2) on rho (dt = 0.0025, error ~1e-12) with the composition's order."""
    params = chain_run(n_sites=11, gamma_el=0.4, seed=5, lambda_f=2.5)
    disorder = disorder_potential(params)
    equilibrium = solve_equilibrium(params, disorder, params.coupling(params.lambda_i))
    coupling_f = params.coupling(params.lambda_f)
    diagonal = np.arange(0, 2 * params.n_sites, 2)
    t_end, dt_reference = 4.0, 0.0025
    rho = (equilibrium.states * equilibrium.weights) @ equilibrium.states.conj().T
    for _ in range(round(t_end / dt_reference)):
        rho = kernels.dense_commutator_rk4_step(rho, disorder, coupling_f, 1.0, True, dt_reference)
    expected = -coupling_f * rho[diagonal, diagonal + 1]
    propagator = SplittingPropagator(
        disorder, equilibrium.weights, coupling_f, 1.0, True, COMPOSITIONS[integrator]
    )
    errors = []
    for dt in (0.2, 0.1):
        states = equilibrium.states.copy()
        for _ in range(round(t_end / dt)):
            propagator.step(states, dt, ())
        gap, _, _ = propagator.fields(states)
        errors.append(np.max(np.abs(gap - expected)))
    assert np.max(np.abs(expected - equilibrium.gap * coupling_f / params.coupling(1.2))) > 0.05
    assert np.log2(errors[0] / errors[1]) == pytest.approx(ORDERS[integrator], abs=0.5)
    assert errors[1] < {"split4": 1e-5, "split6": 1e-6}[integrator]


def test_agrees_with_the_rk4_path():
    """Disordered N = 32 quench over 20/J: split6 at dt = 0.05 vs RK4 at dt = 0.0125."""
    base = dict(n_sites=32, t_max=20.0, gamma_el=0.3, seed=3)
    split = run_quench(chain_run(**base, dt=0.05, integrator="split6"))
    rk4 = run_quench(chain_run(**base, dt=0.0125, integrator="rk4"))
    assert np.ptp(np.abs(rk4.gap[:, 0])) > 1e-2
    assert np.max(np.abs(split.gap - rk4.gap)) < 1e-7


@pytest.mark.parametrize("hartree", ["printed", "attractive"])
def test_unitary_and_number_conserving_to_round_off(hartree):
    """V^dagger V = 1 and N(t) = N(0) hold to round-off at any dt (here dt = 0.25, 40/J)."""
    params = chain_run(
        n_sites=32, t_max=40.0, dt=0.25, gamma_el=0.3, seed=3, hartree=hartree, integrator="split4"
    )
    result = run_quench(params)
    assert result.gram_error < 1e-12
    assert np.max(result.norm_error) < 1e-12
    assert np.max(np.abs(result.particle_number - result.particle_number[0])) < 1e-11
    assert np.ptp(np.abs(result.gap[:, 0])) > 1e-2


def _random_walk_of_gaps(rng, n_sites, n_steps, jump):
    """Delta_i(t_k) with random site-phase increments of size ~jump and amplitudes that
    sometimes nearly vanish (so that bond phases jump by ~pi between samples)."""
    phases = np.cumsum(rng.normal(scale=jump, size=(n_steps, n_sites)), axis=0)
    amplitudes = np.abs(rng.normal(size=(n_steps, n_sites))) + 1e-3
    return amplitudes * np.exp(1j * phases)


@pytest.mark.parametrize("jump", [0.3, 1.5])
def test_net_slips_are_the_winding_change_on_random_twists(jump):
    """Signed slip count == W(t) - W(0) after every sample, even for jumps ~pi."""
    gaps = _random_walk_of_gaps(np.random.default_rng(4), 12, 400, jump)
    counter = SlipCounter(gaps[0], periodic=True, hysteresis=0.5)
    windings = []
    for gap in gaps[1:]:
        counter.update(gap)
        assert counter.net == winding_number(gap) - winding_number(gaps[0])
        windings.append(winding_number(gap))
    assert np.ptp(windings) >= 2  # the walk does change the winding
    assert counter.total >= abs(counter.net)


def test_net_slips_are_the_winding_change_on_a_slipping_run():
    """Attractive-Hartree quench (which slips): net slips == winding change at every stored
    time, and the unsigned count is at least the net one."""
    params = chain_run(
        n_sites=128, t_max=15.0, dt=0.05, hartree="attractive", seed=1, integrator="split4"
    )
    result = run_quench(params)
    assert result.slips[-1] > 10
    np.testing.assert_array_equal(result.slips_net, result.winding - result.winding[0])
    assert np.all(result.slips >= np.abs(result.slips_net))
