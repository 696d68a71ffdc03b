"""Physics checks on results/p2/floquet.nc, run by the ``validate`` target.

Exponent tolerances allow the pre-asymptotic drift of finite gamma_inel / detuning sweeps
(docs/physics_notes.md, P2 Floquet section: the default sweeps give -1.014 and -0.533 at
omega0 = 2 Delta); a sign or power error of the paper's scalings fails them.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from higgsdyn.io.validation import Check, below, close

STAGE = "p2_floquet"


def checks(ds: xr.Dataset) -> list[Check]:
    """Oracles for the Floquet-Usadel stage (P2 Eqs. (9)-(10), (A2)-(A6), (D1))."""
    settings = json.loads(ds.attrs["config"])
    gamma = settings["fig2"]["gamma_inel"]
    theta = settings["theta"]
    smallest = int(np.argmin(ds["omega0"].values))
    return [
        below("usadel_first_order_residual", STAGE, float(ds["usadel_residual1"].max()), 1e-8,
              "P2 Eq. A1 solved to first order in theta (relative residual)"),
        close("equilibrium_ns_tanh", STAGE, float(np.abs(ds["ns0"] - 1).max()), 0.0, 2 * gamma,
              "P2: n_s = (m/2) sigma_N Delta tanh(beta Delta/2), Dynes broadening O(gamma)"),
        close("ns1_perturbative_vs_all_orders", STAGE,
              float(ds["ns1"][smallest] / ds["ns1_nonperturbative"][smallest]), 1.0, theta**2,
              "Eqs. A5 vs truncated-Sambe solution, agree to O(theta^2) at the slowest drive"),
        close("ns2_exponent_gamma", STAGE, float(ds["ns2_exponent_gamma"]), -1.0, 0.1,
              "P2 main text: n_s^(2)/n_s^(0) ~ -theta^2/(Delta gamma_inel) at omega0 = 2 Delta"),
        close("n_excited_exponent_gamma", STAGE, float(ds["n_excited_exponent_gamma"]), -0.5,
              0.1, "P2 Eq. D1: N_ex ~ theta^2 nu_0/sqrt(Delta gamma_inel)"),
        close("ns2_exponent_detuning", STAGE, float(ds["ns2_exponent_detuning"]), -1.0, 0.15,
              "P2 main text: gamma_inel -> detuning delta = 2 Delta - omega0"),
        close("n_excited_exponent_detuning", STAGE, float(ds["n_excited_exponent_detuning"]),
              -0.5, 0.15, "P2 Eq. D1 with gamma_inel -> detuning delta"),
        below("ns2_negative_at_resonance", STAGE, float(ds["ns2_gamma"].max()), 0.0,
              "P2: the static correction n_s^(2) at omega0 = 2 Delta is negative"),
    ]  # fmt: skip
