# Helpers shared by the rule files, mapping the stage registry of the library onto files.
# Nothing here knows physics or any one stage: every stage answers the same protocol
# (higgsdyn.cli.stages, docs/architecture.md "Adding a stage").
import functools

from higgsdyn.cli import stages as stage_protocol
from higgsdyn.io.keys import KEY_PATTERN

FIGURE_FORMATS = ("pdf", "png")
STAGES = stage_protocol.stages()
DATASETS = stage_protocol.dataset_stages()
FIGURES = stage_protocol.figure_names()


wildcard_constraints:
    paper="p1|p2",
    stage="|".join(STAGES),
    dataset="|".join(DATASETS),
    key=KEY_PATTERN,
    figure="|".join(FIGURES),


def canonical(value):
    """Dict keys sorted at every level: Snakemake compares params by their text, so the same
    parameters in another key order (e.g. a re-dumped YAML) must not look changed."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


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


# ---------------------------------------------------------------- parameter points


@functools.cache
def stage_jobs(stage):
    """File key -> parameters of every job of ``stage`` in the config (keys never collide:
    the library refuses two points under one key before any job runs); computed once."""
    block = stage_protocol.block_of(stage, config)
    return {key: canonical(params) for key, params in STAGES[stage].jobs(block).items()}


def point_params(wildcards):
    """Parameters of one point file: its config job, or a point named by hand off the grid."""
    if wildcards.paper != stage_protocol.paper_dir(wildcards.stage):
        raise ValueError(f"stage {wildcards.stage} writes under results/"
                         f"{stage_protocol.paper_dir(wildcards.stage)}/, not {wildcards.paper}/")  # fmt: skip
    jobs = stage_jobs(wildcards.stage)
    if wildcards.key in jobs:
        return jobs[wildcards.key]
    return canonical(
        stage_protocol.point_params(wildcards.stage, config, wildcards.key)
    )


def point_inputs(wildcards):
    """Library sources of a point (edits rerun it) and the points of its stage it reads."""
    stage_module = STAGES[wildcards.stage]
    companions = {
        name: stage_protocol.point_path(wildcards.stage, key)
        for name, key in stage_module.companions(point_params(wildcards)).items()
    }
    sources = stage_protocol.module_sources(
        stage_module.__name__, "higgsdyn.cli.stages"
    )
    return {"src": list(sources), **companions}


def point_resource(name):
    """A resource of one point from its stage's cost model; runtime and mem_mb double on each
    retry, so a job killed by the scheduler for exceeding them is resubmitted with more. The
    runtime is also the point's priority: on a few cores the longest start first.
    """

    def resource(wildcards, attempt):
        value = STAGES[wildcards.stage].resources(point_params(wildcards))[name]
        return value if name == "threads" else value * 2 ** (attempt - 1)

    return resource


# ---------------------------------------------------------------- merged datasets


def merge_inputs(wildcards):
    stage = DATASETS[wildcards.dataset]
    keys = stage_protocol.merged_keys(stage, config)[wildcards.dataset]
    return {
        "points": [stage_protocol.point_path(stage, key) for key in keys],
        "src": list(
            stage_protocol.module_sources(STAGES[stage].__name__, "higgsdyn.cli.stages")
        ),
    }


def dataset_files():
    """Merged dataset name -> its file."""
    return {dataset: stage_protocol.dataset_path(dataset) for dataset in DATASETS}


# ---------------------------------------------------------------- figures


def figure_inputs(wildcards):
    """The merged datasets a figure module declares, and the library files it imports."""
    figure_module = stage_protocol.figure_module(wildcards.figure)
    files = dataset_files()
    return {
        **{dataset: files[dataset] for dataset in figure_module.DATASETS},
        "src": list(stage_protocol.module_sources(figure_module.__name__)),
    }


def all_figures():
    return [
        f"results/figures/{name}.{ext}" for name in FIGURES for ext in FIGURE_FORMATS
    ]


# ---------------------------------------------------------------- plan summary


def plan_jobs():
    """Stage -> (file key -> parameters) of every per-point job of the config."""
    return {stage: stage_jobs(stage) for stage in STAGES}


def plan_resources():
    """Stage -> its cost model, params -> {runtime, mem_mb, threads}."""
    return {stage: module.resources for stage, module in STAGES.items()}
