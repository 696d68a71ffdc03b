"""Glue: merged datasets -> one paper figure (PDF and PNG)."""

from higgsdyn.cli.stages import logging_to, render_figure

with logging_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    render_figure(
        snakemake.params.figure,  # noqa: F821
        datasets={name: path for name, path in snakemake.input.items() if name != "src"},  # noqa: F821
        outputs=[snakemake.output.pdf, snakemake.output.png],  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
