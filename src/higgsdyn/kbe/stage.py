"""Workflow interface of the KB solver: one job per run (P2 Figs. 1b, 1c, 3b).

One record, :class:`~higgsdyn.kbe.stepping.KBConfig`, in the config's names:

- ``band = "flat"`` (Figs. 1b, 1c): 2D flat band, units E_F. ``omega_D = 0`` means no
  phonons (the disordered runs of Fig. 1c); ``omega_D > 0`` the clean electron-phonon runs
  of Fig. 1b. Merged over (omega_D, lambda_f) into results/p2/kbe_flatband.nc.
- ``band = "tight_binding"`` (Fig. 3b): uniform tight-binding chain with Born disorder,
  units J; merged into results/p2/kbe_tightbinding.nc.
- the scans (config ``scan``, ``scan_temperature``, ``scan_disorder``): the flat-band quench
  of Fig. 1b over the bath's lambda_el-ph and omega_D and over T and omega_D, and that of
  Fig. 1c over lambda_f and 1/tau_el, which P2 does not state; merged over their two axes into
  results/p2/kbe_scan.nc, kbe_scan_temperature.nc and kbe_scan_disorder.nc with min n_s, the
  first time n_s < 0 and the late gap per run.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from higgsdyn.io import cf_attrs, cf_variable
from higgsdyn.io.keys import fmt_value, job_table, point_key
from higgsdyn.kbe.contour import ContourHistory
from higgsdyn.kbe.quadrature import scheme_name
from higgsdyn.kbe.stepping import KBConfig, KBResult, run

PAPER = "P2"
REFERENCES = "P2 Eqs. (4)-(8), App. B; Figs. 1b, 1c, 3b"
CONFIG_BLOCK = ("p2", "kbe")
DATASETS = {
    "kbe_flatband": "P2 Kadanoff-Baym quench of the flat band: n_s(t) (Figs. 1b, 1c)",
    "kbe_tightbinding": "P2 Kadanoff-Baym quench of the disordered tight-binding chain (Fig. 3b)",
    "kbe_scan": "P2 Fig. 1b quench over lambda_el-ph and omega_D, which the paper leaves open",
    "kbe_scan_disorder": "P2 Fig. 1c quench over lambda_f and the elastic rate 1/tau_el",
    "kbe_scan_temperature": "P2 Fig. 1b quench over the temperature T and omega_D, which the "
    "paper leaves open",
}
KEY_FIELDS = {"omegaD": "omega_D", "lf": "lambda_f", "nxi": "n_xi", "dt": "dt", "lph": "lambda_ph",
              "gel": "gamma_el", "T": "temperature"}  # fmt: skip
# The resolution study: a run repeated with one setting refined (``refine`` in its job
# params; config ``convergence``), merged as ``ns_t_refined`` next to the run's ``ns_t``.
REFINABLE = ("n_xi", "dt")
# Job params that mark a study job and are not run parameters: ``refine`` (above) and
# ``scan`` (the merged dataset of a scan point).
STUDY_MARKERS = ("refine", "scan")
# The scans over what P2 leaves open: merged dataset -> (config block, its two axes, the
# file-key label). Fig. 1b over the bath and over the temperature (initial state and bath);
# Fig. 1c over lambda_f and the elastic rate.
SCANS = {
    "kbe_scan": ("scan", ("lambda_ph", "omega_D"), "scan"),
    "kbe_scan_disorder": ("scan_disorder", ("lambda_f", "gamma_el"), "scandisorder"),
    "kbe_scan_temperature": ("scan_temperature", ("temperature", "omega_D"), "scantemp"),
}
# scalar coordinate of every flat-band point; a scan's axes are coordinates too
RUN_COORDS = ("lambda_f", "omega_D")


def _solve(config: KBConfig, point: str) -> KBResult:
    try:
        result = run(config)
    except FloatingPointError as error:
        raise FloatingPointError(f"{point}: {error}") from error
    collisionless = config.gamma_el == 0 and config.lambda_ph == 0
    after = result.times >= config.quench_time
    if collisionless and np.ptp(result.energy[after]) > 1e-2 * abs(result.energy[0]):
        raise RuntimeError(f"{point}: collisionless energy not conserved")
    return result


def _dataset(result: KBResult, config: KBConfig, unit: str, params: dict) -> xr.Dataset:
    index0 = int(np.argmin(np.abs(result.times)))
    ns = result.ns_para + result.ns_dia
    ns0 = ns[index0]
    if not ns0 > 0:
        raise RuntimeError(f"n_s(0) = {ns0} is not positive for {params}")
    time_attrs = {
        "units": f"1/{unit}",
        "long_name": "time after the quench (t < 0: equilibrium baseline)",
    }
    data = {
        "gap_t": (result.gap.real, unit, "pairing amplitude Delta(t) (Eq. 4 self-consistency)"),
        "ns_t": (ns / ns0, "1", "superfluid density n_s(t)/n_s(0) (Eqs. 7-8)"),
        "ns_para_t": (result.ns_para / ns0, "1", "paramagnetic part of n_s / n_s(0) (Eq. 7)"),
        "ns_dia_t": (result.ns_dia / ns0, "1", "diamagnetic part of n_s / n_s(0) (Eq. 8)"),
        "ns_over_n_t": (
            ns / result.ns_dia[0],
            "1",
            "n_s(t) in units of the clean normal-state Drude weight n/m at t = -t_prep",
        ),
        "corrector_iterations": (
            result.iterations.astype(float),
            "1",
            "predictor-corrector iterations per step",
        ),
    }
    ds = xr.Dataset(
        {
            name: ("time", values, {"units": units, "long_name": long_name})
            for name, (values, units, long_name) in data.items()
        },
        coords={"time": ("time", result.times, time_attrs)},
    )
    ds.attrs["source_paper"] = REFERENCES
    memory = result.history_nbytes  # the dense history, or the ring and trees (compressed)
    ds.attrs["solver"] = (
        f"two-time KB, {scheme_name(config.time_order)} predictor-corrector, dt={config.dt}, "
        f"n_xi={config.n_xi} (+partners), correlated Matsubara initial state "
        f"(t_prep={config.t_prep} baseline), tol={config.tolerance}, "
        f"history {memory / 1e9:.2f} GB, {config.history}"
        + (f" (HODLR, tol {config.history_tol})" if config.history == "compressed" else "")
    )
    return ds


def make_run(params: Mapping[str, Any]) -> KBConfig:
    """The run of one job's params (rejects a missing or unknown field, naming it); the
    STUDY_MARKERS of a study job are not run parameters."""
    return KBConfig(**{name: value for name, value in params.items() if name not in STUDY_MARKERS})


# Cost model of one job, from the default run of 2026-12-01 (idle machine, 1 numba thread;
# benchmarks/README.md, docs/scaling.md): the full history makes a run cost ~ N_t^3 n_nodes
# (each step convolves over the whole history for every retained time), and its memory the
# history plus the interpreter, numpy and numba (~0.3 GB).
SECONDS_PER_NT3_NODE = 3.0e-8
BASELINE_MB = 300.0
# The compressed history (history = "compressed"), fitted 2026-12-08 to the workflow's own
# benchmarks (CPU time and peak RSS of the point jobs, one numba thread, both cores busy;
# docs/scaling.md): the Fig. 1b scan (n_nodes 17, N_t 1961, 48 runs: 120-222 s, 0.69-1.04 GB),
# the goal run (33, 2561: 529 s, 1.87 GB) and kbe_fig1b_long (49, 3251: 1093-1228 s,
# 2.5-3.3 GB; 65, 2601: 892 s, 2.5 GB). Time: (SHARED + PER_NODE n_nodes) N_t^2.3 after a
# ~5 s set-up (the model allows 10 s); the local self-energy's trees are one set shared by
# every xi node, and the block ranks grow with the block size (stepping ~N_t^2.13-2.3,
# benchmarks/README.md). Memory: the interpreter (BASELINE_MB) plus the ring, trees and mixed
# row, (SHARED + PER_NODE n_nodes) N_t^1.5, about twice that below history_tol 1e-5. With the
# margins of `resources` these request 2.7-3.2x the measured time and 1.4-1.6x the memory.
COMPRESSED_TIME_EXPONENT = 2.3
COMPRESSED_SECONDS_SHARED = 2.2e-6
COMPRESSED_SECONDS_PER_NODE = 1.6e-7
COMPRESSED_SETUP_SECONDS = 10.0
COMPRESSED_MEMORY_EXPONENT = 1.5
COMPRESSED_BYTES_SHARED = 7000.0
COMPRESSED_BYTES_PER_NODE = 150.0


def resources(params: Mapping[str, Any]) -> dict[str, int]:
    """Scheduler request of one job (``runtime`` in minutes, ``mem_mb``) from its size.

    Memory: ContourHistory.bytes_needed(N_t, n_nodes) + BASELINE_MB, with a 1.5x margin;
    runtime: SECONDS_PER_NT3_NODE N_t^3 n_nodes with a 3x margin, at least 5 minutes. A
    compressed history uses the COMPRESSED_* model instead, with the same margins (times 2
    below history_tol 1e-5).
    """
    config = make_run(params)
    n_times, n_nodes = config.n_times, config.make_band().n_nodes
    memory_mb = ContourHistory.bytes_needed(n_times, n_nodes) / 1e6 + BASELINE_MB
    seconds = SECONDS_PER_NT3_NODE * n_times**3 * n_nodes
    if config.history == "compressed":
        fine = 2.0 if config.history_tol < 1e-5 else 1.0
        per_step = COMPRESSED_SECONDS_SHARED + COMPRESSED_SECONDS_PER_NODE * n_nodes
        seconds = COMPRESSED_SETUP_SECONDS + fine * per_step * n_times**COMPRESSED_TIME_EXPONENT
        per_slice = COMPRESSED_BYTES_SHARED + COMPRESSED_BYTES_PER_NODE * n_nodes
        memory_mb = fine * per_slice * n_times**COMPRESSED_MEMORY_EXPONENT / 1e6 + BASELINE_MB
    return {
        "runtime": max(5, int(np.ceil(3 * seconds / 60))),
        "mem_mb": int(np.ceil(1.5 * memory_mb)),
        "threads": 1,
    }


# per band: its energy unit, and the unit and name of lambda (the flat band's BCS coupling is
# dimensionless, the chain's on-site U is in units of J)
UNITS = {
    "flat": ("E_F", "1", "BCS coupling"),
    "tight_binding": ("J_hop", "J_hop", "on-site coupling"),
}


def run_point(params: dict) -> xr.Dataset:
    """One job: a flat-band run (Figs. 1b, 1c) or the tight-binding chain (Fig. 3b)."""
    config = make_run(params)
    unit, coupling_unit, coupling = UNITS[config.band]
    ds = _dataset(_solve(config, repr(config)), config, unit, params)
    scalars = {
        "lambda_f": (config.lambda_f, coupling_unit, f"final {coupling}"),
        "lambda_i": (config.lambda_i, coupling_unit, f"initial {coupling}"),
        "gamma_el": (config.gamma_el, unit, "elastic scattering rate 1/tau_el (Eq. 6)"),
        "temperature": (config.temperature, unit, "temperature T of the initial state and bath"),
    }
    if config.band == "flat":
        scalars["omega_D"] = (config.omega_D, "E_F", "Debye energy (0: none)")
        scalars["lambda_ph"] = (config.lambda_ph, "1", "lambda_el-ph of the Debye bath (Eq. 5)")
    coords = set(RUN_COORDS) | set(SCANS[params["scan"]][1] if "scan" in params else ())
    for name, (value, units, long_name) in scalars.items():
        variable = xr.Variable((), value, cf_attrs(units, long_name))
        ds = ds.assign_coords({name: variable}) if name in coords else ds.assign({name: variable})
    ds.attrs["parameters"] = repr(dataclasses.asdict(config))
    if "scan" in params:
        ds.attrs["scan"] = params["scan"]
    if "refine" in params:  # a study point: which setting is refined, and to what
        ds.attrs["refine"] = params["refine"]
        ds.attrs["refine_value"] = params[params["refine"]]
    return ds


def late_gap(gap_t: xr.DataArray) -> xr.DataArray:
    """Mean Delta(t) of each run over the second half of its own window (t >= half its last
    stored time; runs of a merged dataset may end earlier than its time axis): the
    nonequilibrium gap P2 Fig. 1b compares 2 Delta with omega_D."""
    time = gap_t["time"]
    end = time.where(gap_t.notnull()).max("time")
    return gap_t.where(time >= 0.5 * end).mean("time")


def first_negative_time(merged: xr.Dataset) -> float:
    """First time t >= 0 (after the quench) at which ``ns_t`` turns negative, linearly
    interpolated between the last non-negative and the first negative sample; NaN if never."""
    return first_negative(merged["ns_t"].values, merged["time"].values)


def first_negative_times(ns_t: xr.DataArray) -> xr.DataArray:
    """:func:`first_negative_time` of every run in ``ns_t`` (all dimensions but ``time``)."""
    return xr.apply_ufunc(first_negative, ns_t, ns_t["time"],
                          input_core_dims=[["time"], ["time"]], vectorize=True)  # fmt: skip


def first_negative(ns: np.ndarray, time: np.ndarray) -> float:
    """:func:`first_negative_time` of the samples ``ns`` at ``time``; missing samples (NaN: a
    refinement stored on a coarser grid, a run shorter than the time axis) are skipped."""
    ns = np.asarray(ns, dtype=float)
    t = np.asarray(time, dtype=float)
    stored = np.isfinite(ns)
    ns, t = ns[stored], t[stored]
    negative = np.flatnonzero((ns < 0) & (t >= 0))
    if len(negative) == 0:
        return math.nan
    k = negative[0]
    if k == 0 or t[k - 1] < 0:
        return float(t[k])
    return float(t[k - 1] + (t[k] - t[k - 1]) * ns[k - 1] / (ns[k - 1] - ns[k]))


def _refined(main: xr.Dataset, studies: list[xr.Dataset], runs: tuple[str, ...]) -> xr.Dataset:
    """``ns_t_refined`` (refinement, *runs, time): n_s(t)/n_s(0) of the study points on the
    time grid of ``main`` (a finer dt's grid contains it), one entry per refined value."""
    entries = {}  # (setting, refined value) -> n_s of the runs refined that way
    for ds in studies:
        ns = ds["ns_t"].reindex(time=main["time"], method="nearest", tolerance=1e-9)
        ns = ns.assign_coords(time=main["time"]).expand_dims(list(runs))
        entries.setdefault((ds.attrs["refine"], ds.attrs["refine_value"]), []).append(ns)
    keys = sorted(entries, key=lambda key: (key[0], float(key[1])))
    refined = xr.concat(
        [
            xr.merge(entries[key], compat="no_conflicts", join="outer").reindex_like(main["ns_t"])
            for key in keys
        ],
        dim="refinement",
    )["ns_t"]
    refined = refined.assign_coords(
        refinement=("refinement", [f"{setting}={fmt_value(value)}" for setting, value in keys],
                    cf_attrs("1", "refined setting=value")),
        refined_setting=("refinement", [setting for setting, _ in keys],
                         cf_attrs("1", "the setting refined (n_xi or dt)")),
        refined_value=("refinement", [float(value) for _, value in keys],
                       cf_attrs("1", "its refined value (dt in the time unit)")),
    )  # fmt: skip
    refined.attrs = cf_attrs("1", "n_s(t)/n_s(0) of the run with one setting refined "
                             "(resolution study; NaN: not studied)")  # fmt: skip
    return refined


def _merge_runs(datasets: list[xr.Dataset], runs: tuple[str, ...]) -> xr.Dataset:
    """Run points on the grid of their scalar coordinates ``runs`` (NaN where not run), with
    the points' attributes and every solver string."""
    expanded = [ds.expand_dims(list(runs)) for ds in datasets]
    merged = xr.merge(expanded, compat="no_conflicts", join="outer", combine_attrs="drop_conflicts")
    merged = merged.transpose(*runs, "time")
    for name in runs:
        merged[name].attrs = dict(datasets[0][name].attrs)
    merged.attrs = dict(datasets[0].attrs)
    merged.attrs["solver"] = "; ".join(sorted({ds.attrs["solver"] for ds in datasets}))
    merged.attrs.pop("parameters", None)
    return merged


def _merge_scan(datasets: list[xr.Dataset], dims: tuple[str, str]) -> xr.Dataset:
    """A scan over its two axes ``dims``, with per run the smallest n_s/n_s(0) after the
    quench, the first time n_s < 0 and the late gap (mean over the second half)."""
    merged = _merge_runs(datasets, dims)
    for name in set(RUN_COORDS) - set(dims):  # the scan's fixed run coordinate
        merged[name].attrs = dict(datasets[0][name].attrs)
    after = merged["time"] >= 0
    time_unit = merged["time"].attrs["units"]
    negative = first_negative_times(merged["ns_t"])
    merged["min_ns"] = xr.Variable(
        dims, merged["ns_t"].where(after).min("time").values,
        cf_attrs("1", "smallest n_s(t)/n_s(0) after the quench"),
    )  # fmt: skip
    merged["time_ns_negative"] = xr.Variable(
        dims, negative.values, cf_attrs(time_unit, "first time n_s(t) < 0; NaN: never")
    )
    merged["gap_late"] = xr.Variable(
        dims, late_gap(merged["gap_t"]).values,
        cf_attrs("E_F", "mean Delta(t) over the second half of the run"),
    )  # fmt: skip
    return merged


def merge_points(datasets: list[xr.Dataset]) -> xr.Dataset:
    """Merge points: flat band over (omega_D, lambda_f); the chain has a single point, with
    the first time its n_s(t) turns negative (compared with the BdG slips of Fig. 3a). Study
    points (attribute ``refine``) become ``ns_t_refined``."""
    studies = [ds for ds in datasets if "refine" in ds.attrs]
    datasets = [ds for ds in datasets if "refine" not in ds.attrs]
    if "scan" in datasets[0].attrs:
        return _merge_scan(datasets, SCANS[datasets[0].attrs["scan"]][1])
    if "omega_D" not in datasets[0].coords:
        if len(datasets) != 1:
            raise ValueError("the tight-binding stage has exactly one run (and its studies)")
        merged = datasets[0].copy()
        merged["time_ns_negative"] = cf_variable(
            (),
            first_negative_time(merged),
            merged["time"].attrs["units"],
            "first time n_s(t) < 0 after the quench (Fig. 3b, Eqs. 4, 6); NaN: never",
        )
        runs: tuple[str, ...] = ()
    else:
        runs = ("omega_D", "lambda_f")
        merged = _merge_runs(datasets, runs)
    if studies:
        merged["ns_t_refined"] = _refined(merged, studies, runs)
    return merged


def _studies(points: list[dict], convergence: Mapping[str, list]) -> list[dict]:
    """Every point again with one setting of ``convergence`` ({n_xi: [...], dt: [...]})
    refined, marked ``refine``; a listed value equal to the run's own is refused."""
    studies = []
    for params in points:
        for setting in REFINABLE:
            for value in convergence[setting]:
                if value == params[setting]:
                    raise ValueError(f"convergence {setting} = {value} is the run's own value")
                studies.append({**params, setting: value, "refine": setting})
    return studies


def jobs(block: Mapping[str, Any]) -> dict[str, dict]:
    """Jobs of the ``p2.kbe`` config block: one flat-band run per ``fig1b.omega_D``
    (phonons, clean) and per ``fig1c.lambda_f`` (disorder, no bath: omega_D = lambda_ph = 0),
    with ``numerics`` shared; the scans (SCANS: Fig. 1b over ``scan.lambda_ph`` x
    ``scan.omega_D`` and ``scan_temperature.temperature`` x ``scan_temperature.omega_D``,
    Fig. 1c over ``scan_disorder.lambda_f`` x ``scan_disorder.gamma_el``)
    at their own t_max and n_xi; the single tight-binding chain run of Fig. 3b (no bath);
    and each band's resolution study (``convergence``)."""
    flat = block["flatband"]
    numerics = {"band": "flat", **flat["numerics"]}
    no_bath = {"omega_D": 0.0, "lambda_ph": 0.0}
    fig1b = {key: value for key, value in flat["fig1b"].items() if key != "omega_D"}
    fig1c = {key: value for key, value in flat["fig1c"].items() if key != "lambda_f"}
    points = [{**numerics, **fig1b, "omega_D": float(w)} for w in flat["fig1b"]["omega_D"]]
    points += [
        {**numerics, **fig1c, **no_bath, "lambda_f": float(lf)} for lf in flat["fig1c"]["lambda_f"]
    ]
    points += _studies(points, flat["convergence"])
    for dataset, (name, (first, second), _) in SCANS.items():
        scan = {**no_bath, **block[name]}  # the Fig. 1c scan has no bath
        points += [
            {**numerics, **scan, first: float(x), second: float(y), "scan": dataset}
            for x in block[name][first]
            for y in block[name][second]
        ]
    chain = {key: value for key, value in block["tightbinding"].items() if key != "convergence"}
    chain_run = {"band": "tight_binding", **chain, **no_bath}
    points += [chain_run, *_studies([chain_run], block["tightbinding"]["convergence"])]
    for params in points:
        make_run(params)  # rejects unknown keys before any job runs
    return job_table((key_of(params), params) for params in points)


def key_of(params: Mapping[str, Any]) -> str:
    """``flat_omegaD-0.040_lf-0.450`` (flat band) or ``chain_lf-2.000`` (Fig. 3b chain); a
    study point adds ``refined`` and its resolution: ``chain_refined_lf-2.000_nxi-24_dt-0.125``."""
    if "scan" in params:
        _, dims, label = SCANS[params["scan"]]
        short = {parameter: field for field, parameter in KEY_FIELDS.items()}
        return point_key([label], {short[dim]: params[dim] for dim in dims})
    labels = ["flat" if params["band"] == "flat" else "chain"]
    fields = {"lf": params["lambda_f"]}
    if params["band"] == "flat":
        fields = {"omegaD": params["omega_D"], **fields}
    if "refine" in params:
        labels.append("refined")
        fields.update({"nxi": params["n_xi"], "dt": params["dt"]})
    return point_key(labels, fields)


def dataset_of(params: Mapping[str, Any]) -> str:
    if "scan" in params:
        return params["scan"]
    return "kbe_flatband" if params["band"] == "flat" else "kbe_tightbinding"


def companions(params: Mapping[str, Any]) -> dict[str, str]:
    return {}
