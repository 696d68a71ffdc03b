"""P2 Fig. 3(a): space-time map of |Delta_i(t)| after the quench of a disordered chain (App. C).

Main panel: |Delta_i(t)| over site i and time t for one convention variant ("baseline" if
present, else the first) and one disorder seed (the first with stored fields) unless given,
with vertical lines at the first phase slip, the time of first proliferation, and, when the
KB result exists, the time n_s(t) of the uniform tight-binding chain (Fig. 3b) first turns
negative. Inset:
the local phase profile phi_i(t) = arg Delta_i(t) - arg Delta_0(t), unwrapped along
the chain, at a few times.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures import style

DATASETS = ("bdg_chain", "kbe_tightbinding")  # the merged datasets plot() reads

INSET_TIME_FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
DEFAULT_VARIANT = "baseline"  # the paper's conventions as we read them (config p2.bdg)


def plot(
    datasets: Mapping[str, xr.Dataset], variant: str | None = None, seed: int | None = None
) -> Figure:
    """Figure from ``datasets["bdg_chain"]`` (results/p2/bdg_chain.nc); marks the KB time
    from ``datasets["kbe_tightbinding"]`` (results/p2/kbe_tightbinding.nc) if present."""
    chain = datasets["bdg_chain"]
    if variant is None:
        variants = [str(name) for name in chain["variant"].values]
        variant = DEFAULT_VARIANT if DEFAULT_VARIANT in variants else variants[0]
    seed = int(chain["field_seed"].values[0]) if seed is None else seed
    run = chain.sel(variant=variant, field_seed=seed)
    summary = chain.sel(variant=variant, seed=seed)
    style.apply()
    figure, axes = plt.subplots(figsize=(style.COLUMN_WIDTH_INCH, 2.8))
    time, site = run["time"], run["site"]
    mesh = axes.pcolormesh(
        time, site, run["gap_abs"].T, shading="auto", cmap="viridis", rasterized=True
    )
    colorbar = figure.colorbar(mesh, ax=axes, pad=0.02)
    colorbar.set_label(style.axis_label(run["gap_abs"], r"$|\Delta_i(t)|$"))
    axes.set_xlabel(style.axis_label(time, "$t$"))
    axes.set_ylabel(style.axis_label(site, "site $i$"))
    markers = [
        (float(summary["time_first_slip"]), "first slip", "w", ":"),
        (float(summary["time_proliferation"]), "proliferation", "w", "--"),
        (_kb_negative_time(datasets), r"$n_s<0$ (KB, Fig. 3b)", style.COLORS[1], "-"),
    ]
    for value, label, color, line in markers:
        if np.isfinite(value):
            axes.axvline(value, color=color, ls=line, lw=0.9, label=label)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower right", labelcolor="w")
    axes.set_title(
        f"{variant}, seed {seed}: {int(summary['slip_count_total'])} phase slips", fontsize=7
    )
    _phase_inset(axes, run)
    return figure


def _kb_negative_time(datasets: Mapping[str, xr.Dataset]) -> float:
    """First time n_s(t) < 0 of the tight-binding KB run (kbe_tightbinding.nc), else NaN."""
    if "kbe_tightbinding" not in datasets:
        return np.nan
    return float(datasets["kbe_tightbinding"]["time_ns_negative"])


def _phase_inset(axes: plt.Axes, run: xr.Dataset) -> None:
    inset = axes.inset_axes((0.3, 0.6, 0.34, 0.35))
    times = run["time"].values
    for index, fraction in enumerate(INSET_TIME_FRACTIONS):
        sample = int(round(fraction * (len(times) - 1)))
        profile = np.unwrap(run["phase"].values[sample])
        inset.plot(
            run["site"],
            (profile - profile[0]) / np.pi,
            color=style.COLORS[index % len(style.COLORS)],
            lw=0.7,
            label=f"{times[sample]:g}",
        )
    inset.set_xlabel("site $i$", labelpad=0)
    inset.set_ylabel(r"$\varphi_i/\pi$", labelpad=1)
    inset.tick_params(pad=1)
    inset.patch.set_alpha(0.85)
    legend = inset.legend(
        title="$Jt$",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.02),
        labelcolor="w",
        handlelength=1.0,
    )
    legend.get_title().set_color("w")
