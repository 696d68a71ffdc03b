"""``higgsdyn`` command: one stage step by hand, outside Snakemake.

higgsdyn jobs quench                       list the point keys a stage runs for the config
higgsdyn point equilibrium paramagnetic_zeta-0.250 --out point.nc
higgsdyn figure p1_equilibrium --input equilibrium=results/p1/equilibrium.nc --out fig.pdf
higgsdyn check results/p1/equilibrium.nc
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import higgsdyn
from higgsdyn.cli import stages
from higgsdyn.io import config as io_config
from higgsdyn.io import convention_problems, read_dataset

ROOT = Path(higgsdyn.__path__[0]).parents[1]  # the checkout (editable install)
DEFAULT_CONFIG = ROOT / "config" / "config.yaml"
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def load_config(overlays: Sequence[str]) -> dict:
    """The project's config/config.yaml with each overlay layered over it in order (as
    snakemake's ``--configfile``), checked as the workflow checks it before any job."""
    config = io_config.load_config([DEFAULT_CONFIG, *overlays])
    io_config.validate_config(config, SCHEMA)
    return config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="higgsdyn", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=higgsdyn.__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    names = ", ".join(stages.stages())

    def with_config(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--configfile",
            action="append",
            default=[],
            help="overlay on the project's config/config.yaml (repeatable, as snakemake's)",
        )

    jobs = commands.add_parser("jobs", help="list the point keys of a stage")
    jobs.add_argument("stage", choices=list(stages.stages()), metavar="stage", help=names)
    with_config(jobs)

    point = commands.add_parser("point", help="run one parameter point of a stage")
    point.add_argument("stage", choices=list(stages.stages()), metavar="stage", help=names)
    point.add_argument("key", help="point key, e.g. paramagnetic_zeta-0.250 (see `jobs`)")
    point.add_argument("--out", help="netCDF file to write (default: the workflow's path)")
    with_config(point)

    figure = commands.add_parser("figure", help="render a paper figure from merged datasets")
    figure.add_argument("name", choices=stages.figure_names(), metavar="name",
                        help=", ".join(stages.figure_names()))  # fmt: skip
    figure.add_argument("--input", action="append", default=[], metavar="DATASET=PATH")
    figure.add_argument("--out", nargs="+", required=True, help="files to write (.pdf, .png)")
    figure.add_argument("--dpi", type=int, default=200)

    check = commands.add_parser("check", help="check .nc files against the dataset conventions")
    check.add_argument("paths", nargs="+")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "jobs":
        block = stages.block_of(args.stage, load_config(args.configfile))
        print("\n".join(stages.stage(args.stage).jobs(block)))
    elif args.command == "point":
        config = load_config(args.configfile)
        params = stages.point_params(args.stage, config, args.key)
        module = stages.stage(args.stage)
        companions = {}
        for name, key in module.companions(params).items():
            path = stages.point_path(args.stage, key)
            if not Path(path).exists():
                raise FileNotFoundError(f"point {args.key} reads {path}: run that point first")
            companions[name] = path
        output = args.out or stages.point_path(args.stage, args.key)
        stages.run_point(args.stage, params, output, companions)
        print(output)
    elif args.command == "figure":
        datasets = dict(item.split("=", 1) for item in args.input)
        stages.render_figure(args.name, datasets, args.out, args.dpi)
    elif args.command == "check":
        failed = False
        for path in args.paths:
            problems = convention_problems(read_dataset(path))
            for problem in problems:
                print(f"{path}: {problem}")
            if not problems:
                print(f"{path}: conforms")
            failed |= bool(problems)
        return int(failed)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; a user's mistake (unknown key, missing file, bad value) is one line on
    stderr and exit status 2, not a traceback."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except (KeyError, ValueError, FileNotFoundError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"higgsdyn {args.command}: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
