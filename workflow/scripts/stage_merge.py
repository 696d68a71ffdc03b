"""Glue: the point files of a stage package -> its merged dataset."""

from higgsdyn.cli.stages import logging_to, stage_merge

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    stage_merge(
        snakemake.params.package,  # noqa: F821
        points=list(snakemake.input.points),  # noqa: F821
        settings=dict(snakemake.params.settings),  # noqa: F821
        output=snakemake.output[0],  # noqa: F821
        companions={
            name: path
            for name, path in snakemake.input.items()  # noqa: F821
            if name not in ("points", "src")
        },
    )
