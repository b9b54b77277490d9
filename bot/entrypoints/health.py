"""The daemon's heartbeat, and `localreport health`: one line and an exit code for monitoring."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from bot.entrypoints.config import Settings
from bot.entrypoints.wiring import open_ledger


def heartbeat_path(settings: Settings) -> Path:
    return settings.storage.dir / "heartbeat.json"


def write_heartbeat(settings: Settings, seen: int, handled: int, failed: int) -> None:
    """Written after every completed poll (atomically), read by `localreport health`."""
    path = heartbeat_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({
            "last_poll": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "pid": os.getpid(),
            "seen": seen, "handled": handled, "failed": failed,
        }),
        encoding="utf-8",
    )  # fmt: skip
    os.replace(tmp, path)


@dataclass(frozen=True)
class Health:
    ok: bool
    line: str


def health(settings: Settings, now: dt.datetime | None = None) -> Health:
    """OK when the last poll is recent (≤ 3 intervals) and nothing is stuck; one line for monitoring."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        beat = json.loads(heartbeat_path(settings).read_text(encoding="utf-8"))
        last = dt.datetime.fromisoformat(beat["last_poll"])
    except (OSError, ValueError, KeyError):
        return Health(False, f"CRITICAL no successful poll recorded in {heartbeat_path(settings)}")
    with open_ledger(settings) as ledger:
        counts = ledger.counts()
    age = int((now - last).total_seconds())
    unsent, quarantined = counts.get("replies_pending", 0), counts.get("mails_quarantined", 0)
    stale = age > 3 * settings.schedule.interval_seconds
    ok = not stale and unsent == 0 and quarantined == 0
    word = "OK" if ok else ("CRITICAL" if stale else "WARNING")
    return Health(
        ok,
        f"{word} last_poll={last.isoformat()} age={age}s unsent_replies={unsent} quarantined={quarantined} "
        f"failed_last_poll={beat.get('failed', 0)}",
    )
