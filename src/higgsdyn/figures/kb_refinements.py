"""Shared by the KB figures: the resolution study of a run (``ns_t_refined``) drawn under its
n_s(t) curve, so a reader sees how far a finer n_xi or dt moves it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr


def plot_refinements(axis: plt.Axes, run: xr.Dataset, color: str) -> None:
    """Dashed thin lines of n_s(t)/n_s(0), t >= 0, for every refinement of ``run`` that was
    computed (none if the dataset has no study)."""
    if "ns_t_refined" not in run:
        return
    after = run["time"] >= 0
    for label in run["refinement"].values:
        refined = run["ns_t_refined"].sel(refinement=label)[after]
        valid = np.isfinite(refined.values)
        if valid.any():
            axis.plot(refined["time"][valid], refined[valid], color=color, ls="--", lw=0.6)
