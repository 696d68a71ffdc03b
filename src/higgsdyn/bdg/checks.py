"""Physics checks on results/p2/bdg_chain.nc, run by the ``validate`` target."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from higgsdyn.io.validation import Check, below

STAGE = "p2_bdg_chain"


def checks(ds: xr.Dataset) -> list[Check]:
    """Conservation laws of Eq. (C2) and consistency of the phase-slip analysis."""
    settings = json.loads(ds.attrs["config"])
    particles = ds["density"].sum("site")
    drift = float((np.abs(particles - particles.isel(time=0)) / ds.sizes["site"]).max())
    first, proliferation = ds["time_first_slip"], ds["time_proliferation"]
    both = np.isfinite(first) & np.isfinite(proliferation)
    order_violation = float((first - proliferation).where(both).max()) if both.any() else -1.0
    return [
        below("particle_number_conserved", STAGE, drift, settings["number_tol"],
              "P2 Eq. (C2) conserves the particle number (relative drift per site)"),
        below("first_slip_before_proliferation", STAGE, order_violation, 1e-12,
              "phase-slip analysis: the first slip precedes the proliferation time"),
    ]  # fmt: skip
