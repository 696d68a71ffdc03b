# `snakemake --cores N validate`: every stage's physics checks on the merged datasets, and the
# claims ledger (a verdict per headline claim of both papers).


localrules:
    validate,


rule validate:
    input:
        **dataset_files(),
        src=list(
            stage_protocol.module_sources(
                *[f"higgsdyn.{stage}.checks" for stage in STAGES],
                *[f"higgsdyn.{stage}.claims" for stage in STAGES],
                "higgsdyn.cli.stages",
            )
        ),
    output:
        json="results/validation.json",
        table=report(
            "results/validation.md",
            caption="../report/validation.rst",
            category="Verdicts",
        ),
        claims_json="results/claims.json",
        claims_table=report(
            "results/claims.md", caption="../report/claims.rst", category="Verdicts"
        ),
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
