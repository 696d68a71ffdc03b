"""Quench diagram (beyond P1), one parameter varied per panel (paramagnetic disorder).

(a) B = late amplitude/zeta (free-frequency fit) against zeta for each quench size
Delta_0/Delta_1 at the figure cutoff omega_D (labels ``paramagnetic`` and its ``_decreased``,
``_noquench``, ``_ratio_*`` variants); open markers: ``norm_violated``. (b) A and B against
omega_D at the figure quench and zeta (labels ``paramagnetic`` and ``paramagnetic_cutoff``).
(c) Measured frequency over 2 D (D = late mean gap) against x = zeta/D for every label, with
the printed P1 Eq. (13) sqrt(1 - x^2), the P1 Eq. (9)-consistent sqrt(1 - x^2/4) and, when
``datasets["equilibrium"]`` is given, its numerical omega_Higgs/(2 Delta_0) (P1 Suppl. Eq. (71)).
Reads ``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib import ticker
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.quench_selection import computed, labels_starting

QUENCH_SIZES = ("paramagnetic", "paramagnetic_decreased", "paramagnetic_noquench")
CUTOFF_LABEL = "paramagnetic_cutoff"
ZETA = 0.1  # zeta of the cutoff sweep (panel b)

DATASETS = ("quench", "equilibrium")  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    figure, (sizes, cutoff, frequency) = plt.subplots(
        1, 3, figsize=(2 * style.COLUMN_WIDTH_INCH, 3.0), layout="constrained"
    )
    _quench_sizes(sizes, quench)
    _cutoff_sweep(cutoff, quench)
    equilibrium = datasets.get("equilibrium")
    if equilibrium is not None:
        equilibrium = equilibrium.sel(disorder="paramagnetic").dropna("zeta", how="all")
    _frequency(frequency, quench, equilibrium)
    for axes, tag in zip((sizes, cutoff, frequency), "abc", strict=True):
        axes.set_title(f"({tag})", loc="left", fontsize=8)
    return figure


def _size_labels(quench: xr.Dataset) -> list[str]:
    """Labels of the quench-size series, ordered by Delta_0/Delta_1."""
    present = [str(label) for label in quench["disorder"].values]
    labels = [label for label in present if label in QUENCH_SIZES or "_ratio_" in label]
    return sorted(labels, key=lambda label: _ratio(computed(quench, label)))


def _ratio(one: xr.Dataset) -> float:
    return float(one["gap_initial_clean"].dropna("zeta")[0])


def _quench_sizes(axes: plt.Axes, quench: xr.Dataset) -> None:
    for index, label in enumerate(_size_labels(quench)):
        one = computed(quench, label)
        one = one.sel(zeta=one["zeta"] > 0)
        if one["zeta"].size == 0:
            continue
        color = style.COLORS[index % len(style.COLORS)]
        zeta, b = one["zeta"].values, one["B"].values
        violated = one["norm_violated"].values == 1
        axes.plot(zeta, b, "-", color=color, lw=0.8, label=f"{_ratio(one):.2f}")
        axes.plot(zeta[~violated], b[~violated], "o", color=color)
        axes.plot(zeta[violated], b[violated], "o", mfc="none", color=color)
    axes.set_yscale("log")
    axes.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    axes.yaxis.set_minor_formatter(ticker.NullFormatter())
    axes.set_xlabel(r"$\zeta = 1/(\tau_s\Delta_1)$")
    axes.set_ylabel(r"$B$ = amplitude$/\zeta$ (free $\omega$)")
    axes.legend(
        title=r"$\Delta_0/\Delta_1$ (open: $|S|\neq1$)",
        ncol=3,
        title_fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
    )


def _cutoff_sweep(axes: plt.Axes, quench: xr.Dataset) -> None:
    points = []
    for label in ("paramagnetic", CUTOFF_LABEL):
        if label not in quench["disorder"].values:
            continue
        for lambda_f in quench["lambda_f"].values:
            one = quench.sel(disorder=label, lambda_f=lambda_f)
            if ZETA in one["zeta"].values and bool(one["gap_t"].sel(zeta=ZETA).notnull().all()):
                point = one.sel(zeta=ZETA)
                points.append(tuple(float(point[name]) for name in ("omega_D", "A", "A_err", "B")))
    points.sort()
    if points:
        omega_d, a, a_err, b = (np.array(column) for column in zip(*points, strict=True))
        axes.errorbar(omega_d, a, yerr=a_err, fmt="o-", color=style.COLORS[0], label="A")
        twin = axes.twinx()
        twin.plot(omega_d, b, "s--", color=style.COLORS[1], label="B")
        twin.set_ylabel("B", color=style.COLORS[1])
        twin.tick_params(axis="y", colors=style.COLORS[1])
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    axes.xaxis.set_minor_formatter(ticker.FormatStrFormatter("%g"))
    axes.set_xlabel(r"$\omega_D$ [$\Delta_1$]")
    axes.set_ylabel("A", color=style.COLORS[0])
    axes.tick_params(axis="y", colors=style.COLORS[0])
    axes.text(0.5, 0.92, rf"$\zeta={ZETA:g}$", transform=axes.transAxes, fontsize=7, ha="center")


def _frequency(axes: plt.Axes, quench: xr.Dataset, eq: xr.Dataset | None) -> None:
    para = quench.sel(disorder=labels_starting(quench, "paramagnetic"))
    x = para["zeta_over_mean_gap"].values.ravel()
    ratio = (para["steady_frequency"] / (2 * para["steady_mean"])).values.ravel()
    disordered = np.isfinite(x) & (x > 0)
    axes.plot(x[disordered], ratio[disordered], "o", color=style.COLORS[0], label="Eq. (9) runs")
    grid = np.linspace(0.0, max(0.5, float(np.nanmax(x))), 200)
    axes.plot(grid, np.sqrt(1 - grid**2), "k--", lw=0.8, label="Eq. (13) as printed")
    axes.plot(grid, np.sqrt(1 - grid**2 / 4), "k:", lw=0.8, label=r"$\sqrt{1-x^2/4}$")
    if eq is not None:
        axes.plot(
            eq["zeta"],
            eq["omega_higgs"] / (2 * eq["gap"]),
            "-",
            color="0.5",
            lw=0.8,
            label="Eq. (71), equilibrium",
        )
    axes.set_xlabel(r"$x = 1/(\tau_s D)$, $D$ = late mean gap")
    axes.set_ylabel(r"$\omega/2D$")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2)
