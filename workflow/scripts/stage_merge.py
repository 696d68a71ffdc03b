"""Glue: the point files of a merged dataset (params.dataset) -> results/<paper>/<dataset>.nc."""

from higgsdyn.cli.stages import logging_to, merge

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    merge(
        snakemake.params.dataset,  # noqa: F821
        points=list(snakemake.input.points),  # noqa: F821
        settings=dict(snakemake.params.settings),  # noqa: F821
        output=snakemake.output[0],  # noqa: F821
    )
