"""Stage interface of the KB solver (run_point, merge_points) and the P2 figure modules."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import json

import numpy as np
import pytest
import xarray as xr

from conftest import kbe_job
from higgsdyn.figures import (
    p2_fig1b_scan,
    p2_fig1b_scan_temperature,
    p2_fig1bc,
    p2_fig1c_scan,
    p2_fig3b,
)
from higgsdyn.io.datasets import convention_problems
from higgsdyn.kbe.contour import ContourHistory
from higgsdyn.kbe.stage import (
    first_negative_time,
    late_gap,
    make_run,
    merge_points,
    resources,
    run_point,
)

TINY = {"dt": 0.4, "t_max": 6.0, "t_prep": 2.0}
FLAT = {"n_xi": 6, **TINY}
FIG1B_POINT = "flat_omegaD-0.160_lf-0.450"


@pytest.fixture(scope="module")
def flatband_points():
    points = [
        kbe_job(FIG1B_POINT, lambda_ph=0.1, **FLAT),
        kbe_job("flat_omegaD-0.600_lf-0.450", lambda_ph=0.1, **FLAT),
        kbe_job("flat_omegaD-0.000_lf-0.450", **FLAT),  # Fig. 1c: disorder, no phonons
    ]
    return [run_point(point) for point in points]


def test_flatband_points_follow_conventions_and_merge(flatband_points):
    for ds in flatband_points:
        assert convention_problems(ds, require_provenance=False) == []
        assert ds["omega_D"].ndim == 0 and ds["lambda_f"].ndim == 0
        assert ds["ns_t"].sel(time=0.0) == pytest.approx(1.0)
    merged = merge_points(flatband_points)
    assert merged["gap_t"].dims == ("omega_D", "lambda_f", "time")
    assert sorted(merged["omega_D"].values) == [0.0, 0.16, 0.6]
    assert convention_problems(merged, require_provenance=False) == []
    ns = merged["ns_para_t"] + merged["ns_dia_t"]
    np.testing.assert_allclose(ns, merged["ns_t"], equal_nan=True)
    assert p2_fig1bc.plot({"kbe_flatband": merged}) is not None


def test_resolution_study_merges_as_ns_t_refined(flatband_points):
    """Study points (config ``convergence``) rerun a point with n_xi or dt refined; the merge
    puts their n_s on the run's time grid as ``ns_t_refined`` and leaves every run variable
    as it is without them. The refined runs differ from the run, by less than the ledger's
    convergence threshold at these (tiny) settings."""
    studies = [
        run_point({**kbe_job(FIG1B_POINT, lambda_ph=0.1, **FLAT), "n_xi": 8, "refine": "n_xi"}),
        run_point({**kbe_job(FIG1B_POINT, lambda_ph=0.1, **FLAT), "dt": 0.2, "refine": "dt"}),
    ]
    plain = merge_points(flatband_points)
    merged = merge_points([studies[0], *flatband_points, studies[1]])
    xr.testing.assert_identical(merged.drop_vars(["ns_t_refined", "refinement",
                                                  "refined_setting", "refined_value"]),
                                plain)  # fmt: skip
    refined = merged["ns_t_refined"]
    assert refined.dims == ("refinement", "omega_D", "lambda_f", "time")
    assert refined["refinement"].values.tolist() == ["dt=0.200", "n_xi=8"]
    assert refined["refined_setting"].values.tolist() == ["dt", "n_xi"]
    assert convention_problems(merged, require_provenance=False) == []
    run = dict(omega_D=0.16, lambda_f=0.45)
    change = np.abs(refined.sel(**run) - merged["ns_t"].sel(**run)).max("time")
    assert np.all(change > 1e-6) and np.all(change < 0.05)
    assert refined.sel(omega_D=0.6).isnull().all()  # not studied
    figure = p2_fig1bc.plot({"kbe_flatband": merged})
    dashed = [line for axis in figure.axes for line in axis.get_lines() if line.get_ls() == "--"]
    assert len(dashed) == 2  # the two refinements of the one studied run


def test_convergence_value_equal_to_the_run_is_refused():
    from conftest import default_config
    from higgsdyn.kbe.stage import jobs

    block = default_config()["p2"]["kbe"]
    block["tightbinding"]["convergence"] = {"n_xi": [block["tightbinding"]["n_xi"]], "dt": []}
    with pytest.raises(ValueError, match="convergence n_xi = 16 is the run's own value"):
        jobs(block)
    block["tightbinding"]["convergence"] = {"n_xi": [24], "dt": [0.0625]}
    keys = [key for key in jobs(block) if key.startswith("chain")]
    assert keys == ["chain_lf-2.000", "chain_refined_lf-2.000_nxi-24_dt-0.125",
                    "chain_refined_lf-2.000_nxi-16_dt-0.0625"]  # fmt: skip


def test_fig1b_scan_merges_over_the_bath_and_maps_the_sign():
    """The scan jobs of the quick config (lambda_ph x omega_D) run, merge over both with the
    per-run summaries the figure and the ledger read, pass the stage's checks and plot."""
    from conftest import QUICK
    from higgsdyn.kbe import checks
    from higgsdyn.kbe.stage import dataset_of, jobs

    block = QUICK["p2"]["kbe"]
    scan = {key: params for key, params in jobs(block).items() if dataset_of(params) == "kbe_scan"}
    assert sorted(scan) == [
        "scan_lph-0.100_omegaD-0.100", "scan_lph-0.100_omegaD-0.600",
        "scan_lph-0.600_omegaD-0.100", "scan_lph-0.600_omegaD-0.600",
    ]  # fmt: skip
    merged = merge_points([run_point(params) for params in scan.values()])
    assert merged["ns_t"].dims == ("lambda_ph", "omega_D", "time")
    assert convention_problems(merged, require_provenance=False) == []
    for lambda_ph in (0.1, 0.6):
        for omega_d in (0.1, 0.6):
            run = merged.sel(lambda_ph=lambda_ph, omega_D=omega_d)
            after = run["time"] >= 0
            assert float(run["min_ns"]) == float(run["ns_t"][after].min())
            late = run["time"] >= 0.5 * float(run["time"].max())
            assert float(run["gap_late"]) == pytest.approx(float(run["gap_t"][late].mean()))
            negative = float(run["time_ns_negative"])
            assert np.isnan(negative) == bool(run["min_ns"] >= 0)
    merged.attrs["config"] = json.dumps(block)
    results = checks.checks(merged)
    assert len(results) == 4 * 4 and all(check.status == "pass" for check in results)
    assert p2_fig1b_scan.plot({"kbe_scan": merged}) is not None


def test_temperature_scan_sets_the_initial_and_bath_temperature():
    """The Fig. 1b scan over T of the quick config: each run's temperature (initial state and
    bath: the Matsubara gap falls with T) on (temperature, omega_D), its own dataset and key
    label, checks and figure."""
    from conftest import QUICK
    from higgsdyn.kbe import checks
    from higgsdyn.kbe.stage import dataset_of, jobs

    block = QUICK["p2"]["kbe"]
    scan = {key: p for key, p in jobs(block).items() if dataset_of(p) == "kbe_scan_temperature"}
    assert sorted(scan) == ["scantemp_T-0.005_omegaD-0.100", "scantemp_T-0.010_omegaD-0.100"]
    assert {p["temperature"] for p in scan.values()} == {0.005, 0.01}
    assert all(p["lambda_ph"] == 0.3 for p in scan.values())
    merged = merge_points([run_point(params) for params in scan.values()])
    assert merged["min_ns"].dims == ("temperature", "omega_D")
    gap_0 = merged["gap_t"].isel(time=0).squeeze()
    assert float(gap_0.sel(temperature=0.01)) < float(gap_0.sel(temperature=0.005))
    assert convention_problems(merged, require_provenance=False) == []
    merged.attrs["config"] = json.dumps(block)
    assert all(check.status == "pass" for check in checks.checks(merged))
    assert p2_fig1b_scan_temperature.plot({"kbe_scan_temperature": merged}) is not None


def test_fig1c_scan_merges_over_lambda_f_and_the_elastic_rate():
    """The Fig. 1c scan of the quick config: disordered runs without a bath on
    (lambda_f, gamma_el), its own dataset and key label, checks and figure."""
    from conftest import QUICK
    from higgsdyn.kbe import checks
    from higgsdyn.kbe.stage import dataset_of, jobs

    block = QUICK["p2"]["kbe"]
    scan = {key: p for key, p in jobs(block).items() if dataset_of(p) == "kbe_scan_disorder"}
    assert sorted(scan) == ["scandisorder_lf-0.450_gel-0.200", "scandisorder_lf-0.500_gel-0.200"]
    assert all(p["omega_D"] == 0.0 and p["lambda_ph"] == 0.0 for p in scan.values())
    merged = merge_points([run_point(params) for params in scan.values()])
    assert merged["min_ns"].dims == ("lambda_f", "gamma_el")
    assert float(merged["omega_D"]) == 0.0
    assert convention_problems(merged, require_provenance=False) == []
    merged.attrs["config"] = json.dumps(block)
    assert all(check.status == "pass" for check in checks.checks(merged))
    assert p2_fig1c_scan.plot({"kbe_scan_disorder": merged}) is not None


def test_tightbinding_point_and_figure():
    ds = run_point(kbe_job("chain_lf-2.000", n_xi=6, **TINY))
    assert convention_problems(ds, require_provenance=False) == []
    merged = merge_points([ds])
    assert merged["ns_t"].dims == ("time",)
    assert p2_fig3b.plot({"kbe_tightbinding": merged}) is not None


def test_resources_cover_the_full_history():
    """The scheduler request of a KB job holds the two-time history the solver allocates."""
    params = kbe_job(FIG1B_POINT, n_xi=16, t_max=160.0, history="full")
    config = make_run(params)
    n_times, n_nodes = config.n_times, config.make_band().n_nodes
    history = ContourHistory.allocate(n_times, n_nodes)
    allocated = sum(part.nbytes for part in (history.gr, history.gl, history.sr, history.sl))
    assert allocated == ContourHistory.bytes_needed(n_times, n_nodes)
    first = resources(params)
    assert first["mem_mb"] * 1e6 > allocated
    longer = resources({**params, "t_max": 2 * params["t_max"]})
    assert longer["mem_mb"] > first["mem_mb"] and longer["runtime"] > first["runtime"]


def test_resources_of_a_compressed_run_follow_its_measured_cost():
    """A compressed-history job requests more than the workflow's benchmarks measured, and not
    more than the model's margins (3x time, 1.5x memory) with 30% to spare: CPU time and peak
    RSS of the Fig. 1b omega_D = 0.04 / 0.6 runs (n_xi, t_max, dt) = (16, 480, 0.25): 222 s,
    1044 MB (the scan's worst); (32, 640, 0.25): 529 s, 1867 MB (the goal run); (48, 640, 0.2):
    1228 s, 3265 MB; (64, 640, 0.25): 892 s, 2495 MB (kbe_fig1b_long, docs/scaling.md). At the
    issue-15 goal size the request is far below the dense history's."""
    params = kbe_job("flat_omegaD-0.040_lf-0.450", n_xi=32, t_max=160.0,
                     history="compressed", history_tol=1e-4)  # fmt: skip
    measured = (((16, 480.0, 0.25), 222, 1044), ((32, 640.0, 0.25), 529, 1867),
                ((48, 640.0, 0.2), 1228, 3265), ((64, 640.0, 0.25), 892, 2495))  # fmt: skip
    for (n_xi, t_max, dt), cpu_s, rss_mb in measured:
        request = resources({**params, "n_xi": n_xi, "t_max": t_max, "dt": dt})
        assert cpu_s < request["runtime"] * 60 < 3 * 1.3 * cpu_s
        assert rss_mb < request["mem_mb"] < 1.5 * 1.3 * rss_mb
    goal = {**params, "t_max": 640.0}
    dense = resources({**goal, "history": "full"})
    assert resources(goal)["mem_mb"] < dense["mem_mb"] / 2
    assert resources(goal)["runtime"] < dense["runtime"] / 2


def test_first_negative_time_interpolates_after_the_quench():
    """time_ns_negative of kbe_tightbinding.nc: linear interpolation of the first sign change
    of n_s(t) at t >= 0; the baseline (t < 0) never counts; NaN if n_s stays positive."""
    merged = xr.Dataset(
        {"ns_t": ("time", np.array([-0.2, 1.0, 0.5, -0.5, -1.0]))},
        coords={"time": ("time", np.arange(-1.0, 4.0), {"units": "1/J_hop"})},
    )
    assert first_negative_time(merged) == pytest.approx(1.5)
    assert np.isnan(first_negative_time(merged.assign(ns_t=np.abs(merged["ns_t"]))))
    gapped = merged.assign(ns_t=("time", np.array([-0.2, 1.0, np.nan, np.nan, -1.0])))
    assert first_negative_time(gapped) == pytest.approx(1.5)  # between the stored t = 0 and 3


def test_late_gap_averages_the_second_half_of_each_runs_own_window():
    """gap_late (and the ledger's 2 Delta > omega_D): a run that ends before the merged time
    axis (NaN after its t_max) is averaged over the second half of its own window, not over an
    empty one."""
    time = np.arange(0.0, 9.0)
    long_run = np.where(time >= 4.0, 0.2, 1.0)  # t_max 8: second half t >= 4
    short_run = np.array([1.0, 1.0, 0.1, 0.1, 0.4] + 4 * [np.nan])  # t_max 4: t >= 2 counts
    gap_t = xr.DataArray(np.stack([long_run, short_run]), dims=("run", "time"),
                         coords={"time": time})  # fmt: skip
    assert late_gap(gap_t).values == pytest.approx([0.2, 0.2])
