# Paper figures: one job per figure module, reading merged datasets only, computing no physics.
from higgsdyn.io import stored_params


localrules:
    figure,


rule figure:
    input:
        unpack(figure_inputs),
    output:
        pdf=report(
            "results/figures/{figure}.pdf",
            caption="../report/figures.rst",
            category="Figures",
            subcategory="{figure}",
        ),
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figures.rst",
            category="Figures",
            subcategory="{figure}",
        ),
    log:
        "logs/figures/{figure}.log",
    benchmark:
        "results/benchmarks/figures/{figure}.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=2000,
    params:
        figure=lambda wildcards: wildcards.figure,
        dpi=config["figures"]["dpi"],
        # the parameters each merged dataset was computed with, for the report caption
        data=lambda wildcards, input: {
            name: stored_params(input[name])
            for name in stage_protocol.figure_module(wildcards.figure).DATASETS
        },
    script:
        "../scripts/figure.py"
