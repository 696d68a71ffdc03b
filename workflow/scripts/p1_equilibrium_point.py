"""Glue: one AG equilibrium point (params.point) -> netCDF."""

from higgsdyn.cli.stages import logging_to, p1_equilibrium_point

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    p1_equilibrium_point(snakemake.params.point, snakemake.output[0])  # noqa: F821
