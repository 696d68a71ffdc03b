"""Shared by the KB scan figures: (a) the smallest n_s(t)/n_s(0) after the quench and (b) the
first time n_s < 0, against one axis of a scan, one line per value of the other."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style


def plot_scan(ds: xr.Dataset, x: xr.DataArray, group: str, label, xlabel: str) -> Figure:
    """Two panels of ``ds`` (a merged scan) against ``x`` (same dims as ``min_ns``), a line
    per value of the dimension ``group`` labelled ``label(value)``."""
    style.apply()
    figure, (min_axis, time_axis) = plt.subplots(
        2, 1, figsize=(style.COLUMN_WIDTH_INCH, 3.6), sharex=True, constrained_layout=True
    )
    for index, value in enumerate(ds[group].values):
        color = style.COLORS[index % len(style.COLORS)]
        abscissa = x.sel({group: value}).values
        order = np.argsort(abscissa)
        for axis, name in ((min_axis, "min_ns"), (time_axis, "time_ns_negative")):
            axis.plot(abscissa[order], ds[name].sel({group: value}).values[order], "o-",
                      color=color, ms=3, label=label(value))  # fmt: skip
    if ds["time_ns_negative"].isnull().all():
        time_axis.text(0.5, 0.5, f"$n_s > 0$ in every run up to t = {float(ds['time'].max()):g}",
                       transform=time_axis.transAxes, ha="center", va="center")  # fmt: skip
    min_axis.axhline(0, color="k", lw=0.5)
    min_axis.set_ylabel(r"min $n_s(t)/n_s(0)$")
    time_axis.set_ylabel(style.axis_label(ds["time_ns_negative"], r"first $n_s<0$"))
    time_axis.set_xlabel(xlabel)
    min_axis.legend(loc="best")
    return figure
