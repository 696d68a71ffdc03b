"""P1 Fig. 3(b): numerical Delta(t) (paramagnetic) vs Delta_1 - zeta [A + B cos(omega t + phi)].

One panel per set-up (pairing increased = the paper's, decreased, no quench, AG initial
state; those computed). Drawn from stored fit parameters: the free-frequency fit (A, B, phi,
omega_fit with errors, in the panel title) and the caption's form at omega = 2 Delta_1
(A_fixed, B_fixed, phi_fixed: phenomenology, it drifts out of phase). Reads
``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.quench_selection import NORM_MARK, computed, flagged, nearest_zeta

DATASETS = ("quench",)  # the merged datasets plot() reads

ZETA = 0.1
SHOWN = 30.0  # width of the late time interval drawn [1/Delta_1]
PANELS = {  # disorder label: what it is
    "paramagnetic": r"pairing increased (paper)",
    "paramagnetic_decreased": "pairing decreased",
    "paramagnetic_noquench": "no quench",
    "paramagnetic_ag_initial": "AG initial state",
}


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    labels = [label for label in PANELS if label in quench["disorder"].values]
    figure, all_axes = plt.subplots(
        len(labels),
        1,
        figsize=(style.COLUMN_WIDTH_INCH, 1.55 * len(labels) + 0.5),
        squeeze=False,
        layout="constrained",
        sharex=True,
    )
    for axes, label in zip(all_axes[:, 0], labels, strict=True):
        point = nearest_zeta(computed(quench, label), ZETA)
        zeta = float(point["zeta"])
        late = point.sel(time=slice(float(point["time"][-1]) - SHOWN, None))
        time = late["time"].values

        def form(suffix: str, omega: float, point=point, zeta=zeta, time=time) -> np.ndarray:
            a, b, phi = (float(point[f"{name}{suffix}"]) for name in ("A", "B", "phi"))
            return float(point["gap_final"]) - zeta * (a + b * np.cos(omega * time + phi))

        omega = float(point["omega_fit"])
        axes.plot(time, late["gap_t"], lw=1.6, color="0.7", label="Eq. (9)")
        axes.plot(
            time, form("", omega), "-", lw=0.8, color=style.COLORS[0], label=r"fit, free $\omega$"
        )
        axes.plot(
            time,
            form("_fixed", 2.0),
            "--",
            lw=0.8,
            color=style.COLORS[1],
            label=r"caption form, $\omega=2\Delta_1$",
        )
        values = {name: float(point[name]) for name in ("A", "B", "phi", "omega_fit")}
        errors = {name: float(point[f"{name}_err"]) for name in values}
        mark = NORM_MARK if flagged(point) else ""
        axes.set_title(
            f"{PANELS[label]}{mark}, $\\zeta={zeta:g}$: "
            + ", ".join(
                f"{symbol}={values[name]:.4g}$\\pm${errors[name]:.1g}"
                for name, symbol in (
                    ("A", "A"),
                    ("B", "B"),
                    ("phi", "$\\varphi$"),
                    ("omega_fit", "$\\omega$"),
                )
            ),
            fontsize=7,
            wrap=True,
        )
        axes.set_ylabel(style.axis_label(point["gap_t"], r"$\Delta(t)$"))
    figure.legend(*all_axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=3)
    all_axes[-1, 0].set_xlabel(style.axis_label(quench["time"], "$t$"))
    return figure
