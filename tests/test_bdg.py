"""Tests of the disordered-chain time-dependent BdG solver (P2 App. C, Eqs. C1-C3).

Oracles: the plain-numpy kernel references, the k-space BCS gap equation and Anderson
pseudospin dynamics of the clean chain (written independently here), a dense-commutator
integration of Eq. (C2), conservation laws, and step-size convergence.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from conftest import chain_run
from higgsdyn.bdg import disorder_potential, kernels, run_quench, solve_equilibrium
from higgsdyn.bdg.dynamics import Propagator
from higgsdyn.bdg.model import DOS_PER_SITE_AT_FERMI

SMALL = dict(n_sites=32, t_max=10.0, dt=0.025, store_interval=0.5, seed=3)


def _random_states(rng, n_sites, n_states):
    shape = (2 * n_sites, n_states)
    return np.ascontiguousarray(rng.normal(size=shape) + 1j * rng.normal(size=shape))


@pytest.mark.parametrize("periodic", [True, False])
def test_kernels_match_numpy_references(periodic):
    rng = np.random.default_rng(0)
    n_sites, n_states = 9, 7
    states = _random_states(rng, n_sites, n_states)
    slope = _random_states(rng, n_sites, n_states)
    onsite = rng.normal(size=n_sites)
    gap = rng.normal(size=n_sites) + 1j * rng.normal(size=n_sites)
    weights = rng.uniform(size=n_states)
    out = np.empty_like(states)
    accumulated = slope.copy()
    kernels.apply_minus_i_hamiltonian(
        states, onsite, gap, 0.7, periodic, -0.3, out, accumulated, 2.0, True
    )
    expected = kernels.apply_minus_i_hamiltonian_reference(states, onsite, gap, 0.7, periodic, -0.3)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(accumulated, slope + 2.0 * expected, rtol=0, atol=1e-12)
    kernels.apply_minus_i_hamiltonian(
        states, onsite, gap, 0.7, periodic, -0.3, out, accumulated, 1.0, False
    )
    np.testing.assert_allclose(accumulated, expected, rtol=0, atol=1e-12)
    pair = np.empty(n_sites, dtype=complex)
    excess = np.empty(n_sites)
    stage = np.empty_like(states)
    kernels.local_densities(states, slope, 0.3, stage, weights, pair, excess)
    np.testing.assert_allclose(stage, states + 0.3 * slope, atol=1e-14)
    pair_ref, excess_ref = kernels.local_densities_reference(states + 0.3 * slope, weights)
    np.testing.assert_allclose(pair, pair_ref, atol=1e-12)
    np.testing.assert_allclose(excess, excess_ref, atol=1e-12)


def _bcs_gap_k_space(coupling, n_sites, temperature=0.0):
    """Clean-chain gap equation 1 = U/N sum_k tanh(E_k/2T)/(2 E_k), xi_k = -2 cos k."""
    xi = -2.0 * np.cos(2 * np.pi * np.arange(n_sites) / n_sites)

    def residual(gap):
        energy = np.sqrt(xi**2 + gap**2)
        thermal = 1.0 if temperature == 0 else np.tanh(energy / (2 * temperature))
        return coupling * np.mean(thermal / (2 * energy)) - 1.0

    return brentq(residual, 1e-6, 10.0, xtol=1e-14)


@pytest.mark.parametrize(("normalization", "temperature"), [("hopping", 0.0), ("dos", 0.3)])
def test_clean_equilibrium_is_the_k_space_bcs_gap(normalization, temperature):
    """Eqs. (C1), (C3) on a clean ring reduce to the BCS gap equation for xi_k = -2J cos k."""
    params = chain_run(
        **{**SMALL, "gamma_el": 0.0},
        coupling_normalization=normalization,
        temperature=temperature,
    )
    coupling = params.coupling(params.lambda_i)
    assert coupling == pytest.approx(
        params.lambda_i if normalization == "hopping" else params.lambda_i / DOS_PER_SITE_AT_FERMI
    )
    equilibrium = solve_equilibrium(params, np.zeros(params.n_sites), coupling)
    expected = _bcs_gap_k_space(coupling, params.n_sites, temperature)
    np.testing.assert_allclose(equilibrium.gap, expected, rtol=1e-8)
    np.testing.assert_allclose(equilibrium.delta_u, 0.0, atol=1e-10)  # half filling


@pytest.mark.parametrize("integrator", ["rk4", "split4", "split6"])
def test_clean_chain_without_quench_is_stationary(integrator):
    params = chain_run(
        **{**SMALL, "gamma_el": 0.0, "lambda_f": SMALL.get("lambda_i", 1.2)}, integrator=integrator
    )
    result = run_quench(params)
    # RK4 truncation: relative amplitude error ~ t (E dt)^5 with |E - shift| <~ 1 J
    drift = np.max(np.abs(result.gap - result.gap[0]))
    assert drift < 1e-8
    assert np.max(np.abs(result.gap[0] - result.gap_initial)) < 1e-10


@pytest.mark.parametrize("integrator", ["rk4", "split4", "split6"])
@pytest.mark.parametrize("hartree", ["printed", "attractive"])
def test_disordered_equilibrium_without_quench_is_stationary(hartree, integrator):
    """The self-consistent disordered state of Eqs. (C1), (C3) is a fixed point of Eq. (C2)."""
    params = chain_run(
        **{**SMALL, "gamma_el": 0.3, "lambda_f": 1.2}, hartree=hartree, integrator=integrator
    )
    result = run_quench(params)
    assert np.ptp(result.gap_initial) > 1e-2  # disorder makes Delta_i inhomogeneous
    assert np.max(np.abs(result.gap - result.gap_initial)) < 1e-8
    assert np.max(np.abs(result.slips)) == 0


def _pseudospin_gap(coupling_i, coupling_f, n_sites, times):
    """Independent clean-chain quench: Anderson pseudospins S_k, dS_k/dt = 2 b_k x S_k.

    b_k = (Re Delta, -Im Delta, xi_k), xi_k = -2 cos k on the ring's k = 2 pi m / N,
    ground state S_k = -b_k/|b_k|, Delta = -U/N sum_k (S_k^x - i S_k^y)/2.
    """
    xi = -2.0 * np.cos(2 * np.pi * np.arange(n_sites) / n_sites)
    gap0 = _bcs_gap_k_space(coupling_i, n_sites)
    energy = np.sqrt(xi**2 + gap0**2)
    spins0 = -np.stack([np.full(n_sites, gap0), np.zeros(n_sites), xi]) / energy

    def gap_of(spins):
        return -coupling_f * np.mean(spins[0] - 1j * spins[1]) / 2

    def rhs(_, flat):
        spins = flat.reshape(3, n_sites)
        gap = gap_of(spins)
        field = np.stack([np.full(n_sites, gap.real), np.full(n_sites, -gap.imag), xi])
        return 2 * np.cross(field, spins, axis=0).ravel()

    solution = solve_ivp(
        rhs, (0, times[-1]), spins0.ravel(), t_eval=times, method="DOP853", rtol=1e-11, atol=1e-12
    )
    return np.array([gap_of(s.reshape(3, n_sites)) for s in solution.y.T])


@pytest.mark.parametrize(
    ("integrator", "dt"), [("rk4", 0.025), ("split4", 0.025), ("split6", 0.05)]
)
def test_clean_quench_matches_momentum_space_pseudospins(integrator, dt):
    """Uniform quench lambda 1.2 -> 2: Delta(t) of the lattice solver vs the pseudospin ODE."""
    params = chain_run(
        **{**SMALL, "n_sites": 64, "t_max": 30.0, "gamma_el": 0.0, "dt": dt},
        integrator=integrator,
    )
    result = run_quench(params)
    expected = _pseudospin_gap(params.lambda_i, params.lambda_f, params.n_sites, result.time)
    assert np.ptp(np.abs(expected)) > 0.1  # the quench does excite Higgs oscillations
    np.testing.assert_allclose(
        result.gap, np.broadcast_to(expected[:, None], result.gap.shape), rtol=0, atol=1e-7
    )
    np.testing.assert_allclose(result.density, 1.0, atol=1e-10)


def test_disordered_evolution_converges_to_dense_commutator_reference():
    """Whole self-consistent evolution vs RK4 of Eq. (C2) on the dense density matrix.

    Both are 4th-order schemes in different variables (V versus rho = V w V^dagger), so
    they agree up to O(dt^4): the difference must shrink ~16x when dt halves.
    """
    params = chain_run(n_sites=12, gamma_el=0.4, seed=5, hartree="printed", boundary="open")
    disorder = disorder_potential(params)
    equilibrium = solve_equilibrium(params, disorder, params.coupling(params.lambda_i))
    coupling_f = params.coupling(params.lambda_f)
    diagonal = np.arange(0, 2 * params.n_sites, 2)
    differences = []
    for dt in (0.02, 0.01):
        states = equilibrium.states.copy()
        rho = (states * equilibrium.weights) @ states.conj().T
        propagator = Propagator(disorder, equilibrium.weights, coupling_f, 1.0, False, shift=-1.0)
        buffers = propagator.allocate(states)
        for _ in range(round(4.0 / dt)):
            propagator.step(states, dt, buffers)
            rho = kernels.dense_commutator_rk4_step(rho, disorder, coupling_f, 1.0, False, dt)
        gap, _, _ = propagator.fields(states)
        differences.append(np.max(np.abs(gap + coupling_f * rho[diagonal, diagonal + 1])))
    assert np.max(np.abs(gap - equilibrium.gap * coupling_f / params.coupling(1.2))) > 1e-2
    assert differences[1] < 2e-9
    assert differences[0] / differences[1] > 10


@pytest.mark.parametrize("hartree", ["printed", "attractive"])
def test_disordered_quench_conserves_particle_number_and_orthonormality(hartree):
    params = chain_run(
        **{**SMALL, "t_max": 20.0, "gamma_el": 0.3}, hartree=hartree, integrator="rk4"
    )
    result = run_quench(params)
    # exact for Eq. (C2); RK4 keeps these quadratic invariants up to its O(dt^4) truncation
    drift = np.abs(result.particle_number - result.particle_number[0]) / params.n_sites
    assert np.max(drift) < 1e-9
    assert result.gram_error < 1e-7  # default norm_tol is 1e-6 over t = 100/J
    assert np.max(result.norm_error) < 1e-7
    assert np.ptp(np.abs(result.gap[:, 0])) > 1e-2  # something does happen


def test_lost_norm_fails_loudly():
    """RK4 is unstable at dt = 0.5 (the splitting is unitary at any dt)."""
    params = chain_run(
        **{**SMALL, "dt": 0.5, "store_interval": 0.5, "t_max": 40.0}, integrator="rk4"
    )
    with pytest.raises((RuntimeError, FloatingPointError), match="n_sites=32"):
        run_quench(params)


@pytest.mark.parametrize("integrator", ["rk4", "split4"])
def test_step_size_convergence_is_fourth_order(integrator):
    """Delta_i(t) over the whole window for dt = 0.05, 0.025 against dt = 0.0125."""
    base = {**SMALL, "t_max": 20.0, "gamma_el": 0.3, "store_interval": 0.5}
    base["integrator"] = integrator
    gaps = {dt: run_quench(chain_run(**{**base, "dt": dt})).gap for dt in (0.05, 0.025, 0.0125)}
    error_coarse = np.max(np.abs(gaps[0.05] - gaps[0.0125]))
    error_fine = np.max(np.abs(gaps[0.025] - gaps[0.0125]))
    assert error_fine < 1e-6  # ~1e-5 of Delta: invisible on the figure
    assert error_coarse / error_fine > 10  # 4th order: (2^4 - 1)/(1 - 2^-4) ~ 17 ... 15


def test_same_seed_same_numbers_different_seed_different_disorder():
    params = chain_run(**{**SMALL, "n_sites": 24, "t_max": 2.0, "gamma_el": 0.3})
    first, second = run_quench(params), run_quench(params)
    np.testing.assert_array_equal(first.gap, second.gap)
    other = dataclasses.replace(params, seed=params.seed + 1)
    assert not np.allclose(disorder_potential(params), disorder_potential(other))


@pytest.mark.parametrize(
    ("distribution", "convention", "factor"),
    [("box", "inverse_tau", 1.0), ("gaussian", "inverse_two_tau", 2.0)],
)
def test_disorder_variance_is_the_born_rate(distribution, convention, factor):
    """1/tau_el = 2 pi nu_0 <u^2> = <u^2>/J (nu_0 = 1/2 pi J); gamma_el = factor^-1 / tau_el."""
    params = chain_run(
        n_sites=200_000,
        gamma_el=0.1,
        disorder_distribution=distribution,
        born_convention=convention,
    )
    u = disorder_potential(params)
    assert abs(u.mean()) < 5e-3
    assert np.mean(u**2) == pytest.approx(factor * 0.1, rel=0.01)
    if distribution == "box":
        assert np.max(np.abs(u)) <= np.sqrt(3 * 0.1) + 1e-12


@pytest.mark.slow
def test_paper_size_chain_conserves_and_converges():
    """N = 512 (paper), lambda 1.2 -> 2, 20/J: conservation and dt convergence at full size."""
    base = dict(n_sites=512, t_max=20.0, store_interval=0.5, seed=1)
    coarse = run_quench(chain_run(**base, dt=0.05))
    fine = run_quench(chain_run(**base, dt=0.025))
    assert np.max(np.abs(fine.particle_number - fine.particle_number[0])) < 1e-7 * 512
    assert fine.gram_error < 1e-7
    assert np.max(np.abs(coarse.gap - fine.gap)) < 1e-5
