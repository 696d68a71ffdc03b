"""P1 Fig. 1 from a real run: Delta(t) after a small quench with paramagnetic impurities.

Marks the regimes of the caption: t ~ tau_Delta = 1/Delta_1 (start of the collisionless
t^(-1/2) ringing) and t ~ tau_s = 1/(zeta Delta_1) (onset of the persistent oscillation).
Reads ``datasets["quench"]`` (results/p1/quench.nc). Also holds the data-selection helpers
the other P1 quench figures import.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.quench_selection import (
    NORM_MARK,
    computed,
    flagged,
    labels_starting,
    nearest_zeta,
)

DATASETS = ("quench",)  # the merged datasets plot() reads

ZETA = 0.1  # the run shown (nearest computed value)


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
