# P2 two-time Kadanoff-Baym quench (Eqs. 4-8, App. B): one job per Fig. 1b omega_D, per
# Fig. 1c lambda_f, and the Fig. 3b chain. Full two-time history: memory ~ N_t^2 N_xi.


rule p2_kbe_point:
    input:
        src=package_sources("kbe", "cli"),
    output:
        "results/p2/kbe/points/{kbe_key}.nc",
    log:
        "logs/p2/kbe/{kbe_key}.log",
    benchmark:
        "results/benchmarks/p2/kbe/{kbe_key}.tsv"
    cache: output_cache_mode()
    conda:
        "../envs/higgsdyn.yaml"
    threads: 1
    resources:
        runtime=120,
        mem_mb=3000,
    params:
        package="kbe",
        point=lambda wildcards: kbe_all_jobs()[wildcards.kbe_key],
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p2_kbe_point)
