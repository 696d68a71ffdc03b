# `snakemake --cores N validate`: every stage's physics checks on the merged datasets.


localrules:
    validate,


rule validate:
    input:
        equilibrium="results/p1/equilibrium.nc",
        quench="results/p1/quench.nc",
        floquet="results/p2/floquet.nc",
        bdg_chain="results/p2/bdg_chain.nc",
        kbe_flatband="results/p2/kbe_flatband.nc",
        kbe_tightbinding="results/p2/kbe_tightbinding.nc",
        src=package_sources("equilibrium", "pseudospin", "floquet", "bdg", "kbe", "cli"),
    output:
        json="results/validation.json",
        table=report(
            "results/validation.md",
            caption="../report/validation.rst",
            category="Validation",
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
