"""P2 scalings of the driven superfluid density and heating (main text, P2 Eq. (D1)).

Top row: gamma_inel sweep at omega0 = 2 Delta; bottom row: detuning sweep
omega0 = 2 Delta - delta at small fixed gamma_inel. Columns: n_s^(1) (cos part) / n_s^(0)
versus log of the sweep variable (paper: ~ (theta/Delta) log(gamma/Delta)); |n_s^(2)| /
n_s^(0) (paper: ~ theta^2/(Delta gamma)); N_ex of P2 Eq. (D1) (paper: ~ theta^2 nu_0 /
sqrt(Delta gamma)). Markers: computed points; lines: the stored fits, with the fitted
exponent and its standard error in the legend. Reads ``datasets["floquet"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from higgsdyn.figures import style

DATASETS = ("floquet",)  # the merged datasets plot() reads

SWEEPS = (("gamma_inel", "gamma", r"\gamma_{\rm inel}"), ("detuning", "detuning", r"\delta"))


def _fit_label(fl: xr.Dataset, name: str, paper: str) -> str:
    value, error = float(fl[name]), float(fl[f"{name}_error"])
    return rf"fit $p = {value:.3f} \pm {error:.3f}$" + f"\n(paper {paper})"


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Scaling figure from ``datasets["floquet"]`` (results/p2/floquet.nc)."""
    fl = datasets["floquet"]
    style.apply()
    theta = float(fl.attrs["theta"])
    figure, axes = plt.subplots(
        2, 3, figsize=(2 * style.COLUMN_WIDTH_INCH, 4.2), constrained_layout=True
    )
    for row, (dim, suffix, symbol) in enumerate(SWEEPS):
        if dim not in fl.dims:
            for ax in axes[row]:
                ax.set_axis_off()
            continue
        x = fl[dim]
        smooth = np.geomspace(float(x.min()), float(x.max()), 100)
        ns0 = fl[f"ns0_{suffix}"]
        xlabel = style.axis_label(x, rf"${symbol}$")

        dynamic = axes[row, 0]
        dynamic.semilogx(x, fl[f"ns1_cos_{suffix}"] / ns0 / theta, "o", color=style.COLORS[4])
        slope = float(fl[f"ns1_log_slope_{suffix}"])
        intercept = float(fl[f"ns1_log_intercept_{suffix}"])
        dynamic.semilogx(
            smooth,
            intercept + slope * np.log(smooth),
            "-",
            color=style.COLORS[4],
            label=rf"$b = {slope:.3f} \pm {float(fl[f'ns1_log_slope_{suffix}_error']):.3f}$"
            + "\n"
            + rf"in $a + b\ln {symbol}$",
        )
        dynamic.set_ylabel(r"$n_s^{(1)}/(n_s^{(0)}\theta)$ [1/$\Delta$]")

        static = axes[row, 1]
        name = f"ns2_exponent_{suffix}"
        static.loglog(x, -fl[f"ns2_{suffix}"] / ns0, "o", color=style.COLORS[1])
        static.loglog(
            smooth,
            float(fl[f"{name}_prefactor"]) * smooth ** float(fl[name]),
            "-",
            color=style.COLORS[1],
            label=_fit_label(fl, name, "-1"),
        )
        static.set_ylabel(r"$-n_s^{(2)}/n_s^{(0)}$")

        heating = axes[row, 2]
        name = f"n_excited_exponent_{suffix}"
        heating.loglog(x, fl[f"n_excited_{suffix}"], "o", color=style.COLORS[2], label="Eq. (D1)")
        heating.loglog(
            smooth,
            float(fl[f"{name}_prefactor"]) * smooth ** float(fl[name]),
            "-",
            color=style.COLORS[2],
            label=_fit_label(fl, name, "-1/2"),
        )
        heating.set_ylabel(style.axis_label(fl[f"n_excited_{suffix}"], r"$N_{\rm ex}$"))
        for ax in axes[row]:
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel(xlabel)
            ax.legend(loc="upper right")  # the curves fall from the upper left
    axes[0, 0].set_title(r"$\omega_0 = 2\Delta$, $\gamma_{\rm inel}$ sweep", fontsize=7)
    axes[1, 0].set_title(r"$\omega_0 = 2\Delta - \delta$, detuning sweep", fontsize=7)
    figure.suptitle(rf"$\theta = {theta:g}\,\Delta$", fontsize=7)
    return figure
