"""Stage entry points: what each Snakemake rule (and the ``higgsdyn`` command) runs.

Each function takes plain parameters and file paths, calls the physics package and
writes through :mod:`higgsdyn.io`; none of them knows about Snakemake.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from higgsdyn.io import atomic_output, read_dataset, write_dataset

log = logging.getLogger(__name__)

P1_REFERENCE = (
    "M. Dzero, Collisionless dynamics of the pairing amplitude in disordered "
    "superconductors (2024), main text and Supplementary Materials"
)
DISORDER_TYPES = ("paramagnetic", "nonmagnetic")


@contextlib.contextmanager
def logging_to(logfile: str | os.PathLike) -> Iterator[None]:
    """Send library log records (INFO and up) to ``logfile`` for the duration of a job."""
    Path(logfile).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(logfile, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    except Exception:
        log.exception("job failed")
        raise
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()


# ---------------------------------------------------------------- P1 equilibrium


def p1_equilibrium_point_params(
    settings: Mapping[str, Any], disorder: str, zeta: float
) -> dict[str, Any]:
    """Parameters of one AG point from the ``p1.equilibrium`` config block.

    ``zeta`` is 1/(tau_s Delta_0) for paramagnetic and 1/(tau_u Delta_0) for
    nonmagnetic disorder (P1 Eq. 64 convention).
    """
    if disorder not in DISORDER_TYPES:
        raise ValueError(f"disorder must be one of {DISORDER_TYPES}, got {disorder!r}")
    return {
        "zeta_s": float(zeta) if disorder == "paramagnetic" else 0.0,
        "zeta_u": float(zeta) if disorder == "nonmagnetic" else 0.0,
        "omega_D": float(settings["omega_D"]),
        "energy_max": float(settings["energy_max"]),
        "n_energy": int(settings["n_energy"]),
        "n_quadrature": int(settings["n_quadrature"]),
        "root_tol": float(settings["root_tol"]),
    }


def p1_equilibrium_point(params: Mapping[str, Any], output: str | os.PathLike) -> None:
    """Solve one AG equilibrium point and write it."""
    from higgsdyn.equilibrium import AGPoint, solve_ag_point

    point = AGPoint(**params)
    log.info("AG equilibrium point %s", point)
    dataset = solve_ag_point(point)
    write_dataset(
        dataset,
        output,
        title="P1 Abrikosov-Gor'kov equilibrium, one disorder point",
        params=dict(params),
        references=P1_REFERENCE,
        history="higgsdyn p1_equilibrium_point",
    )
    log.info("wrote %s", output)


def _stack_points(paths: Sequence[str], along: str) -> xr.Dataset:
    """Concatenate single-point datasets along their scalar coordinate ``along``."""
    points = [read_dataset(path) for path in paths]
    solvers = {point.attrs["solver"] for point in points}
    if len(solvers) != 1:
        raise ValueError(f"points were computed with different solver settings: {solvers}")
    stacked = xr.concat(points, dim=along, join="exact", combine_attrs="drop_conflicts")
    return stacked.sortby(along)


def p1_equilibrium_merge(
    paramagnetic: Sequence[str],
    nonmagnetic: Sequence[str],
    settings: Mapping[str, Any],
    output: str | os.PathLike,
) -> None:
    """Merge AG points into results/p1/equilibrium.nc (dims ``zeta``, ``energy``).

    Paramagnetic points form the contract variables on ``zeta`` = 1/(tau_s Delta_0);
    nonmagnetic points, if any, are stored on ``zeta_nonmagnetic`` = 1/(tau_u Delta_0)
    with the suffix ``_nonmagnetic`` on every variable.
    """
    merged = _stack_points(paramagnetic, "zeta_s").drop_vars("zeta_u").rename(zeta_s="zeta")
    if nonmagnetic:
        stacked = _stack_points(nonmagnetic, "zeta_u").drop_vars("zeta_s")
        stacked = stacked.rename(
            {name: f"{name}_nonmagnetic" for name in stacked.data_vars}
        ).rename(zeta_u="zeta_nonmagnetic")
        merged = xr.merge([merged, stacked], join="exact", combine_attrs="override")
    write_dataset(
        merged,
        output,
        title="P1 Abrikosov-Gor'kov equilibrium versus disorder",
        params=dict(settings),
        references=P1_REFERENCE,
        history=f"higgsdyn p1_equilibrium_merge of {len(paramagnetic) + len(nonmagnetic)} points",
    )
    log.info("merged %d + %d points into %s", len(paramagnetic), len(nonmagnetic), output)


# ---------------------------------------------------------------- figures


def render_figure(
    name: str,
    datasets: Mapping[str, str | os.PathLike],
    outputs: Sequence[str | os.PathLike],
    dpi: int,
) -> None:
    """Draw figure module ``higgsdyn.figures.<name>`` from merged datasets and save it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    module = importlib.import_module(f"higgsdyn.figures.{name}")
    figure = module.plot({key: read_dataset(path) for key, path in datasets.items()})
    for output in outputs:
        suffix = Path(output).suffix
        with atomic_output(output) as temporary:
            figure.savefig(temporary, format=suffix.lstrip("."), dpi=dpi)
        log.info("saved %s", output)
    plt.close(figure)


# ---------------------------------------------------------------- validation

STAGE_CHECKS = {
    "equilibrium": "higgsdyn.equilibrium.checks",
    "quench": "higgsdyn.pseudospin.checks",
    "floquet": "higgsdyn.floquet.checks",
    "bdg_chain": "higgsdyn.bdg.checks",
    "kbe_flatband": "higgsdyn.kbe.checks",
    "kbe_tightbinding": "higgsdyn.kbe.checks",
}


def validate(
    datasets: Mapping[str, str | os.PathLike],
    json_output: str | os.PathLike,
    table_output: str | os.PathLike,
) -> None:
    """Run each stage's declared physics checks on its merged dataset; write JSON and table."""
    from higgsdyn.io.validation import write_report

    checks = []
    for key, path in datasets.items():
        module = importlib.import_module(STAGE_CHECKS[key])
        checks += module.checks(read_dataset(path))
    write_report(checks, json_output, table_output)
    for check in checks:
        log.info("%s %s: value %.6g, reference %.6g, tolerance %.3g", check.status,
                 check.name, check.value, check.reference, check.tolerance)  # fmt: skip
    failed = [check.name for check in checks if check.status == "fail"]
    if failed:
        log.warning("%d of %d checks fail: %s", len(failed), len(checks), ", ".join(failed))
    regressions = [check.name for check in checks if check.regression]
    if len(regressions) < len(failed):
        log.warning("%d of these fail for a documented known limitation; regressions: %s",
                    len(failed) - len(regressions), ", ".join(regressions) or "none")  # fmt: skip


# ---------------------------------------------------------------- generic stages
# Packages with a ``stage`` module (run_point, merge_points) run through these two.

P2_REFERENCE = "Negative superfluid density after Higgs-mode excitation (P2)"
STAGE_REFERENCES = {
    "pseudospin": f"{P1_REFERENCE}: Eqs. 9-13, 15, Figs. 1-3; Suppl. Eqs. 16-22, 39-41, 77-79",
    "floquet": f"{P2_REFERENCE}, Eqs. 9-10, Appendices A and D",
    "kbe": f"{P2_REFERENCE}, Eqs. 4-8, Appendix B, Figs. 1b, 1c, 3b",
    "bdg": f"{P2_REFERENCE}, Appendix C (Eqs. C1-C3), Fig. 3a",
}


def stage_point(
    package: str,
    params: Mapping[str, Any],
    output: str | os.PathLike,
    companions: Mapping[str, str | os.PathLike] | None = None,
    function: str = "run_point",
) -> None:
    """One job of ``higgsdyn.<package>.stage``: ``function(params)`` written atomically.

    ``companions`` are datasets the point builds on (keyword arguments of ``function``, e.g.
    the clean steady state ``clean`` of a P1 quench point).
    """
    stage = importlib.import_module(f"higgsdyn.{package}.stage")
    log.info("%s %s %s", package, function, dict(params))
    others = {name: read_dataset(path) for name, path in (companions or {}).items()}
    dataset = getattr(stage, function)(dict(params), **others)
    write_dataset(
        dataset,
        output,
        title=f"higgsdyn {package} point",
        params=dict(params),
        references=STAGE_REFERENCES[package],
        history=f"higgsdyn stage_point {package}",
    )
    log.info("wrote %s", output)


def stage_merge(
    package: str,
    points: Sequence[str],
    settings: Mapping[str, Any],
    output: str | os.PathLike,
    companions: Mapping[str, str | os.PathLike] | None = None,
) -> None:
    """Merge a stage's point files with ``higgsdyn.<package>.stage.merge_points``.

    ``companions`` are merged datasets of other stages the merge records results from
    (keyword arguments of ``merge_points``, e.g. ``kbe_tightbinding`` for the BdG chain).
    """
    stage = importlib.import_module(f"higgsdyn.{package}.stage")
    others = {name: read_dataset(path) for name, path in (companions or {}).items()}
    merged = stage.merge_points([read_dataset(path) for path in points], **others)
    write_dataset(
        merged,
        output,
        title=f"higgsdyn {package} stage, merged",
        params=dict(settings),
        references=STAGE_REFERENCES[package],
        history=f"higgsdyn stage_merge {package} of {len(points)} points",
    )
    log.info("merged %d points into %s", len(points), output)
