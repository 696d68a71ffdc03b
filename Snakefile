# higgsdyn: reproduction pipeline for P1 (Dzero 2024) and P2 (negative superfluid density).
# Thin on purpose: configuration, validation, rule files, and the list of final targets.
from snakemake.utils import min_version, validate

min_version("9.19")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/points.smk"
include: "workflow/rules/merge.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/validate.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        rules.validate.output,
