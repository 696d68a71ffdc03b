"""Late-time analysis of a signal Delta(t): window statistics, spectral peak, fits.

Generic helpers (no P1-specific physics): every function takes ``time`` and ``values``
arrays. Uncertainties are the one-sigma standard errors of least squares with the residual
variance as noise estimate; for deterministic signals they measure how well the model
describes the window (residual = unmodelled transients or other frequencies), not noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize


def late_window(time: np.ndarray, values: np.ndarray, start: float, stop: float | None = None):
    """The samples with start <= t <= stop (stop = end of the record by default)."""
    time = np.asarray(time, dtype=float)
    stop = time[-1] if stop is None else stop
    mask = (time >= start) & (time <= stop)
    if mask.sum() < 8:
        raise ValueError(f"window [{start}, {stop}] holds {mask.sum()} < 8 samples")
    return time[mask], np.asarray(values, dtype=float)[mask]


def spectral_peak(
    time: np.ndarray, values: np.ndarray, oversample: int = 16, omega_max: float = np.inf
) -> float:
    """Angular frequency of the largest peak of the Hann-windowed, mean-removed spectrum.

    Zero-padded by ``oversample``; resolution ~ 2 pi/(T oversample); only angular
    frequencies <= ``omega_max`` are searched. Uniform sampling assumed.
    """
    spacing = time[1] - time[0]
    signal = (values - values.mean()) * np.hanning(values.size)
    n_fft = oversample * values.size
    power = np.abs(np.fft.rfft(signal, n_fft)) ** 2
    omega = 2.0 * np.pi * np.fft.rfftfreq(n_fft, spacing)
    power[0] = 0.0
    power[omega > omega_max] = 0.0
    return float(omega[np.argmax(power)])


@dataclass(frozen=True)
class SinusoidFit:
    """values ~ mean + amplitude cos(omega t + phase) (amplitude >= 0, phase in [-pi, pi))."""

    mean: float
    amplitude: float
    omega: float
    phase: float
    mean_err: float
    amplitude_err: float
    omega_err: float
    phase_err: float
    rms_residual: float


def _polar(a: float, b: float, cov: np.ndarray) -> tuple[float, float, float, float]:
    """a cos + b sin = R cos(w t + phi): R, phi and their propagated errors (cov of a, b)."""
    amplitude = float(np.hypot(a, b))
    phase = float(np.arctan2(-b, a))
    if amplitude == 0.0:
        return 0.0, 0.0, float(np.sqrt(np.trace(cov))), np.pi
    jac_r = np.array([a, b]) / amplitude
    jac_phi = np.array([b, -a]) / amplitude**2
    return (
        amplitude,
        phase,
        float(np.sqrt(jac_r @ cov @ jac_r)),
        float(np.sqrt(jac_phi @ cov @ jac_phi)),
    )


def _sinusoid_fit(
    coef, cov, residual, fixed_omega: float | None = None, time_shift: float = 0.0
) -> SinusoidFit:
    """SinusoidFit from the least-squares coefficients (c, a, b, omega) of
    c + a cos(omega (t - time_shift)) + b sin(omega (t - time_shift)) and their covariance;
    (c, a, b) and error-free omega if ``fixed_omega`` is given."""
    if fixed_omega is None:
        omega, omega_err = float(coef[3]), float(np.sqrt(cov[3, 3]))
    else:
        omega, omega_err = float(fixed_omega), 0.0
    amplitude, phase, amplitude_err, phase_err = _polar(coef[1], coef[2], cov[1:3, 1:3])
    if time_shift:
        phase = float(np.angle(np.exp(1j * (phase - omega * time_shift))))
        phase_err = float(np.hypot(phase_err, time_shift * omega_err))
    return SinusoidFit(
        mean=float(coef[0]),
        amplitude=amplitude,
        omega=omega,
        phase=phase,
        mean_err=float(np.sqrt(cov[0, 0])),
        amplitude_err=amplitude_err,
        omega_err=omega_err,
        phase_err=phase_err,
        rms_residual=float(np.sqrt(np.mean(residual**2))),
    )


def fit_fixed_frequency(time: np.ndarray, values: np.ndarray, omega: float) -> SinusoidFit:
    """Linear least squares of values = c + a cos(omega t) + b sin(omega t) at given omega."""
    design = np.column_stack([np.ones_like(time), np.cos(omega * time), np.sin(omega * time)])
    coef, _, _, _ = np.linalg.lstsq(design, values, rcond=None)
    residual = values - design @ coef
    dof = max(values.size - 3, 1)
    cov = np.linalg.inv(design.T @ design) * (residual @ residual) / dof
    return _sinusoid_fit(coef, cov, residual, fixed_omega=omega)


def fit_sinusoid(
    time: np.ndarray,
    values: np.ndarray,
    omega_guess: float | None = None,
    omega_max: float = np.inf,
) -> SinusoidFit:
    """Nonlinear least squares with free omega, started from the spectral peak (refinement)."""
    if omega_guess is None:
        omega_guess = spectral_peak(time, values, omega_max=omega_max)
    omega0 = omega_guess
    start = fit_fixed_frequency(time, values, omega0)
    t0 = time[0]  # fit in shifted time to decorrelate omega and phase

    def model(t, c, a, b, omega):
        return c + a * np.cos(omega * (t - t0)) + b * np.sin(omega * (t - t0))

    p0 = [
        start.mean,
        start.amplitude * np.cos(start.phase + omega0 * t0),
        -start.amplitude * np.sin(start.phase + omega0 * t0),
        omega0,
    ]
    coef, cov = optimize.curve_fit(model, time, values, p0=p0)
    return _sinusoid_fit(coef, cov, values - model(time, *coef), time_shift=t0)


@dataclass(frozen=True)
class OffsetCosineFit:
    """values = reference - zeta [A + B cos(omega t + phi)] (P1 Fig. 3(b) caption form)."""

    A: float
    B: float
    phi: float
    omega: float
    A_err: float
    B_err: float
    phi_err: float
    omega_err: float  # 0 when omega was fixed
    rms_residual: float


def offset_cosine(fit: SinusoidFit, zeta: float, reference: float) -> OffsetCosineFit:
    """A sinusoid fit mean + R cos(omega t + phase) rewritten in the Fig. 3(b) form.

    A = (reference - mean)/zeta, B = R/zeta >= 0, phi = phase - pi in [-pi, pi) (the minus
    sign in front of zeta); errors scale the same way.
    """
    if zeta <= 0.0:
        raise ValueError("the Fig. 3(b) form needs zeta > 0")
    return OffsetCosineFit(
        A=(reference - fit.mean) / zeta,
        B=fit.amplitude / zeta,
        phi=float(np.angle(np.exp(1j * (fit.phase - np.pi)))),
        omega=fit.omega,
        A_err=fit.mean_err / zeta,
        B_err=fit.amplitude_err / zeta,
        phi_err=fit.phase_err,
        omega_err=fit.omega_err,
        rms_residual=fit.rms_residual,
    )


def fit_offset_cosine(
    time: np.ndarray, values: np.ndarray, zeta: float, reference: float, omega: float
) -> OffsetCosineFit:
    """Fit Delta(t) = Delta_ref - zeta [A + B cos(omega t + phi)] at fixed omega (the caption's
    2 Delta): linear least squares (:func:`fit_fixed_frequency`) put in the Fig. 3(b) form.
    With omega free use :func:`offset_cosine` of :func:`fit_sinusoid`."""
    return offset_cosine(fit_fixed_frequency(time, values, omega), zeta, reference)


def envelope_exponent(time: np.ndarray, values: np.ndarray, mean: float):
    """Exponent p and its error of |values - mean| ~ t^p from the local maxima (log-log fit)."""
    deviation = np.abs(values - mean)
    interior = (deviation[1:-1] > deviation[:-2]) & (deviation[1:-1] >= deviation[2:])
    peaks = np.flatnonzero(interior) + 1
    if peaks.size < 4:
        raise ValueError(f"only {peaks.size} envelope maxima in the window")
    design = np.column_stack([np.ones(peaks.size), np.log(time[peaks])])
    target = np.log(deviation[peaks])
    coef, _, _, _ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ coef
    cov = np.linalg.inv(design.T @ design) * (residual @ residual) / max(peaks.size - 2, 1)
    return float(coef[1]), float(np.sqrt(cov[1, 1]))


def fit_decaying_cosine(time: np.ndarray, values: np.ndarray, omega_guess: float | None = None):
    """Volkov-Kogan form values = c + R cos(omega t + phase)/sqrt(t), omega free.

    Returns a :class:`SinusoidFit` whose ``amplitude`` is R (the coefficient of t^(-1/2)).
    """
    weight = 1.0 / np.sqrt(time)
    omega0 = spectral_peak(time, values) if omega_guess is None else omega_guess

    def model(t, c, a, b, omega):
        return c + (a * np.cos(omega * t) + b * np.sin(omega * t)) / np.sqrt(t)

    design = np.column_stack(
        [np.ones_like(time), weight * np.cos(omega0 * time), weight * np.sin(omega0 * time)]
    )
    start, _, _, _ = np.linalg.lstsq(design, values, rcond=None)
    coef, cov = optimize.curve_fit(model, time, values, p0=[*start, omega0])
    return _sinusoid_fit(coef, cov, values - model(time, *coef))


def window_drift(
    time: np.ndarray, values: np.ndarray, start: float, omega_max: float = np.inf
) -> tuple[float, float]:
    """Change of the free-frequency fit between the halves of [start, t_end]: convergence.

    Returns (R_second - R_first)/R_whole and mean_second - mean_first: both vanish for a
    steady oscillation; a decaying envelope t^p gives about p ln(t_end/t_mid) relative change.
    """
    middle = 0.5 * (start + time[-1])
    fits = [
        fit_sinusoid(*late_window(time, values, lo, hi), omega_max=omega_max)
        for lo, hi in ((start, middle), (middle, time[-1]), (start, time[-1]))
    ]
    return (fits[1].amplitude - fits[0].amplitude) / fits[2].amplitude, fits[1].mean - fits[0].mean


def decay_exponent(time: np.ndarray, values: np.ndarray, period: float) -> tuple[float, float]:
    """Exponent p (and error) of the oscillation envelope ~ t^p (:func:`envelope_exponent`)
    after subtracting the boxcar average over one ``period`` (edges: shrinking windows), which
    removes slow drifts of the mean so that only the oscillation is left."""
    width = max(int(round(period / (time[1] - time[0]))), 1)
    kernel = np.ones(width)
    total = np.convolve(values, kernel, mode="same")
    count = np.convolve(np.ones_like(values), kernel, mode="same")
    return envelope_exponent(time, values - total / count, 0.0)
