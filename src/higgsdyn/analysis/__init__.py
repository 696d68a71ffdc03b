"""Frequency extraction and steady-state fits of time series (generic, any stage)."""

from higgsdyn.analysis.steady import (
    OffsetCosineFit,
    SinusoidFit,
    decay_exponent,
    envelope_exponent,
    fit_decaying_cosine,
    fit_fixed_frequency,
    fit_offset_cosine,
    fit_sinusoid,
    late_window,
    offset_cosine,
    spectral_peak,
    window_drift,
)

__all__ = [
    "OffsetCosineFit",
    "SinusoidFit",
    "decay_exponent",
    "envelope_exponent",
    "fit_decaying_cosine",
    "fit_fixed_frequency",
    "fit_offset_cosine",
    "fit_sinusoid",
    "late_window",
    "offset_cosine",
    "spectral_peak",
    "window_drift",
]
