"""Beside P2 Fig. 3(a): the seed statistics of the phase slips that decide the figure's claim.

Left: the first-slip time of every disorder seed per convention variant (dots), the median and
its confidence interval (bar), and the time the uniform KB chain's n_s(t) first turns negative
(Fig. 3b, line). Right: the slip rate versus time per variant (mean over seeds, band: one
standard error), labelled with the burst / proliferation verdict of the merge.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style

DATASETS = ("bdg_chain", "kbe_tightbinding")  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["bdg_chain"]``; the KB time from ``kbe_tightbinding`` if given."""
    chain = datasets["bdg_chain"]
    style.apply()
    figure, (left, right) = plt.subplots(
        1,
        2,
        figsize=(2 * style.COLUMN_WIDTH_INCH, 2.8),
        gridspec_kw={"width_ratios": [1, 1.3]},
        constrained_layout=True,  # the variant labels are long: keep them off the other panel
    )
    variants = [str(name) for name in chain["variant"].values]
    for row, variant in enumerate(variants):
        run = chain.sel(variant=variant)
        first = run["time_first_slip"].values
        left.plot(first, np.full(first.shape, row), "o", color=style.COLORS[0], alpha=0.5, ms=2.5)
        median = float(run["first_slip_median"])
        if np.isfinite(median):
            low, high = float(run["first_slip_low"]), float(run["first_slip_high"])
            left.errorbar(median, row, xerr=[[median - low], [high - median]], fmt="|",
                          color="k", ms=8, capsize=2, lw=0.9)  # fmt: skip
    if "kbe_tightbinding" in datasets:
        kb_time = float(datasets["kbe_tightbinding"]["time_ns_negative"])
        if np.isfinite(kb_time):
            left.axvline(kb_time, color=style.COLORS[1], lw=0.9, label=r"$n_s<0$ (KB, Fig. 3b)")
            right.axvline(kb_time, color=style.COLORS[1], lw=0.9)
            left.legend(loc="lower right")
    labels = [f"{name} ({int(chain['seeds_run'].sel(variant=name))})" for name in variants]
    left.set_yticks(range(len(variants)), labels, fontsize=7)
    left.set_xlabel(style.axis_label(chain["time_first_slip"], "first slip $t$"))
    left.invert_yaxis()
    centres = chain["time_bin"].values
    for index, variant in enumerate(variants):
        run = chain.sel(variant=variant)
        rate, error = run["slip_rate"].values, run["slip_rate_err"].values
        color = style.COLORS[index % len(style.COLORS)]
        right.plot(centres, rate, color=color, label=f"{variant}: {run['slip_regime'].item()}")
        right.fill_between(centres, rate - error, rate + error, color=color, alpha=0.2, lw=0)
    right.set_xlabel(style.axis_label(chain["time_bin"], "$t$"))
    right.set_ylabel(style.axis_label(chain["slip_rate"], "slip rate"))
    right.set_ylim(bottom=0)
    right.legend(loc="upper right")
    return figure
