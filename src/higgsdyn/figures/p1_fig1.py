"""P1 Fig. 1 from a real run: Delta(t) after a small quench with paramagnetic impurities.

Marks the regimes of the caption: t ~ tau_Delta = 1/Delta_1 (start of the collisionless
t^(-1/2) ringing) and t ~ tau_s = 1/(zeta Delta_1) (onset of the persistent oscillation).
Reads ``datasets["quench"]`` (results/p1/quench.nc). Also holds the data-selection helpers
the other P1 quench figures import.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style

ZETA = 0.1  # the run shown (nearest computed value)


# Selection helpers shared by the P1 quench figures (choose what to draw, no physics).


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


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    one = computed(quench, labels_starting(quench, "paramagnetic")[0])
    point = nearest_zeta(one, ZETA)
    zeta = float(point["zeta"])
    figure, axes = plt.subplots(figsize=(style.COLUMN_WIDTH_INCH, 2.4))
    if 0.0 in one["zeta"].values:
        axes.plot(one["time"], one["gap_t"].sel(zeta=0.0), color="0.6", lw=0.8, label="clean")
    mark = NORM_MARK if flagged(point) else ""
    axes.plot(point["time"], point["gap_t"], label=rf"paramagnetic, $\zeta={zeta:g}${mark}")
    for time, name in ((1.0, r"$\tau_\Delta$"), (1.0 / zeta, r"$\tau_s$")):
        axes.axvline(time, color="k", ls=":", lw=0.8)
        axes.annotate(
            name,
            (time, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
        )
    axes.set_xscale("log")
    axes.set_xlim(0.3, float(point["time"][-1]))
    axes.set_xlabel(style.axis_label(point["time"], "$t$"))
    axes.set_ylabel(style.axis_label(point["gap_t"], r"$\Delta(t)$"))
    axes.legend(loc="center right")
    return figure
