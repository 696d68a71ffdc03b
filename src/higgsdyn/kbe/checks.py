"""Physics checks on results/p2/kbe_flatband.nc and kbe_tightbinding.nc (``validate``).

The runs start from the correlated equilibrium on the Matsubara branch at t = -t_prep; the
baseline [-t_prep, 0) before the quench must stay at that equilibrium (docs/physics_notes.md,
"Matsubara branch"): a quench response is the quench's only if the state before it is
stationary.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache

import numpy as np
import xarray as xr

from higgsdyn.io.validation import Check, below, close
from higgsdyn.kbe.claims import MIN_T_MAX, summarise
from higgsdyn.kbe.matsubara import solve_equilibrium
from higgsdyn.kbe.stage import SCANS, dataset_of, jobs, late_gap, make_run
from higgsdyn.kbe.stepping import KBConfig

STAGE = "p2_kbe"
# Largest peak-to-peak variation of Delta over the baseline, relative to its mean. The
# measured drift is the O(dt^2) discretisation error of the stationary state (~1e-3 at the
# default steps, docs/physics_notes.md); a switch-on preparation drifted 3-28%.
PREPARATION_DRIFT = 0.01
# Delta and n_s over the baseline against the Matsubara equilibrium (relative tolerance).
EQUILIBRIUM_TOLERANCE = 0.01
# Size of n_s(t)/n_s(0) after the quench: P2 Figs. 1 and 3(b) stay within about [-1, 1.5],
# our default runs reach -1.05 (chain, docs/physics_notes.md) and the quick config's coarse
# runs 1.71; beyond three times n_s(0) the run has blown up (e.g. a time step outside BDF-6's
# stability range).
NS_SIZE_BOUND = 3.0


@cache
def _equilibrium(config: KBConfig) -> tuple[float, float]:
    """(Delta, n_s / n_s,dia) of the Matsubara equilibrium at lambda_i and T with the run's
    self-energies, in the units of ``gap_t`` and ``ns_over_n_t``."""
    band = config.make_band()
    state = solve_equilibrium(band, config.lambda_i, config.temperature, config.gamma_el,
                              config.lambda_ph, config.omega_D)  # fmt: skip
    return state.gap, state.ns / state.ns_dia


def equilibrium_reference(params: dict) -> tuple[float, float]:
    """Matsubara-equilibrium Delta and n_s/n before the quench of the run ``params``; the
    quench settings are dropped so that runs with the same preparation share one solve."""
    config = dataclasses.replace(make_run(params), lambda_f=0.0, t_max=0.0)
    return _equilibrium(config)


def _run_checks(run_ds: xr.Dataset, params: dict, label: str) -> list[Check]:
    run = make_run(params)
    baseline = run_ds.sel(time=slice(-run.t_prep, -1e-9))
    gap = baseline["gap_t"].values
    drift = float(np.ptp(gap) / np.mean(gap))
    gap_eq, ns_eq = equilibrium_reference(params)
    ns = float(baseline["ns_over_n_t"].mean())
    source = "before the quench (mean over the baseline) over the Matsubara equilibrium at "
    source += "lambda_i, T with the same self-energies (kbe.matsubara, default window)"
    return [
        below(f"kbe_preparation_stationary[{label}]", STAGE, drift, PREPARATION_DRIFT,
              "stationary state before the quench: peak-to-peak Delta / mean Delta over the "
              "baseline [-t_prep, 0)"),
        close(f"kbe_gap_vs_equilibrium[{label}]", STAGE, float(np.mean(gap)) / gap_eq, 1.0,
              EQUILIBRIUM_TOLERANCE, "Delta " + source),
        close(f"kbe_superfluid_density_vs_equilibrium[{label}]", STAGE, ns / ns_eq, 1.0,
              EQUILIBRIUM_TOLERANCE, "n_s " + source),
    ]  # fmt: skip


def _ns_checks(run_ds: xr.Dataset, label: str, negative_source: str = "") -> list[Check]:
    """Size of n_s(t)/n_s(0) after the quench, and its sign where a claim of P2 says it turns
    negative (``negative_source``: the claim). A run that stays positive fails as a known
    limitation, not a regression: too short to show the claim (t_max < MIN_T_MAX), or the
    claim does not show, which the claims ledger judges with the convergence evidence."""
    ns, time = run_ds["ns_t"].values, run_ds["time"].values
    after = time >= 0
    size = float(np.max(np.abs(ns[after])))
    result = [
        below(f"kbe_ns_bounded_after_quench[{label}]", STAGE, size, NS_SIZE_BOUND,
              "max |n_s(t)/n_s(0)| for t >= 0: P2 Figs. 1, 3(b) stay within [-1.1, 1.2]; "
              "larger is a blown-up run"),
    ]  # fmt: skip
    if negative_source:
        summary = summarise(ns, time)
        limitation = ""
        if summary["min_ns"] >= 0 and summary["t_max"] < MIN_T_MAX:
            limitation = f"run ends at t = {summary['t_max']:g} < {MIN_T_MAX:g}"
        elif summary["min_ns"] >= 0:
            limitation = (
                f"the claim does not show in this run (n_s > 0 up to t = {summary['t_max']:g}); "
                "whether that is converged and decides the claim: results/claims.md"
            )
        result.append(below(f"kbe_ns_negative_after_quench[{label}]", STAGE, summary["min_ns"],
                            0.0, f"min n_s(t)/n_s(0), t >= 0: {negative_source}",
                            limitation))  # fmt: skip
    return result


def checks(ds: xr.Dataset) -> list[Check]:
    """Checks of every run in a merged KB dataset (flat band or chain)."""
    runs = [run for run in jobs(json.loads(ds.attrs["config"])).values() if "refine" not in run]
    if "scan" in ds.attrs:  # a scan: every run prepared right and bounded
        result = []
        dims = SCANS[ds.attrs["scan"]][1]
        for params in (run for run in runs if dataset_of(run) == ds.attrs["scan"]):
            run_ds = ds.sel({dim: params[dim] for dim in dims})
            label = "scan " + " ".join(f"{dim}={params[dim]:g}" for dim in dims)
            result += _run_checks(run_ds, params, label) + _ns_checks(run_ds, label)
        return result
    if "omega_D" not in ds.dims:
        (params,) = [run for run in runs if dataset_of(run) == "kbe_tightbinding"]
        label = f"chain lambda_f={params['lambda_f']:g}"
        return _run_checks(ds, params, label) + _ns_checks(
            ds, label, "P2 Fig. 3(b): the uniform chain's n_s turns negative"
        )
    result = []
    flatband = [run for run in runs if dataset_of(run) == "kbe_flatband"]
    largest_disordered = max(
        (params["lambda_f"] for params in flatband if params["omega_D"] == 0.0),
        default=None,
    )
    for params in flatband:
        run_ds = ds.sel(omega_D=params["omega_D"], lambda_f=params["lambda_f"])
        run_ds = run_ds.dropna("time", how="all")
        label = f"omega_D={params['omega_D']:g} lambda_f={params['lambda_f']:g}"
        result += _run_checks(run_ds, params, label)
        claim = ""
        if params["omega_D"] == 0.0 and params["lambda_f"] == largest_disordered:
            claim = "P2 Fig. 1(c): n_s < 0 for the largest lambda_f with disorder"
        elif params["omega_D"] > 0 and 2 * late_gap(run_ds["gap_t"]) > params["omega_D"]:
            claim = "P2 Fig. 1(b): n_s < 0 once 2 Delta > omega_D (phonons)"
        result += _ns_checks(run_ds, label, claim)
    return result
