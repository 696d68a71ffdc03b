"""P1 Fig. 3(a): paramagnetic (persistent) vs nonmagnetic (decaying) Delta(t) at equal zeta.

zeta = 1/(tau_s Delta_1) resp. 1/(tau_u Delta_1). Top: Delta(t) over the late part of the
run. Bottom: the envelope |Delta(t) - steady_mean| on log-log axes (the nonmagnetic decay is
invisible on a linear axis), with the stored envelope fit t^p (``decay_exponent`` +- err,
fitted on [t_max/8, t_max], nonmagnetic) and the caption's t^(-1/2), both drawn through the
envelope at the start of that interval. Reads ``datasets["quench"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib import ticker
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.quench_selection import NORM_MARK, computed, flagged, labels_starting

DATASETS = ("quench",)  # the merged datasets plot() reads

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
        positive = point["time"].values > 0
        time, envelope = _block_maxima(
            point["time"].values[positive],
            np.abs(point["gap_t"].values[positive] - float(point["steady_mean"])),
        )
        loglog.plot(time, envelope, lw=0.6, color=color, label=f"{name}, envelope")
        if name == "nonmagnetic":
            exponent, error = float(point["decay_exponent"]), float(point["decay_exponent_err"])
            anchor = float(np.interp(fit_start, time, envelope))
            guide = np.geomspace(fit_start, t_end, 50)
            loglog.plot(
                guide,
                anchor * (guide / fit_start) ** exponent,
                color="k",
                lw=1.0,
                label=rf"fit $t^{{{exponent:.2f}\pm{error:.2f}}}$",
            )
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
    loglog.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    loglog.yaxis.set_minor_formatter(ticker.NullFormatter())
    loglog.set_xlim(1.0, t_end)
    loglog.set_xlabel(style.axis_label(para["time"], "$t$"))
    loglog.set_ylabel(r"$|\Delta(t)-\bar\Delta|$ [$\Delta_1$]")
    loglog.legend(loc="lower left")
    return figure


def _block_maxima(time: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum of |Delta - mean| over consecutive blocks of one period pi/Delta_1 (envelope)."""
    per_block = max(int(round(np.pi / (time[1] - time[0]))), 1)
    blocks = values.size // per_block
    shaped = values[: blocks * per_block].reshape(blocks, per_block)
    return time[: blocks * per_block].reshape(blocks, per_block).mean(axis=1), shaped.max(axis=1)
