"""Seed statistics of the phase slips (P2 Fig. 3a): first-slip times, slip rates, and the test
that tells a transient burst of slips from lasting proliferation.

Each disorder seed gives one sample; the statistics are over seeds of one convention variant.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
# "Lasting proliferation": the slip rate of the last third of the run stays above this
# fraction of the peak rate (a burst decays far below it; a steady state keeps it ~1).
LASTING_FRACTION = 0.25
LATE_FRACTION = 1.0 / 3.0  # the late window: last third of the run
REGIMES = ("none", "burst", "proliferation", "undecided")


def binned_counts(slip_times: np.ndarray, bin_edges: np.ndarray) -> np.ndarray:
    """Slips per time bin [t_k, t_k+1) (the last bin closed at t_max)."""
    counts, _ = np.histogram(slip_times, bins=bin_edges)
    return counts


def median_interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, ...]:
    """(median, low, high): the distribution-free confidence interval of the median from order
    statistics, ranks from the binomial(n, 1/2) quantiles; NaN without samples."""
    samples = np.sort(np.asarray(samples, dtype=float)[np.isfinite(samples)])
    n = len(samples)
    if n == 0:
        return math.nan, math.nan, math.nan
    alpha = 1.0 - confidence
    low_rank = int(stats.binom.ppf(alpha / 2, n, 0.5))  # 0-based index of the lower bound
    high_rank = n - 1 - low_rank
    low = samples[max(low_rank - 1, 0)] if low_rank > 0 else samples[0]
    return float(np.median(samples)), float(low), float(samples[min(high_rank + 1, n - 1)])


def slip_rate(counts: np.ndarray, bin_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean rate over seeds (axis 0) per bin and its standard error (slips per unit time)."""
    counts = np.asarray(counts, dtype=float)
    seeds = np.sum(np.isfinite(counts[:, 0]))
    rate = np.nanmean(counts, axis=0) / bin_width
    spread = np.nanstd(counts, axis=0, ddof=1) if seeds > 1 else np.full(rate.shape, np.nan)
    return rate, spread / bin_width / math.sqrt(max(seeds, 1))


def late_rate(counts: np.ndarray, bin_edges: np.ndarray) -> tuple[float, float]:
    """Rate of the late window (bins starting in the last third of the run), mean over seeds,
    with its standard error."""
    counts = np.asarray(counts, dtype=float)
    t_max = bin_edges[-1]
    late = bin_edges[:-1] >= (1.0 - LATE_FRACTION) * t_max - 1e-12
    if not late.any():
        late[-1] = True
    duration = float(np.sum(np.diff(bin_edges)[late]))
    per_seed = np.nansum(counts[:, late], axis=1)[np.isfinite(counts[:, 0])] / duration
    if len(per_seed) < 2:
        return float(np.mean(per_seed)) if len(per_seed) else math.nan, math.nan
    return float(per_seed.mean()), float(per_seed.std(ddof=1) / math.sqrt(len(per_seed)))


def regime(peak: float, late: float, late_error: float) -> str:
    """``none`` (no slip), ``burst`` (late rate below LASTING_FRACTION of the peak at two
    standard errors), ``proliferation`` (above it at two standard errors), else ``undecided``."""
    if not peak > 0:
        return "none"
    threshold = LASTING_FRACTION * peak
    if late + 2 * late_error < threshold:
        return "burst"
    if late - 2 * late_error > threshold:
        return "proliferation"
    return "undecided"
