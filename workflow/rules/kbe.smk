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
        # from the run's N_t and n_xi with the measured cost model (kbe.stage.resources)
        runtime=lambda wildcards, attempt: kbe_resources(wildcards, attempt)["runtime"],
        mem_mb=lambda wildcards, attempt: kbe_resources(wildcards, attempt)["mem_mb"],
    params:
        package="kbe",
        point=lambda wildcards: kbe_all_jobs()[wildcards.kbe_key],
    script:
        "../scripts/stage_point.py"


drop_benchmark_when_cached(rules.p2_kbe_point)
