"""Glue: one point of a stage (params.stage, params.point) -> netCDF.

Named inputs other than ``src`` are the points of the same stage this one reads (the
stage's ``companions``).
"""

import os

# One BLAS and numba thread per declared Snakemake thread, before numpy/numba are imported
# (numba's default is every core, which oversubscribes the machine when jobs run in parallel).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[variable] = str(snakemake.threads)  # noqa: F821 (injected by Snakemake)

from higgsdyn.cli.stages import logging_to, run_point  # noqa: E402

with logging_to(snakemake.log[0]):  # noqa: F821
    run_point(
        snakemake.params.stage,  # noqa: F821
        snakemake.params.point,  # noqa: F821
        snakemake.output[0],  # noqa: F821
        companions={
            name: path
            for name, path in snakemake.input.items()  # noqa: F821
            if name != "src"
        },
    )
