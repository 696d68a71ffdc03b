"""Verdicts on P2 Fig. 3 and the closing claim from results/p2/bdg_chain.nc and
results/p2/kbe_tightbinding.nc.

Units: J (hopping) for energies, 1/J for times. bdg_chain.nc holds one run per ``variant``
(convention choices; ``baseline`` = the paper's conventions as printed) and disorder
``seed``; kbe_tightbinding.nc the uniform chain's n_s(t)/n_s(0) (Fig. 3b).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import xarray as xr

from higgsdyn.io.claims import Claim, Verdict, missing_variables, missing_verdict, run_settings
from higgsdyn.kbe.claims import gated, resolved, study_evidence
from higgsdyn.kbe.stage import first_negative_time

CHAIN, KB = "bdg_chain", "kbe_tightbinding"
BASELINE = "baseline"
RUN_KEYS = ("n_sites", "dt", "t_max", "n_seeds", "integrator", "store_interval", "slip_hysteresis",
            "proliferation_count", "lambda_i", "lambda_f", "gamma_el")  # fmt: skip
SUMMARIES = ("time_first_slip", "time_proliferation", "slip_count_total", "slip_fraction_late")
# Proliferation in a run: the config's proliferation_count-th slip happened
# (time_proliferation finite). The paper's claim for a set of seeds: in more than half.
SEED_MAJORITY = 0.5
# Slips that keep coming: at least this fraction of a run's slips in its last third
# (1/3 for a constant rate; the paper-convention runs give 0-0.11, a transient burst).
LASTING_FRACTION = 0.2
# Agreement of two times: within this fraction of the KB time at which n_s < 0 (the notes
# compare 26.4/J with slip onsets 26-40/J over seeds; the KB time step is 0.25/J).
TIME_AGREEMENT = 0.2
# A chain that stays phase coherent: |uniform mean Delta| / mean |Delta_i| above this late on.
COHERENT = 0.9
# Shortest chain run that may show no slips and count against the claim (1/J): the
# paper-convention slips of docs/physics_notes.md start at 14-40/J.
MIN_T_MAX = 60.0
# Seeds per variant for a distribution of first-slip times and rates (issue 16: >= 20).
MIN_SEEDS = 20


def _chain_settings(chain: xr.Dataset) -> dict:
    settings = run_settings(chain, RUN_KEYS)
    settings["seeds_run"] = chain["seed"].values.tolist()
    settings["t_max_run"] = float(
        chain["time"].max() if "time" in chain.dims else json.loads(chain.attrs["config"])["t_max"]
    )
    if "seeds_run" in chain:
        settings["seeds_per_variant"] = dict(
            zip(chain["variant"].values.tolist(), chain["seeds_run"].values.tolist(), strict=True)
        )
        settings["enough_seeds"] = bool(chain["seeds_run"].min() >= MIN_SEEDS)  # fmt: skip
    return settings


def _variant_summary(chain: xr.Dataset, variant: str) -> dict:
    run = chain.sel(variant=variant)
    proliferating = np.isfinite(run["time_proliferation"].values)
    lasting = run["slip_fraction_late"].values >= LASTING_FRACTION
    summary = {
        "slips": run["slip_count_total"].values.tolist(),
        "time_first_slip": run["time_first_slip"].values.tolist(),
        "time_proliferation": run["time_proliferation"].values.tolist(),
        "slip_fraction_late": run["slip_fraction_late"].values.tolist(),
        "proliferating_fraction": float(proliferating.mean()),
        "lasting_fraction": float((proliferating & lasting).mean()),
    }
    if "slip_rate" in run:
        summary["slip_rate_last_bin"] = run["slip_rate"].isel(time_bin=-1).values.tolist()
    return summary


def judge_fig3a(datasets: Mapping[str, xr.Dataset]) -> Verdict:
    """P2 Fig. 3(a): after the quench lambda 1.2 -> 2 phase slips form and proliferate."""
    chain = datasets[CHAIN]
    absent = missing_variables(chain, SUMMARIES)
    if absent:
        return missing_verdict(CHAIN, absent, _chain_settings(chain))
    settings = _chain_settings(chain)
    variants = [str(v) for v in chain["variant"].values]
    value = {f"{key}[{v}]": item for v in variants
             for key, item in _variant_summary(chain, v).items()}  # fmt: skip
    evidence = {CHAIN: [*SUMMARIES, "variant", "seed"]}
    if "slip_rate" in chain:
        evidence[CHAIN].append("slip_rate")
    proliferates = [v for v in variants
                    if value[f"proliferating_fraction[{v}]"] > SEED_MAJORITY]  # fmt: skip
    if "slip_regime" in chain:  # the merge's test on the seed-averaged slip rate
        regimes = dict(zip(variants, chain["slip_regime"].values.tolist(), strict=True))
        value.update({f"slip_regime[{v}]": regimes[v] for v in variants})
        evidence[CHAIN] += ["slip_regime", "late_slip_rate", "peak_slip_rate"]
        character = (
            "seed-averaged slip rate: "
            + ", ".join(f"{v} {regime}" for v, regime in regimes.items())
            + " (burst: the late rate falls below a quarter of the peak)."
        )
    else:  # per seed: a run's slips keep coming if LASTING_FRACTION of them fall late
        regimes = {v: "proliferation" if value[f"lasting_fraction[{v}]"] > SEED_MAJORITY
                   else "burst" for v in variants}  # fmt: skip
        character = (f"lasting (>= {LASTING_FRACTION} of the slips in the last third) for "
                     f"{[v for v in variants if regimes[v] == 'proliferation'] or 'no variant'}"
                     "; otherwise a transient burst.")  # fmt: skip
    # proliferation is both: most seeds reach proliferation_count slips, and the slips keep
    # coming (a burst that reaches the count and stops is not proliferation)
    lasting = [v for v in proliferates if regimes[v] == "proliferation"]
    few = {v: n for v, n in settings.get("seeds_per_variant", {}).items() if n < MIN_SEEDS}
    seeds = (
        f" Fewer than {MIN_SEEDS} seeds, rates not converged in the seeds: {few}." if few else ""
    )
    share = f"{value[f'proliferating_fraction[{BASELINE}]']:.0%}"
    if BASELINE in lasting:
        return Verdict("reproduced", value, evidence, settings,
                       f"the paper's conventions ({BASELINE}) proliferate in {share} of the "
                       f"seeds and the slips keep coming; {character}{seeds}")  # fmt: skip
    if BASELINE in proliferates and regimes[BASELINE] == "undecided":
        return Verdict("open", value, evidence, settings,
                       f"{BASELINE} reaches the slip count in {share} of the seeds, but whether "
                       f"the slips keep coming is undecided: needs more seeds or a longer run; "
                       f"{character}{seeds}")  # fmt: skip
    if lasting:
        return Verdict("depends", value, evidence, settings,
                       f"depends on the unstated conventions: slips proliferate lastingly for "
                       f"{lasting}, not for {BASELINE} ({share} of its seeds reach the slip "
                       f"count); {character}{seeds}")  # fmt: skip
    if proliferates:
        return Verdict("not_reproduced", value, evidence, settings,
                       f"slips form in a transient burst ({proliferates} reach the slip count "
                       f"in most seeds) but proliferate lastingly in no variant; "
                       f"{character}{seeds}")  # fmt: skip
    if settings["t_max_run"] < MIN_T_MAX:
        return Verdict("open", value, evidence, settings,
                       f"no proliferation by t = {settings['t_max_run']:g}/J: needs t_max >= "
                       f"{MIN_T_MAX:g}/J")  # fmt: skip
    return Verdict(
        "not_reproduced",
        value,
        evidence,
        settings,
        f"no variant proliferates in most seeds by t = {settings['t_max_run']:g}/J{seeds}",
    )


class _Comparison:
    """What the two judges comparing the chain with the uniform KB chain share: the first
    t >= 0 with n_s < 0 in the KB run, its t_max, both runs' settings, whether n_s is
    converged; ``verdict`` builds a Verdict of one judge's value and evidence, gated by
    that convergence (kbe.claims.gated)."""

    def __init__(self, chain: xr.Dataset, kb: xr.Dataset, value: dict, evidence: dict):
        kb_settings, self.converged = resolved(kb)
        self.t_ns = first_negative_time(kb)
        self.kb_t_max = float(kb["time"].max())
        self.settings = {"bdg_chain": _chain_settings(chain), "kbe_tightbinding": kb_settings}
        self.value = {"time_ns_negative": self.t_ns, **value}
        self.evidence = {**evidence, KB: evidence.get(KB, []) + study_evidence(kb)}

    def verdict(self, verdict: str, note: str, gate: bool = True) -> Verdict:
        if not gate:
            return Verdict(verdict, self.value, self.evidence, self.settings, note)
        return gated(verdict, self.converged, self.value, self.evidence, self.settings, note,
                     self.settings[KB]["study"])  # fmt: skip


def _missing(datasets: Mapping[str, xr.Dataset], needed) -> Verdict | None:
    """``open`` naming what the chain or the KB dataset lacks, or None."""
    absent = missing_variables(datasets[CHAIN], needed)
    if absent or "ns_t" not in datasets[KB]:
        return missing_verdict(CHAIN if absent else KB, absent or ["ns_t"])
    return None


def judge_fig3b(datasets: Mapping[str, xr.Dataset]) -> Verdict:
    """P2 Fig. 3(b): n_s of the uniform chain turns negative when the defects of Fig. 3(a)
    start to proliferate."""
    if missing := _missing(datasets, SUMMARIES):
        return missing
    chain = datasets[CHAIN]
    onsets = chain["time_proliferation"].sel(variant=BASELINE).values
    compare = _Comparison(
        chain,
        datasets[KB],
        {"time_proliferation_baseline": onsets.tolist()},
        {CHAIN: ["time_proliferation[baseline]"], KB: ["ns_t", "time"]},
    )
    t_ns, kb_t_max = compare.t_ns, compare.kb_t_max
    compare.value["kb_t_max"] = kb_t_max
    if not np.isfinite(t_ns):
        if kb_t_max < MIN_T_MAX:
            return compare.verdict("open", f"KB n_s stays positive up to t = {kb_t_max:g}/J: "
                                   f"needs t_max >= {MIN_T_MAX:g}/J", gate=False)  # fmt: skip
        return compare.verdict("not_reproduced", f"KB n_s never turns negative by t = "
                               f"{kb_t_max:g}/J")  # fmt: skip
    found = onsets[np.isfinite(onsets)]
    if found.size == 0:
        if compare.settings["bdg_chain"]["t_max_run"] < max(MIN_T_MAX, (1 + TIME_AGREEMENT) * t_ns):
            return compare.verdict("open", f"n_s < 0 from t = {t_ns:.3g}/J, no proliferation in "
                                   "the chain runs, which are too short to compare",
                                   gate=False)  # fmt: skip
        return compare.verdict(
            "not_reproduced", f"n_s < 0 from t = {t_ns:.3g}/J but no seed proliferates"
        )
    median = float(np.median(found))
    compare.value["median_time_proliferation"] = median
    note = (
        f"n_s < 0 from t = {t_ns:.3g}/J; proliferation (baseline) at {np.round(found, 2)}"
        f" (median {median:.3g}); agreement: within {TIME_AGREEMENT:.0%} of {t_ns:.3g}."
    )
    agree = abs(median - t_ns) <= TIME_AGREEMENT * t_ns
    return compare.verdict("reproduced" if agree else "not_reproduced", note)


def judge_closing(datasets: Mapping[str, xr.Dataset]) -> Verdict:
    """P2 conclusion: a negative n_s makes the homogeneous state unstable and drives spatial
    inhomogeneity (phase slips appear only once n_s < 0, and the chain loses coherence)."""
    if missing := _missing(datasets, [*SUMMARIES, "gap_uniform_abs", "gap_abs_mean"]):
        return missing
    chain = datasets[CHAIN]
    run = chain.sel(variant=BASELINE)
    first = run["time_first_slip"].values
    late = run["time"] >= 2 * float(run["time"].max()) / 3
    coherence = (run["gap_uniform_abs"] / run["gap_abs_mean"]).where(late).mean("time").values
    compare = _Comparison(
        chain,
        datasets[KB],
        {"time_first_slip_baseline": first.tolist(), "late_coherence_baseline": coherence.tolist()},
        {CHAIN: ["time_first_slip[baseline]", "gap_uniform_abs", "gap_abs_mean"],
         KB: ["ns_t", "time"]},
    )  # fmt: skip
    t_ns, kb_t_max = compare.t_ns, compare.kb_t_max
    slipped = first[np.isfinite(first)]
    short = compare.settings["bdg_chain"]["t_max_run"] < MIN_T_MAX or kb_t_max < MIN_T_MAX
    if not np.isfinite(t_ns):
        if slipped.size:
            return compare.verdict(
                "not_reproduced",
                f"slips at {np.round(slipped, 2)} although the uniform n_s stays positive up "
                f"to {kb_t_max:g}/J",
            )
        if short:
            return compare.verdict("open", "neither n_s < 0 nor slips within the runs: needs "
                                   f"t_max >= {MIN_T_MAX:g}/J", gate=False)  # fmt: skip
        return compare.verdict("not_reproduced", "n_s never turns negative; nothing to drive")
    if slipped.size == 0:
        if short or np.all(coherence >= COHERENT):
            return compare.verdict("open", f"n_s < 0 from {t_ns:.3g}/J but no slips in the "
                                   f"chain runs (late coherence {np.round(coherence, 3)}): a "
                                   "longer chain run decides", gate=False)  # fmt: skip
        return compare.verdict(
            "not_reproduced",
            f"after n_s < 0 (from {t_ns:.3g}/J) the chain loses phase coherence (late "
            f"|uniform Delta|/mean|Delta_i| = {np.round(coherence, 3)}) but forms no phase "
            "slips, the topological excitations the paper names",
        )
    note = (
        f"n_s < 0 from {t_ns:.3g}/J; first slips at {np.round(slipped, 2)}; late "
        f"|uniform Delta|/mean|Delta_i| = {np.round(coherence, 3)}."
    )
    if (slipped < (1 - TIME_AGREEMENT) * t_ns).any():
        return compare.verdict("not_reproduced", "inhomogeneity starts before n_s < 0: " + note)
    return compare.verdict(
        "reproduced", f"every seed slips only once n_s < 0 (within {TIME_AGREEMENT:.0%}): " + note
    )


CLAIMS = (
    Claim("p2-fig3a-phase-slips", "P2", "Fig. 3(a)",
          "After the quench lambda 1.2 -> 2 the disordered chain forms phase slips that "
          "proliferate.", (CHAIN,), judge_fig3a),
    Claim("p2-fig3b-ns-negative-at-proliferation", "P2", "Fig. 3(b)",
          "The uniform chain's n_s turns negative when the defects start to proliferate.",
          (CHAIN, KB), judge_fig3b),
    Claim("p2-closing-instability", "P2", "Conclusions",
          "A negative superfluid density makes the homogeneous state unstable and drives "
          "spatial inhomogeneity (an avalanche of topological excitations).", (CHAIN, KB),
          judge_closing),
)  # fmt: skip
