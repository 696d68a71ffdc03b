"""Workflow interface of the BdG chain stage: one job per (convention variant, seed).

``point_params(settings, variant, seed)`` turns the ``p2.bdg`` config block into the
parameters of one job, ``run_point`` runs it and summarises its phase slips, and
``merge_points`` builds results/p2/bdg_chain.nc:

- per run, dims (``variant``, ``seed``): slip summaries (first slip, proliferation, counts,
  final winding, late |Delta| and phase coherence) and slips per time bin (``time_bin``);
- per variant: seed statistics (first-slip median and its confidence interval, slip rate
  versus time with its standard error, the burst / proliferation test, bdg.statistics);
- for the first ``field_seeds`` seeds only, dims (``variant``, ``field_seed``, ``time``,
  ``site``): the full |Delta_i(t)|, phase and density maps and the stored time series, so the
  file stays small however many seeds run.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from higgsdyn.bdg import statistics
from higgsdyn.bdg.dynamics import QuenchResult, run_quench
from higgsdyn.bdg.model import ChainQuench
from higgsdyn.io import cf_attrs
from higgsdyn.io.keys import job_table, point_key

log = logging.getLogger(__name__)

PAPER = "P2"
REFERENCES = (
    "P2 App. C Eqs. (C1)-(C3) (self-consistent time-dependent BdG of a disordered chain), "
    "main text 'Quasi-one-dimensional case', Fig. 3(a) caption"
)
CONFIG_BLOCK = ("p2", "bdg")
DATASETS = {"bdg_chain": "P2 time-dependent BdG of a disordered chain: phase slips (Fig. 3a)"}
KEY_FIELDS = {"seed": "seed"}
# the convention parameters a variant may change; they become (variant,) coordinates
VARIANT_KEYS = (
    "n_sites",
    "lambda_i",
    "lambda_f",
    "coupling_normalization",
    "hartree",
    "gamma_el",
    "born_convention",
    "disorder_distribution",
    "boundary",
    "temperature",
    "dt",
)
VARIANT_UNITS = {
    "n_sites": ("1", "number of sites N (finite-size variants)"),
    "lambda_i": ("1", "initial coupling lambda_i of Eq. (C1)"),
    "lambda_f": ("1", "final coupling lambda_f of Eq. (C1)"),
    "coupling_normalization": ("1", "U = lambda J ('hopping') or lambda/nu_0 ('dos')"),
    "hartree": ("1", "normal part of Eq. (C1): printed (+), attractive (-), off"),
    "gamma_el": ("J_hop", "elastic rate gamma_el (Born) fixing the disorder strength"),
    "born_convention": ("1", "gamma_el = 1/tau_el ('inverse_tau') or 1/(2 tau_el)"),
    "disorder_distribution": ("1", "distribution of u_i"),
    "boundary": ("1", "periodic or open chain"),
    "temperature": ("J_hop", "initial temperature of Eq. (C3)"),
    "dt": ("1/J_hop", "time step (also the phase-slip sampling interval)"),
}
LATE_WINDOW_FRACTION = 1.0 / 3.0  # last third of the run: "is the proliferation lasting?"


# job parameters of the stage (what to store), not of the physics run (ChainQuench)
STORAGE_KEYS = ("store_fields", "slip_rate_bin")
SEED_KEYS = ("n_seeds",)  # a variant may run fewer or more seeds than the block's n_seeds


def point_params(settings: Mapping[str, Any], variant: str, seed: int) -> dict[str, Any]:
    """Parameters of one job: the ``p2.bdg`` block's values, the variant's overrides, the seed,
    and whether the run stores its full fields (one of the first ``field_seeds`` seeds of a
    variant at the block's ``n_sites``).

    ``settings["variants"]`` is a list of ``{"name": ..., <overrides of VARIANT_KEYS or
    n_seeds>}`` (a list, so that a second config file replaces it instead of merging into it).
    """
    overrides = variant_overrides(settings, variant)
    fields = {field.name for field in dataclasses.fields(ChainQuench)}
    params = {key: value for key, value in settings.items() if key in fields}
    params.update({k: v for k, v in overrides.items() if k in fields}, variant=variant)
    params["seed"] = int(seed)
    params["store_fields"] = bool(
        int(seed) <= settings["field_seeds"] and params["n_sites"] == settings["n_sites"]
    )
    params["slip_rate_bin"] = float(settings["slip_rate_bin"])
    chain_quench(params)  # validate now, naming the point
    return params


def variant_overrides(settings: Mapping[str, Any], variant: str) -> dict[str, Any]:
    """The overrides of one named variant, checked against the keys a variant may set."""
    by_name = {entry["name"]: entry for entry in settings["variants"]}
    if len(by_name) != len(settings["variants"]):
        raise ValueError("variant names must be unique")
    if variant not in by_name:
        raise ValueError(f"unknown variant {variant!r}; config has {sorted(by_name)}")
    overrides = {key: value for key, value in by_name[variant].items() if key != "name"}
    unknown = set(overrides) - set(VARIANT_KEYS) - set(SEED_KEYS)
    if unknown:
        raise ValueError(f"variant {variant!r} overrides unknown keys {sorted(unknown)}")
    return overrides


def chain_quench(params: Mapping[str, Any]) -> ChainQuench:
    """The physics run of a job (its parameters without the storage settings)."""
    return ChainQuench(**{key: value for key, value in params.items() if key not in STORAGE_KEYS})


def baseline_run(block: Mapping[str, Any], **overrides: Any) -> ChainQuench:
    """Seed 1 of the ``baseline`` variant of a ``p2.bdg`` block, with ``overrides`` of any
    ChainQuench field (tests, benchmarks)."""
    return chain_quench({**point_params(block, "baseline", 1), **overrides})


def jobs(block: Mapping[str, Any]) -> dict[str, dict]:
    """One job per convention variant and seed 1..n_seeds of the ``p2.bdg`` block."""
    return job_table(
        (key_of(params), params)
        for params in (
            point_params(block, entry["name"], seed)
            for entry in block["variants"]
            for seed in range(
                1, 1 + variant_overrides(block, entry["name"]).get("n_seeds", block["n_seeds"])
            )
        )
    )


def key_of(params: Mapping[str, Any]) -> str:
    """``baseline_seed-1``."""
    return point_key([params["variant"]], {"seed": params["seed"]})


def dataset_of(params: Mapping[str, Any]) -> str:
    return "bdg_chain"


def companions(params: Mapping[str, Any]) -> dict[str, str]:
    return {}


# Cost model (benchmarks/README.md, BdG): seconds per step ~ STEP_SECONDS_N2 N^2 at one core
# for the splitting integrators (RK4: RK4_STEP_SECONDS_N2), plus the equilibrium diagonalisation.
STEP_SECONDS_N2 = {"rk4": 8.0e-8, "split2": 1.2e-8, "split4": 3.6e-8, "split6": 8.4e-8}
BASELINE_MB = 300.0


def resources(params: Mapping[str, Any]) -> dict[str, int]:
    """Scheduler request of one job from its size: runtime 3x the cost model (at least 5
    minutes), memory the stored fields plus the states (2N x N complex) and ~0.3 GB."""
    run = chain_quench(params)
    steps = run.t_max / run.dt
    seconds = steps * STEP_SECONDS_N2[run.integrator] * run.n_sites**2 + 1e-8 * run.n_sites**3
    samples = run.t_max / run.store_interval + 1
    stored = 3 * samples * run.n_sites * 8 if params["store_fields"] else 0
    memory_mb = (stored + 6 * 16 * 2 * run.n_sites**2) / 1e6 + BASELINE_MB
    return {
        "runtime": max(5, math.ceil(3 * seconds / 60)),
        "mem_mb": math.ceil(1.5 * memory_mb),
        "threads": 1,
    }


def first_time_reaching(times: np.ndarray, count: int) -> float:
    """Time of the ``count``-th slip (NaN if fewer happened)."""
    return float(times[count - 1]) if len(times) >= count else math.nan


def bin_edges(t_max: float, width: float) -> np.ndarray:
    """Edges of the slip-rate bins [0, width), ..., up to t_max (the last bin may be short)."""
    edges = np.arange(0.0, t_max, width)
    return np.append(edges, t_max)


def _summary(result: QuenchResult, run: ChainQuench, bin_width: float) -> dict[str, tuple]:
    """Scalars and time-binned slip counts of one run (kept for every seed)."""
    late = result.time >= run.t_max * (1.0 - LATE_WINDOW_FRACTION)
    total = len(result.slip_times)
    gap_abs_mean = np.abs(result.gap).mean(axis=1)
    coherence = np.abs(result.gap.mean(axis=1)) / gap_abs_mean
    edges = bin_edges(run.t_max, bin_width)
    return {
        "time_first_slip": (
            (),
            first_time_reaching(result.slip_times, 1),
            cf_attrs("1/J_hop", "time of the first bond phase slip (NaN: none)"),
        ),
        "time_proliferation": (
            (),
            first_time_reaching(result.slip_times, run.proliferation_count),
            cf_attrs(
                "1/J_hop",
                "time of first proliferation: the proliferation_count-th slip (NaN: never)",
                proliferation_count=run.proliferation_count,
            ),
        ),
        "slip_count_total": ((), total, cf_attrs("1", "bond phase slips in the whole run")),
        "slip_count_net": (
            (),
            int(result.slips_net[-1]),
            cf_attrs("1", "signed bond phase slips in the whole run"),
        ),
        "winding_change": (
            (),
            int(result.winding[-1] - result.winding[0]),
            cf_attrs("1", "change of the total winding over the run (ring; 0 on open chains)"),
        ),
        "slip_fraction_late": (
            (),
            np.sum(result.slip_times > run.t_max * (1.0 - LATE_WINDOW_FRACTION)) / total
            if total
            else math.nan,
            cf_attrs(
                "1",
                "fraction of all slips in the last third of the run "
                "(~1/3 or more: lasting proliferation; ~0: transient burst)",
            ),
        ),
        "gap_abs_late": (
            (),
            float(gap_abs_mean[late].mean()),
            cf_attrs("J_hop", "site average of abs Delta_i(t), mean over the last third"),
        ),
        "coherence_late": (
            (),
            float(coherence[late].mean()),
            cf_attrs(
                "1",
                "phase coherence abs(mean_i Delta_i) / mean_i abs(Delta_i), mean over the "
                "last third (1: uniform phase)",
            ),
        ),
        "slip_count_binned": (
            ("time_bin",),
            statistics.binned_counts(result.slip_times, edges),
            cf_attrs("1", "bond phase slips per time bin"),
        ),
        "gram_error": (
            (),
            result.gram_error,
            cf_attrs("1", "max abs(V^dagger V - 1) at t_max (orthonormality)"),
        ),
        "disorder_rms": (
            (),
            run.disorder_rms,
            cf_attrs("J_hop", "rms of u_i from gamma_el by the Born rate 1/tau_el = <u^2>/J"),
        ),
        "scf_iterations": ((), result.scf_iterations, cf_attrs("1", "equilibrium iterations")),
    }


def _fields(result: QuenchResult) -> dict[str, tuple]:
    """Full maps and time series of one run (kept for the first field_seeds seeds)."""
    gap = result.gap
    series = {
        "gap_uniform_abs": (np.abs(gap.mean(axis=1)), "J_hop",
                            "abs of the uniform average (1/N) sum_i Delta_i(t)"),
        "gap_abs_mean": (np.abs(gap).mean(axis=1), "J_hop", "site average of abs Delta_i(t)"),
        "n_phase_slips": (result.slips.astype(np.int64), "1",
                          "cumulative number of bond phase slips (2 pi windings) up to t"),
        "n_phase_slips_net": (result.slips_net.astype(np.int64), "1",
                              "cumulative signed bond phase slips up to t"),
        "winding": (result.winding.astype(np.int64), "1",
                    "total winding sum_b arg(Delta_i+1 Delta_i^*)/2 pi (0 on open chains)"),
        "particle_number": (result.particle_number, "1", "sum_i n_i(t) (conserved by Eq. C2)"),
        "norm_error": (result.norm_error, "1",
                       "max_l abs(<v_l|v_l> - 1) of the quasiparticle states"),
    }  # fmt: skip
    maps = {
        "gap_abs": (np.abs(gap), "J_hop", "abs Delta_i(t), Eqs. (C1)-(C2)"),
        "phase": (np.angle(gap), "rad", "arg Delta_i(t), Eqs. (C1)-(C2), in (-pi, pi]"),
        "density": (result.density, "1", "n_i(t), both spins"),
    }
    sites = {
        "disorder": (result.disorder, "J_hop", "on-site disorder u_i"),
        "gap_initial": (result.gap_initial, "J_hop",
                        "equilibrium Delta_i at lambda_i, Eqs. (C1), (C3)"),
        "delta_u_initial": (result.delta_u_initial, "J_hop",
                            "equilibrium normal self-energy delta u_i at lambda_i, Eq. (C1)"),
    }  # fmt: skip
    out = {}
    for dims, group in ((("time",), series), (("time", "site"), maps), (("site",), sites)):
        for name, (values, units, long_name) in group.items():
            out[name] = (dims, values, cf_attrs(units, long_name))
    return out


def result_dataset(result: QuenchResult, params: Mapping[str, Any]) -> xr.Dataset:
    """One run as a conforming dataset: its summary, and its fields if ``store_fields``."""
    run = chain_quench(params)
    data_vars = _summary(result, run, params["slip_rate_bin"])
    edges = bin_edges(run.t_max, params["slip_rate_bin"])
    coords = {
        "time_bin": (
            "time_bin",
            0.5 * (edges[:-1] + edges[1:]),
            cf_attrs("1/J_hop", "centre of the slip-rate time bin", width=params["slip_rate_bin"]),
        ),
        "variant": ((), run.variant, cf_attrs("1", "convention variant label")),
        "seed": ((), run.seed, cf_attrs("1", "disorder seed (numpy default_rng)")),
    }
    if params["store_fields"]:
        data_vars.update(_fields(result))
        coords["time"] = ("time", result.time, cf_attrs("1/J_hop", "time after the quench t"))
        coords["site"] = ("site", np.arange(run.n_sites), cf_attrs("1", "site index i"))
    for key in VARIANT_KEYS:
        coords[key] = ((), getattr(run, key), cf_attrs(*VARIANT_UNITS[key]))
    dataset = xr.Dataset(data_vars, coords=coords)
    dataset.attrs["source_paper"] = REFERENCES
    dataset.attrs["solver"] = solver_description(run)
    return dataset


def solver_description(run: ChainQuench) -> str:
    """Numerical settings that must agree between merged points."""
    return (
        f"{run.integrator} on the occupied quasiparticle states, Eq. (C1) self-consistent; "
        f"t_max={run.t_max}/J, store_interval={run.store_interval}/J, "
        f"scf_tol={run.scf_tol}, slip_hysteresis={run.slip_hysteresis} rad, "
        f"proliferation_count={run.proliferation_count}"
    )


def run_point(params: dict) -> xr.Dataset:
    """One job: equilibrium, quench, evolution and phase-slip analysis of one (variant, seed).

    Raises RuntimeError / FloatingPointError naming the point on NaN or lost conservation.
    """
    run = chain_quench(params)
    log.info("BdG chain point %s", run.describe())
    result = run_quench(run)
    log.info(
        "done in %.1f s (%d steps, %.1f steps/s): %d slips, first at %s",
        result.wall_seconds,
        result.steps,
        result.steps / result.wall_seconds,
        len(result.slip_times),
        result.slip_times[0] if len(result.slip_times) else "never",
    )
    return result_dataset(result, params)


def _stack_variant(points: list[xr.Dataset], dim: str) -> xr.Dataset:
    """One variant's points along ``dim`` (seed), its convention parameters as scalars."""
    stacked = xr.concat(
        [point.drop_vars([*VARIANT_KEYS, "variant"]) for point in points],
        dim=dim,
        join="exact",
        coords="minimal",
        combine_attrs="drop_conflicts",
    )
    return stacked.sortby(dim)


def _stack_variants(parts: dict[str, xr.Dataset], conventions: dict[str, dict]) -> xr.Dataset:
    """Variants along ``variant`` (outer join: variants may run different seeds), with their
    convention parameters as (variant,) coordinates."""
    names = sorted(parts)
    index = pd.Index(np.array(names, dtype=object), name="variant")
    merged = xr.concat(
        [parts[name] for name in names], dim=index, join="outer", combine_attrs="drop_conflicts"
    )
    for key in VARIANT_KEYS:
        values = [conventions[name][key][0] for name in names]
        kind = object if isinstance(values[0], str) else type(values[0])
        merged.coords[key] = (
            "variant",
            np.array(values, dtype=kind),
            conventions[names[0]][key][1],
        )
    return merged


def seed_statistics(summary: xr.Dataset) -> dict[str, tuple]:
    """Per variant: first-slip median with its confidence interval, slip rate vs time with its
    standard error, late and peak rates and the burst / proliferation verdict (bdg.statistics)."""
    width = float(summary["time_bin"].attrs["width"])
    centres = summary["time_bin"].values
    edges = np.append(centres - 0.5 * width, centres[-1] + 0.5 * width)
    edges[-1] = min(edges[-1], centres[-1] + (centres[-1] - edges[-2]))
    out: dict[str, list] = {name: [] for name in (
        "first_slip_median", "first_slip_low", "first_slip_high", "fraction_slipping",
        "slip_rate", "slip_rate_err", "late_slip_rate", "late_slip_rate_err", "peak_slip_rate",
        "slip_regime", "seeds_run")}  # fmt: skip
    for variant in summary["variant"].values:
        run = summary.sel(variant=variant)
        ran = np.isfinite(run["slip_count_total"].values)
        first = run["time_first_slip"].values[ran]
        median, low, high = statistics.median_interval(first)
        counts = run["slip_count_binned"].values[ran]
        rate, rate_err = statistics.slip_rate(counts, width)
        late, late_err = statistics.late_rate(counts, edges)
        peak = float(np.max(rate)) if rate.size else math.nan
        for name, value in (("first_slip_median", median), ("first_slip_low", low),
                            ("first_slip_high", high),
                            ("fraction_slipping", float(np.mean(np.isfinite(first)))),
                            ("slip_rate", rate), ("slip_rate_err", rate_err),
                            ("late_slip_rate", late), ("late_slip_rate_err", late_err),
                            ("peak_slip_rate", peak),
                            ("slip_regime", statistics.regime(peak, late, late_err)),
                            ("seeds_run", int(ran.sum()))):  # fmt: skip
            out[name].append(value)
    confidence = f"{100 * statistics.CONFIDENCE:g}%"
    meta = {
        "first_slip_median": ("1/J_hop", "median first-slip time over the seeds that slip"),
        "first_slip_low": ("1/J_hop", f"lower end of the {confidence} interval of that median"),
        "first_slip_high": ("1/J_hop", f"upper end of the {confidence} interval of that median"),
        "fraction_slipping": ("1", "fraction of seeds with at least one phase slip"),
        "slip_rate": ("J_hop", "phase slips per unit time, mean over seeds"),
        "slip_rate_err": ("J_hop", "standard error of slip_rate over seeds"),
        "late_slip_rate": ("J_hop", "slip rate over the last third of the run, mean over seeds"),
        "late_slip_rate_err": ("J_hop", "standard error of late_slip_rate"),
        "peak_slip_rate": ("J_hop", "largest slip_rate over the time bins"),
        "slip_regime": ("1", "none | burst | proliferation | undecided: late rate against "
                        f"{statistics.LASTING_FRACTION} x peak rate at two standard errors"),
        "seeds_run": ("1", "number of disorder seeds of the variant"),
    }  # fmt: skip
    result = {}
    for name, values in out.items():
        dims = ("variant", "time_bin") if name in ("slip_rate", "slip_rate_err") else ("variant",)
        array = np.array(values, dtype=object if name == "slip_regime" else None)
        result[name] = (dims, array, cf_attrs(*meta[name]))
    return result


def merge_points(datasets: Iterable[xr.Dataset]) -> xr.Dataset:
    """results/p2/bdg_chain.nc from the points, read one at a time (see module docstring)."""
    summaries: dict[str, list[xr.Dataset]] = {}
    fields: dict[str, list[xr.Dataset]] = {}
    conventions: dict[str, dict] = {}
    solvers = set()
    first_attrs: dict = {}
    for point in datasets:
        solvers.add(point.attrs["solver"])
        name = str(point["variant"].values)
        conventions.setdefault(
            name, {key: (point[key].values.item(), dict(point[key].attrs)) for key in VARIANT_KEYS}
        )
        field_names = [n for n in point.data_vars if {"time", "site"} & set(point[n].dims)]
        summaries.setdefault(name, []).append(point.drop_vars(field_names + ["time", "site"],
                                                              errors="ignore"))  # fmt: skip
        if field_names:
            kept = point[field_names].rename(seed="field_seed")
            fields.setdefault(name, []).append(kept)
        first_attrs = first_attrs or {n: dict(point[n].attrs) for n in ("variant", "seed")}
    if len(solvers) != 1:
        raise ValueError(f"points were computed with different solver settings: {solvers}")
    summary = _stack_variants(
        {name: _stack_variant(points, "seed") for name, points in summaries.items()}, conventions
    )
    merged = summary.assign(seed_statistics(summary))
    if fields:
        stacked = {name: _stack_variant(points, "field_seed") for name, points in fields.items()}
        blank = xr.full_like(next(iter(stacked.values())), np.nan, dtype=float)
        maps = _stack_variants({name: stacked.get(name, blank) for name in summaries}, conventions)
        merged = xr.merge(
            [merged, maps], join="exact", compat="no_conflicts", combine_attrs="drop_conflicts"
        )
        merged["field_seed"].attrs.update(cf_attrs("1", "disorder seeds with stored fields"))
    for name, attrs in first_attrs.items():
        merged[name].attrs.update(attrs)
    merged.attrs["source_paper"] = REFERENCES
    merged.attrs["solver"] = solvers.pop()
    return merged
