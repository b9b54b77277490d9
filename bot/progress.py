"""A progress bar for long jobs (backfill, rebuild, reprocess): drawn on a terminal, logged otherwise."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger(__name__)


class Progress:
    """`step()` after each item, `done()` at the end. Silent for fewer than two items."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.count = label, total, 0
        self.started = time.monotonic()
        self._tty = sys.stderr.isatty()
        self._next_log = 0.1

    def step(self, n: int = 1) -> None:
        self.count += n
        if self.total < 2:
            return
        fraction = min(1.0, self.count / self.total)
        if self._tty:
            bar = "#" * int(fraction * 30)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {self.count}/{self.total}")
            sys.stderr.flush()
        elif fraction >= self._next_log:
            log.info("%s: %d/%d (%.0f%%)", self.label, self.count, self.total, fraction * 100)
            self._next_log = fraction + 0.1

    def done(self) -> None:
        if self._tty and self.total >= 2:
            sys.stderr.write("\n")
        log.info("%s: %d item(s) in %.1f s", self.label, self.count, time.monotonic() - self.started)
