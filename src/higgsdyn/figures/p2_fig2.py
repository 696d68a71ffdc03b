"""P2 Fig. 2: Floquet bands, Floquet LDOS and the driven superfluid density.

(a) Floquet-BdG quasienergies versus xi for omega0 = 0.15, 1, 2 Delta: Floquet index
m = 0 solid, m = 1 dashed. (b) Floquet LDOS Re g^R_00: zeroth order and the second-order
term (rescaled, as in the paper "not to scale"), and the second-order occupied LDOS
Re g^<_00 / 2 (rescaled). (c) static n_s^(2) and dynamic n_s^(1) versus omega0 at
theta = 0.2 Delta (lines: perturbative, P2 Eqs. (A5)-(A6); markers: all-orders Sambe solution).
Reads ``datasets["floquet"]`` (results/p2/floquet.nc).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style

DATASETS = ("floquet",)  # the merged datasets plot() reads

PANEL_OMEGA0 = (0.15, 1.0, 2.0)


def _nearest(fl: xr.Dataset, omega0: float) -> xr.Dataset:
    return fl.sel(omega0=omega0, method="nearest")


def _rescaled(values: xr.DataArray) -> tuple[np.ndarray, float]:
    """Scale a curve so its 98th-percentile magnitude is 1 (the paper's "not to scale")."""
    typical = float(np.percentile(np.abs(values), 98))
    factor = 1.0 / typical if typical > 0 else 1.0
    return values.values * factor, factor


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Fig. 2 from ``datasets["floquet"]``."""
    fl = datasets["floquet"]
    style.apply()
    figure = plt.figure(figsize=(2 * style.COLUMN_WIDTH_INCH, 5.6), constrained_layout=True)
    grid = figure.add_gridspec(3, 6)
    theta = float(fl.attrs["theta"])
    for column, omega0 in enumerate(PANEL_OMEGA0):
        point = _nearest(fl, omega0)
        title = rf"$\omega_0 = {float(point['omega0']):g}\,\Delta$"
        bands = figure.add_subplot(grid[0, 2 * column : 2 * column + 2])
        for index, linestyle in ((0, "-"), (1, "--")):
            for branch_index in range(point.sizes["branch"]):
                bands.plot(
                    point["xi"],
                    point["quasienergy"].isel(floquet_index=index, branch=branch_index),
                    linestyle,
                    color=style.COLORS[branch_index],
                    label=f"m = {index}" if branch_index == 0 else None,
                )
        bands.set_title(title, fontsize=7)
        bands.set_xlabel(style.axis_label(point["xi"], r"$\xi_k$"))
        bands.set_ylim(-3, 3)
        if column == 0:
            bands.set_ylabel(style.axis_label(point["quasienergy"], r"$\varepsilon$"))
            bands.legend(loc="lower left")
            bands.text(-0.3, 1.02, "(a)", transform=bands.transAxes, fontweight="bold")

        ldos = figure.add_subplot(grid[1, 2 * column : 2 * column + 2])
        reference = point["ldos0"]
        second, factor2 = _rescaled(point["ldos2"])
        occupied, factor_occ = _rescaled(point["ldos_occupied2"])
        ldos.plot(point["omega"], reference, color=style.COLORS[0], label="0th order")
        ldos.plot(
            point["omega"],
            second,
            color=style.COLORS[3],
            label=rf"$\theta^2$ $\times${factor2:.2g}",
        )
        ldos.plot(
            point["omega"],
            occupied,
            "--",
            color=style.COLORS[2],
            label=rf"occ. $\theta^2$ $\times${factor_occ:.2g}",
        )
        ldos.set_xlabel(style.axis_label(point["omega"], r"$\omega$"))
        ldos.set_ylim(-2.5, 4.5)  # headroom for the legend above the curves
        ldos.legend(loc="upper right", handlelength=1.2, borderaxespad=0.2)
        if column == 0:
            ldos.set_ylabel(r"Re $\hat g^R_{00}$, Re $\hat g^<_{00}/2$")
            ldos.text(-0.3, 1.02, "(b)", transform=ldos.transAxes, fontweight="bold")

    omega0 = fl["omega0"]
    panels = (
        (grid[2, 0:3], "ns2", 1, "Eq. (A6)", r"$n_s^{(2)}/n_s^{(0)}$ (static)", "lower left"),
        (grid[2, 3:6], "ns1", 4, "Eq. (A5)", r"$|n_s^{(1)}|/n_s^{(0)}$ (dynamic)", "upper left"),
    )
    for cell, name, color, equation, ylabel, corner in panels:
        panel = figure.add_subplot(cell)
        color = style.COLORS[color]
        panel.plot(omega0, fl[name] / fl["ns0"], "-", color=color, label=equation)
        panel.plot(omega0, fl[f"{name}_nonperturbative"] / fl["ns0"], "o", color=color,
                   mfc="none", label="Sambe, all orders")  # fmt: skip
        panel.set_xlabel(style.axis_label(omega0, r"$\omega_0$"))
        panel.set_ylabel(ylabel)
        panel.legend(loc=corner)
        if name == "ns2":
            panel.axhline(0, color="0.6", lw=0.5)
            panel.text(-0.15, 1.02, "(c)", transform=panel.transAxes, fontweight="bold")
    figure.suptitle(rf"$\theta = {theta:g}\,\Delta$", fontsize=7)
    return figure
