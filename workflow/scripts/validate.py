"""Glue: merged datasets -> results/validation.{json,md} and the ledger results/claims.{json,md}."""

from higgsdyn.cli.stages import logging_to, validate

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    validate(
        datasets={name: path for name, path in snakemake.input.items() if name != "src"},  # noqa: F821, E501
        json_output=snakemake.output.json,  # noqa: F821
        table_output=snakemake.output.table,  # noqa: F821
        claims_json=snakemake.output.claims_json,  # noqa: F821
        claims_table=snakemake.output.claims_table,  # noqa: F821
    )
