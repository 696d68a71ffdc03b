# Paper figures: read merged datasets only, compute no physics.


localrules:
    p1_equilibrium_figure,


rule p1_equilibrium_figure:
    input:
        equilibrium="results/p1/equilibrium.nc",
        src=package_sources("figures"),
    output:
        pdf=report(
            "results/figures/p1_equilibrium.pdf",
            caption="../report/p1_equilibrium.rst",
            category="P1",
            subcategory="Equilibrium",
        ),
        png=report(
            "results/figures/p1_equilibrium.png",
            caption="../report/p1_equilibrium.rst",
            category="P1",
            subcategory="Equilibrium",
        ),
    log:
        "logs/figures/p1_equilibrium.log",
    benchmark:
        "results/benchmarks/figures/p1_equilibrium.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=1000,
    params:
        figure="p1_equilibrium",
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/figure.py"
