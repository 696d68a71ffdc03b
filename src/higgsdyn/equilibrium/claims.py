"""Verdicts on P1's equilibrium claims (P1 Eq. (13)) from results/p1/equilibrium.nc.

Units as in the dataset: energies in Delta_00 (clean gap), zeta = 1/(tau_s Delta_0)
(P1 Suppl. Eq. (64)).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from higgsdyn.equilibrium.checks import of_disorder
from higgsdyn.io.claims import Claim, Verdict, missing_variables, missing_verdict, run_settings

DATASET = "equilibrium"
RUN_KEYS = ("omega_D", "n_quadrature", "root_tol", "n_energy")
NEEDED = ("gap", "omega_higgs", "omega_higgs_eq13", "omega_higgs_corrected")
# Finite-cutoff error of the P1 Suppl. Eq. (71) root against its omega_D -> inf limit:
# |omega/(2 Delta_0) - sqrt(1 - zeta_m^2)| = O(zeta_m^2 ln(2L)/L), L = omega_D/Delta_0
# (docs/physics_notes.md, P1 equilibrium, discrepancy 2); SAFETY on that leading term.
SAFETY = 2.0


def _paramagnetic(eq: xr.Dataset) -> xr.Dataset:
    """The paramagnetic points with zeta > 0 of equilibrium.nc (dims disorder, zeta)."""
    para = of_disorder(eq, "paramagnetic")
    return para.sel(zeta=para["zeta"] > 0)


def _paramagnetic_points(
    datasets: Mapping[str, xr.Dataset],
) -> tuple[xr.Dataset, dict, Verdict | None]:
    """The zeta > 0 paramagnetic points, the run settings, and the ``open`` verdict both
    P1 Eq. (13) judges give when variables or such points are missing (else None)."""
    eq = datasets[DATASET]
    absent = missing_variables(eq, NEEDED)
    if absent:
        return eq, {}, missing_verdict(DATASET, absent)
    para = _paramagnetic(eq)
    convergence = run_settings(eq, RUN_KEYS)
    if para.sizes["zeta"] == 0:
        return (
            para,
            convergence,
            Verdict("open", {}, {DATASET: ["zeta"]}, convergence, "needs a zeta > 0 point"),
        )
    return para, convergence, None


def judge_below_gap(datasets: Mapping[str, xr.Dataset]) -> Verdict:
    """P1 Eq. (13): paramagnetic impurities put the Higgs frequency below 2 Delta_0."""
    para, convergence, undecided = _paramagnetic_points(datasets)
    if undecided is not None:
        return undecided
    ratio = (para["omega_higgs"] / (2 * para["gap"])).values
    value = {"zeta": para["zeta"].values.tolist(), "omega_over_2gap": ratio.tolist()}
    evidence = {DATASET: ["omega_higgs", "gap", "zeta"]}
    below = np.isfinite(ratio) & (ratio < 1)
    note = (
        f"omega_Higgs/(2 Delta_0) = {np.round(ratio, 6).tolist()} at zeta = "
        f"{value['zeta']} (root of Eq. 71 with the exact AG profiles, Eqs. 63/66)."
    )
    verdict = "reproduced" if below.all() else "not_reproduced"
    return Verdict(verdict, value, evidence, convergence, note)


def judge_eq13_formula(datasets: Mapping[str, xr.Dataset]) -> Verdict:
    """P1 Eq. (13) as printed: omega_Higgs = 2 Delta_0 sqrt(1 - zeta_s^2)."""
    para, convergence, undecided = _paramagnetic_points(datasets)
    if undecided is not None:
        return undecided
    omega_d = convergence.get("omega_D", np.inf)
    two_gap = 2 * para["gap"].values
    root = para["omega_higgs"].values / two_gap
    printed = para["omega_higgs_eq13"].values / two_gap
    corrected = para["omega_higgs_corrected"].values / two_gap
    zeta = para["zeta"].values
    cutoff = omega_d / para["gap"].values
    bound = SAFETY * (zeta / 2) ** 2 * np.log(2 * cutoff) / cutoff
    decisive = np.abs(printed - corrected) > 2 * bound
    value = {"zeta": zeta.tolist(), "root_over_2gap": root.tolist(),
             "printed_over_2gap": printed.tolist(), "corrected_over_2gap": corrected.tolist(),
             "cutoff_error_bound": bound.tolist()}  # fmt: skip
    evidence = {DATASET: ["omega_higgs", "omega_higgs_eq13", "omega_higgs_corrected", "gap"]}
    convergence["cutoff_error_bound"] = bound.tolist()
    if not decisive.any():
        return Verdict("open", value, evidence, convergence,
                       "no zeta where the printed Eq. 13 and the Eq. (9)-consistent "
                       "sqrt(1 - zeta^2/4) differ by more than twice the finite-cutoff error "
                       "of the root: needs a larger zeta or omega_D")  # fmt: skip
    matches_printed = np.abs(root - printed)[decisive] <= bound[decisive]
    matches_corrected = np.abs(root - corrected)[decisive] <= bound[decisive]
    detail = "; ".join(
        f"zeta = {z:g}: root {r:.6f}, printed {p:.6f}, sqrt(1 - zeta^2/4) {c:.6f}"
        for z, r, p, c in zip(zeta[decisive], root[decisive], printed[decisive],
                              corrected[decisive], strict=True)
    )  # fmt: skip
    if matches_printed.all():
        return Verdict("reproduced", value, evidence, convergence, detail)
    if matches_corrected.all():
        return Verdict(
            "not_reproduced",
            value,
            evidence,
            convergence,
            "the Eq. 71 root follows 2 Delta_0 sqrt(1 - zeta_s^2/4) (the factor 1/2 "
            f"of Eq. 9 carried through Eqs. 72-75), not the printed formula: {detail}",
        )
    return Verdict(
        "not_reproduced",
        value,
        evidence,
        convergence,
        f"the Eq. 71 root matches neither form within the cutoff bound: {detail}",
    )


CLAIMS = (
    Claim("p1-eq13-below-2gap", "P1", "Eq. 13",
          "Paramagnetic impurities push the Higgs frequency below 2 Delta_0.", (DATASET,),
          judge_below_gap),
    Claim("p1-eq13-formula", "P1", "Eq. 13 (Suppl. Eq. 75)",
          "omega_Higgs = 2 Delta_0 sqrt(1 - zeta_s^2).", (DATASET,), judge_eq13_formula),
)  # fmt: skip
