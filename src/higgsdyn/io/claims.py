"""Claims ledger: a verdict for each headline claim of the papers, from the merged datasets.

Each physics package declares its claims in ``<package>/claims.py`` as ``CLAIMS``, a tuple of
:class:`Claim`; a claim's ``judge`` reads the merged datasets it names and returns a
:class:`Verdict`. :func:`evaluate` turns them into records ``{id, paper, figure, claim,
verdict, value, evidence, convergence, note}`` (shared design, "Claims ledger") and
:func:`write_ledger` writes ``results/claims.json`` and ``results/claims.md``.
This module knows no physics.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from higgsdyn.io.datasets import atomic_output

VERDICTS = ("reproduced", "not_reproduced", "depends", "open")
RECORD_FIELDS = ("id", "paper", "figure", "claim", "verdict", "value", "evidence",
                 "convergence", "note")  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """A judge's answer: the verdict, the measured numbers it rests on (``value``), where
    they come from (``evidence``: dataset -> variables), the resolution of the runs
    (``convergence``) and a one-paragraph ``note`` (for ``depends``: on what and where it
    holds; for ``open``: what is missing)."""

    verdict: str
    value: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    convergence: dict = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")


@dataclass(frozen=True)
class Claim:
    """One headline statement of a paper and the function that judges it."""

    id: str
    paper: str
    figure: str
    claim: str
    datasets: tuple[str, ...]
    judge: Callable[[Mapping[str, xr.Dataset]], Verdict]


def missing_variables(ds: xr.Dataset, names: Iterable[str]) -> list[str]:
    """The names (variables or coordinates) absent from ``ds``."""
    return [name for name in names if name not in ds.variables]


def missing_verdict(dataset: str, missing: Sequence[str], convergence: dict | None = None,
                    value: dict | None = None) -> Verdict:  # fmt: skip
    """``open``: the variables a judge needs are not in ``dataset`` yet."""
    return Verdict("open", value or {}, {dataset: list(missing)}, convergence or {},
                   f"{dataset} lacks {', '.join(missing)}: needed to decide")  # fmt: skip


def run_settings(ds: xr.Dataset, keys: Iterable[str]) -> dict:
    """Convergence evidence from a dataset's own attributes: ``solver`` (the string) and the
    values of ``keys`` found anywhere in its ``config`` JSON attribute (nested blocks are
    searched; a key found in several blocks is reported per block path)."""
    keys = tuple(keys)
    found: dict = {}
    if "solver" in ds.attrs:
        found["solver"] = str(ds.attrs["solver"])

    def visit(node, path: str) -> None:
        if isinstance(node, Mapping):
            for name, child in node.items():
                where = f"{path}.{name}" if path else name
                if name in keys and not isinstance(child, Mapping):
                    found[where] = child
                else:
                    visit(child, where)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                visit(child, f"{path}[{index}]")

    if "config" in ds.attrs:
        visit(json.loads(ds.attrs["config"]), "")
    return found


def evaluate(claims: Sequence[Claim], datasets: Mapping[str, xr.Dataset]) -> list[dict]:
    """Judge every claim on ``datasets`` (keys: dataset names); a claim whose datasets are
    missing is ``open`` with a note naming them. Returns the ledger records."""
    records = []
    for claim in claims:
        absent = [name for name in claim.datasets if name not in datasets]
        if absent:
            verdict = Verdict("open", {}, {name: "missing" for name in absent}, {},
                              f"dataset(s) not available: {', '.join(absent)}")  # fmt: skip
        else:
            verdict = claim.judge(datasets)
            if not isinstance(verdict, Verdict):
                raise TypeError(f"judge of {claim.id} returned {type(verdict).__name__}")
        records.append({
            "id": claim.id,
            "paper": claim.paper,
            "figure": claim.figure,
            "claim": claim.claim,
            "verdict": verdict.verdict,
            "value": _plain(verdict.value),
            "evidence": _plain(verdict.evidence),
            "convergence": _plain(verdict.convergence),
            "note": verdict.note,
        })  # fmt: skip
    return records


def _plain(obj):
    """JSON-ready copy: numpy scalars and arrays to Python, NaN and inf to None."""
    if isinstance(obj, Mapping):
        return {str(key): _plain(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_plain(value) for value in np.asarray(obj, dtype=object).tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj if obj is None else str(obj)


def _short(obj) -> str:
    """Compact text of a value for the Markdown table."""
    if isinstance(obj, float):
        return f"{obj:.6g}"
    if isinstance(obj, list):
        return "[" + ", ".join(_short(value) for value in obj) + "]"
    if obj is None:
        return "NaN"
    return str(obj)


def _mapping_lines(mapping: Mapping) -> str:
    if not mapping:
        return "- (none)\n"
    return "".join(f"- `{key}`: {_short(value)}\n" for key, value in mapping.items())


HOW_TO_READ = """\
Each row is one headline claim of the two papers (P1: Dzero 2024, P2: negative superfluid
density after a Higgs quench) with the verdict the pipeline computes from the merged
datasets in `results/`:

- **reproduced**: our numbers agree with the claim within the thresholds named in the
  claim's judge (`src/higgsdyn/<package>/claims.py`);
- **not_reproduced**: our numbers contradict it;
- **depends**: it holds only for some value of a parameter the paper does not state (the
  note names the parameter and the range);
- **open**: the data needed to decide is missing or not converged (the note says what).

A verdict is only as good as the runs behind it: `convergence` lists the resolution read
from the datasets (time step, grid, N, seeds, t_max). Runs from `config/quick.yaml` are far
too small to judge the papers; their verdicts test the machinery, not the physics.
"""


def write_ledger(records: Sequence[Mapping], json_path: str | os.PathLike,
                 md_path: str | os.PathLike) -> None:  # fmt: skip
    """Write the ledger as JSON (a list of records) and as Markdown, atomically."""
    for record in records:
        if tuple(record) != RECORD_FIELDS:
            raise ValueError(f"record fields {tuple(record)} differ from {RECORD_FIELDS}")
    with atomic_output(json_path) as temporary:
        temporary.write_text(json.dumps(list(records), indent=2) + "\n")
    table = "| id | paper | figure | verdict | claim |\n|---|---|---|---|---|\n"
    table += "".join(
        f"| [{r['id']}](#{r['id']}) | {r['paper']} | {r['figure']} | **{r['verdict']}** | "
        f"{r['claim']} |\n"
        for r in records
    )
    counts = ", ".join(f"{sum(r['verdict'] == name for r in records)} {name}" for name in VERDICTS)
    sections = "".join(
        f"\n## {r['id']}\n\n{r['paper']}, {r['figure']}: {r['claim']}\n\n"
        f"**Verdict: {r['verdict']}.** {r['note']}\n\n"
        f"Measured:\n\n{_mapping_lines(r['value'])}\n"
        f"Evidence (dataset: variables):\n\n{_mapping_lines(r['evidence'])}\n"
        f"Convergence:\n\n{_mapping_lines(r['convergence'])}"
        for r in records
    )
    text = (f"# Claims ledger\n\n## How to read this\n\n{HOW_TO_READ}\n## Verdicts\n\n"
            f"{table}\n{len(records)} claims: {counts}.\n{sections}")  # fmt: skip
    with atomic_output(md_path) as temporary:
        temporary.write_text(text)
