"""The stage protocol, generic over every method package: what each rule and command runs.

A *stage* is a package ``higgsdyn.<package>`` with a ``stage`` module of this surface
(docs/architecture.md, "Adding a stage"):

- ``PAPER`` ("P1"/"P2"), ``REFERENCES`` (equations, "P1 Suppl. Eq. (63)" form),
  ``CONFIG_BLOCK`` (path of its config block, e.g. ``("p1", "quench")``),
  ``DATASETS`` (merged dataset name -> title), ``KEY_FIELDS`` (file-key field -> parameter);
- ``jobs(block) -> {key: params}``, ``key_of(params) -> key``,
  ``dataset_of(params) -> merged dataset name or None`` (a point only other points read),
  ``companions(params) -> {argument: key}`` (points of the same stage a point reads),
  ``resources(params) -> {"runtime": minutes, "mem_mb": MB, "threads": n}``,
  ``run_point(params, **companions) -> Dataset``, ``merge_points(datasets) -> Dataset``;

and a ``checks`` module with ``checks(dataset) -> list[Check]``. Nothing here knows physics
or Snakemake.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import logging
import os
import pkgutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import higgsdyn
from higgsdyn.io import atomic_output, read_dataset, write_dataset
from higgsdyn.io.keys import parse_key

log = logging.getLogger(__name__)


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


# ---------------------------------------------------------------- the stage registry


@functools.cache
def stages() -> dict[str, ModuleType]:
    """Every package of higgsdyn with a ``stage`` module, by package name."""
    found = {}
    for package in pkgutil.iter_modules(higgsdyn.__path__):
        if package.ispkg and importlib.util.find_spec(f"higgsdyn.{package.name}.stage"):
            found[package.name] = importlib.import_module(f"higgsdyn.{package.name}.stage")
    return dict(sorted(found.items()))


def stage(name: str) -> ModuleType:
    """The stage module of package ``name`` (one line naming the choices if unknown)."""
    if name not in stages():
        raise KeyError(f"unknown stage {name!r}; stages: {', '.join(stages())}")
    return stages()[name]


def dataset_stages() -> dict[str, str]:
    """Merged dataset name -> the stage that writes it."""
    return {dataset: name for name, module in stages().items() for dataset in module.DATASETS}


def block_of(name: str, config: Mapping[str, Any]) -> Any:
    """The stage's config block."""
    block = config
    for part in stage(name).CONFIG_BLOCK:
        block = block[part]
    return block


def paper_dir(name: str) -> str:
    return stage(name).PAPER.lower()


def point_path(name: str, key: str) -> str:
    """results/<paper>/<stage>/points/<key>.nc: one parameter point of stage ``name``."""
    return f"results/{paper_dir(name)}/{name}/points/{key}.nc"


def dataset_path(dataset: str) -> str:
    """results/<paper>/<dataset>.nc: a merged dataset."""
    return f"results/{paper_dir(dataset_stages()[dataset])}/{dataset}.nc"


def point_params(name: str, config: Mapping[str, Any], key: str) -> dict:
    """Parameters of the point ``key`` of stage ``name``: its job, or for a key on no grid
    (e.g. ``paramagnetic_zeta-0.250`` named by hand) a job with the same labels whose
    ``KEY_FIELDS`` take the key's values. The result must spell ``key`` again."""
    module = stage(name)
    table = module.jobs(block_of(name, config))
    if key in table:
        return table[key]
    labels, fields = parse_key(key)
    templates = [params for other, params in table.items() if parse_key(other)[0] == labels]
    unknown = set(fields) - set(module.KEY_FIELDS)
    if not templates or unknown or set(parse_key(module.key_of(templates[0]))[1]) != set(fields):
        raise KeyError(
            f"stage {name!r} has no point {key!r} and cannot build it from a config job "
            f"with the labels {'_'.join(labels)!r}; e.g. {next(iter(table), 'none')!r}"
        )
    template = templates[0]
    params = dict(template)
    for field, spelled in fields.items():
        parameter = module.KEY_FIELDS[field]
        params[parameter] = type(template[parameter])(spelled)
    if module.key_of(params) != key:
        raise KeyError(f"{key!r} is not the canonical spelling of {module.key_of(params)!r}")
    return params


def merged_keys(name: str, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Merged dataset -> the keys of the points it is merged from."""
    module = stage(name)
    groups: dict[str, list[str]] = {dataset: [] for dataset in module.DATASETS}
    for key, params in module.jobs(block_of(name, config)).items():
        dataset = module.dataset_of(params)
        if dataset is not None:
            groups[dataset].append(key)
    return groups


# ---------------------------------------------------------------- running a stage


def run_point(
    name: str,
    params: Mapping[str, Any],
    output: str | os.PathLike,
    companions: Mapping[str, str | os.PathLike] | None = None,
) -> None:
    """One job of stage ``name``: ``run_point(params, **companions)`` written atomically.

    ``companions`` are the point files of the same stage this point reads (``companions()``).
    """
    module = stage(name)
    log.info("%s point %s", name, dict(params))
    others = {argument: read_dataset(path) for argument, path in (companions or {}).items()}
    dataset = module.run_point(dict(params), **others)
    write_dataset(
        dataset,
        output,
        title=f"{module.PAPER} {name} stage, one parameter point ({module.key_of(params)})",
        params=dict(params),
        references=module.REFERENCES,
        history=f"higgsdyn point {name}",
    )
    log.info("wrote %s", output)


def merge(
    dataset: str,
    points: Sequence[str | os.PathLike],
    settings: Mapping[str, Any],
    output: str | os.PathLike,
) -> None:
    """Merge the point files of ``dataset`` with its stage's ``merge_points``."""
    name = dataset_stages()[dataset]
    module = stage(name)
    merged = module.merge_points([read_dataset(path) for path in points])
    write_dataset(
        merged,
        output,
        title=module.DATASETS[dataset],
        params=dict(settings),
        references=module.REFERENCES,
        history=f"higgsdyn merge {dataset} of {len(points)} points",
    )
    log.info("merged %d points into %s", len(points), output)


# ---------------------------------------------------------------- figures


def figure_names() -> list[str]:
    """Every figure module in higgsdyn.figures (those with a ``plot`` and ``DATASETS``)."""
    import higgsdyn.figures as package

    return sorted(
        module.name
        for module in pkgutil.iter_modules(package.__path__)
        if module.name.startswith(("p1_", "p2_"))
    )


def _top_level_imports(tree: ast.Module) -> Iterator[str]:
    """Modules a file imports when it is imported (imports inside functions run later, if at
    all, and are not followed)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.If | ast.Try):
            pending += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
            for handler in getattr(node, "handlers", []):
                pending += handler.body


@functools.cache
def module_sources(*modules: str) -> tuple[str, ...]:
    """Library files (``src/higgsdyn/...``) the modules import, followed transitively through
    their top-level ``higgsdyn`` imports: the sources whose edit must rerun a rule that runs
    them."""
    root = Path(higgsdyn.__path__[0])
    pending, files = list(modules), set()
    while pending:
        name = pending.pop()
        parts = name.split(".")[1:]
        path = root.joinpath(*parts)
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if path in files or not path.exists():
            continue
        files.add(path)
        if len(parts) > 1:
            pending.append(name.rsplit(".", 1)[0])  # a submodule runs its package's __init__
        imports = _top_level_imports(ast.parse(path.read_text()))
        pending += [module for module in imports if module.split(".")[0] == "higgsdyn"]
    return tuple(sorted(str(file.relative_to(root.parents[1])) for file in files))


def figure_module(name: str) -> ModuleType:
    if name not in figure_names():
        raise KeyError(f"unknown figure {name!r}; figures: {', '.join(figure_names())}")
    return importlib.import_module(f"higgsdyn.figures.{name}")


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

    figure = figure_module(name).plot({key: read_dataset(path) for key, path in datasets.items()})
    for output in outputs:
        suffix = Path(output).suffix
        with atomic_output(output) as temporary:
            figure.savefig(temporary, format=suffix.lstrip("."), dpi=dpi)
        log.info("saved %s", output)
    plt.close(figure)


# ---------------------------------------------------------------- validation


def validate(
    datasets: Mapping[str, str | os.PathLike],
    json_output: str | os.PathLike,
    table_output: str | os.PathLike,
    claims_json: str | os.PathLike,
    claims_table: str | os.PathLike,
) -> None:
    """Run each stage's physics checks (``<package>.checks``) on its merged datasets and judge
    every claim of the ledger (``<package>.claims``); write both as JSON and Markdown."""
    from higgsdyn.io.claims import evaluate, write_ledger
    from higgsdyn.io.validation import write_report

    loaded = {dataset: read_dataset(path) for dataset, path in datasets.items()}
    checks = []
    for dataset, merged in loaded.items():
        module = importlib.import_module(f"higgsdyn.{dataset_stages()[dataset]}.checks")
        checks += module.checks(merged)
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
    records = evaluate(claims(), loaded)
    write_ledger(records, claims_json, claims_table)
    for record in records:
        log.info("claim %s: %s", record["id"], record["verdict"])


def claims() -> list:
    """The claims ledger: every stage package's ``claims.CLAIMS``, P1 before P2."""
    ledger = []
    for name in stages():
        if importlib.util.find_spec(f"higgsdyn.{name}.claims"):
            ledger += importlib.import_module(f"higgsdyn.{name}.claims").CLAIMS
    return sorted(ledger, key=lambda claim: claim.paper)
