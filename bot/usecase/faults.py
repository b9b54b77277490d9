"""Crash points for the fault-injection tests: SIGKILL this process at a named step boundary.

Set LOCALREPORT_CRASH_AT=<point>[:<n>] (n-th time the point is reached, default 1). Unset, a crash point
costs one dictionary lookup. The points: after_archive (the mail archived and its attempt counted, not yet
judged), after_commit (judgement and reply in the ledger), after_move (the mail moved out of the inbox,
its reply not sent yet), after_smtp_accept (the server took the reply, the ledger does not know yet); and,
in a judge worker, while_marking_up (the report sent, the marked-up copy of a rejected workbook not yet).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_hits: Counter[str] = Counter()


def crashpoint(name: str) -> None:
    spec = os.environ.get("LOCALREPORT_CRASH_AT")
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _hits[name] += 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
