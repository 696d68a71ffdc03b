# higgsdyn: reproduction pipeline for P1 (Dzero 2024) and P2 (negative superfluid density).
# Thin on purpose: configuration checks, rule files, and the list of final targets.
import sys

from snakemake.utils import min_version

from higgsdyn.io.config import (
    ConfigError,
    check_memory,
    check_workflow_profile,
    memory_limit_mb,
    plan_summary,
    validate_config,
    write_effective_config,
)

min_version("9.19")


configfile: "config/config.yaml"


try:
    check_workflow_profile(sys.argv[1:], workflow.basedir)
    validate_config(config, "workflow/schemas/config.schema.yaml")
except ConfigError as error:
    sys.exit(f"higgsdyn: {error}")  # one line on stderr, exit status 1, before any job


include: "workflow/rules/common.smk"
include: "workflow/rules/points.smk"
include: "workflow/rules/merge.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/validate.smk"


if workflow.is_main_process:
    jobs_by_stage, cost_models = plan_jobs(), plan_resources()
    try:
        check_memory(
            {
                f"{stage} {key}": cost_models[stage](params)["mem_mb"]
                for stage, jobs in jobs_by_stage.items()
                for key, params in jobs.items()
            },
            memory_limit_mb(config),
        )
    except ConfigError as error:
        sys.exit(f"higgsdyn: {error}")
    print(
        "higgsdyn: per-point jobs of this config (effective config: "
        "results/effective_config.yaml; requested, not measured, resources):\n"
        + plan_summary(jobs_by_stage, cost_models),
        file=sys.stderr,
    )


localrules:
    effective_config,


rule effective_config:
    output:
        report(
            "results/effective_config.yaml",
            caption="workflow/report/effective_config.rst",
            category="Run",
        ),
    log:
        "logs/effective_config.log",
    params:
        config=canonical(config),
    run:
        write_effective_config(params.config, output[0])


rule all:
    default_target: True
    input:
        all_figures(),
        rules.validate.output,
        "results/effective_config.yaml",
