"""P2 Fig. 1b over the temperature, which the paper does not state: the quench of Fig. 1b
for each temperature T (initial state and bath) and Debye energy (KB solver,
results/p2/kbe_scan_temperature.nc).

(a) smallest n_s(t)/n_s(0) after the quench, (b) the first time n_s < 0, both against
omega_D / 2 Delta (Delta: mean gap over the second half of the run), one line per T.
P2's claim is n_s < 0 left of the dotted line (2 Delta > omega_D).
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures.kb_scan import plot_scan

DATASETS = ("kbe_scan_temperature",)  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["kbe_scan_temperature"]`` (results/p2/kbe_scan_temperature.nc)."""
    ds = datasets["kbe_scan_temperature"]
    figure = plot_scan(ds, ds["omega_D"] / (2 * ds["gap_late"]), "temperature",
                       lambda value: rf"$T = {value:g}\,E_F$", r"$\omega_D / 2\Delta$")  # fmt: skip
    for axis in figure.axes:
        axis.axvline(1, color="k", ls=":", lw=0.8)
    figure.axes[0].set_title(
        f"Fig. 1b quench over T, t up to {float(ds['time'].max()):g}", fontsize=7
    )
    return figure
