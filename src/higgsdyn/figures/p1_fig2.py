"""P1 Fig. 2: Delta(t) at long times for several zeta = 1/(tau_s Delta_1), paramagnetic.

Reads ``datasets["quench"]`` (results/p1/quench.nc): the plain ``paramagnetic`` label at the
lambda_f with the most computed zetas.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.p1_fig1 import computed, labels_starting

DATASETS = ("quench",)  # the merged datasets plot() reads

SHOWN = 60.0  # width [1/Delta_1] of the late interval drawn (long times, oscillations resolved)


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    one = computed(quench, labels_starting(quench, "paramagnetic")[0])
    late = one.sel(time=slice(float(one["time"][-1]) - SHOWN, None))
    figure, axes = plt.subplots(figsize=(style.COLUMN_WIDTH_INCH, 2.6))
    for zeta in late["zeta"].values:
        axes.plot(late["time"], late["gap_t"].sel(zeta=zeta), lw=0.8, label=rf"$\zeta={zeta:g}$")
    axes.set_xlabel(style.axis_label(late["time"], "$t$"))
    axes.set_ylabel(style.axis_label(late["gap_t"], r"$\Delta(t)$"))
    axes.set_title(rf"$N={_levels(quench)}$, $\lambda_f={float(late['lambda_f']):.4f}$", fontsize=7)
    axes.legend(ncol=2, loc="lower left")
    return figure


def _levels(quench: xr.Dataset) -> str:
    for part in quench.attrs.get("solver", "").split(","):
        if part.strip().startswith("N="):
            return part.strip()[2:]
    return "?"
