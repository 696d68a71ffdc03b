"""File keys of parameter points: one spelling per point, never two points per spelling.

A key is a list of labels followed by ``name-value`` fields, joined by ``_``:
``paramagnetic_zeta-0.100_lf-0.450``. Values are spelled by :func:`fmt_value` (shortest
round-trip digits, so two different floats never share a spelling); field names and labels
never contain ``-``. :func:`job_table` builds a stage's ``{key: params}`` and refuses two
different parameter points under one key, naming both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9]*)-(.+)$")
KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"


def fmt_value(value: Any) -> str:
    """One file-name spelling per value: integers as digits, floats with the shortest
    round-trip digits (at least three decimals, ``0.100``), strings unchanged."""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    return np.format_float_positional(float(value), unique=True, min_digits=3, trim="k")


def point_key(labels: Iterable[str], fields: Mapping[str, Any] | None = None) -> str:
    """``label_label_name-value_name-value`` (labels and names must not contain ``-``)."""
    labels = [str(label) for label in labels]
    fields = dict(fields or {})
    bad = [label for label in labels if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.]*", label)]
    bad += [name for name in fields if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name)]
    if bad or not (labels or fields):
        raise ValueError(f"cannot build a file key from labels {labels} and fields {fields}")
    return "_".join(labels + [f"{name}-{fmt_value(value)}" for name, value in fields.items()])


def parse_key(key: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Inverse of :func:`point_key`: (labels, {name: spelled value})."""
    labels, fields = [], {}
    for part in key.split("_"):
        match = _FIELD.match(part)
        if match:
            fields[match.group(1)] = match.group(2)
        elif fields:
            raise ValueError(f"file key {key!r}: label {part!r} after a name-value field")
        else:
            labels.append(part)
    return tuple(labels), fields


def _spelling(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def job_table(pairs: Iterable[tuple[str, dict]]) -> dict[str, dict]:
    """``{key: params}`` from (key, params) pairs; two different points under one key are an
    error naming both (a repeated identical point is kept once)."""
    table: dict[str, dict] = {}
    for key, params in pairs:
        if key in table and _spelling(table[key]) != _spelling(params):
            raise ValueError(
                f"two parameter points map to the file key {key!r}: "
                f"{_spelling(table[key])} and {_spelling(params)}"
            )
        table[key] = params
    return table
