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


def _power_law(ax, x, values, smooth, fl: xr.Dataset, name: str, paper: str, color, label=None):
    """Computed points and the stored power-law fit ``name`` (prefactor x^exponent), log-log."""
    ax.loglog(x, values, "o", color=color, label=label)
    fit = float(fl[f"{name}_prefactor"]) * smooth ** float(fl[name])
    ax.loglog(smooth, fit, "-", color=color, label=_fit_label(fl, name, paper))


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

        _power_law(axes[row, 1], x, -fl[f"ns2_{suffix}"] / ns0, smooth, fl,
                   f"ns2_exponent_{suffix}", "-1", style.COLORS[1])  # fmt: skip
        axes[row, 1].set_ylabel(r"$-n_s^{(2)}/n_s^{(0)}$")
        _power_law(axes[row, 2], x, fl[f"n_excited_{suffix}"], smooth, fl,
                   f"n_excited_exponent_{suffix}", "-1/2", style.COLORS[2], "Eq. (D1)")  # fmt: skip
        axes[row, 2].set_ylabel(style.axis_label(fl[f"n_excited_{suffix}"], r"$N_{\rm ex}$"))
        for ax in axes[row]:
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel(xlabel)
            ax.legend(loc="upper right")  # the curves fall from the upper left
    axes[0, 0].set_title(r"$\omega_0 = 2\Delta$, $\gamma_{\rm inel}$ sweep", fontsize=7)
    axes[1, 0].set_title(r"$\omega_0 = 2\Delta - \delta$, detuning sweep", fontsize=7)
    figure.suptitle(rf"$\theta = {theta:g}\,\Delta$", fontsize=7)
    return figure
