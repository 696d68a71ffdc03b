"""Quench diagram (beyond P1): persistent-oscillation amplitude and frequency vs (zeta, lambda_f).

Left: fitted late-time amplitude of Delta(t) (paramagnetic) over zeta for each lambda_f
(log scale; the clean zeta = 0 ringing marks the decaying background). Right: measured
frequency over 2 D (D = late-time mean gap) against x = zeta/D, with the printed Eq. (13)
sqrt(1 - x^2), the Eq. (9)-consistent sqrt(1 - x^2/4) and, when ``datasets["equilibrium"]``
(results/p1/equilibrium.nc) is given, the numerical omega_Higgs/(2 Delta_0) of its Eq. (71).
Reads ``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.p1_fig1 import labels_starting

DATASETS = ("quench", "equilibrium")  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    para = quench.sel(disorder=labels_starting(quench, "paramagnetic")[0])
    figure, (left, right) = plt.subplots(1, 2, figsize=(2 * style.COLUMN_WIDTH_INCH, 2.6))
    for lambda_f in para["lambda_f"].values:
        one = para.sel(lambda_f=lambda_f)
        ok = np.isfinite(one["steady_amplitude"].values)
        if not ok.any():
            continue
        ratio = float(one["gap_initial_clean"].values[ok][0])
        label = rf"$\lambda_f={lambda_f:.4f}$ ($\Delta_0/\Delta_1={ratio:.3f}$)"
        (line,) = left.plot(one["zeta"][ok], one["steady_amplitude"][ok], "o-", label=label)
        x = one["zeta_over_mean_gap"].values[ok]
        ratio_measured = one["steady_frequency"].values[ok] / (2 * one["steady_mean"].values[ok])
        right.plot(x, ratio_measured, "o", color=line.get_color())
    left.set_yscale("log")
    left.set_xlabel(r"$\zeta = 1/(\tau_s\Delta_1)$")
    left.set_ylabel(style.axis_label(para["steady_amplitude"], "late amplitude"))
    left.legend(fontsize=5)
    grid = np.linspace(0.0, max(0.5, float(np.nanmax(para["zeta_over_mean_gap"]))), 200)
    right.plot(grid, np.sqrt(1 - grid**2), "k--", lw=0.8, label="Eq. (13) as printed")
    right.plot(grid, np.sqrt(1 - grid**2 / 4), "k:", lw=0.8, label=r"$\sqrt{1-x^2/4}$")
    if "equilibrium" in datasets:
        eq = datasets["equilibrium"].sel(disorder="paramagnetic").dropna("zeta", how="all")
        right.plot(
            eq["zeta"],
            eq["omega_higgs"] / (2 * eq["gap"]),
            "-",
            color="0.5",
            lw=0.8,
            label="Eq. (71) numeric (equilibrium)",
        )
    right.set_xlabel(r"$x = 1/(\tau_s D)$, $D$ = late mean gap")
    right.set_ylabel(r"$\omega/2D$")
    right.legend(fontsize=5)
    return figure
