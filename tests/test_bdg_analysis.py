"""Phase-slip criterion, stage datasets, merge and the Fig. 3(a) module of the BdG chain."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import xarray as xr

from conftest import default_config
from higgsdyn.bdg import SlipCounter, statistics, winding_number
from higgsdyn.bdg.stage import jobs, merge_points, point_params, run_point
from higgsdyn.figures import p2_fig3a, p2_fig3a_statistics
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


# a small overlay on the default block, as a user's --configfile would be
SETTINGS = {
    **default_config()["p2"]["bdg"],
    "n_sites": 10,
    "t_max": 1.0,
    "dt": 0.05,
    "store_interval": 0.25,
    "gamma_el": 0.3,
    "n_seeds": 3,
    "field_seeds": 1,
    "slip_rate_bin": 0.4,
    "variants": [
        {"name": "baseline"},
        {"name": "hartree_off_long_name", "hartree": "off", "n_seeds": 2},
        {"name": "baseline_N12", "n_sites": 12, "n_seeds": 2},
    ],
}


@pytest.fixture(scope="module")
def merged():
    points = [run_point(params) for params in jobs(SETTINGS).values()]
    return points, merge_points(iter(points))  # the merge reads the points one at a time


def test_points_and_merge_follow_the_contract(merged):
    points, dataset = merged
    assert convention_problems(points[0], require_provenance=False) == []
    assert convention_problems(dataset, require_provenance=False) == []
    assert dataset["gap_abs"].dims == ("variant", "field_seed", "time", "site")
    assert dataset["time_first_slip"].dims == ("variant", "seed")
    assert dataset["slip_count_binned"].dims == ("variant", "seed", "time_bin")
    assert dataset["slip_rate"].dims == ("variant", "time_bin")
    assert list(dataset["hartree"].values) == ["printed", "printed", "off"]
    assert list(dataset["n_sites"].values) == [10, 12, 10]
    # names of different lengths survive the merge and the netCDF round trip untruncated
    assert list(dataset["variant"].values) == ["baseline", "baseline_N12", "hartree_off_long_name"]
    assert list(dataset["seeds_run"].values) == [3, 2, 2]
    assert np.isnan(dataset["time_first_slip"].sel(variant="baseline_N12", seed=3))
    # the bins cover [0, t_max): centres 0.2, 0.6 and a short last bin [0.8, 1.0]
    np.testing.assert_allclose(dataset["time_bin"], [0.2, 0.6, 0.9])


def test_only_the_field_seeds_at_the_blocks_size_keep_their_maps(merged):
    points, dataset = merged
    with_maps = sorted((str(p["variant"].values), int(p["seed"])) for p in points if "gap_abs" in p)
    assert with_maps == [("baseline", 1), ("hartree_off_long_name", 1)]
    assert list(dataset["field_seed"].values) == [1]
    assert dataset["gap_abs"].sel(variant="baseline_N12").isnull().all()
    summary_bytes = max(p.nbytes for p in points if "gap_abs" not in p)
    assert summary_bytes < 2000  # what one more seed costs the merged file


def test_point_params_rejects_unknown_overrides():
    settings = {**SETTINGS, "variants": [{"name": "bad", "store_interval": 5}]}
    with pytest.raises(ValueError, match="unknown keys"):
        point_params(settings, "bad", 1)


def test_figures_with_and_without_kb(merged):
    _, dataset = merged
    kb = xr.Dataset({"time_ns_negative": ((), 0.4)})
    for module in (p2_fig3a, p2_fig3a_statistics):
        with_kb = module.plot({"bdg_chain": dataset, "kbe_tightbinding": kb})
        without = module.plot({"bdg_chain": dataset})
        assert with_kb.axes and without.axes
        labels = [line.get_label() for line in with_kb.axes[0].lines]
        assert any("KB" in label for label in labels)


# ------------------------------------------------------------------ seed statistics


def test_median_interval_covers_the_median_at_the_stated_rate():
    """Order-statistics interval of the median: over many draws of 20 seeds it contains the
    true median at least 95% of the time (it is conservative), and never without samples."""
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        median, low, high = statistics.median_interval(rng.exponential(30.0, 20))
        assert low <= median <= high
        hits += low <= 30.0 * np.log(2) <= high
    assert 0.95 <= hits / 2000 <= 0.995
    assert np.isnan(statistics.median_interval(np.array([np.nan]))).all()


def _seed_counts(rate_of_time, n_seeds, edges, rng):
    """Poisson slip counts per bin for ``n_seeds`` seeds at the rate ``rate_of_time(t)``."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    return rng.poisson(rate_of_time(centres) * np.diff(edges), size=(n_seeds, len(centres)))


def test_regime_tells_a_burst_from_lasting_proliferation():
    """A burst of slips around t = 30 that dies out is a burst; a rate that rises and stays is
    proliferation; no slips is none; one seed of a noisy rate is undecided."""
    rng = np.random.default_rng(1)
    edges = np.arange(0.0, 301.0, 10.0)

    def verdict(rate_of_time, n_seeds=20):
        counts = _seed_counts(rate_of_time, n_seeds, edges, rng)
        rate, _ = statistics.slip_rate(counts, 10.0)
        late, late_err = statistics.late_rate(counts, edges)
        return statistics.regime(float(rate.max()), late, late_err)

    assert verdict(lambda t: 0.5 * np.exp(-(((t - 30) / 10) ** 2))) == "burst"
    assert verdict(lambda t: 0.5 * (t > 30)) == "proliferation"
    assert verdict(lambda t: 0.0 * t) == "none"
    assert verdict(lambda t: 0.02 + 0.0 * t, n_seeds=1) == "undecided"


def test_a_run_logs_its_progress_with_compile_time_apart(caplog):
    """io.progress in the BdG loop: the first step (numba compile or cache load) on its own
    line, then rate and ETA lines, and the total at the end (issue 18)."""
    caplog.set_level("INFO")
    run_point(jobs(SETTINGS)["baseline_seed-2"])
    text = caplog.text
    assert "BdG baseline seed 2: first 1 steps after" in text
    assert "BdG baseline seed 2: 20 steps done in" in text
