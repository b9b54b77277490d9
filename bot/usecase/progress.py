"""A progress line for long jobs (a backfill of a whole mailbox, reprocess): drawn on a terminal, logged
otherwise, with a summary at the end. Silent for jobs of fewer than two items."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger(__name__)
LOG_EVERY = 100  # items between log lines when the total is not known in advance


class Progress:
    """`step()` after each item, `done()` at the end. `total` may be None (a mailbox being read)."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total, self.count = label, total, 0
        self.started = time.monotonic()
        self._tty = sys.stderr.isatty()
        self._next_tenth = 1

    def step(self, n: int = 1) -> None:
        self.count += n
        if self.total is not None and self.total < 2:
            return
        if self._tty:
            sys.stderr.write(f"\r{self.label} {self._shown()}")
            sys.stderr.flush()
        elif self.total is None:
            if self.count % LOG_EVERY == 0:
                log.info("%s: %d so far", self.label, self.count)
        elif self.count * 10 >= self._next_tenth * self.total:  # integers: no float drift at 100%
            log.info("%s: %d/%d (%.0f%%)", self.label, self.count, self.total, 100 * self.count / self.total)
            self._next_tenth = self.count * 10 // self.total + 1

    def _shown(self) -> str:
        if self.total is None:
            return f"{self.count}"
        bar = "#" * int(min(1.0, self.count / self.total) * 30)
        return f"[{bar:<30}] {self.count}/{self.total}"

    def done(self) -> None:
        if self._tty and self.count and (self.total is None or self.total >= 2):
            sys.stderr.write("\n")
        if self.count >= 2:
            log.info("%s: %d item(s) in %.1f s", self.label, self.count, time.monotonic() - self.started)
