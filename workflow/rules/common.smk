# Helpers shared by all rule files (value formatting, target lists, source tracking).
# Nothing here knows physics; it only maps config entries to files and parameter dicts.
from pathlib import Path

import numpy as np

from higgsdyn.cli.stages import p1_equilibrium_point_params

FIGURE_FORMATS = ("pdf", "png")


wildcard_constraints:
    disorder="paramagnetic|nonmagnetic",
    zeta=r"\d+\.\d+",


def fmt_value(value):
    """One file-name spelling per float: shortest round-trip digits, at least three decimals."""
    return np.format_float_positional(float(value), unique=True, min_digits=3, trim="k")


def package_sources(*packages):
    """Library files a rule depends on, so that editing them reruns the rule.

    Snakemake tracks a rule's script but not the modules it imports; declaring the
    package files as inputs makes their modification times part of the rerun decision.
    """
    files = sorted(str(p) for p in Path("src/higgsdyn/io").glob("*.py"))
    for package in packages:
        files += sorted(str(p) for p in Path("src/higgsdyn", package).glob("*.py"))
    return files


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
    return config["p1"]["equilibrium"]


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
    return p1_equilibrium_point_params(
        equilibrium_config(), wildcards.disorder, float(wildcards.zeta)
    )


# ---------------------------------------------------------------- figures


def figure_files(name):
    return [f"results/figures/{name}.{ext}" for ext in FIGURE_FORMATS]


def all_figures():
    return figure_files("p1_equilibrium")
