"""The validate checks of the KB stage (higgsdyn.kbe.checks) on synthetic merged datasets."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from higgsdyn.kbe import checks

NUMERICS = {"n_xi": 6, "dt": 0.5, "temperature": 0.005}
CONFIG = {
    "flatband": {
        "numerics": NUMERICS,
        "fig1b": {"lambda_i": 0.25, "lambda_f": 0.45, "omega_D": [0.16], "lambda_ph": 0.3,
                  "t_max": 10.0, "t_prep": 20.0, "switch_on_time": 10.0},
        "fig1c": {"lambda_i": 0.3, "lambda_f": [0.45], "scattering_rate": 0.2,
                  "t_max": 10.0, "t_prep": 20.0, "switch_on_time": 10.0},
    },
    "tightbinding": {"lambda_i": 1.2, "lambda_f": 2.0, "gamma_el": 0.1, "n_k": 6, "dt": 0.5,
                     "t_max": 10.0, "t_prep": 20.0, "switch_on_time": 10.0},
}  # fmt: skip
TIME = np.arange(-20.0, 10.0 + 0.25, 0.5)
GAP = 0.06


def flatband(relative_wobble: float, ns_factor: float = 1.0) -> xr.Dataset:
    """Merged flat-band dataset: Delta = GAP (1 + wobble sin t) before the quench, n_s/n at
    ``ns_factor`` times the dirty-limit value (the same for both runs)."""
    gap = GAP * (1 + relative_wobble * np.sin(TIME))
    ns = ns_factor * checks.dirty_limit_ns_over_n(GAP, 0.2) * np.ones_like(TIME)
    shape = (2, 1, TIME.size)
    ds = xr.Dataset(
        {
            "gap_t": (("omega_D", "lambda_f", "time"), np.broadcast_to(gap, shape)),
            "ns_over_n_t": (("omega_D", "lambda_f", "time"), np.broadcast_to(ns, shape)),
        },
        coords={"omega_D": [0.0, 0.16], "lambda_f": [0.45], "time": TIME},
    )
    ds.attrs["config"] = json.dumps(CONFIG)
    return ds


def test_dirty_limit_formula_has_the_clean_and_the_dirty_limits():
    """n_s/n -> 1 for 1/tau -> 0 and -> pi Delta tau for 1/tau >> Delta (Abrikosov-Gor'kov)."""
    assert checks.dirty_limit_ns_over_n(0.05, 1e-9) == pytest.approx(1.0, abs=1e-7)
    rate = 500 * 0.05
    assert checks.dirty_limit_ns_over_n(0.05, rate) == pytest.approx(np.pi * 0.05 / rate, rel=0.02)


def test_stationary_preparation_passes_both_checks():
    records = {check.name.split("[")[0]: check for check in checks.checks(flatband(0.01))}
    assert len(checks.checks(flatband(0.01))) == 3  # stationarity x 2 runs, dirty limit x 1
    assert all(check.status == "pass" for check in records.values())


def test_drifting_preparation_is_a_known_limitation_and_wrong_ns_a_failure():
    drifting = checks.checks(flatband(0.2, ns_factor=1.2))
    assert {check.status for check in drifting} == {"fail"}
    assert not any(check.regression for check in drifting)
    assert all("Matsubara" in check.known_limitation for check in drifting)
    wrong_ns = [c for c in checks.checks(flatband(0.01, ns_factor=1.2)) if "dirty" in c.name]
    assert [check.regression for check in wrong_ns] == [True]
    assert wrong_ns[0].value == pytest.approx(1.2, rel=1e-2)


def test_chain_dataset_is_checked_over_its_own_preparation_tail():
    gap = GAP * (1 + 0.2 * (TIME > -5))  # a jump inside the tail [-10, 0)
    ds = xr.Dataset({"gap_t": ("time", gap)}, coords={"time": TIME})
    ds.attrs["config"] = json.dumps(CONFIG)
    (check,) = checks.checks(ds)
    assert check.name == "kbe_preparation_stationary[chain lambda_f=2]"
    assert check.value == pytest.approx(0.2 / 1.1, rel=0.05)
