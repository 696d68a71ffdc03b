"""P2 Fig. 1c over what the paper leaves open: the disordered quench of Fig. 1c for each
final coupling lambda_f and elastic rate 1/tau_el (KB solver, results/p2/kbe_scan_disorder.nc).

(a) smallest n_s(t)/n_s(0) after the quench, (b) the first time n_s < 0, both against
lambda_f, one line per 1/tau_el. P2's claim is n_s < 0 for large enough lambda_f.
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr
from matplotlib.figure import Figure

from higgsdyn.figures.kb_scan import plot_scan

DATASETS = ("kbe_scan_disorder",)  # the merged datasets plot() reads


def plot(datasets: Mapping[str, xr.Dataset]) -> Figure:
    """Figure from ``datasets["kbe_scan_disorder"]`` (results/p2/kbe_scan_disorder.nc)."""
    ds = datasets["kbe_scan_disorder"]
    lambda_f = ds["lambda_f"].broadcast_like(ds["min_ns"])
    figure = plot_scan(ds, lambda_f, "gamma_el",
                       lambda value: rf"$1/\tau_{{\mathrm{{el}}}} = {value:g}\,E_F$",
                       r"$\lambda_f$")  # fmt: skip
    figure.axes[0].set_title(f"Fig. 1c quench, t up to {float(ds['time'].max()):g}", fontsize=7)
    return figure
