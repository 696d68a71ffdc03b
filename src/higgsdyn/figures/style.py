"""Shared figure style: sizes, fonts, colours, and axis labels from dataset attributes."""

from __future__ import annotations

import matplotlib as mpl
import xarray as xr

COLUMN_WIDTH_INCH = 3.4  # single column of a two-column journal page
COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6f4e7c", "#00798c")

UNIT_SYMBOLS = {
    "1": "",
    "Delta_00": r"$\Delta_{00}$",
    "Delta_0": r"$\Delta_0$",
    "Delta": r"$\Delta$",
    "m sigma_N Delta/2": r"$m\sigma_N\Delta/2$",
    "nu_0 Delta": r"$\nu_0\Delta$",
    "Delta_1": r"$\Delta_1$",
    "1/Delta_0": r"$1/\Delta_0$",
    "1/Delta_1": r"$1/\Delta_1$",
    "1/E_F": r"$1/E_F$",
    "1/J_hop": r"$1/J$",
    "rad": "rad",
    "N_F": r"$\nu_F$",
    "E_F": r"$E_F$",
    "J_hop": r"$J$",
}

RC_PARAMS = {
    "font.size": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "legend.frameon": False,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
}


def apply() -> None:
    """Use the shared style for the figures drawn afterwards."""
    mpl.rcParams.update(RC_PARAMS)


def unit_symbol(units: str) -> str:
    return UNIT_SYMBOLS.get(units, units)


def axis_label(variable: xr.DataArray, symbol: str | None = None) -> str:
    """``symbol [unit]`` from a variable's attributes; the long name when no symbol is given."""
    name = symbol or variable.attrs["long_name"]
    unit = unit_symbol(variable.attrs["units"])
    return f"{name} [{unit}]" if unit else name
