"""P2 Fig. 3b: n_s(t)/n_s(0) of the uniform tight-binding chain with Born disorder (KB).

Shaded: n_s < 0 (the paper compares its onset with the phase slips of Fig. 3a). Dashed (if
the resolution study ran): the same run with n_xi or dt refined.
Right axis: Delta(t).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style
from higgsdyn.figures.kb_refinements import plot_refinements

DATASETS = ("kbe_tightbinding",)  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["kbe_tightbinding"]`` (results/p2/kbe_tightbinding.nc)."""
    ds = datasets["kbe_tightbinding"]
    style.apply()
    figure, axis = plt.subplots(figsize=(style.COLUMN_WIDTH_INCH, 2.4), constrained_layout=True)
    after = ds["time"] >= 0
    time = ds["time"][after]
    ns = ds["ns_t"][after]
    axis.plot(time, ns, color=style.COLORS[0], label=r"$n_s(t)/n_s(0)$")
    axis.fill_between(time, ns, 0, where=ns < 0, color=style.COLORS[0], alpha=0.3, lw=0)
    plot_refinements(axis, ds, style.COLORS[0])
    axis.axhline(0, color="k", lw=0.5)
    axis.set_xlabel(style.axis_label(ds["time"], "$t$"))
    axis.set_ylabel(style.axis_label(ds["ns_t"], r"$n_s(t)/n_s(0)$"))
    gap_axis = axis.twinx()
    gap_axis.plot(time, ds["gap_t"][after], color=style.COLORS[1], lw=0.9)
    gap_axis.set_ylabel(style.axis_label(ds["gap_t"], r"$\Delta(t)$"), color=style.COLORS[1])
    return figure
