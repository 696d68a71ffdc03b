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
    """One physics check: ``value`` compared with ``reference`` within ``tolerance``."""

    name: str
    stage: str
    passed: bool
    value: float
    reference: float
    tolerance: float
    source: str  # the equation, limit or law the reference comes from

    @property
    def status(self) -> str:
        return "pass" if self.passed and not math.isnan(self.value) else "fail"

    def record(self) -> dict:
        record = asdict(self)
        del record["passed"]
        return {"status": self.status, **record}


def close(name: str, stage: str, value: float, reference: float, tolerance: float, source: str):
    """|value - reference| <= tolerance."""
    value, reference = float(value), float(reference)
    return Check(name, stage, abs(value - reference) <= tolerance, value, reference, tolerance,
                 source)  # fmt: skip


def below(name: str, stage: str, value: float, bound: float, source: str):
    """value < bound (tolerance reported as 0)."""
    return Check(name, stage, float(value) < float(bound), float(value), float(bound), 0.0, source)


def write_report(checks: Sequence[Check], json_path: str | os.PathLike,
                 table_path: str | os.PathLike) -> None:  # fmt: skip
    """Write the checks as JSON (a list of records) and as a Markdown table, atomically."""
    records = [check.record() for check in checks]
    with atomic_output(json_path) as temporary:
        temporary.write_text(json.dumps(records, indent=2) + "\n")
    header = "| status | stage | check | value | reference | tolerance | source |\n"
    rule = "|---|---|---|---|---|---|---|\n"
    rows = "".join(
        f"| {r['status']} | {r['stage']} | {r['name']} | {r['value']:.6g} | "
        f"{r['reference']:.6g} | {r['tolerance']:.3g} | {r['source']} |\n"
        for r in records
    )
    failed = sum(r["status"] == "fail" for r in records)
    summary = f"\n{len(records) - failed} of {len(records)} checks pass.\n"
    with atomic_output(table_path) as temporary:
        temporary.write_text("# Validation\n\n" + header + rule + rows + summary)
