# One job per parameter point of every stage (src/higgsdyn/<package>/stage.py): the stage's
# jobs(config block) names the points, its cost model the resources, its run_point the work.
rule point:
    input:
        unpack(point_inputs),
    output:
        "results/{paper}/{stage}/points/{key}.nc",
    log:
        "logs/{paper}/{stage}/{key}.log",
    benchmark:
        "results/benchmarks/{paper}/{stage}/{key}.tsv"
    cache: output_cache_mode()
    group:
        lambda wildcards: f"{wildcards.stage}_points"
    conda:
        "../envs/higgsdyn.yaml"
    priority: point_resource("runtime")
    threads: point_resource("threads")
    resources:
        runtime=point_resource("runtime"),
        mem_mb=point_resource("mem_mb"),
    params:
        stage=lambda wildcards: wildcards.stage,
        point=point_params,
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.point)
