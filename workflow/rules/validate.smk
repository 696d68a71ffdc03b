# `snakemake --cores N validate`: every stage's physics checks on the merged datasets.


localrules:
    validate,


rule validate:
    input:
        **dataset_files(),
        src=stage_protocol.module_sources(
            *[f"higgsdyn.{stage}.checks" for stage in STAGES], "higgsdyn.cli.stages"
        ),
    output:
        json="results/validation.json",
        table="results/validation.md",
    log:
        "logs/validate.log",
    benchmark:
        "results/benchmarks/validate.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=2000,
    script:
        "../scripts/validate.py"
