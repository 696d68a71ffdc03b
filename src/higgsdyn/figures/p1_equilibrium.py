"""AG equilibrium versus paramagnetic disorder (P1 Eq. (13), Suppl. Eqs. (65), (71), (75), (76)).

(a) Gap Delta_0 and spectral threshold Delta_th against zeta = 1/(tau_s Delta_0): numerical
solutions as markers, the paper's closed forms as lines. (b) omega_Higgs/(2 Delta_0) on its
own scale: P1 Suppl. Eq. (71) root, printed P1 Eq. (13) and the P1 Eq. (9)-consistent
P1 Suppl. Eq. (75). (c) The AG density of states (P1 Suppl. Eq. (52)) for a few zeta.
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
    figure, (gaps, higgs, dos) = plt.subplots(
        3,
        1,
        figsize=(style.COLUMN_WIDTH_INCH, 6.6),
        layout="constrained",
        height_ratios=(1.2, 1.0, 0.9),
    )
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
        gaps.plot(zeta, eq[numeric], "o", color=color, label=f"{label}, {numeric_label} numeric")
        gaps.plot(zeta, eq[closed], "-", color=color, label=f"{label}, {closed_label}")
    gaps.set_ylabel(f"energy [{style.unit_symbol(eq['gap'].attrs['units'])}]")
    gaps.set_ylim(0, 1.05)
    gaps.legend(loc="lower left")
    higgs_forms = (
        ("omega_higgs", "s", r"Eq. (71) numeric"),
        ("omega_higgs_eq13", "--", "Eq. (13) as printed"),
        ("omega_higgs_corrected", ":", "Eq. (75) with the Eq. (9) factor"),
    )
    for name, fmt, label in higgs_forms:
        higgs.plot(zeta, eq[name] / (2 * eq["gap"]), fmt, color=style.COLORS[2], label=label)
    higgs.set_ylabel(r"$\omega_{\rm Higgs}/2\Delta_0$")
    higgs.legend(loc="lower left")
    for axes in (gaps, higgs):
        axes.set_xlabel(style.axis_label(zeta, r"$\zeta = 1/\tau_s\Delta_0$"))
        axes.set_xlim(0, float(zeta.max()) * 1.05 if float(zeta.max()) > 0 else 1)
    _dos(dos, eq)
    for axes, tag in zip((gaps, higgs, dos), "abc", strict=True):
        axes.set_title(f"({tag})", loc="left", fontsize=8)
    return figure


def _dos(axes: plt.Axes, eq: xr.Dataset) -> None:
    """AG density of states (P1 Suppl. Eq. (52)) for the computed zeta closest to
    ``INSET_ZETAS``."""
    available = eq["zeta"].values
    shown = sorted({float(available[np.argmin(np.abs(available - z))]) for z in INSET_ZETAS})
    positive = eq["energy"] >= 0
    for index, zeta in enumerate(shown):
        axes.plot(
            eq["energy"][positive],
            eq["dos"].sel(zeta=zeta)[positive],
            color=style.COLORS[index % len(style.COLORS)],
            lw=0.8,
            label=f"{zeta:g}",
        )
    axes.set_xlabel(style.axis_label(eq["energy"], r"$\varepsilon$"))
    axes.set_ylabel(r"$N(\varepsilon)/\nu_F$, Eq. (52)")
    axes.set_ylim(0, 3)
    axes.legend(title=r"$\zeta$", title_fontsize=7, loc="upper right")
