# Helpers shared by all rule files (value formatting, target lists, source tracking).
# Nothing here knows physics; it only maps config entries to files and parameter dicts.
import re
from dataclasses import asdict
from pathlib import Path

import numpy as np

from higgsdyn.cli.stages import p1_equilibrium_point_params
from higgsdyn.bdg.stage import point_params as bdg_point_params
from higgsdyn.floquet.stage import jobs_from_config, point_key
from higgsdyn.kbe.stage import jobs_from_config as kbe_jobs_from_config
from higgsdyn.kbe.stage import point_key as kbe_point_key
from higgsdyn.kbe.stage import resources as kbe_stage_resources
from higgsdyn.pseudospin.stage import QuenchParams, expand_grids
from higgsdyn.pseudospin.stage import clean_params as quench_clean_params_of

FIGURE_FORMATS = ("pdf", "png")
# Each figure module in src/higgsdyn/figures/ and the merged datasets it reads.
FIGURE_DATASETS = {
    "p1_equilibrium": {"equilibrium": "results/p1/equilibrium.nc"},
    "p1_fig1": {"quench": "results/p1/quench.nc"},
    "p1_fig2": {"quench": "results/p1/quench.nc"},
    "p1_fig3a": {"quench": "results/p1/quench.nc"},
    "p1_fig3b": {"quench": "results/p1/quench.nc"},
    "p1_quench_diagram": {
        "quench": "results/p1/quench.nc",
        "equilibrium": "results/p1/equilibrium.nc",
    },
    "p2_fig2": {"floquet": "results/p2/floquet.nc"},
    "p2_floquet_scaling": {"floquet": "results/p2/floquet.nc"},
    "p2_fig1bc": {"kbe_flatband": "results/p2/kbe_flatband.nc"},
    "p2_fig3b": {"kbe_tightbinding": "results/p2/kbe_tightbinding.nc"},
    "p2_fig3a": {
        "bdg_chain": "results/p2/bdg_chain.nc",
        "kbe_tightbinding": "results/p2/kbe_tightbinding.nc",
    },
}

# File key of a P1 clean run (quench_clean_key): the fields, their types, their pattern.
CLEAN_KEY_FIELDS = {
    "lambda_f": float,
    "lambda_i": float,
    "n_levels": int,
    "step": float,
    "order": int,
    "clean_t_max": float,
}
CLEAN_KEY = r"lf-([\d.]+)_li-([\d.]+)_N(\d+)_h([\d.]+)_o(\d)_tc([\d.]+)"


wildcard_constraints:
    disorder="paramagnetic|nonmagnetic",
    zeta=r"\d+\.\d+",
    quench_key=r"[a-z0-9_]+_zeta-\d+\.\d+_lf-\d+\.\d+",
    clean_key=CLEAN_KEY.replace("(", "").replace(")", ""),
    floquet_key=r"[a-z0-9]+_[a-z0-9]+-\d+\.\d+",
    kbe_key=r"(flat_omegaD-\d+\.\d+|chain)_lf-\d+\.\d+",
    figure="|".join(FIGURE_DATASETS),
    bdg_key=r"[A-Za-z0-9_.]+_seed-\d+",


def fmt_value(value):
    """One file-name spelling per float: shortest round-trip digits, at least three decimals."""
    return np.format_float_positional(float(value), unique=True, min_digits=3, trim="k")


def canonical(value):
    """Dict keys sorted at every level: Snakemake compares params by their text, so the same
    parameters in another key order (e.g. a re-dumped YAML) must not look changed."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def package_sources(*packages):
    """Library files a rule depends on, so that editing them reruns the rule.

    Snakemake tracks a rule's script but not the modules it imports; declaring the
    package files as inputs makes their modification times part of the rerun decision.
    """
    files = sorted(str(p) for p in Path("src/higgsdyn/io").glob("*.py"))
    for package in packages:
        files += sorted(str(p) for p in Path("src/higgsdyn", package).glob("*.py"))
    return files


def retry_scaled(amount):
    """A per-job resource (runtime in minutes, mem_mb) that doubles on each retry, so a job
    killed by the scheduler for exceeding it is resubmitted with more (profile ``retries``).
    """
    return lambda wildcards, attempt: amount * 2 ** (attempt - 1)


def output_cache_mode():
    """``cache:`` of per-point rules: Snakemake's between-workflow cache when enabled in config."""
    return "omit-software" if config["workflow"]["output_cache"] else False


def drop_benchmark_when_cached(rule_proxy):
    """Snakemake refuses benchmark files on rules it caches between workflows, and its
    ``benchmark:`` directive cannot be made conditional. With ``workflow.output_cache`` on,
    remove the benchmark of a cached per-point rule (its timing stays in its log). Uses the
    Rule's private ``_benchmark`` slot (snakemake 9); tests/test_workflow.py guards it.
    """
    if config["workflow"]["output_cache"]:
        rule_proxy.rule._benchmark = None


# ---------------------------------------------------------------- P1 equilibrium


def equilibrium_config():
    return canonical(config["p1"]["equilibrium"])


def equilibrium_zetas(disorder):
    key = {"paramagnetic": "zeta", "nonmagnetic": "zeta_nonmagnetic"}[disorder]
    return equilibrium_config()[key]


def equilibrium_point_files(disorder):
    return [
        f"results/p1/equilibrium/points/{disorder}_zeta-{fmt_value(zeta)}.nc"
        for zeta in equilibrium_zetas(disorder)
    ]


def equilibrium_point_params(wildcards):
    """Parameters of one AG point; the rate comes from the file name."""
    return canonical(
        p1_equilibrium_point_params(
            equilibrium_config(), wildcards.disorder, float(wildcards.zeta)
        )
    )


# ---------------------------------------------------------------- P1 quench


def quench_jobs():
    """File key -> parameters of every quench job (union of the p1.quench grids)."""
    return {
        f"{QuenchParams(**job).label}_zeta-{fmt_value(job['zeta'])}"
        f"_lf-{fmt_value(job['lambda_f'])}": canonical(job)
        for job in expand_grids(config["p1"]["quench"])
    }


def quench_point_files():
    return [f"results/p1/quench/points/{key}.nc" for key in quench_jobs()]


def quench_point_params(wildcards):
    """Parameters of one quench file: its grid entry, or for a point on no grid (e.g.
    ``paramagnetic_zeta-0.250_lf-0.340.nc``, run by naming the file) the shared settings
    with disorder, zeta and lambda_f read from the name."""
    jobs = quench_jobs()
    if wildcards.quench_key in jobs:
        return jobs[wildcards.quench_key]
    label, zeta, lambda_f = re.fullmatch(
        r"(\w+?)_zeta-([\d.]+)_lf-([\d.]+)", wildcards.quench_key
    ).groups()
    if label not in ("paramagnetic", "nonmagnetic"):
        raise ValueError(
            f"quench point {wildcards.quench_key}: variant labels exist only on config grids"
        )
    shared = {k: v for k, v in config["p1"]["quench"].items() if k != "grids"}
    point = QuenchParams(
        **shared, disorder=label, zeta=float(zeta), lambda_f=float(lambda_f)
    )
    return canonical(asdict(point))


def quench_clean_key(clean):
    """File key of a clean run: every setting it depends on (CLEAN_KEY_FIELDS) spelled out."""
    return (
        f"lf-{fmt_value(clean['lambda_f'])}_li-{fmt_value(clean['lambda_i'])}"
        f"_N{clean['n_levels']}_h{fmt_value(clean['step'])}_o{clean['order']}"
        f"_tc{fmt_value(clean['clean_t_max'])}"
    )


def quench_clean_params(wildcards):
    """Parameters of one clean run, read back from its file key."""
    values = re.fullmatch(CLEAN_KEY, wildcards.clean_key).groups()
    return canonical(
        {
            key: kind(value)
            for (key, kind), value in zip(CLEAN_KEY_FIELDS.items(), values, strict=True)
        }
    )


def quench_point_inputs(wildcards):
    """Library sources of a quench point, and the clean run it builds on (if it needs one)."""
    inputs = {"src": package_sources("pseudospin", "analysis", "equilibrium", "cli")}
    clean = quench_clean_params_of(quench_point_params(wildcards))
    if clean is not None:
        inputs["clean"] = f"results/p1/quench/clean/{quench_clean_key(clean)}.nc"
    return inputs


# ---------------------------------------------------------------- P2 Floquet-Usadel


def floquet_jobs():
    """File key -> parameters of every Floquet job (fig. 2 omega0 points, scaling sweeps)."""
    return {
        point_key(job): canonical(job)
        for job in jobs_from_config(config["p2"]["floquet"])
    }


def floquet_point_files():
    return [f"results/p2/floquet/points/{key}.nc" for key in floquet_jobs()]


# ---------------------------------------------------------------- P2 Kadanoff-Baym


def kbe_jobs(dataset):
    """File key -> parameters of the KB jobs merged into ``dataset`` (flatband, tightbinding)."""
    return {
        kbe_point_key(job): canonical(job)
        for job in kbe_jobs_from_config(config["p2"]["kbe"])[dataset]
    }


def kbe_all_jobs():
    return {**kbe_jobs("flatband"), **kbe_jobs("tightbinding")}


def kbe_resources(wildcards, attempt):
    """runtime and mem_mb of one KB job, scaled from its size (doubled on each retry)."""
    return kbe_stage_resources(kbe_all_jobs()[wildcards.kbe_key], attempt)


def kbe_point_files(dataset):
    return [f"results/p2/kbe/points/{key}.nc" for key in kbe_jobs(dataset)]


# ---------------------------------------------------------------- P2 BdG chain


def bdg_jobs():
    """File key -> parameters of every BdG chain job (one per convention variant and seed)."""
    settings = config["p2"]["bdg"]
    return {
        f"{variant}_seed-{seed}": canonical(bdg_point_params(settings, variant, seed))
        for variant in [entry["name"] for entry in settings["variants"]]
        for seed in settings["seeds"]
    }


def bdg_point_files():
    return [f"results/p2/bdg_chain/points/{key}.nc" for key in bdg_jobs()]


# ---------------------------------------------------------------- figures


def figure_inputs(wildcards):
    """Datasets of one figure, plus its module, the shared style and io as sources."""
    figures = Path("src/higgsdyn/figures")
    modules = [
        figures / "__init__.py",
        figures / "style.py",
        figures / f"{wildcards.figure}.py",
    ]
    return {
        **FIGURE_DATASETS[wildcards.figure],
        "src": package_sources() + [str(module) for module in modules],
    }


def all_figures():
    return [
        f"results/figures/{name}.{ext}"
        for name in FIGURE_DATASETS
        for ext in FIGURE_FORMATS
    ]


# ---------------------------------------------------------------- plan summary


def declared_resources(rule_proxy):
    """A rule's fixed request (attempt 1) as a cost model: the same for every job."""
    resources = rule_proxy.rule.resources
    return lambda params: {
        key: resources[key].evaluate(None, attempt=1).value
        for key in ("runtime", "mem_mb")
    }


def plan_jobs():
    """Config section -> (file key -> parameters) of every per-point job of the config."""
    return {
        "p1.equilibrium": {
            f"{disorder}_zeta-{fmt_value(zeta)}": p1_equilibrium_point_params(
                equilibrium_config(), disorder, zeta
            )
            for disorder in ("paramagnetic", "nonmagnetic")
            for zeta in equilibrium_zetas(disorder)
        },
        "p1.quench": quench_jobs(),
        "p2.floquet": floquet_jobs(),
        "p2.kbe": kbe_all_jobs(),
        "p2.bdg": bdg_jobs(),
    }


def plan_resources():
    """Config section -> cost model params -> {runtime, mem_mb} (kbe: its size-based model)."""
    return {
        "p1.equilibrium": declared_resources(rules.p1_equilibrium_point),
        "p1.quench": declared_resources(rules.p1_quench_point),
        "p2.floquet": declared_resources(rules.p2_floquet_point),
        "p2.kbe": kbe_stage_resources,
        "p2.bdg": declared_resources(rules.p2_bdg_point),
    }
