"""The validate checks of the BdG chain stage (higgsdyn.bdg.checks) on synthetic merged
datasets: the slip record consistency and P2 Fig. 3(b)'s timing can fail."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from higgsdyn.bdg import checks

TIME = np.arange(0.0, 40.0 + 0.25, 0.5)


def chain(slip_times, total=None, first=None, proliferation=None, net_error=0):
    """One run (variant baseline, seed 1) whose slips happen at ``slip_times``; the stored
    summaries follow from them unless overridden."""
    slip_times = np.asarray(slip_times, dtype=float)
    count = np.array([np.sum(slip_times <= t) for t in TIME])
    winding = count  # every slip in the same sense: the winding follows the count
    first = (slip_times[0] if slip_times.size else np.nan) if first is None else first
    if proliferation is None:
        proliferation = slip_times[3] if slip_times.size >= 4 else np.nan
    dims, field_dims = ("variant", "seed"), ("variant", "field_seed")
    ds = xr.Dataset(
        {"density": ((*field_dims, "time", "site"), np.ones((1, 1, TIME.size, 4))),
         "n_phase_slips": ((*field_dims, "time"), count[None, None]),
         "n_phase_slips_net": ((*field_dims, "time"), winding[None, None]),
         "winding": ((*field_dims, "time"), winding[None, None]),
         "time_first_slip": (dims, [[first]]),
         "time_proliferation": (dims, [[proliferation]]),
         "slip_count_total": (dims, [[slip_times.size if total is None else total]]),
         "slip_count_net": (dims, [[winding[-1] + net_error]]),
         "winding_change": (dims, [[winding[-1]]])},
        coords={"variant": ["baseline"], "seed": [1], "field_seed": [1], "time": TIME,
                "boundary": ("variant", ["periodic"])},
    )  # fmt: skip
    ds.attrs["config"] = json.dumps({"number_tol": 1e-7, "proliferation_count": 4})
    return ds


def by_name(ds):
    return {check.name: check for check in checks.checks(ds)}


def test_consistent_slip_record_passes():
    result = by_name(chain([26.1, 26.3, 26.9, 27.2, 33.0]))
    assert result["first_slip_before_proliferation"].status == "pass"
    assert result["particle_number_conserved"].status == "pass"


def test_slip_record_disagreeing_with_the_stored_count_fails():
    slips = [26.1, 26.3, 26.9, 27.2]
    for broken in (
        chain(slips, first=30.0),  # first slip after the count rose
        chain(slips, proliferation=np.nan),  # four slips counted, no proliferation time
        chain([], first=np.nan, total=3),  # total disagrees with the stored count
        chain([2.0, 3.0, 4.0, 5.0], first=6.0, proliferation=5.0),  # wrong order
    ):
        check = by_name(broken)["first_slip_before_proliferation"]
        assert check.status == "fail" and check.regression, broken
    assert by_name(chain([]))["first_slip_before_proliferation"].status == "pass"


def test_signed_slips_disagreeing_with_the_winding_fail():
    assert by_name(chain([26.1, 30.0]))["signed_slips_equal_winding_change"].status == "pass"
    broken = by_name(chain([26.1, 30.0], net_error=1))["signed_slips_equal_winding_change"]
    assert broken.status == "fail" and broken.value == 1
