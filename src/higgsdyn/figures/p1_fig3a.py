"""P1 Fig. 3(a): paramagnetic (persistent) vs nonmagnetic (decaying) Delta(t) at equal zeta.

zeta = 1/(tau_s Delta_1) resp. 1/(tau_u Delta_1). Top: Delta(t) over the late part of the
run. Bottom: the envelope |Delta(t) - steady_mean| on log-log axes (the nonmagnetic decay is
invisible on a linear axis), with the stored envelope fit t^p (``decay_exponent`` +- err,
fitted on [t_max/8, t_max]) and the caption's t^(-1/2), both drawn through the data at the
start of that interval. Reads ``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.p1_fig1 import NORM_MARK, computed, flagged, labels_starting

ZETA = 0.1  # preferred; otherwise the computed zeta common to both types closest to it
SHOWN = 60.0  # width [1/Delta_1] of the late interval in the top panel


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    quench = datasets["quench"]
    style.apply()
    para = computed(quench, labels_starting(quench, "paramagnetic")[0])
    lambda_f = float(para["lambda_f"])
    nonmag = computed(quench, labels_starting(quench, "nonmagnetic")[0], lambda_f)
    common = np.intersect1d(para["zeta"].values, nonmag["zeta"].values)
    common = common[common > 0]
    zeta = float(common[np.argmin(np.abs(common - ZETA))])
    figure, (linear, loglog) = plt.subplots(
        2, 1, figsize=(style.COLUMN_WIDTH_INCH, 4.4), layout="constrained"
    )
    t_end = float(para["time"][-1])
    fit_start = t_end / 8
    for index, (one, name) in enumerate(((para, "paramagnetic"), (nonmag, "nonmagnetic"))):
        point = one.sel(zeta=zeta)
        color = style.COLORS[index]
        mark = NORM_MARK if flagged(point) else ""
        late = point.sel(time=slice(t_end - SHOWN, None))
        linear.plot(late["time"], late["gap_t"], lw=0.8, color=color, label=f"{name}{mark}")
        positive = point["time"] > 0
        time = point["time"].values[positive]
        envelope = np.abs(point["gap_t"].values[positive] - float(point["steady_mean"]))
        loglog.plot(time, envelope, lw=0.4, color=color, alpha=0.7)
        exponent, error = float(point["decay_exponent"]), float(point["decay_exponent_err"])
        anchor = _envelope_at(time, envelope, fit_start)
        guide = np.geomspace(fit_start, t_end, 50)
        loglog.plot(
            guide,
            anchor * (guide / fit_start) ** exponent,
            color=color,
            lw=1.4,
            label=rf"{name}: $t^{{{exponent:.2f}\pm{error:.2f}}}$",
        )
        if name == "nonmagnetic":
            loglog.plot(
                guide,
                anchor * (guide / fit_start) ** -0.5,
                "k--",
                lw=0.9,
                label=r"caption: $t^{-1/2}$",
            )
    linear.set_title(rf"$\zeta={zeta:g}$", fontsize=7)
    linear.set_xlabel(style.axis_label(para["time"], "$t$"))
    linear.set_ylabel(style.axis_label(para["gap_t"], r"$\Delta(t)$"))
    linear.legend(loc="center right")
    loglog.set_xscale("log")
    loglog.set_yscale("log")
    loglog.set_xlim(1.0, t_end)
    loglog.set_xlabel(style.axis_label(para["time"], "$t$"))
    loglog.set_ylabel(r"$|\Delta(t)-\bar\Delta|$ [$\Delta_1$]")
    loglog.legend(loc="lower left")
    return figure


def _envelope_at(time: np.ndarray, envelope: np.ndarray, start: float) -> float:
    """Largest |Delta - mean| over the first oscillation period (~pi/Delta_1) after ``start``."""
    window = (time >= start) & (time <= start + np.pi)
    return float(envelope[window].max())
