"""Analysis helpers recover known parameters of synthetic signals (higgsdyn.analysis)."""

import numpy as np
import pytest

from higgsdyn import analysis

TIME = np.linspace(100.0, 400.0, 6001)


def test_spectral_peak_finds_the_frequency_within_resolution():
    values = 0.3 + 0.01 * np.cos(1.93 * TIME + 0.4) + 0.002 * np.cos(5.0 * TIME)
    omega = analysis.spectral_peak(TIME, values)
    resolution = 2 * np.pi / (TIME[-1] - TIME[0]) / 16
    assert abs(omega - 1.93) < resolution


def test_spectral_peak_respects_omega_max():
    values = 0.01 * np.cos(1.9 * TIME) + 0.05 * np.cos(20.0 * TIME)
    assert abs(analysis.spectral_peak(TIME, values, omega_max=6.0) - 1.9) < 0.01


def test_fit_sinusoid_recovers_all_parameters_and_errors_cover_truth():
    rng = np.random.default_rng(1)
    values = 0.95 + 0.02 * np.cos(1.913 * TIME - 2.5) + 1e-4 * rng.standard_normal(TIME.size)
    fit = analysis.fit_sinusoid(TIME, values)
    for value, truth, err in (
        (fit.mean, 0.95, fit.mean_err),
        (fit.amplitude, 0.02, fit.amplitude_err),
        (fit.omega, 1.913, fit.omega_err),
        (fit.phase, -2.5, fit.phase_err),
    ):
        assert abs(value - truth) < 5 * err + 1e-12
    assert fit.omega_err < 1e-5


def test_offset_cosine_fit_returns_fig3b_parameters():
    """Delta = 1 - zeta [A + B cos(2 t + phi)] with the P1 Fig. 3(b) values."""
    zeta, a, b, phi = 0.1, 0.39, 0.01, np.pi / 4
    rng = np.random.default_rng(2)
    values = 1.0 - zeta * (a + b * np.cos(2.0 * TIME + phi)) + 1e-5 * rng.standard_normal(TIME.size)
    fit = analysis.fit_offset_cosine(TIME, values, zeta, reference=1.0, omega=2.0)
    assert abs(fit.A - a) < 5 * fit.A_err
    assert abs(fit.B - b) < 5 * fit.B_err
    assert abs(fit.phi - phi) < 5 * fit.phi_err
    assert fit.B > 0


def test_offset_cosine_of_a_free_frequency_fit_recovers_fig3b_parameters_off_2delta():
    """The same form at omega = 1.92 (below 2 Delta): fit_sinusoid + offset_cosine."""
    zeta, a, b, phi = 0.1, 0.39, 0.01, np.pi / 4
    values = 1.0 - zeta * (a + b * np.cos(1.92 * TIME + phi))
    fit = analysis.offset_cosine(analysis.fit_sinusoid(TIME, values), zeta, reference=1.0)
    assert abs(fit.A - a) < 1e-9 and abs(fit.B - b) < 1e-9
    assert abs(fit.phi - phi) < 1e-6 and abs(fit.omega - 1.92) < 1e-9


def test_window_drift_zero_for_steady_and_negative_for_decaying_oscillation():
    steady = 0.95 + 0.01 * np.cos(1.9 * TIME)
    amplitude_drift, mean_drift = analysis.window_drift(TIME, steady, 100.0)
    assert abs(amplitude_drift) < 1e-9 and abs(mean_drift) < 1e-9
    decaying = 0.95 + 0.01 * np.cos(1.9 * TIME) * (100.0 / TIME)
    amplitude_drift, _ = analysis.window_drift(TIME, decaying, 100.0)
    assert -0.75 < amplitude_drift < -0.55  # t^-1: (0.31 - 0.61)/0.47 (window means of 100/t)


def test_decay_exponent_ignores_a_slow_drift_of_the_mean():
    values = 1.0 + 0.05 * np.cos(2.0 * TIME) / TIME + 0.01 * (TIME / 400.0) ** 2
    exponent, err = analysis.decay_exponent(TIME, values, np.pi)
    assert abs(exponent + 1.0) < 0.02 and err < 0.02


def test_offset_cosine_fit_rejects_zero_zeta():
    with pytest.raises(ValueError):
        analysis.fit_offset_cosine(TIME, np.ones_like(TIME), 0.0, 1.0, 2.0)


def test_envelope_exponent_of_volkov_kogan_decay():
    values = 1.0 + 0.05 * np.cos(2.0 * TIME + np.pi / 4) / np.sqrt(TIME)
    exponent, err = analysis.envelope_exponent(TIME, values, 1.0)
    assert abs(exponent + 0.5) < 0.01
    assert err < 0.01


def test_decaying_cosine_fit_recovers_phase_and_frequency():
    values = 0.99 + 0.05 * np.cos(1.998 * TIME + np.pi / 4) / np.sqrt(TIME)
    fit = analysis.fit_decaying_cosine(TIME, values)
    assert abs(fit.omega - 1.998) < 1e-8
    assert abs(fit.phase - np.pi / 4) < 1e-6
    assert abs(fit.amplitude - 0.05) < 1e-8


def test_late_window_needs_samples():
    with pytest.raises(ValueError):
        analysis.late_window(TIME, TIME, 399.99)
