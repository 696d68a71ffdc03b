"""Physics checks on results/p1/quench.nc, run by the ``validate`` target.

Numbers behind the tolerances are in docs/physics_notes.md (P1 quench section).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from higgsdyn.io.validation import Check, below, close

STAGE = "p1_quench"
PAPER_A = 0.39  # P1 Fig. 3(b) caption


def checks(ds: xr.Dataset) -> list[Check]:
    """Oracles for the pseudospin quench stage (P1 Eqs. (9)-(11), (13), Fig. 3b)."""
    para = ds.sel(disorder="paramagnetic")
    clean = ds["max_norm_deviation"].sel(zeta=0.0) if 0.0 in ds["zeta"] else None
    disordered = para.sel(zeta=para["zeta"] > 0)
    frequency_error = np.abs(disordered["steady_frequency"] / disordered["omega_corrected"] - 1)
    smallest = disordered.sel(lambda_f=ds.attrs["figure_lambda_f"]).isel(zeta=0)
    result = [
        close("paramagnetic_frequency_vs_eq9_form", STAGE, float(frequency_error.max()), 0.0,
              1e-2, "P1 Eq. (9) linearised: omega = 2D sqrt(1 - (1/(2 tau_s D))^2) (printed "
              "Eq. 13 lacks the 1/2; 5% off at zeta = 0.3); tolerance: finite late window"),
        close("fig3b_offset_A_smallest_zeta", STAGE, float(smallest["A"]), PAPER_A, 0.05,
              f"P1 Fig. 3(b) caption A ~ 0.39 at zeta = {float(smallest['zeta']):g} "
              "(pairing increased, clean BCS initial state, free-frequency fit)"),
    ]  # fmt: skip
    if clean is not None:
        source = "P1 Eq. (9) without impurities rotates each S_p: |S_p| = 1"
        result.append(below("clean_pseudospin_norm", STAGE, float(clean.max()), 1e-8, source))
    return result
