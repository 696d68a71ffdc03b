"""Selection helpers shared by the P1 quench figures: which runs of results/p1/quench.nc to
draw (no physics). Imported by p1_fig1, p1_fig2, p1_fig3a, p1_fig3b and p1_quench_diagram;
editing this module reruns exactly those figures."""

from __future__ import annotations

import numpy as np
import xarray as xr


def labels_starting(quench: xr.Dataset, prefix: str) -> list[str]:
    """Disorder labels that start with ``prefix`` (plain label first)."""
    labels = [str(label) for label in quench["disorder"].values if str(label).startswith(prefix)]
    return sorted(labels, key=lambda label: (label != prefix, label))


def computed(quench: xr.Dataset, label: str, lambda_f: float | None = None) -> xr.Dataset:
    """The zeta slice of ``label`` at one lambda_f, NaN (not computed) zetas dropped.

    Default lambda_f: the merged dataset's ``figure_lambda_f`` attribute (the figure grid of
    the config, where every disorder type and variant was run).
    """
    if lambda_f is None:
        lambda_f = quench.attrs["figure_lambda_f"]
    one = quench.sel(disorder=label).sel(lambda_f=lambda_f, method="nearest")
    finite = one["gap_t"].notnull().all("time")
    return one.isel(zeta=np.flatnonzero(finite.values))


def nearest_zeta(one: xr.Dataset, zeta: float) -> xr.Dataset:
    """The computed point closest to ``zeta`` (the figures name the value they show)."""
    return one.sel(zeta=zeta, method="nearest")


def flagged(point: xr.Dataset) -> bool:
    """Whether the point broke |S_p| = 1 beyond the configured tolerance (``norm_violated``)."""
    return bool(point["norm_violated"] == 1)


NORM_MARK = r" ($|S|\neq1$)"  # appended to the legend label of flagged points
