"""Workflow interface of the BdG chain stage: one job per (convention variant, seed).

``point_params(settings, variant, seed)`` turns the ``p2.bdg`` config block into the
parameters of one job, ``run_point`` runs it, ``merge_points`` builds
results/p2/bdg_chain.nc (dims ``variant``, ``seed``, ``time``, ``site``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

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
    "lambda_i": ("1", "initial coupling lambda_i of Eq. (C1)"),
    "lambda_f": ("1", "final coupling lambda_f of Eq. (C1)"),
    "coupling_normalization": ("1", "U = lambda J ('hopping') or lambda/nu_0 ('dos')"),
    "hartree": ("1", "normal part of Eq. (C1): printed (+), attractive (-), off"),
    "gamma_el": ("J", "elastic rate gamma_el (Born) fixing the disorder strength"),
    "born_convention": ("1", "gamma_el = 1/tau_el ('inverse_tau') or 1/(2 tau_el)"),
    "disorder_distribution": ("1", "distribution of u_i"),
    "boundary": ("1", "periodic or open chain"),
    "temperature": ("J", "initial temperature of Eq. (C3)"),
    "dt": ("1/J", "RK4 step (also the phase-slip sampling interval)"),
}
LATE_WINDOW_FRACTION = 1.0 / 3.0  # last third of the run: "is the proliferation lasting?"


def point_params(settings: Mapping[str, Any], variant: str, seed: int) -> dict[str, Any]:
    """Parameters of one job: the ``p2.bdg`` block's values, the variant's overrides, the seed.

    ``settings["variants"]`` is a list of ``{"name": ..., <overrides of VARIANT_KEYS>}``
    (a list, so that a second config file replaces it instead of merging into it);
    ``settings["seeds"]`` lists the seeds (not used here).
    """
    by_name = {entry["name"]: entry for entry in settings["variants"]}
    if len(by_name) != len(settings["variants"]):
        raise ValueError("variant names must be unique")
    if variant not in by_name:
        raise ValueError(f"unknown variant {variant!r}; config has {sorted(by_name)}")
    overrides = {key: value for key, value in by_name[variant].items() if key != "name"}
    unknown = set(overrides) - set(VARIANT_KEYS)
    if unknown:
        raise ValueError(f"variant {variant!r} overrides unknown keys {sorted(unknown)}")
    fields = {field.name for field in dataclasses.fields(ChainQuench)}
    params = {key: value for key, value in settings.items() if key in fields}
    params.update(overrides, variant=variant, seed=int(seed))
    ChainQuench(**params)  # validate now, naming the point
    return params


def jobs(block: Mapping[str, Any]) -> dict[str, dict]:
    """One job per convention variant and seed of the ``p2.bdg`` block."""
    return job_table(
        (key_of(params), params)
        for params in (
            point_params(block, entry["name"], seed)
            for entry in block["variants"]
            for seed in block["seeds"]
        )
    )


def key_of(params: Mapping[str, Any]) -> str:
    """``baseline_seed-1``."""
    return point_key([params["variant"]], {"seed": params["seed"]})


def dataset_of(params: Mapping[str, Any]) -> str:
    return "bdg_chain"


def companions(params: Mapping[str, Any]) -> dict[str, str]:
    return {}


def resources(params: Mapping[str, Any]) -> dict[str, int]:
    """Measured (docs/scaling.md): ~95 s at dt = 0.025 (N = 512, t = 100/J), ~7 min at
    dt = 0.005; <= 0.3 GB."""
    return {"runtime": 20, "mem_mb": 1000, "threads": 1}


def first_time_reaching(times: np.ndarray, count: int) -> float:
    """Time of the ``count``-th slip (NaN if fewer happened)."""
    return float(times[count - 1]) if len(times) >= count else math.nan


def _slip_summary(result: QuenchResult, params: ChainQuench) -> dict[str, tuple]:
    late_start = params.t_max * (1.0 - LATE_WINDOW_FRACTION)
    total = len(result.slip_times)
    late = int(np.sum(result.slip_times > late_start))
    return {
        "time_first_slip": (
            (),
            first_time_reaching(result.slip_times, 1),
            cf_attrs("1/J", "time of the first bond phase slip (NaN: none)"),
        ),
        "time_proliferation": (
            (),
            first_time_reaching(result.slip_times, params.proliferation_count),
            cf_attrs(
                "1/J",
                "time of first proliferation: the proliferation_count-th slip (NaN: never)",
                proliferation_count=params.proliferation_count,
            ),
        ),
        "slip_count_total": ((), total, cf_attrs("1", "bond phase slips in the whole run")),
        "slip_fraction_late": (
            (),
            late / total if total else math.nan,
            cf_attrs(
                "1",
                "fraction of all slips in the last third of the run "
                "(~1/3 or more: lasting proliferation; ~0: transient burst)",
            ),
        ),
    }


def result_dataset(result: QuenchResult, params: ChainQuench) -> xr.Dataset:
    """The stored samples of one run as a conforming dataset."""
    gap = result.gap
    data_vars = {
        "gap_abs": (
            ("time", "site"),
            np.abs(gap),
            cf_attrs("J", "abs Delta_i(t), Eqs. (C1)-(C2)"),
        ),
        "phase": (
            ("time", "site"),
            np.angle(gap),
            cf_attrs("rad", "arg Delta_i(t), Eqs. (C1)-(C2), in (-pi, pi]"),
        ),
        "density": (("time", "site"), result.density, cf_attrs("1", "n_i(t), both spins")),
        "gap_uniform_abs": (
            ("time",),
            np.abs(gap.mean(axis=1)),
            cf_attrs("J", "abs of the uniform average (1/N) sum_i Delta_i(t)"),
        ),
        "gap_abs_mean": (
            ("time",),
            np.abs(gap).mean(axis=1),
            cf_attrs("J", "site average of abs Delta_i(t)"),
        ),
        "n_phase_slips": (
            ("time",),
            result.slips.astype(np.int64),
            cf_attrs("1", "cumulative number of bond phase slips (2 pi windings) up to t"),
        ),
        "n_phase_slips_net": (
            ("time",),
            result.slips_net.astype(np.int64),
            cf_attrs("1", "cumulative signed bond phase slips up to t"),
        ),
        "winding": (
            ("time",),
            result.winding.astype(np.int64),
            cf_attrs("1", "total winding sum_b arg(Delta_i+1 Delta_i^*)/2 pi (0 on open chains)"),
        ),
        "particle_number": (
            ("time",),
            result.particle_number,
            cf_attrs("1", "sum_i n_i(t) (conserved by Eq. C2)"),
        ),
        "norm_error": (
            ("time",),
            result.norm_error,
            cf_attrs("1", "max_l abs(<v_l|v_l> - 1) of the quasiparticle states"),
        ),
        "disorder": (("site",), result.disorder, cf_attrs("J", "on-site disorder u_i")),
        "gap_initial": (
            ("site",),
            result.gap_initial,
            cf_attrs("J", "equilibrium Delta_i at lambda_i, Eqs. (C1), (C3)"),
        ),
        "delta_u_initial": (
            ("site",),
            result.delta_u_initial,
            cf_attrs("J", "equilibrium normal self-energy delta u_i at lambda_i, Eq. (C1)"),
        ),
        "gram_error": (
            (),
            result.gram_error,
            cf_attrs("1", "max abs(V^dagger V - 1) at t_max (orthonormality)"),
        ),
        "disorder_rms": (
            (),
            params.disorder_rms,
            cf_attrs("J", "rms of u_i from gamma_el by the Born rate 1/tau_el = <u^2>/J"),
        ),
        "scf_iterations": ((), result.scf_iterations, cf_attrs("1", "equilibrium iterations")),
        **_slip_summary(result, params),
    }
    coords = {
        "time": ("time", result.time, cf_attrs("1/J", "time after the quench t")),
        "site": ("site", np.arange(params.n_sites), cf_attrs("1", "site index i")),
        "variant": ((), params.variant, cf_attrs("1", "convention variant label")),
        "seed": ((), params.seed, cf_attrs("1", "disorder seed (numpy default_rng)")),
    }
    for key in VARIANT_KEYS:
        coords[key] = ((), getattr(params, key), cf_attrs(*VARIANT_UNITS[key]))
    dataset = xr.Dataset(data_vars, coords=coords)
    dataset.attrs["source_paper"] = REFERENCES
    dataset.attrs["solver"] = solver_description(params)
    return dataset


def solver_description(params: ChainQuench) -> str:
    """Numerical settings that must agree between merged points."""
    return (
        "RK4 on the occupied quasiparticle states, Eq. (C1) at every stage, banded H_BdG; "
        f"N={params.n_sites}, "
        f"t_max={params.t_max}/J, store_interval={params.store_interval}/J, "
        f"scf_tol={params.scf_tol}, slip_hysteresis={params.slip_hysteresis} rad, "
        f"proliferation_count={params.proliferation_count}"
    )


def run_point(params: dict) -> xr.Dataset:
    """One job: equilibrium, quench, evolution and phase-slip analysis of one (variant, seed).

    Raises RuntimeError / FloatingPointError naming the point on NaN or lost conservation.
    """
    point = ChainQuench(**params)
    log.info("BdG chain point %s", point.describe())
    result = run_quench(point)
    log.info(
        "done in %.1f s (%d steps, %.1f steps/s): %d slips, first at %s",
        result.wall_seconds,
        result.steps,
        result.steps / result.wall_seconds,
        len(result.slip_times),
        result.slip_times[0] if len(result.slip_times) else "never",
    )
    return result_dataset(result, point)


def merge_points(datasets: list[xr.Dataset]) -> xr.Dataset:
    """results/p2/bdg_chain.nc: points stacked on ``seed`` and ``variant``; the variant's
    convention parameters become (variant,) coordinates."""
    solvers = {ds.attrs["solver"] for ds in datasets}
    if len(solvers) != 1:
        raise ValueError(f"points were computed with different solver settings: {solvers}")
    by_variant: dict[str, list[xr.Dataset]] = {}
    for ds in datasets:
        by_variant.setdefault(str(ds["variant"].values), []).append(ds)
    seed_sets = {tuple(sorted(int(ds["seed"]) for ds in group)) for group in by_variant.values()}
    if len(seed_sets) != 1:
        raise ValueError(f"variants were run with different seeds: {seed_sets}")
    stacked, names = [], sorted(by_variant)
    for name in names:
        group = by_variant[name]
        conventions = {  # object dtype: concatenated fixed-width strings would be truncated
            key: ((), group[0][key].values.astype(object if group[0][key].dtype.kind == "U"
                                                   else group[0][key].dtype),
                  dict(group[0][key].attrs))
            for key in VARIANT_KEYS
        }  # fmt: skip
        points = [ds.drop_vars([*VARIANT_KEYS, "variant"]) for ds in group]
        per_variant = xr.concat(
            points, dim="seed", join="exact", coords="minimal", combine_attrs="drop_conflicts"
        ).sortby("seed")
        stacked.append(per_variant.assign_coords(conventions))
    variant_index = pd.Index(np.array(names, dtype=object), name="variant")
    merged = xr.concat(
        stacked, dim=variant_index, join="exact", coords="all", combine_attrs="drop_conflicts"
    )
    merged["variant"].attrs.update(datasets[0]["variant"].attrs)
    merged.attrs["source_paper"] = REFERENCES
    return merged
