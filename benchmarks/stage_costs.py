"""Per-stage cost of a finished run, from the benchmark files Snakemake writes.

Reads ``results/benchmarks/<paper>/<stage>/<point>.tsv`` (one per job; merges, figures and
validate are single files) and prints a markdown table: jobs, wall time (sum, max), CPU time,
core-hours, peak memory per job, and the total. Every rule runs one thread, so core-hours are
wall-time sums; Snakemake samples ``cpu_time`` and ``max_rss`` periodically (about every 30 s
after a first sample), so both undercount jobs shorter than that. Used for docs/scaling.md:

    python benchmarks/stage_costs.py [results/benchmarks]
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path


def read_benchmark(path: Path) -> dict[str, float]:
    """First data row of a Snakemake benchmark TSV (s, cpu_time, max_rss in MB, ...)."""
    with path.open() as handle:
        row = next(csv.DictReader(handle, delimiter="\t"))
    return {key: float(row[key]) for key in ("s", "cpu_time", "max_rss") if row[key] != "-"}


def stage_of(path: Path, root: Path) -> str:
    """``p1/quench`` for a point file, ``p1/quench_merge`` or ``figures`` for single jobs."""
    parts = path.relative_to(root).with_suffix("").parts
    return "/".join(parts[:-1]) if len(parts) > 2 or parts[0] == "figures" else "/".join(parts)


def main(root: Path) -> None:
    stages: dict[str, list[dict[str, float]]] = defaultdict(list)
    for path in sorted(root.rglob("*.tsv")):
        stages[stage_of(path, root)].append(read_benchmark(path))
    columns = ["stage", "jobs", "wall sum [s]", "wall max [s]", "CPU sum [s]", "core-hours",
               "peak RSS [MB]"]  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for stage, runs in stages.items():
        wall = [run["s"] for run in runs]
        cpu = [run.get("cpu_time", 0.0) for run in runs]
        rss = [run.get("max_rss", 0.0) for run in runs]
        print(
            f"| {stage} | {len(runs)} | {sum(wall):.0f} | {max(wall):.1f} | {sum(cpu):.0f} "
            f"| {sum(wall) / 3600:.3f} | {max(rss):.0f} |"
        )
    every = [run for runs in stages.values() for run in runs]
    wall_total = sum(run["s"] for run in every)
    print(
        f"| total | {len(every)} | {wall_total:.0f} | {max(run['s'] for run in every):.1f} "
        f"| {sum(run.get('cpu_time', 0.0) for run in every):.0f} | {wall_total / 3600:.3f} "
        f"| {max(run.get('max_rss', 0.0) for run in every):.0f} |"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/benchmarks"))
