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
        # measured (docs/scaling.md): ~95 s at dt = 0.025 (N = 512, t = 100/J), ~7 min at
        # dt = 0.005; <= 0.3 GB
        runtime=retry_scaled(20),
        mem_mb=retry_scaled(1000),
    params:
        package="bdg",
        point=lambda wildcards: bdg_jobs()[wildcards.bdg_key],
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p2_bdg_point)
