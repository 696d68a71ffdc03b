"""Glue: AG points -> results/p1/equilibrium.nc."""

from higgsdyn.cli.stages import logging_to, p1_equilibrium_merge

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    p1_equilibrium_merge(
        paramagnetic=list(snakemake.input.paramagnetic),  # noqa: F821
        nonmagnetic=list(snakemake.input.nonmagnetic),  # noqa: F821
        settings=dict(snakemake.params.settings),  # noqa: F821
        output=snakemake.output[0],  # noqa: F821
    )
