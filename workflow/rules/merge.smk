# Merge per-point files into the per-stage datasets that figures and checks read.


localrules:
    p1_equilibrium_merge,


rule p1_equilibrium_merge:
    input:
        paramagnetic=equilibrium_point_files("paramagnetic"),
        nonmagnetic=equilibrium_point_files("nonmagnetic"),
        src=package_sources("equilibrium", "cli"),
    output:
        "results/p1/equilibrium.nc",
    log:
        "logs/p1/equilibrium_merge.log",
    benchmark:
        "results/benchmarks/p1/equilibrium_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=1000,
    params:
        settings=equilibrium_config(),
    script:
        "../scripts/p1_equilibrium_merge.py"


localrules:
    p1_quench_merge,


rule p1_quench_merge:
    input:
        points=quench_point_files(),
        src=package_sources("pseudospin", "analysis", "cli"),
    output:
        "results/p1/quench.nc",
    log:
        "logs/p1/quench_merge.log",
    benchmark:
        "results/benchmarks/p1/quench_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=4000,
    params:
        package="pseudospin",
        settings=canonical(config["p1"]["quench"]),
    script:
        "../scripts/stage_merge.py"


localrules:
    p2_floquet_merge,


rule p2_floquet_merge:
    input:
        points=floquet_point_files(),
        src=package_sources("floquet", "cli"),
    output:
        "results/p2/floquet.nc",
    log:
        "logs/p2/floquet_merge.log",
    benchmark:
        "results/benchmarks/p2/floquet_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=2000,
    params:
        package="floquet",
        settings=canonical(config["p2"]["floquet"]),
    script:
        "../scripts/stage_merge.py"


localrules:
    p2_kbe_flatband_merge,


rule p2_kbe_flatband_merge:
    input:
        points=kbe_point_files("flatband"),
        src=package_sources("kbe", "cli"),
    output:
        "results/p2/kbe_flatband.nc",
    log:
        "logs/p2/kbe_flatband_merge.log",
    benchmark:
        "results/benchmarks/p2/kbe_flatband_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=2000,
    params:
        package="kbe",
        settings=canonical(config["p2"]["kbe"]),
    script:
        "../scripts/stage_merge.py"


localrules:
    p2_kbe_tightbinding_merge,


rule p2_kbe_tightbinding_merge:
    input:
        points=kbe_point_files("tightbinding"),
        src=package_sources("kbe", "cli"),
    output:
        "results/p2/kbe_tightbinding.nc",
    log:
        "logs/p2/kbe_tightbinding_merge.log",
    benchmark:
        "results/benchmarks/p2/kbe_tightbinding_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=2000,
    params:
        package="kbe",
        settings=canonical(config["p2"]["kbe"]),
    script:
        "../scripts/stage_merge.py"


localrules:
    p2_bdg_merge,


rule p2_bdg_merge:
    input:
        points=bdg_point_files(),
        kbe_tightbinding="results/p2/kbe_tightbinding.nc",
        src=package_sources("bdg", "cli"),
    output:
        "results/p2/bdg_chain.nc",
    log:
        "logs/p2/bdg_chain_merge.log",
    benchmark:
        "results/benchmarks/p2/bdg_chain_merge.tsv"
    conda:
        "../envs/higgsdyn.yaml"
    resources:
        runtime=5,
        mem_mb=4000,
    params:
        package="bdg",
        settings=canonical(config["p2"]["bdg"]),
    script:
        "../scripts/stage_merge.py"
