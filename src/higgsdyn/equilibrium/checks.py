"""Physics checks on results/p1/equilibrium.nc, run by the ``validate`` target.

Bounds for the finite cutoff come from docs/physics_notes.md (P1 section): with
L = omega_D/Delta_0, P1 Suppl. Eq. (65) and the P1 Suppl. Eq. (75) root hold up to O(zeta ln(2L)/L).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from higgsdyn.io.validation import Check, below, close

STAGE = "p1_equilibrium"
SAFETY = 1.5  # margin on the leading-order finite-cutoff bounds


def of_disorder(eq: xr.Dataset, disorder: str) -> xr.Dataset:
    """The points of one disorder type of results/p1/equilibrium.nc (empty if none)."""
    if disorder not in eq["disorder"].values:
        return eq.isel(disorder=0, zeta=slice(0, 0))
    return eq.sel(disorder=disorder).dropna("zeta", how="all", subset=["gap"])


def checks(merged: xr.Dataset) -> list[Check]:
    """Oracles for the AG equilibrium stage (P1 Suppl. Eqs. (57), (63), (65), (66), (69), (75),
    (76))."""
    omega_d = json.loads(merged.attrs["config"])["omega_D"]
    eq = of_disorder(merged, "paramagnetic")
    zeta = eq["zeta"]
    cutoff = omega_d / eq["gap"]  # L = omega_D / Delta_0
    cutoff_log = np.log(2 * cutoff) / cutoff
    results = [
        close("threshold_matches_eq76", STAGE,
              np.max(np.abs(eq["gap_threshold"] - eq["gap_threshold_eq76"])), 0.0, 1e-9,
              "P1 Eq. 76: Delta_th = Delta_0 (1 - zeta^(2/3))^(3/2)"),
        close("gap_matches_eq65_within_cutoff_bound", STAGE,
              np.max(np.abs(eq["gap"] / eq["gap_eq65"] - 1)), 0.0,
              SAFETY * float(np.max((2 / np.pi) * (zeta / 2 * np.log(2 * cutoff) + zeta) / cutoff)),
              "P1 Eq. 65, exact for omega_D -> infinity (AG)"),
        close("higgs_root_matches_eq75_with_eq9_factor", STAGE,
              np.max(np.abs(eq["omega_higgs"] - eq["omega_higgs_corrected"]) / (2 * eq["gap"])),
              0.0, SAFETY * float(np.max(zeta / 2 * cutoff_log)) + 1e-9,
              "P1 Eq. 71 root vs Eq. 75 with zeta_m = zeta/2 (docs/physics_notes.md)"),
    ]  # fmt: skip
    paramagnetic = zeta > 0
    if paramagnetic.any():
        results.append(below(
            "higgs_above_pair_threshold", STAGE,
            np.max((2 * eq["gap_threshold"] / eq["omega_higgs"])[paramagnetic]), 1.0,
            "P1 main text: omega_Higgs > 2 Delta_th",
        ))  # fmt: skip
        results.append(below(
            "higgs_below_2gap_with_pair_breaking", STAGE,
            np.max((eq["omega_higgs"] / (2 * eq["gap"]))[paramagnetic]), 1.0,
            "P1 Eq. 13: paramagnetic impurities push omega_Higgs below 2 Delta_0",
        ))  # fmt: skip
        combination = eq["sx_sz_combination"][paramagnetic]
        eom = eq["sx_sz_combination_eom"][paramagnetic]
        nonzero = np.abs(eom) > 1e-12
        relative = np.abs(combination / eom - 1).where(nonzero) / zeta[paramagnetic]
        results.append(below(
            "eq69_relation_with_eq9_factor", STAGE, float(relative.max()), 0.5,
            "P1 Eq. 9 stationarity: eps S^x + Delta_0 S^z = -eps w/(2 tau_m E), error/zeta",
        ))  # fmt: skip
    if (zeta == 0).any():
        clean = eq.sel(zeta=0.0)
        energy_in_gap = eq["energy"] / clean["gap"]
        quasiparticle = np.sqrt(1 + energy_in_gap**2)
        deviation = max(
            float(np.max(np.abs(clean["sx"] - 1 / quasiparticle))),
            float(np.max(np.abs(clean["sz"] + energy_in_gap / quasiparticle))),
        )
        results.append(close(
            "clean_profiles_are_bcs", STAGE, deviation, 0.0, 1e-10,
            "P1 Eqs. 63, 66 at zeta = 0: S^x = Delta/E, S^z = -eps/E",
        ))  # fmt: skip
    nonmagnetic = of_disorder(merged, "nonmagnetic")
    if nonmagnetic.sizes["zeta"]:
        zeta_u = nonmagnetic["zeta"]
        cutoff_u = omega_d / nonmagnetic["gap"]
        results.append(close(
            "anderson_theorem_gap", STAGE, np.max(np.abs(nonmagnetic["gap"] - 1)), 0.0,
            SAFETY * float(np.max(zeta_u / np.pi * np.log(2 * cutoff_u) / cutoff_u)) + 1e-9,
            "P1 Eq. 57 (Anderson theorem), finite-cutoff deviation (zeta_u/pi) ln(2L)/L",
        ))  # fmt: skip
    return results
