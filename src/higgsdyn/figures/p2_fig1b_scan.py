"""P2 Fig. 1b over what the paper leaves open: the quench of Fig. 1b for each lambda_el-ph
and Debye energy of the bath (KB solver, results/p2/kbe_scan.nc).

(a) smallest n_s(t)/n_s(0) after the quench, (b) the first time n_s < 0, both against
omega_D / 2 Delta (Delta: mean gap over the second half of the run), one line per lambda_el-ph.
P2's claim is n_s < 0 left of the dotted line (2 Delta > omega_D).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style

DATASETS = ("kbe_scan",)  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["kbe_scan"]`` (results/p2/kbe_scan.nc)."""
    ds = datasets["kbe_scan"]
    style.apply()
    figure, (min_axis, time_axis) = plt.subplots(
        2, 1, figsize=(style.COLUMN_WIDTH_INCH, 3.6), sharex=True, constrained_layout=True
    )
    ratio = ds["omega_D"] / (2 * ds["gap_late"])
    for index, lambda_ph in enumerate(ds["lambda_ph"].values):
        color = style.COLORS[index % len(style.COLORS)]
        x = ratio.sel(lambda_ph=lambda_ph).values
        order = np.argsort(x)
        label = rf"$\lambda_{{\mathrm{{el-ph}}}} = {lambda_ph:g}$"
        min_axis.plot(x[order], ds["min_ns"].sel(lambda_ph=lambda_ph).values[order], "o-",
                      color=color, ms=3, label=label)  # fmt: skip
        time_axis.plot(x[order], ds["time_ns_negative"].sel(lambda_ph=lambda_ph).values[order],
                       "o-", color=color, ms=3)  # fmt: skip
    if ds["time_ns_negative"].isnull().all():
        time_axis.text(0.5, 0.5, f"$n_s > 0$ in every run up to t = {float(ds['time'].max()):g}",
                       transform=time_axis.transAxes, ha="center", va="center")  # fmt: skip
    min_axis.axhline(0, color="k", lw=0.5)
    for axis in (min_axis, time_axis):
        axis.axvline(1, color="k", ls=":", lw=0.8)
    min_axis.set_ylabel(r"min $n_s(t)/n_s(0)$")
    time_axis.set_ylabel(style.axis_label(ds["time_ns_negative"], r"first $n_s<0$"))
    time_axis.set_xlabel(r"$\omega_D / 2\Delta$")
    min_axis.set_title(f"Fig. 1b quench, t up to {float(ds['time'].max()):g}", fontsize=7)
    min_axis.legend(loc="best")
    return figure
