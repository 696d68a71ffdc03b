# P2 time-dependent BdG of a disordered chain (App. C, Eqs. C1-C3): one job per variant and seed.


rule p2_bdg_point:
    input:
        src=package_sources("bdg", "cli"),
    output:
        "results/p2/bdg_chain/points/{bdg_key}.nc",
    log:
        "logs/p2/bdg_chain/{bdg_key}.log",
    benchmark:
        "results/benchmarks/p2/bdg_chain/{bdg_key}.tsv"
    cache: output_cache_mode()
    conda:
        "../envs/higgsdyn.yaml"
    threads: 1
    resources:
        runtime=60,
        mem_mb=2000,
    params:
        package="bdg",
        point=lambda wildcards: bdg_jobs()[wildcards.bdg_key],
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p2_bdg_point)
