"""P1 equilibrium stage: one Abrikosov-Gor'kov point per (disorder type, zeta), and the merge.

``zeta`` is 1/(tau_s Delta_0) for paramagnetic and 1/(tau_u Delta_0) for nonmagnetic
disorder (P1 Suppl. Eq. (64) convention); energies in Delta_00.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import xarray as xr

from higgsdyn.equilibrium.ag import AGPoint, solve_ag_point
from higgsdyn.io import cf_variable
from higgsdyn.io.keys import job_table, point_key

PAPER = "P1"
REFERENCES = "P1 Eqs. (10), (13), (15); Suppl. Eqs. (52), (63)-(66), (71)-(76)"
CONFIG_BLOCK = ("p1", "equilibrium")
DATASETS = {"equilibrium": "P1 Abrikosov-Gor'kov equilibrium versus disorder"}
DISORDER_TYPES = ("paramagnetic", "nonmagnetic")
# the config list of rates of each disorder type
ZETA_KEYS = {"paramagnetic": "zeta", "nonmagnetic": "zeta_nonmagnetic"}
KEY_FIELDS = {"zeta": "zeta"}
SETTINGS = ("omega_D", "energy_max", "n_energy", "n_quadrature", "root_tol")


def key_of(params: Mapping[str, Any]) -> str:
    """``paramagnetic_zeta-0.100``."""
    return point_key([params["disorder"]], {"zeta": params["zeta"]})


def jobs(block: Mapping[str, Any]) -> dict[str, dict]:
    """One job per rate of ``zeta`` (paramagnetic) and ``zeta_nonmagnetic``."""
    settings = {name: block[name] for name in SETTINGS}
    points = [
        {**settings, "disorder": disorder, "zeta": float(zeta)}
        for disorder, rates in ZETA_KEYS.items()
        for zeta in block[rates]
    ]
    for params in points:
        ag_point(params)  # rejects a bad point before any job runs
    return job_table((key_of(params), params) for params in points)


def ag_point(params: Mapping[str, Any]) -> AGPoint:
    """The AG parameter point of a job: its rate is zeta_s or zeta_u by disorder type."""
    disorder = params["disorder"]
    if disorder not in DISORDER_TYPES:
        raise ValueError(f"disorder must be one of {DISORDER_TYPES}, got {disorder!r}")
    rates = {"zeta_s": 0.0, "zeta_u": 0.0}
    rates["zeta_s" if disorder == "paramagnetic" else "zeta_u"] = float(params["zeta"])
    return AGPoint(**{name: params[name] for name in SETTINGS}, **rates)


def dataset_of(params: Mapping[str, Any]) -> str:
    return "equilibrium"


def companions(params: Mapping[str, Any]) -> dict[str, str]:
    return {}


# Memory of a point: the interpreter (~0.15 GB measured, docs/scaling.md) and about ten
# (n_energy, n_quadrature) float64 temporaries of the P1 Suppl. Eqs. (63)/(66) profiles.
BASELINE_MB = 300.0
PROFILE_ARRAYS = 10


def resources(params: Mapping[str, Any]) -> dict[str, int]:
    """Measured (docs/scaling.md): <= 2 s and <= 150 MB per point at the default grid; the
    memory grows with the profile grid n_energy x n_quadrature."""
    grid = PROFILE_ARRAYS * 8 * params["n_energy"] * params["n_quadrature"] / 1e6
    return {"runtime": 5, "mem_mb": math.ceil(BASELINE_MB + grid), "threads": 1}


def run_point(params: Mapping[str, Any]) -> xr.Dataset:
    """Solve one AG point (P1 Eq. (10), Suppl. Eqs. (52), (63)-(66), (71)) on scalar
    coordinates disorder, zeta."""
    dataset = solve_ag_point(ag_point(params)).drop_vars(["zeta_s", "zeta_u"])
    return dataset.assign_coords(
        disorder=cf_variable((), params["disorder"], "1", "disorder type"),
        zeta=cf_variable(
            (), float(params["zeta"]), "1", "zeta = 1/(tau Delta_0), tau = tau_s or tau_u, Eq. 64"
        ),
    )


def merge_points(datasets: list[xr.Dataset]) -> xr.Dataset:
    """results/p1/equilibrium.nc: dims (disorder, zeta, energy); absent points are NaN."""
    solvers = {point.attrs["solver"] for point in datasets}
    if len(solvers) != 1:
        raise ValueError(f"points were computed with different solver settings: {solvers}")
    expanded = [point.expand_dims(["disorder", "zeta"]) for point in datasets]
    merged = xr.merge(expanded, join="outer", compat="no_conflicts", combine_attrs="override")
    for name, variable in merged.variables.items():
        variable.attrs.update(datasets[0][name].attrs)
    return merged.sortby(["disorder", "zeta"])
