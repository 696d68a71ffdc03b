"""Glue: merged datasets -> results/validation.json and results/validation.md."""

from higgsdyn.cli.stages import logging_to, validate

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    validate(
        datasets={name: path for name, path in snakemake.input.items() if name != "src"},  # noqa: F821
        json_output=snakemake.output.json,  # noqa: F821
        table_output=snakemake.output.table,  # noqa: F821
    )
