"""Progress lines of long loops, for a job's log (``tail -f logs/<stage>/<point>.log``).

A line every ``every_s`` seconds with the position, the simulated time when there is one,
the rate and the time left. The first update is reported on its own line: it carries the
numba compilation (or a cache load), so the rate and ETA are measured from it on and do not
read the compile time as slowness.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


def _clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Log ``label: done/total unit (x%), [t = ...,] rate, ETA`` while a loop runs.

    Call :meth:`update` with the number of units done (and the simulated time, if any) as
    often as convenient; it logs at most every ``every_s`` seconds, and :meth:`finish` logs
    the total.
    """

    every_s: float = 10.0

    def __init__(
        self,
        log: logging.Logger,
        label: str,
        total: int,
        unit: str = "steps",
        *,
        every_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.label, self.total, self.unit = log, label, total, unit
        self.every_s = self.every_s if every_s is None else every_s
        self.clock = clock
        self.start = clock()
        self.first: tuple[int, float] | None = None  # (done, time) after the first update
        self.last_line = self.start

    def update(self, done: int, sim_time: float | None = None) -> None:
        """Record that ``done`` of ``total`` units are complete (simulated time ``sim_time``)."""
        now = self.clock()
        if self.first is None:
            self.first = (done, now)
            self.last_line = now
            self.log.info(
                "%s: first %d %s after %.1f s (includes numba compilation or cache load)",
                self.label, done, self.unit, now - self.start,
            )  # fmt: skip
            return
        if now - self.last_line < self.every_s:
            return
        self.last_line = now
        self.log.info("%s", self.line(done, sim_time, now))

    def line(self, done: int, sim_time: float | None, now: float) -> str:
        """The progress line at ``now``: rate and ETA measured after the first update."""
        first_done, first_time = self.first
        rate = (done - first_done) / (now - first_time) if now > first_time else 0.0
        eta = _clock_text((self.total - done) / rate) if rate > 0 else "unknown"
        at = "" if sim_time is None else f", t = {sim_time:.6g}"
        return (
            f"{self.label}: {done}/{self.total} {self.unit} ({100 * done / self.total:.0f}%)"
            f"{at}, {rate:.3g} {self.unit}/s, ETA {eta}"
        )

    def finish(self) -> None:
        """Log the total wall time."""
        self.log.info(
            "%s: %d %s done in %s", self.label, self.total, self.unit,
            _clock_text(self.clock() - self.start),
        )  # fmt: skip
