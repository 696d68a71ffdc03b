"""``higgsdyn`` command: run one stage step by hand, outside Snakemake.

higgsdyn p1-equilibrium-point --zeta 0.1 --out point.nc [--config config/config.yaml]
higgsdyn figure p1_equilibrium --input equilibrium=results/p1/equilibrium.nc --out fig.pdf
higgsdyn check results/p1/equilibrium.nc
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import yaml

from higgsdyn.cli import stages
from higgsdyn.io import convention_problems, read_dataset


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="higgsdyn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    point = commands.add_parser("p1-equilibrium-point", help="one AG equilibrium point (P1)")
    point.add_argument("--config", default="config/config.yaml", help="config file for resolution")
    point.add_argument("--disorder", choices=stages.DISORDER_TYPES, default="paramagnetic")
    point.add_argument("--zeta", type=float, required=True, help="1/(tau Delta_0), Eq. 64")
    point.add_argument("--out", required=True, help="netCDF file to write")

    figure = commands.add_parser("figure", help="render a paper figure from merged datasets")
    figure.add_argument("name", help="module in higgsdyn.figures, e.g. p1_equilibrium")
    figure.add_argument("--input", action="append", default=[], metavar="KEY=PATH")
    figure.add_argument("--out", nargs="+", required=True, help="files to write (.pdf, .png)")
    figure.add_argument("--dpi", type=int, default=200)

    check = commands.add_parser("check", help="check .nc files against the dataset conventions")
    check.add_argument("paths", nargs="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "p1-equilibrium-point":
        with open(args.config) as handle:
            settings = yaml.safe_load(handle)["p1"]["equilibrium"]
        params = stages.p1_equilibrium_point_params(settings, args.disorder, args.zeta)
        stages.p1_equilibrium_point(params, args.out)
    elif args.command == "figure":
        datasets = dict(item.split("=", 1) for item in args.input)
        stages.render_figure(args.name, datasets, args.out, args.dpi)
    elif args.command == "check":
        failed = False
        for path in args.paths:
            problems = convention_problems(read_dataset(path))
            for problem in problems:
                print(f"{path}: {problem}")
            failed |= bool(problems)
        return int(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
