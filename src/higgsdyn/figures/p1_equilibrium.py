"""AG equilibrium versus paramagnetic disorder (P1 Eqs. 13, 65, 71, 75, 76; Suppl.).

Gap Delta_0, spectral threshold Delta_th and half the Higgs frequency against
zeta = 1/(tau_s Delta_0): numerical solutions as markers, the paper's closed forms as
lines; inset: the AG density of states (Eq. 52) for a few zeta.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style

DATASETS = ("equilibrium",)  # the merged datasets plot() reads

INSET_ZETAS = (0.0, 0.1, 0.3, 0.5)


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["equilibrium"]`` (results/p1/equilibrium.nc)."""
    eq = datasets["equilibrium"].sel(disorder="paramagnetic").dropna("zeta", how="all")
    style.apply()
    figure, axes = plt.subplots(figsize=(style.COLUMN_WIDTH_INCH, 3.6))
    zeta = eq["zeta"]
    series = (
        ("gap", "gap_eq65", r"$\Delta_0$", "Eq. (10)", "Eq. (65)", style.COLORS[0]),
        (
            "gap_threshold",
            "gap_threshold_eq76",
            r"$\Delta_{\rm th}$",
            "Eq. (52)",
            "Eq. (76)",
            style.COLORS[1],
        ),
    )
    for numeric, closed, label, numeric_label, closed_label, color in series:
        axes.plot(zeta, eq[numeric], "o", color=color, label=f"{label}, {numeric_label} numeric")
        axes.plot(zeta, eq[closed], "-", color=color, label=f"{label}, {closed_label}")
    higgs_color = style.COLORS[2]
    axes.plot(
        zeta,
        eq["omega_higgs"] / 2,
        "s",
        color=higgs_color,
        label=r"$\omega_{\rm Higgs}/2$, Eq. (71) numeric",
    )
    axes.plot(
        zeta,
        eq["omega_higgs_eq13"] / 2,
        "--",
        color=higgs_color,
        label=r"$\omega_{\rm Higgs}/2$, Eq. (13) as printed",
    )
    axes.plot(
        zeta,
        eq["omega_higgs_corrected"] / 2,
        ":",
        color=higgs_color,
        label=r"$\omega_{\rm Higgs}/2$, Eq. (75) with Eq. (9) factor",
    )
    axes.set_xlabel(style.axis_label(zeta, r"$\zeta = 1/\tau_s\Delta_0$"))
    axes.set_ylabel(f"energy [{style.unit_symbol(eq['gap'].attrs['units'])}]")
    axes.set_xlim(0, float(zeta.max()) * 1.05 if float(zeta.max()) > 0 else 1)
    axes.set_ylim(0, 1.6)  # room above the curves for the DOS inset
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, columnspacing=0.8)
    _dos_inset(axes, eq)
    return figure


def _dos_inset(axes: plt.Axes, eq: xr.Dataset) -> None:
    inset = axes.inset_axes((0.47, 0.69, 0.5, 0.29))
    available = eq["zeta"].values
    shown = sorted({float(available[np.argmin(np.abs(available - z))]) for z in INSET_ZETAS})
    positive = eq["energy"] >= 0
    for index, zeta in enumerate(shown):
        dos = eq["dos"].sel(zeta=zeta)
        inset.plot(
            eq["energy"][positive],
            dos[positive],
            color=style.COLORS[index % 6],
            lw=0.8,
            label=f"{zeta:g}",
        )
    inset.set_xlabel(style.axis_label(eq["energy"], r"$\varepsilon$"), fontsize=6, labelpad=1)
    inset.set_ylabel(r"$N(\varepsilon)/\nu_F$", fontsize=6, labelpad=1)
    inset.set_ylim(0, 3)
    inset.tick_params(labelsize=5.5, pad=1)
    inset.legend(title=r"$\zeta$", fontsize=5, title_fontsize=5.5, loc="upper right")
