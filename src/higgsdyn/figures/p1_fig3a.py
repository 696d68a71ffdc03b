"""P1 Fig. 3(a): paramagnetic (persistent) vs nonmagnetic (decaying) Delta(t) at equal zeta.

zeta = 1/(tau_s Delta_1) resp. 1/(tau_u Delta_1). Reads ``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.p1_fig1 import computed, labels_starting

DATASETS = ("quench",)  # the merged datasets plot() reads

ZETA = 0.1  # preferred; otherwise the computed zeta common to both types closest to it


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    para = computed(quench, labels_starting(quench, "paramagnetic")[0])
    lambda_f = float(para["lambda_f"])
    nonmag = computed(quench, labels_starting(quench, "nonmagnetic")[0], lambda_f)
    common = np.intersect1d(para["zeta"].values, nonmag["zeta"].values)
    common = common[common > 0]
    zeta = float(common[np.argmin(np.abs(common - ZETA))])
    figure, axes = plt.subplots(figsize=(style.COLUMN_WIDTH_INCH, 2.4))
    for one, name in ((para, "paramagnetic"), (nonmag, "nonmagnetic")):
        gap = one["gap_t"].sel(zeta=zeta)
        axes.plot(one["time"], gap, lw=0.8, label=rf"{name}, $\zeta={zeta:g}$")
    axes.set_xlabel(style.axis_label(para["time"], "$t$"))
    axes.set_ylabel(style.axis_label(para["gap_t"], r"$\Delta(t)$"))
    axes.legend(loc="center right")
    return figure
