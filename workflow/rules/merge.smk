# Merge the point files of each merged dataset with its stage's merge_points.
localrules:
    merge,


rule merge:
    input:
        unpack(merge_inputs),
    output:
        "results/{paper}/{dataset}.nc",
    log:
        "logs/{paper}/{dataset}_merge.log",
    benchmark:
        "results/benchmarks/{paper}/{dataset}_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=4000,
    params:
        dataset=lambda wildcards: wildcards.dataset,
        settings=lambda wildcards: canonical(
            stage_protocol.block_of(DATASETS[wildcards.dataset], config)
        ),
    script:
        "../scripts/stage_merge.py"
