"""Physics checks on produced datasets: records, and the JSON and table they are written to.

Each physics package declares its checks in ``<package>/checks.py`` as a function
``checks(dataset) -> list[Check]``; the ``validate`` rule runs them on the merged
datasets and writes ``results/validation.json`` (docs/architecture.md) and a table.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from higgsdyn.io.datasets import atomic_output


@dataclass(frozen=True)
class Check:
    """One physics check: ``value`` compared with ``reference`` within ``tolerance``.

    ``known_limitation`` names the documented reason the solver cannot pass the check yet
    (empty if none): such a check still reports "fail" when it fails, but the report marks
    it, so it is told apart from a regression.
    """

    name: str
    stage: str
    passed: bool
    value: float
    reference: float
    tolerance: float
    source: str  # the equation, limit or law the reference comes from
    known_limitation: str = ""

    @property
    def status(self) -> str:
        return "pass" if self.passed and not math.isnan(self.value) else "fail"

    @property
    def regression(self) -> bool:
        """A failure without a documented known limitation."""
        return self.status == "fail" and not self.known_limitation

    def record(self) -> dict:
        record = asdict(self)
        del record["passed"]
        return {"status": self.status, **record}


def close(name: str, stage: str, value: float, reference: float, tolerance: float, source: str,
          known_limitation: str = ""):  # fmt: skip
    """|value - reference| <= tolerance."""
    value, reference = float(value), float(reference)
    return Check(name, stage, abs(value - reference) <= tolerance, value, reference, tolerance,
                 source, known_limitation)  # fmt: skip


def below(name: str, stage: str, value: float, bound: float, source: str,
          known_limitation: str = ""):  # fmt: skip
    """value < bound (tolerance reported as 0)."""
    return Check(name, stage, float(value) < float(bound), float(value), float(bound), 0.0, source,
                 known_limitation)  # fmt: skip


def _status_cell(record: dict) -> str:
    limited = record["status"] == "fail" and record["known_limitation"]
    return "fail (known limitation)" if limited else record["status"]


def _source_cell(record: dict) -> str:
    if record["status"] == "fail" and record["known_limitation"]:
        return f"{record['source']}; known limitation: {record['known_limitation']}"
    return record["source"]


def write_report(checks: Sequence[Check], json_path: str | os.PathLike,
                 table_path: str | os.PathLike) -> None:  # fmt: skip
    """Write the checks as JSON (a list of records) and as a Markdown table, atomically."""
    records = [check.record() for check in checks]
    with atomic_output(json_path) as temporary:
        temporary.write_text(json.dumps(records, indent=2) + "\n")
    header = "| status | stage | check | value | reference | tolerance | source |\n"
    rule = "|---|---|---|---|---|---|---|\n"
    rows = "".join(
        f"| {_status_cell(r)} | {r['stage']} | {r['name']} | {r['value']:.6g} | "
        f"{r['reference']:.6g} | {r['tolerance']:.3g} | {_source_cell(r)} |\n"
        for r in records
    )
    passed = sum(r["status"] == "pass" for r in records)
    known = sum(r["status"] == "fail" and bool(r["known_limitation"]) for r in records)
    summary = f"\n{passed} of {len(records)} checks pass"
    summary += f"; {known} fail for a documented known limitation.\n" if known else ".\n"
    with atomic_output(table_path) as temporary:
        temporary.write_text("# Validation\n\n" + header + rule + rows + summary)
