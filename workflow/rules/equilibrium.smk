# P1 Abrikosov-Gor'kov equilibrium (Eqs. 10, 52, 63-66, 71-76): one job per disorder rate.


rule p1_equilibrium_point:
    input:
        src=package_sources("equilibrium", "cli"),
    output:
        "results/p1/equilibrium/points/{disorder}_zeta-{zeta}.nc",
    log:
        "logs/p1/equilibrium/{disorder}_zeta-{zeta}.log",
    benchmark:
        "results/benchmarks/p1/equilibrium/{disorder}_zeta-{zeta}.tsv"
    cache: output_cache_mode()
    group:
        "p1_equilibrium_points"
    conda:
        "../envs/higgsdyn.yaml"
    threads: 1
    resources:
        # measured (docs/scaling.md): <= 2 s, <= 150 MB per point
        runtime=retry_scaled(5),
        mem_mb=retry_scaled(500),
    params:
        point=equilibrium_point_params,
    script:
        "../scripts/p1_equilibrium_point.py"


drop_benchmark_when_cached(rules.p1_equilibrium_point)
