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
    def limited(self) -> bool:
        """A failure with a documented known limitation."""
        return self.status == "fail" and bool(self.known_limitation)

    @property
    def regression(self) -> bool:
        """A failure without a documented known limitation."""
        return self.status == "fail" and not self.known_limitation

    def table_row(self) -> str:
        """One Markdown row: a limited failure says so in its status and source cells."""
        status, source = self.status, self.source
        if self.limited:
            status = "fail (known limitation)"
            source = f"{source}; known limitation: {self.known_limitation}"
        return (f"| {status} | {self.stage} | {self.name} | {self.value:.6g} | "
                f"{self.reference:.6g} | {self.tolerance:.3g} | {source} |\n")  # fmt: skip

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


def write_report(checks: Sequence[Check], json_path: str | os.PathLike,
                 table_path: str | os.PathLike) -> None:  # fmt: skip
    """Write the checks as JSON (a list of records) and as a Markdown table, atomically."""
    records = [check.record() for check in checks]
    with atomic_output(json_path) as temporary:
        temporary.write_text(json.dumps(records, indent=2) + "\n")
    header = "| status | stage | check | value | reference | tolerance | source |\n"
    rule = "|---|---|---|---|---|---|---|\n"
    rows = "".join(check.table_row() for check in checks)
    passed = sum(check.status == "pass" for check in checks)
    known = sum(check.limited for check in checks)
    summary = f"\n{passed} of {len(checks)} checks pass"
    summary += f"; {known} fail for a documented known limitation.\n" if known else ".\n"
    with atomic_output(table_path) as temporary:
        temporary.write_text("# Validation\n\n" + header + rule + rows + summary)
