"""P1 Fig. 3(b): numerical Delta(t) (paramagnetic) vs the fit Delta_1 - zeta [A + B cos(2t + phi)].

One panel per paramagnetic label (initial-state / theta variants). Drawn from stored fit
parameters: the caption's fixed-frequency form (A, B, phi with errors) and the free-frequency
fit (steady_mean, steady_amplitude, steady_frequency, steady_phase). Reads ``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.p1_fig1 import computed, labels_starting, nearest_zeta

DATASETS = ("quench",)  # the merged datasets plot() reads

ZETA = 0.1
SHOWN = 40.0  # width of the late time interval drawn [1/Delta_1]


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    labels = labels_starting(quench, "paramagnetic")
    figure, all_axes = plt.subplots(
        len(labels),
        1,
        figsize=(style.COLUMN_WIDTH_INCH, 2.0 * len(labels)),
        squeeze=False,
        layout="constrained",
    )
    for axes, label in zip(all_axes[:, 0], labels, strict=True):
        point = nearest_zeta(computed(quench, label), ZETA)
        zeta = float(point["zeta"])
        late = point.sel(time=slice(float(point["time"][-1]) - SHOWN, None))
        time = late["time"].values
        a, b, phi = (float(point[name]) for name in ("A", "B", "phi"))
        fit = float(point["gap_final"]) - zeta * (a + b * np.cos(2.0 * time + phi))
        free = float(point["steady_mean"]) + float(point["steady_amplitude"]) * np.cos(
            float(point["steady_frequency"]) * time + float(point["steady_phase"])
        )
        axes.plot(time, late["gap_t"], lw=0.9, label="Eq. (9) numerics")
        axes.plot(time, fit, "--", lw=0.9, label=r"fit at $2\Delta_1$ (caption)")
        axes.plot(time, free, ":", lw=0.9, label=r"fit, free $\omega$")
        errors = [float(point[f"{name}_err"]) for name in ("A", "B", "phi")]
        axes.set_title(
            f"{label}, $\\zeta={zeta:g}$: A={a:.3f}({errors[0]:.3f}), "
            f"B={b:.4f}({errors[1]:.4f}), $\\varphi$={phi:.2f}({errors[2]:.2f})",
            fontsize=5.5,
        )
        axes.set_ylabel(style.axis_label(point["gap_t"], r"$\Delta(t)$"))
        axes.legend(loc="lower left", ncol=3, fontsize=5)
    all_axes[-1, 0].set_xlabel(style.axis_label(quench["time"], "$t$"))
    return figure
