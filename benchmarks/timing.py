"""What every benchmark script shares: the wall time of a call, best of several."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(function: Callable[[], object], repeats: int = 3) -> float:
    """Minimum wall time over ``repeats`` calls, in seconds (the machine's capability: other
    processes on a shared machine only ever add time)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)
