"""The claims ledger (higgsdyn.io.claims) and every judge of the per-package CLAIMS, on small
synthetic merged datasets built to give each verdict a judge can return."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from higgsdyn.bdg import claims as bdg_claims
from higgsdyn.equilibrium import claims as eq_claims
from higgsdyn.floquet import claims as floquet_claims
from higgsdyn.io.claims import (
    RECORD_FIELDS,
    VERDICTS,
    Claim,
    Verdict,
    evaluate,
    run_settings,
    write_ledger,
)
from higgsdyn.kbe import claims as kbe_claims
from higgsdyn.pseudospin import claims as quench_claims

ALL_CLAIMS = (
    eq_claims.CLAIMS
    + quench_claims.CLAIMS
    + kbe_claims.CLAIMS
    + floquet_claims.CLAIMS
    + bdg_claims.CLAIMS
)


def verdict_of(judge, **datasets) -> Verdict:
    result = judge(datasets)
    assert result.verdict in VERDICTS
    json.dumps(evaluate([Claim("x", "P", "F", "c", tuple(datasets), judge)], datasets))
    return result


# ------------------------------------------------------------------ io.claims


def test_issue_claims_are_all_declared_with_unique_ids():
    ids = [claim.id for claim in ALL_CLAIMS]
    assert len(ids) == len(set(ids))
    figures = {(claim.paper, claim.figure.split(" (")[0]) for claim in ALL_CLAIMS}
    for wanted in [("P1", "Eq. 13"), ("P1", "Fig. 2"), ("P1", "Fig. 3(a)"), ("P1", "Fig. 3(b)"),
                   ("P2", "Fig. 1(b)"), ("P2", "Fig. 1(c)"), ("P2", "Fig. 2(c)"),
                   ("P2", "Fig. 3(a)"), ("P2", "Fig. 3(b)"), ("P2", "Conclusions")]:  # fmt: skip
        assert wanted in figures, wanted
    assert {"p1-generic-quench-sign", "p1-smaller-gap-bigger", "p2-eqd1-scaling"} <= set(ids)


def test_missing_datasets_make_every_claim_open_naming_them():
    records = evaluate(ALL_CLAIMS, {})
    assert [r["verdict"] for r in records] == ["open"] * len(ALL_CLAIMS)
    for record, claim in zip(records, ALL_CLAIMS, strict=True):
        assert tuple(record) == RECORD_FIELDS
        assert all(name in record["note"] for name in claim.datasets)


def test_unknown_verdict_is_rejected():
    with pytest.raises(ValueError, match="maybe"):
        Verdict("maybe")


def test_ledger_json_and_markdown(tmp_path):
    def judge(datasets):
        return Verdict("depends", {"x": np.float64(np.nan), "y": np.arange(2)},
                       {"d": ["v"]}, {"dt": 0.1}, "holds for x < 1")  # fmt: skip

    records = evaluate(
        [Claim("c-one", "P1", "Fig. 9", "first", ("d",), judge),
         Claim("c-two", "P2", "Eq. 1", "second", ("absent",), judge)],
        {"d": xr.Dataset()},
    )  # fmt: skip
    write_ledger(records, tmp_path / "claims.json", tmp_path / "claims.md")
    stored = json.loads((tmp_path / "claims.json").read_text())
    assert [tuple(r) for r in stored] == [RECORD_FIELDS] * 2
    assert stored[0]["value"] == {"x": None, "y": [0, 1]}
    assert [r["verdict"] for r in stored] == ["depends", "open"]
    text = (tmp_path / "claims.md").read_text()
    assert "How to read this" in text and "## c-one" in text and "## c-two" in text
    assert "holds for x < 1" in text and "1 depends, 1 open" in text
    with pytest.raises(ValueError, match="record fields"):
        write_ledger([{"id": "x"}], tmp_path / "a.json", tmp_path / "a.md")


def test_run_settings_reads_solver_and_nested_config():
    ds = xr.Dataset(attrs={"solver": "RK4", "config": json.dumps(
        {"a": {"dt": 0.1, "n_xi": 6}, "b": [{"dt": 0.2}], "t_max": 5})})  # fmt: skip
    assert run_settings(ds, ("dt", "t_max")) == {"solver": "RK4", "a.dt": 0.1, "b[0].dt": 0.2,
                                                  "t_max": 5}  # fmt: skip


# ------------------------------------------------------------------ P1 equilibrium


def equilibrium(zeta, root="corrected", gap=0.9, omega_d=20.0):
    """AG equilibrium with the Eq. 71 root on the printed or the corrected Eq. 13 curve."""
    zeta = np.asarray(zeta, dtype=float)
    gaps = gap + 0 * zeta
    printed = 2 * gaps * np.sqrt(1 - zeta**2)
    corrected = 2 * gaps * np.sqrt(1 - zeta**2 / 4)
    omega = {"corrected": corrected, "printed": printed, "above": 2.01 * gaps,
             "between": (printed + corrected) / 2}[root]  # fmt: skip
    ds = xr.Dataset(
        {"gap": ("zeta", gaps), "omega_higgs": ("zeta", omega),
         "omega_higgs_eq13": ("zeta", printed), "omega_higgs_corrected": ("zeta", corrected)},
        coords={"zeta": zeta},
    )  # fmt: skip
    ds.attrs["config"] = json.dumps({"omega_D": omega_d, "n_quadrature": 32})
    return ds.expand_dims(disorder=["paramagnetic"])


def test_eq13_below_gap_verdicts():
    judge = eq_claims.judge_below_gap
    reproduced = verdict_of(judge, equilibrium=equilibrium([0.0, 0.1, 0.3]))
    assert reproduced.verdict == "reproduced"
    assert reproduced.convergence["n_quadrature"] == 32
    assert verdict_of(judge, equilibrium=equilibrium([0.1], "above")).verdict == "not_reproduced"
    assert verdict_of(judge, equilibrium=equilibrium([0.0])).verdict == "open"
    missing = verdict_of(judge, equilibrium=equilibrium([0.1]).drop_vars("omega_higgs"))
    assert missing.verdict == "open" and "omega_higgs" in missing.note


def test_eq13_formula_verdicts():
    judge = eq_claims.judge_eq13_formula
    assert verdict_of(judge, equilibrium=equilibrium([0.1, 0.3])).verdict == "not_reproduced"
    assert verdict_of(judge, equilibrium=equilibrium([0.3], "printed")).verdict == "reproduced"
    between = verdict_of(judge, equilibrium=equilibrium([0.3], "between"))
    assert between.verdict == "not_reproduced" and "neither" in between.note
    # the forms differ by (3/8) zeta^2, the cutoff error bound is zeta^2 ln(2L)/(2L): with
    # L = omega_D/Delta_0 = 5.6 the bound is larger and nothing decides
    assert verdict_of(judge, equilibrium=equilibrium([0.3], omega_d=5.0)).verdict == "open"


# ------------------------------------------------------------------ P1 quench

TIME = np.arange(0.0, 200.0 + 0.25, 0.5)


def persistent(zeta, t):
    return 0.08 * zeta * np.cos(1.9 * t)


def ringing(zeta, t):
    return 0.08 * zeta * np.sqrt(20 / (t + 1)) * np.cos(1.9 * t)


def quench(labels, zetas=(0.1, 0.2), time=TIME, signal=persistent, extra=None, direction=None):
    """Merged quench.nc: ``labels`` maps each disorder label to its signal function (or None
    for ``signal``); ``extra`` maps variable -> f(label, zeta); one lambda_f."""
    labels = {label: fn or signal for label, fn in labels.items()}
    zetas = np.asarray(zetas, dtype=float)
    gap = np.array([[1 - 0.4 * z + labels[label](z, time) for z in zetas] for label in labels])
    amplitude = np.array([[np.std(labels[label](z, time[time > time[-1] / 2])) * np.sqrt(2)
                           for z in zetas] for label in labels])  # fmt: skip
    dims = ("disorder", "zeta", "lambda_f")
    direction = direction or {}
    data = {
        "gap_t": ((*dims, "time"), gap[:, :, None, :]),
        "steady_amplitude": (dims, amplitude[:, :, None]),
        "max_norm_deviation": (dims, 0.01 + 0 * amplitude[:, :, None]),
        "gap_initial_clean": (dims, np.array([[[direction.get(label, 0.95)]] * len(zetas)
                                              for label in labels])),
    }  # fmt: skip
    for name, fn in (extra or {}).items():
        data[name] = (dims, np.array([[[fn(label, z)] for z in zetas] for label in labels]))
    ds = xr.Dataset(data, coords={"disorder": list(labels), "zeta": zetas, "lambda_f": [0.33],
                                  "time": time})  # fmt: skip
    ds.attrs["solver"] = "splitting"
    ds.attrs["config"] = json.dumps({"n_levels": 400, "dt": 0.05, "t_max": float(time[-1])})
    return ds


def test_fig2_persistence_verdicts():
    judge = quench_claims.judge_fig2_persistent
    reproduced = verdict_of(judge, quench=quench({"paramagnetic": None}))
    assert reproduced.verdict == "reproduced"
    assert reproduced.convergence["n_levels"] == 400
    assert abs(reproduced.value["persistence_exponent"][0]) < 0.02
    decaying = verdict_of(judge, quench=quench({"paramagnetic": None}, signal=ringing))
    assert decaying.verdict == "not_reproduced"
    assert decaying.value["persistence_exponent"][0] == pytest.approx(-0.5, abs=0.05)

    def mixed(zeta, t):
        return persistent(zeta, t) if zeta > 0.15 else ringing(zeta, t)

    assert verdict_of(judge, quench=quench({"paramagnetic": mixed})).verdict == "depends"
    short = verdict_of(judge, quench=quench({"paramagnetic": None}, zetas=(0.01,)))
    assert short.verdict == "open" and "needs t_max >= 400" in short.note
    assert verdict_of(judge, quench=quench({"nonmagnetic": None})).verdict == "open"


def test_fig2_amplitude_linear_verdicts():
    judge = quench_claims.judge_fig2_amplitude_linear
    three = (0.05, 0.1, 0.2)
    linear = verdict_of(judge, quench=quench({"paramagnetic": None}, zetas=three))
    assert linear.verdict == "reproduced" and linear.convergence["converged"] is True

    def superlinear_beyond(zeta, t):
        return persistent(zeta, t) * (1 if zeta < 0.15 else 3)

    depends = verdict_of(judge, quench=quench({"paramagnetic": superlinear_beyond}, zetas=three))
    assert depends.verdict == "depends" and "up to zeta = 0.1" in depends.note

    def quadratic(zeta, t):
        return persistent(zeta, t) * zeta * 10

    assert verdict_of(judge, quench=quench({"paramagnetic": quadratic})).verdict == (
        "not_reproduced"
    )
    assert verdict_of(judge, quench=quench({"paramagnetic": None}, zetas=(0.1,))).verdict == "open"
    unsettled = verdict_of(judge, quench=quench({"paramagnetic": ringing}, zetas=three))
    assert unsettled.convergence["converged"] is False and "Not converged" in unsettled.note


def decay(p, err=0.05):
    return {"decay_exponent": lambda label, z: p(z) if callable(p) else p,
            "decay_exponent_err": lambda label, z: err}  # fmt: skip


def test_fig3a_nonmagnetic_decay_verdicts():
    judge = quench_claims.judge_fig3a_nonmagnetic_decay
    missing = verdict_of(judge, quench=quench({"nonmagnetic": None}))
    assert missing.verdict == "open" and "decay_exponent" in missing.note
    labels = {"nonmagnetic": ringing}
    assert verdict_of(judge, quench=quench(labels, extra=decay(0.52))).verdict == "reproduced"
    assert verdict_of(judge, quench=quench(labels, extra=decay(1.0))).verdict == "not_reproduced"
    both = decay(lambda z: 0.5 if z < 0.15 else 1.0)
    assert verdict_of(judge, quench=quench(labels, extra=both)).verdict == "depends"


def fig3b(a_plain=0.39, a_ag=0.66, b=0.011, phi=0.8):
    values = {"A": lambda label, z: a_plain if label == "paramagnetic" else a_ag,
              "B": lambda label, z: b, "phi": lambda label, z: phi,
              "omega_fit": lambda label, z: 1.9}  # fmt: skip
    for name in ("A", "B", "phi"):
        values[f"{name}_fixed"] = values[name]
    return values


def test_fig3b_parameter_verdicts():
    judge = quench_claims.judge_fig3b_parameters
    labels = {"paramagnetic": None}
    fixed_only = quench(labels, extra={"A": lambda label, z: 0.41})
    missing = verdict_of(judge, quench=fixed_only)
    assert missing.verdict == "open" and "omega_fit" in missing.note
    assert missing.value["A_fixed_frequency"] == [0.41, 0.41]
    reproduced = verdict_of(judge, quench=quench(labels, extra=fig3b()))
    assert reproduced.verdict == "reproduced" and reproduced.convergence["converged"] is True
    unsettled = verdict_of(judge, quench=quench({"paramagnetic": ringing}, extra=fig3b()))
    assert unsettled.convergence["converged"] is False and "Not converged" in unsettled.note
    assert verdict_of(judge, quench=quench(labels, extra=fig3b(b=0.1))).verdict == (
        "not_reproduced"
    )
    assert verdict_of(judge, quench=quench(labels, extra=fig3b(phi=-2.0))).verdict == (
        "not_reproduced"
    )
    with_ag = quench({"paramagnetic": None, "paramagnetic_ag_initial": None}, extra=fig3b())
    depends = verdict_of(judge, quench=with_ag)
    assert depends.verdict == "depends" and "'paramagnetic zeta = 0.1'" in depends.note


def test_generic_in_the_sign_of_the_quench_verdicts():
    judge = quench_claims.judge_generic_in_sign
    both = {"paramagnetic": None, "paramagnetic_decreased": None}
    opposite = {"paramagnetic": 0.95, "paramagnetic_decreased": 1.05}
    assert verdict_of(judge, quench=quench({"paramagnetic": None})).verdict == "open"
    assert verdict_of(judge, quench=quench(both, direction=opposite)).verdict == "reproduced"
    same = verdict_of(judge, quench=quench(both))
    assert same.verdict == "open" and "same direction" in same.note
    one_decays = {"paramagnetic": None, "paramagnetic_decreased": ringing}
    assert verdict_of(judge, quench=quench(one_decays, direction=opposite)).verdict == (
        "not_reproduced"
    )


def test_quench_origin_verdicts():
    judge = quench_claims.judge_quench_origin
    assert verdict_of(judge, quench=quench({"paramagnetic": None})).verdict == "open"

    def tiny(zeta, t):
        return persistent(zeta, t) * 0.01

    quiet = quench({"paramagnetic": None, "paramagnetic_noquench": tiny})
    assert verdict_of(judge, quench=quiet).verdict == "reproduced"
    loud = quench({"paramagnetic": None, "paramagnetic_noquench": None})
    assert verdict_of(judge, quench=loud).verdict == "not_reproduced"


def test_smaller_gap_bigger_verdicts():
    judge = quench_claims.judge_smaller_gap_bigger
    assert verdict_of(judge, quench=quench({"paramagnetic": None})).verdict == "reproduced"

    def flat(zeta, t):
        return 0.01 * np.cos(1.9 * t)

    assert verdict_of(judge, quench=quench({"paramagnetic": flat})).verdict == "not_reproduced"
    single = quench({"paramagnetic": None}, zetas=(0.1,))
    assert verdict_of(judge, quench=single).verdict == "open"


# ------------------------------------------------------------------ P2 Floquet


def floquet(ns2_all=-0.5, ns2=-0.98, omega0=(0.15, 1.0, 2.0), exponents=None, slope=-0.3):
    exponents = {**{name: paper for name, (paper, _) in floquet_claims.EXPONENTS.items()},
                 **(exponents or {})}  # fmt: skip
    n = len(omega0)
    data = {
        "ns0": ("omega0", np.full(n, 1.0)),
        "ns2": ("omega0", np.linspace(0, ns2, n)),
        "ns2_nonperturbative": ("omega0", np.linspace(0, ns2_all, n)),
        "ns1_log_slope_gamma": ((), slope),
        "ns1_log_slope_gamma_error": ((), 0.002),
        "n_excited_gamma": ("gamma_inel", [4.0, 2.0]),
        "n_excited_rwa_gamma": ("gamma_inel", [1.0, 0.5]),
    }
    for name, fitted in exponents.items():
        data[name], data[f"{name}_error"] = ((), fitted), ((), 0.004)
    ds = xr.Dataset(data, coords={"omega0": list(omega0), "gamma_inel": [0.01, 0.02]})
    ds.attrs.update(theta="0.2", config=json.dumps({"theta": 0.2, "numerics": {"n_uniform": 201}}))
    return ds


def test_fig2_negative_ns_verdicts():
    judge = floquet_claims.judge_fig2_negative
    depends = verdict_of(judge, floquet=floquet())
    assert depends.verdict == "depends" and "no theta sweep" in depends.note
    assert depends.value["ns_all_orders"] == pytest.approx(0.5)
    assert verdict_of(judge, floquet=floquet(ns2_all=-1.5)).verdict == "reproduced"
    assert verdict_of(judge, floquet=floquet(ns2=0.1)).verdict == "not_reproduced"
    assert verdict_of(judge, floquet=floquet(omega0=(0.15, 1.0))).verdict == "open"
    swept = floquet()
    shifts = np.array([[-0.1, -0.2, -1.2], [0.0, -0.1, -0.5]]).T  # (omega0, theta)
    swept["ns2_nonperturbative"] = (("omega0", "theta"), shifts)
    swept = swept.assign_coords(theta=[0.4, 0.2])
    ranged = verdict_of(judge, floquet=swept)
    assert ranged.value["theta_negative_all_orders"] == [0.4]


def test_eq_d1_scaling_verdicts():
    judge = floquet_claims.judge_eq_d1_scaling
    reproduced = verdict_of(judge, floquet=floquet())
    assert reproduced.verdict == "reproduced"
    assert reproduced.value["printed_over_rwa_prefactor"] == pytest.approx(4.0)
    off = floquet(exponents={"n_excited_exponent_gamma": -0.7})
    assert verdict_of(judge, floquet=off).verdict == "not_reproduced"
    absent = floquet().drop_vars("ns2_exponent_detuning")
    assert verdict_of(judge, floquet=absent).verdict == "open"


def test_ns1_vanishing_verdicts():
    judge = floquet_claims.judge_ns1_vanishes
    assert verdict_of(judge, floquet=floquet()).verdict == "not_reproduced"
    assert verdict_of(judge, floquet=floquet(slope=0.001)).verdict == "open"


# ------------------------------------------------------------------ P2 KB


def with_study(ds: xr.Dataset, change: float = 0.0, settings=("n_xi", "dt")) -> xr.Dataset:
    """``ds`` with the stage's resolution study: ns_t_refined = ns_t + ``change`` for one
    refinement of each of ``settings``."""
    refined = xr.concat([ds["ns_t"] + change] * len(settings), dim="refinement")
    labels = [f"{name}=1" for name in settings]
    ds["ns_t_refined"] = refined.assign_coords(
        refinement=labels, refined_setting=("refinement", list(settings))
    )
    return ds


def kbe_flatband(minima, t_max=100.0, gaps=None, study=(0.0,)):
    """Flat-band runs ``minima``: {(omega_D, lambda_f): min n_s}; n_s(t) dips to its minimum
    at t_max/2. ``study``: change of n_s under refinement (None: no study in the dataset)."""
    time = np.arange(-2.0, t_max + 0.25, 0.5)
    omega_d = sorted({key[0] for key in minima})
    lambda_f = sorted({key[1] for key in minima})
    shape = (len(omega_d), len(lambda_f), time.size)
    ns, gap = np.full(shape, np.nan), np.full(shape, np.nan)
    for (w, lf), low in minima.items():
        i, j = omega_d.index(w), lambda_f.index(lf)
        ns[i, j] = 1 - (1 - low) * np.exp(-(((time - t_max / 2) / (t_max / 8)) ** 2))
        gap[i, j] = (gaps or {}).get((w, lf), 0.2)
    dims = ("omega_D", "lambda_f", "time")
    coords = {"omega_D": omega_d, "lambda_f": lambda_f, "time": time}
    ds = xr.Dataset({"ns_t": (dims, ns), "gap_t": (dims, gap)}, coords=coords)
    if study is not None:
        ds = with_study(ds, study[0])
    ds.attrs["config"] = json.dumps({"flatband": {"numerics": {"dt": 0.25, "n_xi": 16}}})
    return ds


def test_fig1b_verdicts():
    judge = kbe_claims.judge_fig1b
    reproduced = verdict_of(judge, kbe_flatband=kbe_flatband({(0.04, 0.45): -0.3,
                                                               (0.6, 0.45): 0.9}))  # fmt: skip
    assert reproduced.verdict == "reproduced" and reproduced.convergence["converged"] is True
    assert reproduced.value["min_ns"][0] == pytest.approx(-0.3, abs=1e-3)
    two_above = {(0.04, 0.45): -0.3, (0.16, 0.45): 0.5}
    assert verdict_of(judge, kbe_flatband=kbe_flatband(two_above)).verdict == "depends"
    positive = {(0.04, 0.45): 0.45, (0.6, 0.45): 0.9}
    assert verdict_of(judge, kbe_flatband=kbe_flatband(positive)).verdict == "not_reproduced"
    short = verdict_of(judge, kbe_flatband=kbe_flatband(positive, t_max=10.0))
    assert short.verdict == "open" and "needs t_max >= 60" in short.note
    small_gap = kbe_flatband(positive, gaps={(0.04, 0.45): 0.01, (0.6, 0.45): 0.01})
    assert verdict_of(judge, kbe_flatband=small_gap).verdict == "open"
    unstudied = verdict_of(judge, kbe_flatband=kbe_flatband({(0.04, 0.45): -0.3}, study=None))
    assert unstudied.verdict == "open" and "unconverged outcome 'reproduced'" in unstudied.note
    moving = verdict_of(judge, kbe_flatband=kbe_flatband({(0.04, 0.45): -0.3}, study=(0.2,)))
    assert moving.verdict == "open" and moving.convergence["converged"] is False
    assert "above 0.05" in moving.note
    n_xi_only = with_study(kbe_flatband({(0.04, 0.45): -0.3}, study=None), settings=("n_xi",))
    partial = verdict_of(judge, kbe_flatband=n_xi_only)
    assert partial.verdict == "open" and "dt not refined" in partial.note


def kbe_scan(min_ns: dict, gap=0.2, group="lambda_ph", block="scan"):
    """kbe_scan.nc summaries: {(lambda_ph, omega_D): min n_s}, late gap ``gap`` everywhere
    (``group``, ``block``: the first axis and config block of another scan over omega_D)."""
    values = sorted({key[0] for key in min_ns})
    omega_d = sorted({key[1] for key in min_ns})
    grid = np.array([[min_ns[(x, w)] for w in omega_d] for x in values])
    dims = (group, "omega_D")
    ds = xr.Dataset(
        {"min_ns": (dims, grid), "gap_late": (dims, np.full(grid.shape, gap))},
        coords={group: values, "omega_D": omega_d, "time": np.arange(0.0, 80.5, 0.5)},
    )
    ds.attrs["config"] = json.dumps({block: {"n_xi": 8}})
    return ds


def test_fig1b_scan_over_the_bath_turns_a_verdict_into_depends():
    """The scan over lambda_el-ph (2 Delta = 0.4 E_F here): the claim holds for lambda_ph = 1
    (negative wherever omega_D < 2 Delta) and fails for 0.1; a converged verdict of the runs
    becomes 'depends on lambda_el-ph'; an unconverged one stays open with the scan noted."""
    judge = kbe_claims.judge_fig1b
    runs = kbe_flatband({(0.04, 0.45): 0.45, (0.6, 0.45): 0.9})
    split = kbe_scan({(0.1, 0.1): 0.5, (0.1, 0.6): 0.9, (1.0, 0.1): -0.2, (1.0, 0.6): 0.8})
    depends = verdict_of(judge, kbe_flatband=runs, kbe_scan=split)
    assert depends.verdict == "depends" and "lambda_ph = [1.0], not for [0.1]" in depends.note
    assert depends.value["scan_min_ns"] == [[0.5, 0.9], [-0.2, 0.8]]
    assert "kbe_scan" in depends.evidence
    uniform = kbe_scan({(0.1, 0.1): 0.5, (1.0, 0.1): 0.4})
    kept = verdict_of(judge, kbe_flatband=runs, kbe_scan=uniform)
    assert kept.verdict == "not_reproduced" and "holds for lambda_ph = none" in kept.note
    unstudied = kbe_flatband({(0.04, 0.45): 0.45, (0.6, 0.45): 0.9}, study=None)
    still_open = verdict_of(judge, kbe_flatband=unstudied, kbe_scan=split)
    assert still_open.verdict == "open" and "Scan over lambda_ph" in still_open.note


def test_fig1b_temperature_scan_adds_its_own_dependence():
    """The scan over T (kbe_scan_temperature) is judged like the bath scan and after it: with
    the bath scan uniform, a T scan where the claim holds at T = 0.0025 only makes the
    converged verdict 'depends on temperature'; each scan's values keep their own keys."""
    judge = kbe_claims.judge_fig1b
    runs = kbe_flatband({(0.04, 0.45): 0.45, (0.6, 0.45): 0.9})
    bath = kbe_scan({(0.1, 0.1): 0.5, (1.0, 0.1): 0.4})
    temperature = kbe_scan({(0.0025, 0.1): -0.1, (0.01, 0.1): 0.3}, group="temperature",
                           block="scan_temperature")  # fmt: skip
    verdict = verdict_of(judge, kbe_flatband=runs, kbe_scan=bath, kbe_scan_temperature=temperature)
    assert verdict.verdict == "depends"
    assert "temperature = [0.0025], not for [0.01]" in verdict.note
    assert "Scan over lambda_ph" in verdict.note and "Scan over temperature" in verdict.note
    assert verdict.value["scan_min_ns"] == [[0.5], [0.4]]
    assert verdict.value["scantemp_min_ns"] == [[-0.1], [0.3]]
    assert {"kbe_scan", "kbe_scan_temperature"} <= set(verdict.evidence)


def test_convergence_ignores_the_post_quench_transient_but_not_a_sign_flip():
    """kbe.claims.resolved: a refinement that differs by 0.2 only before TRANSIENT (the BDF-6
    transient after the quench) is converged; one that moves min n_s from -0.01 to +0.01
    (a change of 0.02, within NS_CONVERGENCE) is not, because the sign decides the claims."""
    early = kbe_flatband({(0.04, 0.45): -0.3}, study=None)
    bump = 0.2 * ((early["time"] >= 0) & (early["time"] < kbe_claims.TRANSIENT))
    early = with_study(early)
    early["ns_t_refined"] = early["ns_t_refined"] + bump
    assert kbe_claims.resolved(early)[1] is True
    grazing = kbe_flatband({(0.04, 0.45): -0.01}, study=None)
    flipped = with_study(grazing, change=0.02)
    settings, converged = kbe_claims.resolved(flipped)
    assert converged is False and "flips in 2 refined run" in settings["study"]


def test_convergence_reads_n_s_up_to_its_first_sign_change():
    """kbe.claims.resolved judges the window the verdicts read: a refinement that differs by
    0.15 only after n_s has turned negative (the uniform chain's late phase error at dt/2,
    docs/physics_notes.md) leaves Fig. 3b reproduced, not open (it was open with the
    whole-window criterion); the same difference before the sign change does not."""
    kb = kb_chain(26.0)
    late = 0.15 * np.sin(kb["time"]) * (kb["time"] > 40.0)
    kb["ns_t_refined"] = kb["ns_t_refined"] + late
    assert kbe_claims.resolved(kb)[1] is True
    slips = chain([26.4, 27.0], [26.8, 28.0])
    verdict = verdict_of(bdg_claims.judge_fig3b, bdg_chain=slips, kbe_tightbinding=kb)
    assert verdict.verdict == "reproduced"
    early = kb_chain(26.0)
    early["ns_t_refined"] = early["ns_t_refined"] + 0.15 * ((early["time"] > 10.0)
                                                            & (early["time"] < 20.0))  # fmt: skip
    settings, converged = kbe_claims.resolved(early)
    assert converged is False and "above 0.05" in settings["study"]


def test_convergence_fails_when_the_first_sign_change_moves():
    """An oscillating n_s whose first trough grazes zero (-0.02) and whose refinement misses
    it (+0.03, within NS_CONVERGENCE) first turns negative one period later: the sign change
    moved by far more than FIRST_NEGATIVE_SHIFT, so the verdict stays open (the Fig. 1c
    pattern of troughs around zero)."""
    time = np.arange(-2.0, 120.25, 0.25)
    trough = 0.5 - 0.52 * np.sin(2 * np.pi * np.clip(time, 0, None) / 40.0) ** 2
    deeper = trough - 0.1 * (time > 60.0)  # the second trough is clearly negative
    ds = xr.Dataset({"ns_t": ("time", deeper)}, coords={"time": time})
    ds = with_study(ds, change=0.03)
    settings, converged = kbe_claims.resolved(ds)
    assert converged is False
    assert settings["first_negative_shift"] > 0.5 and "above 5%" in settings["study"]
    assert max(settings["ns_change_by_refinement"].values()) == pytest.approx(0.03)


def test_each_claim_is_judged_converged_on_its_own_runs():
    """An unconverged clean phonon run (Fig. 1b) leaves Fig. 1b open but not Fig. 1c, whose
    disordered runs (omega_D = 0) are converged (the 2026-12-07 study: n_xi 16 -> 24 moves the
    clean omega_D = 0.04 run by 0.07 and the disordered runs by < 0.001)."""
    runs = kbe_flatband({(0.0, 0.4): 0.6, (0.0, 0.5): -0.4, (0.04, 0.45): -0.3}, study=None)
    runs = with_study(runs)
    clean_moves = (runs["omega_D"] > 0) & (runs["time"] >= kbe_claims.TRANSIENT)
    runs["ns_t_refined"] = runs["ns_t_refined"] + 0.2 * clean_moves
    assert verdict_of(kbe_claims.judge_fig1c, kbe_flatband=runs).verdict == "reproduced"
    fig1b = verdict_of(kbe_claims.judge_fig1b, kbe_flatband=runs)
    assert fig1b.verdict == "open" and "above 0.05" in fig1b.note


def test_fig1c_scan_over_the_disorder_strength():
    """The Fig. 1c claim per 1/tau_el of the scan: n_s < 0 at the largest lambda_f. Negative
    for 0.1 but not 0.4 turns the converged verdict of the runs into 'depends on gamma_el'."""
    runs = kbe_flatband({(0.0, 0.4): 0.6, (0.0, 0.5): -0.4})
    grid = {(0.4, 0.1): 0.5, (0.55, 0.1): -0.3, (0.4, 0.4): 0.7, (0.55, 0.4): 0.2}
    scan = kbe_scan(grid).rename(lambda_ph="lambda_f", omega_D="gamma_el")
    # the stage block holds both scans: the note reports this scan's own n_xi
    scan.attrs["config"] = json.dumps({"scan": {"n_xi": 16}, "scan_disorder": {"n_xi": 8}})
    verdict = verdict_of(kbe_claims.judge_fig1c, kbe_flatband=runs, kbe_scan_disorder=scan)
    assert verdict.verdict == "depends"
    assert "gamma_el = [0.1], not for [0.4]" in verdict.note and "n_xi = 8" in verdict.note
    assert "kbe_scan_disorder" in verdict.evidence


def test_fig1c_verdicts():
    judge = kbe_claims.judge_fig1c
    runs = {(0.0, 0.4): 0.6, (0.0, 0.45): 0.2, (0.0, 0.5): -0.4}
    assert verdict_of(judge, kbe_flatband=kbe_flatband(runs)).verdict == "reproduced"
    positive = {(0.0, 0.4): 0.6, (0.0, 0.5): 0.2}
    assert verdict_of(judge, kbe_flatband=kbe_flatband(positive)).verdict == "not_reproduced"
    short = kbe_flatband(positive, t_max=10.0)
    assert verdict_of(judge, kbe_flatband=short).verdict == "open"
    phonons_only = kbe_flatband({(0.04, 0.45): -0.3})
    assert verdict_of(judge, kbe_flatband=phonons_only).verdict == "open"


# ------------------------------------------------------------------ P2 BdG chain + KB chain


def chain(first, proliferation, late=0.05, t_max=100.0, coherence=0.95, variants=None):
    """bdg_chain.nc summaries for two seeds of ``baseline`` (and ``variants``: {name:
    (first, proliferation)})."""
    runs = {"baseline": (first, proliferation), **(variants or {})}
    time = np.arange(0.0, t_max + 0.25, 0.5)
    dims = ("variant", "seed")
    first_t = np.array([runs[v][0] for v in runs], dtype=float)
    prolif_t = np.array([runs[v][1] for v in runs], dtype=float)
    shape = (len(runs), 2, time.size)
    ds = xr.Dataset(
        {"time_first_slip": (dims, first_t), "time_proliferation": (dims, prolif_t),
         "slip_count_total": (dims, np.where(np.isfinite(prolif_t), 10, 0)),
         "slip_fraction_late": (dims, np.where(np.isfinite(prolif_t), late, np.nan)),
         "gap_uniform_abs": ((*dims, "time"), np.full(shape, coherence)),
         "gap_abs_mean": ((*dims, "time"), np.ones(shape))},
        coords={"variant": list(runs), "seed": [1, 2], "time": time},
    )  # fmt: skip
    ds.attrs["config"] = json.dumps({"n_sites": 32, "dt": 0.025, "seeds": [1, 2]})
    return ds


def kb_chain(negative_at=26.0, t_max=100.0, study=True):
    time = np.arange(-2.0, t_max + 0.125, 0.25)
    ns = 1.0 - (time > 0) * time / negative_at if np.isfinite(negative_at) else 1.0 + 0 * time
    ds = xr.Dataset({"ns_t": ("time", ns)}, coords={"time": ("time", time, {"units": "1/J_hop"})})
    return with_study(ds) if study else ds


def test_fig3a_phase_slip_verdicts():
    """Proliferation needs both: most seeds reach the slip count, and the slips keep coming;
    a burst that reaches the count and stops is not proliferation."""
    judge = bdg_claims.judge_fig3a
    reached = ([26.4, 39.9], [26.8, 40.0])
    lasting = verdict_of(judge, bdg_chain=chain(*reached, late=0.32))
    assert lasting.verdict == "reproduced" and "keep coming" in lasting.note
    burst = verdict_of(judge, bdg_chain=chain(*reached, late=0.05))
    assert burst.verdict == "not_reproduced" and "transient burst" in burst.note
    attractive = {"attractive": ([2.6, 4.1], [2.8, 4.7])}
    mixed = chain(*reached, late=0.05, variants=attractive)
    mixed["slip_fraction_late"].loc[{"variant": "attractive"}] = 0.32
    depends = verdict_of(judge, bdg_chain=mixed)
    assert depends.verdict == "depends" and "['attractive']" in depends.note
    none = [np.nan, np.nan]
    only_other = verdict_of(judge, bdg_chain=chain(none, none, variants=attractive, late=0.32))
    assert only_other.verdict == "depends"
    assert verdict_of(judge, bdg_chain=chain(none, none)).verdict == "not_reproduced"
    assert verdict_of(judge, bdg_chain=chain(none, none, t_max=10.0)).verdict == "open"


def test_fig3a_seed_averaged_rate_decides_over_per_seed_counts():
    """With the merge's seed-averaged regime the judge follows it: a burst by the rate test
    is not proliferation even where every seed's late fraction is large; undecided is open."""
    judge = bdg_claims.judge_fig3a
    runs = chain([26.4, 39.9], [26.8, 40.0], late=0.32)
    for regime, expected in [("burst", "not_reproduced"), ("undecided", "open"),
                             ("proliferation", "reproduced")]:  # fmt: skip
        runs["slip_regime"] = ("variant", [regime])
        assert verdict_of(judge, bdg_chain=runs).verdict == expected, regime


def test_fig3a_says_when_seeds_are_too_few():
    runs = chain([26.4, 39.9], [26.8, 40.0], late=0.32)
    runs["seeds_run"] = ("variant", [2])
    note = verdict_of(bdg_claims.judge_fig3a, bdg_chain=runs).note
    assert f"Fewer than {bdg_claims.MIN_SEEDS} seeds" in note


def test_fig3b_time_agreement_verdicts():
    judge = bdg_claims.judge_fig3b
    slips = chain([26.4, 27.0], [26.8, 28.0])
    agree = verdict_of(judge, bdg_chain=slips, kbe_tightbinding=kb_chain(26.0))
    assert agree.verdict == "reproduced"
    assert agree.value["time_ns_negative"] == pytest.approx(26.0, abs=0.3)
    late = chain([55.0, 58.0], [56.0, 60.0])
    assert verdict_of(judge, bdg_chain=late, kbe_tightbinding=kb_chain(26.0)).verdict == (
        "not_reproduced"
    )
    never = kb_chain(np.nan, t_max=10.0)
    assert verdict_of(judge, bdg_chain=slips, kbe_tightbinding=never).verdict == "open"
    unstudied = verdict_of(judge, bdg_chain=slips, kbe_tightbinding=kb_chain(26.0, study=False))
    assert unstudied.verdict == "open" and "no convergence study" in unstudied.note


def test_closing_claim_verdicts():
    judge = bdg_claims.judge_closing
    after = chain([26.4, 30.0], [26.8, 31.0])
    assert verdict_of(judge, bdg_chain=after, kbe_tightbinding=kb_chain(26.0)).verdict == (
        "reproduced"
    )
    before = chain([5.0, 30.0], [6.0, 31.0])
    assert verdict_of(judge, bdg_chain=before, kbe_tightbinding=kb_chain(26.0)).verdict == (
        "not_reproduced"
    )
    none = [np.nan, np.nan]
    incoherent = chain(none, none, coherence=0.3)
    no_slips = verdict_of(judge, bdg_chain=incoherent, kbe_tightbinding=kb_chain(26.0))
    assert no_slips.verdict == "not_reproduced" and "no phase" in no_slips.note
    coherent = chain(none, none, coherence=0.95)
    assert verdict_of(judge, bdg_chain=coherent, kbe_tightbinding=kb_chain(26.0)).verdict == (
        "open"
    )
    short = chain(none, none, t_max=10.0)
    assert verdict_of(judge, bdg_chain=short,
                      kbe_tightbinding=kb_chain(np.nan, t_max=10.0)).verdict == "open"  # fmt: skip
