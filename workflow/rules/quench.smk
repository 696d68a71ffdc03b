# P1 collisionless quench dynamics (Eqs. 9-11; Suppl. Eqs. 39-41, 77-79): one job per
# (disorder label, zeta, lambda_f) point of the p1.quench grids, and one clean run per
# lambda_f (and grid settings) for the steady state Delta_s, theta_p those points share.


rule p1_quench_clean:
    input:
        src=package_sources("pseudospin", "analysis", "equilibrium", "cli"),
    output:
        "results/p1/quench/clean/{clean_key}.nc",
    log:
        "logs/p1/quench/clean/{clean_key}.log",
    benchmark:
        "results/benchmarks/p1/quench_clean/{clean_key}.tsv"
    cache: output_cache_mode()
    group:
        "p1_quench_points"
    conda:
        "../envs/higgsdyn.yaml"
    threads: config["p1"]["quench"]["threads"]
    resources:
        # measured (docs/scaling.md): ~10 s at N = 15024, t = 200/Delta_1
        runtime=retry_scaled(5),
        mem_mb=retry_scaled(1000),
    params:
        package="pseudospin",
        function="run_clean_point",
        point=quench_clean_params,
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p1_quench_clean)


rule p1_quench_point:
    input:
        unpack(quench_point_inputs),
    output:
        "results/p1/quench/points/{quench_key}.nc",
    log:
        "logs/p1/quench/{quench_key}.log",
    benchmark:
        "results/benchmarks/p1/quench/{quench_key}.tsv"
    cache: output_cache_mode()
    group:
        "p1_quench_points"
    conda:
        "../envs/higgsdyn.yaml"
    threads: config["p1"]["quench"]["threads"]
    resources:
        # measured (docs/scaling.md): <= 50 s at N = 15024, t = 400/Delta_1; <= 0.4 GB
        runtime=retry_scaled(5),
        mem_mb=retry_scaled(1000),
    params:
        package="pseudospin",
        point=quench_point_params,
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p1_quench_point)
