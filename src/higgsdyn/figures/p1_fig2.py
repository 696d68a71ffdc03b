"""P1 Fig. 2: Delta(t) for several zeta = 1/(tau_s Delta_1), paramagnetic, pairing increased.

Top: the whole run on a log time axis with the gaps Delta_0 (before the quench) and Delta_1
(clean final gap) as lines and tau_s = 1/zeta marked per zeta (the onset of the persistent
oscillation). Bottom: the last ``SHOWN``/Delta_1 (the oscillation resolved). Points flagged
``norm_violated`` are marked in the legend. Reads ``datasets["quench"]`` (plain
``paramagnetic`` label at the figure lambda_f).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.quench_selection import NORM_MARK, computed, flagged, labels_starting

DATASETS = ("quench",)  # the merged datasets plot() reads

SHOWN = 30.0  # width [1/Delta_1] of the late interval drawn in the bottom panel


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    one = computed(quench, labels_starting(quench, "paramagnetic")[0])
    figure, (full, late_axes) = plt.subplots(
        2, 1, figsize=(style.COLUMN_WIDTH_INCH, 4.2), layout="constrained"
    )
    late = one.sel(time=slice(float(one["time"][-1]) - SHOWN, None))
    for index, zeta in enumerate(one["zeta"].values):
        point = one.sel(zeta=zeta)
        color = "0.6" if zeta == 0 else style.COLORS[index % len(style.COLORS)]
        mark = NORM_MARK if flagged(point) else ""
        label = "clean" if zeta == 0 else rf"$\zeta={zeta:g}${mark}"
        positive = point["time"] > 0
        full.plot(point["time"][positive], point["gap_t"][positive], lw=0.6, color=color)
        late_axes.plot(late["time"], late["gap_t"].sel(zeta=zeta), lw=0.8, color=color, label=label)
        if zeta > 0:
            full.axvline(1.0 / zeta, color=color, ls=":", lw=0.8)
    gap_initial = float(one["gap_initial_clean"].dropna("zeta")[0])
    for value, name in ((gap_initial, r"$\Delta_0$"), (1.0, r"$\Delta_1$")):
        full.axhline(value, color="k", lw=0.6, ls="--")
        full.annotate(
            name,
            (1.0, value),
            xycoords=("axes fraction", "data"),
            xytext=(2, -3),
            textcoords="offset points",
            fontsize=7,
        )
    full.set_xscale("log")
    full.set_xlim(0.3, float(one["time"][-1]))
    full.set_xlabel(style.axis_label(one["time"], "$t$"))
    full.set_ylabel(style.axis_label(one["gap_t"], r"$\Delta(t)$"))
    full.set_title(
        rf"$N={int(one['n_levels'].dropna('zeta')[0])}$, $\Delta_0/\Delta_1={gap_initial:.3f}$, "
        rf"$\omega_D={float(one['omega_D'].dropna('zeta')[0]):.1f}\,\Delta_1$; "
        r"dotted: $\tau_s = 1/\zeta$",
        fontsize=7,
    )
    late_axes.set_xlabel(style.axis_label(late["time"], "$t$"))
    late_axes.set_ylabel(style.axis_label(late["gap_t"], r"$\Delta(t)$"))
    late_axes.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.28))
    return figure
