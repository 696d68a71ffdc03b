# P2 Floquet-Usadel analysis (Eqs. 9-10, A1-A6, D1): one job per omega0 / gamma_inel / detuning.


rule p2_floquet_point:
    input:
        src=package_sources("floquet", "cli"),
    output:
        "results/p2/floquet/points/{floquet_key}.nc",
    log:
        "logs/p2/floquet/{floquet_key}.log",
    benchmark:
        "results/benchmarks/p2/floquet/{floquet_key}.tsv"
    cache: output_cache_mode()
    group:
        "p2_floquet_points"
    conda:
        "../envs/higgsdyn.yaml"
    threads: 1
    resources:
        # measured (docs/scaling.md): <= 15 s, <= 0.95 GB per point
        runtime=retry_scaled(5),
        mem_mb=retry_scaled(2000),
    params:
        package="floquet",
        point=lambda wildcards: floquet_jobs()[wildcards.floquet_key],
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p2_floquet_point)
