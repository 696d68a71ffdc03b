"""Physics checks on results/p2/bdg_chain.nc, run by the ``validate`` target."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from higgsdyn.io.validation import Check, below, close

STAGE = "p2_bdg_chain"


def slip_record_mismatches(ds: xr.Dataset, proliferation_count: int) -> int:
    """Runs whose slip times (detected every RK4 step) disagree with the stored cumulative
    count ``n_phase_slips(time)`` (every store interval).

    Each of the first and the ``proliferation_count``-th slip must be NaN exactly when the
    run's final count is below 1 and ``proliferation_count``; otherwise the stored count must
    be below the threshold before that time and at or above it from the first sample after
    it, and the first slip cannot come after the proliferation. One count per failing run.
    """
    time = ds["time"].values
    mismatches = 0
    for variant in ds["variant"].values:
        for seed in ds["field_seed"].values:
            run = ds.sel(variant=variant, field_seed=seed, seed=seed)
            if np.isnan(run["n_phase_slips"].values).any():
                continue  # a variant that stores no fields (e.g. another N)
            count = run["n_phase_slips"].values
            first, proliferation = float(run["time_first_slip"]), float(run["time_proliferation"])
            ok = count[-1] == int(run["slip_count_total"])
            for when, threshold in ((first, 1), (proliferation, proliferation_count)):
                if np.isnan(when):
                    ok &= count[-1] < threshold
                else:
                    ok &= bool(np.all(count[time < when] < threshold))
                    ok &= bool(np.all(count[time >= when] >= threshold))
            if np.isfinite(first) and np.isfinite(proliferation):
                ok &= first <= proliferation
            mismatches += not ok
    return mismatches


def checks(ds: xr.Dataset) -> list[Check]:
    """Conservation laws of Eq. (C2) and the consistency of the phase-slip record (P2 Fig. 3b,
    proliferation when the uniform KB n_s turns negative, reads two stages' datasets: it is
    the claim ``p2-fig3b`` of the ledger, bdg/claims.py)."""
    settings = json.loads(ds.attrs["config"])
    particles = ds["density"].sum("site", min_count=1)
    drift = float((np.abs(particles - particles.isel(time=0)) / ds.sizes["site"]).max())
    ring = ds["boundary"] == "periodic"
    net_vs_winding = np.abs(ds["slip_count_net"] - ds["winding_change"]).where(ring)
    series = np.abs(ds["n_phase_slips_net"] - (ds["winding"] - ds["winding"].isel(time=0)))
    result = [
        close("signed_slips_equal_winding_change", STAGE,
              float(max(net_vs_winding.fillna(0).max(), series.where(ring).fillna(0).max())),
              0.0, 0.0,
              "every ring run, every seed: signed slips = change of the total winding (the net "
              "phase slips and the winding are counted independently)"),
        below("particle_number_conserved", STAGE, drift, settings["number_tol"],
              "P2 Eq. (C2) conserves the particle number (relative drift per site)"),
        close("first_slip_before_proliferation", STAGE,
              slip_record_mismatches(ds, settings["proliferation_count"]), 0.0, 0.0,
              "runs whose first / proliferation slip times disagree with the stored count "
              "n_phase_slips(t) or come in the wrong order"),
    ]  # fmt: skip
    return result
