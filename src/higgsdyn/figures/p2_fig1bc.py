"""P2 Figs. 1b, 1c: n_s(t)/n_s(0) and Delta(t) after the BCS-coupling quench (KB solver).

Left: clean electron-phonon runs (omega_D > 0); right: disordered runs (omega_D = 0 in the
merged dataset). Shaded: n_s < 0. Dashed (if the resolution study ran): the same run with
n_xi or dt refined. Dotted lines in the gap panels: omega_D/2, so a gap curve above its line
has 2 Delta > omega_D.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.kb_refinements import plot_refinements

DATASETS = ("kbe_flatband",)  # the merged datasets plot() reads


def _runs(ds: xr.Dataset, phonons: bool) -> list[tuple[str, xr.Dataset, float]]:
    """(label, run, omega_D) for every computed point of one panel."""
    runs = []
    for omega_d in ds["omega_D"].values:
        if (omega_d > 0) != phonons:
            continue
        for lambda_f in ds["lambda_f"].values:
            point = ds.sel(omega_D=omega_d, lambda_f=lambda_f)
            if np.all(np.isnan(point["gap_t"].values)):
                continue
            if phonons:
                label = rf"$\omega_D = {omega_d:g}\,E_F$"
            else:
                label = rf"$\lambda_f = {lambda_f:g}$"
            runs.append((label, point, float(omega_d)))
    return runs


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["kbe_flatband"]`` (results/p2/kbe_flatband.nc)."""
    ds = datasets["kbe_flatband"]
    style.apply()
    figure, axes = plt.subplots(
        2, 2, figsize=(2 * style.COLUMN_WIDTH_INCH, 3.8), sharex="col", constrained_layout=True
    )
    for column, (phonons, title) in enumerate(
        ((True, "(b) clean, electron-phonon"), (False, "(c) disordered"))
    ):
        ns_axis, gap_axis = axes[0, column], axes[1, column]
        for index, (label, point, omega_d) in enumerate(_runs(ds, phonons)):
            color = style.COLORS[index % len(style.COLORS)]
            after = point["time"] >= 0
            time = point["time"][after]
            ns = point["ns_t"][after]
            ns_axis.plot(time, ns, color=color, label=label)
            plot_refinements(ns_axis, point, color)
            ns_axis.fill_between(time, ns, 0, where=ns < 0, color=color, alpha=0.3, lw=0)
            gap_axis.plot(time, point["gap_t"][after], color=color)
            if phonons:
                gap_axis.axhline(omega_d / 2, color=color, ls=":", lw=0.8)
        ns_axis.axhline(0, color="k", lw=0.5)
        ns_axis.set_title(title)
        ns_axis.set_ylabel(style.axis_label(ds["ns_t"], r"$n_s(t)/n_s(0)$"))
        gap_axis.set_ylabel(style.axis_label(ds["gap_t"], r"$\Delta(t)$"))
        gap_axis.set_xlabel(style.axis_label(ds["time"], "$t$"))
        ns_axis.legend(loc="best")
    return figure
