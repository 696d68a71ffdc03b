"""Frequency extraction and steady-state fits of time series (generic, any stage)."""

from higgsdyn.analysis.steady import (
    OffsetCosineFit,
    SinusoidFit,
    envelope_exponent,
    fit_decaying_cosine,
    fit_fixed_frequency,
    fit_offset_cosine,
    fit_sinusoid,
    late_window,
    remove_running_mean,
    spectral_peak,
)

__all__ = [
    "OffsetCosineFit",
    "SinusoidFit",
    "envelope_exponent",
    "fit_decaying_cosine",
    "fit_fixed_frequency",
    "fit_offset_cosine",
    "fit_sinusoid",
    "late_window",
    "remove_running_mean",
    "spectral_peak",
]
