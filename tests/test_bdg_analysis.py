"""Phase-slip criterion, stage datasets, merge and the Fig. 3(a) module of the BdG chain."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import xarray as xr

from higgsdyn.bdg import SlipCounter, winding_number
from higgsdyn.bdg.stage import merge_points, point_params, run_point
from higgsdyn.figures import p2_fig3a
from higgsdyn.io import convention_problems


def _ring_twist(n_sites, fraction):
    """Delta_i = exp(2 pi i fraction * site/N): winding 0 -> 1 as fraction goes 0 -> 1."""
    return np.exp(2j * np.pi * fraction * np.arange(n_sites) / n_sites)


def test_one_twist_of_a_ring_is_one_slip_and_one_winding():
    counter = SlipCounter(_ring_twist(20, 0.0), periodic=True, hysteresis=0.5)
    for fraction in np.linspace(0, 1, 201)[1:]:
        counter.update(_ring_twist(20, fraction))
    assert counter.total == 1
    assert abs(counter.net) == 1
    assert winding_number(_ring_twist(20, 1.0)) - winding_number(_ring_twist(20, 0.0)) == 1


def test_dither_around_pi_needs_the_hysteresis():
    """A bond phase wobbling across initial + pi by 0.3 rad: no slip with hysteresis 0.5."""
    gap0 = np.ones(6, dtype=complex)

    def wobble(step):
        gap = gap0.copy()
        gap[3:] *= np.exp(1j * (np.pi + 0.3 * np.sin(0.2 * step)))
        return gap

    with_hysteresis = SlipCounter(gap0, periodic=False, hysteresis=0.5)
    without = SlipCounter(gap0, periodic=False, hysteresis=0.0)
    for step in range(1, 400):
        gap = wobble(step)
        with_hysteresis.update(gap)
        without.update(gap)
    # slow approach to pi from 0 (ramp) is covered by the ring test; here the bond starts at pi
    assert with_hysteresis.total == 0
    assert without.total > 10


def test_small_gap_without_winding_is_no_slip():
    gap0 = np.full(10, 0.3 + 0j)
    counter = SlipCounter(gap0, periodic=True, hysteresis=0.5)
    for depth in np.linspace(0, 1 - 1e-4, 50):
        gap = gap0.copy()
        gap[4] *= 1 - depth
        counter.update(gap)
    assert counter.total == 0


SETTINGS = {
    "n_sites": 10,
    "t_max": 1.0,
    "dt": 0.05,
    "store_interval": 0.25,
    "gamma_el": 0.3,
    "seeds": [1, 2],
    "variants": [{"name": "baseline"}, {"name": "hartree_off_long_name", "hartree": "off"}],
}


@pytest.fixture(scope="module")
def merged():
    points = [
        run_point(point_params(SETTINGS, variant, seed))
        for variant in ("baseline", "hartree_off_long_name")
        for seed in SETTINGS["seeds"]
    ]
    return points, merge_points(points)


def test_points_and_merge_follow_the_contract(merged):
    points, dataset = merged
    assert convention_problems(points[0], require_provenance=False) == []
    assert convention_problems(dataset, require_provenance=False) == []
    assert {"time", "site", "seed", "variant"} <= set(dataset.dims)
    for name in ("gap_abs", "phase", "n_phase_slips", "time_proliferation"):
        assert name in dataset
    assert dataset["gap_abs"].dims == ("variant", "seed", "time", "site")
    assert list(dataset["hartree"].values) == ["printed", "off"]
    # names of different lengths survive the merge and the netCDF round trip untruncated
    assert list(dataset["variant"].values) == ["baseline", "hartree_off_long_name"]
    assert not np.allclose(
        dataset["disorder"].isel(variant=0, seed=0), dataset["disorder"].isel(variant=0, seed=1)
    )


def test_point_params_rejects_unknown_overrides():
    settings = {**SETTINGS, "variants": [{"name": "bad", "n_sites": 5}]}
    with pytest.raises(ValueError, match="unknown keys"):
        point_params(settings, "bad", 1)


def test_figure_with_and_without_kb(merged):
    _, dataset = merged
    kb = xr.Dataset({"time_ns_negative": ((), 0.4)})
    with_kb = p2_fig3a.plot({"bdg_chain": dataset, "kbe_tightbinding": kb})
    without = p2_fig3a.plot({"bdg_chain": dataset})
    assert with_kb.axes and without.axes
    labels = [line.get_label() for line in with_kb.axes[0].lines]
    assert any("KB" in label for label in labels)
