"""The daemon's heartbeat and login state, and `localreport health`: one line and an exit code for
monitoring.

Both live as small JSON files in `storage.dir`, written atomically: `heartbeat.json` after every
completed poll, `login.json` while the mail server refuses our login. A refused login is retried after
1, 2, 4 … minutes, at most every 30 minutes (`LOGIN_BACKOFF`), by the daemon and by `run --once` alike:
Gmail locks out an account that fails to log in every few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.entrypoints.config import Settings
from bot.entrypoints.wiring import open_ledger
from bot.usecase.sending import Backoff, Pause

LOGIN_BACKOFF = Backoff(dt.timedelta(minutes=1), dt.timedelta(minutes=30))


def heartbeat_path(settings: Settings) -> Path:
    return settings.storage.dir / "heartbeat.json"


def login_path(settings: Settings) -> Path:
    return settings.storage.dir / "login.json"


def _write_json(path: Path, value: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def write_heartbeat(settings: Settings, seen: int, handled: int, failed: int) -> None:
    """Written after every completed poll (atomically), read by `localreport health`."""
    _write_json(heartbeat_path(settings), {
        "last_poll": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "pid": os.getpid(),
        "seen": seen, "handled": handled, "failed": failed,
    })  # fmt: skip


@dataclass(frozen=True)
class LoginFailing:
    """The mailbox has refused our login since `since`, `count` times in a row; next try at `retry_at`."""

    since: str
    retry_at: str
    count: int
    error: str
    fix: str

    def due(self, now: dt.datetime) -> bool:
        return now >= dt.datetime.fromisoformat(self.retry_at)

    def line(self) -> str:
        return f"login failing since {self.since} ({self.count} tries; next {self.retry_at}): {self.fix}"


def login_failing(settings: Settings) -> LoginFailing | None:
    try:
        return LoginFailing(**json.loads(login_path(settings).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def record_login_failure(settings: Settings, error: str, fix: str, now: dt.datetime) -> LoginFailing:
    """One more refused login: the next try waits longer (1 min doubling, at most 30 min)."""
    before = login_failing(settings)
    count = before.count + 1 if before is not None else 1
    since = before.since if before is not None else now.isoformat(timespec="seconds")
    state = LoginFailing(since, (now + LOGIN_BACKOFF.after(count)).isoformat(timespec="seconds"), count,
                         error, fix)  # fmt: skip
    _write_json(login_path(settings), asdict(state))
    return state


def clear_login_failure(settings: Settings) -> bool:
    """The login works again; True when it had been failing."""
    try:
        login_path(settings).unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Health:
    ok: bool
    line: str


def health(settings: Settings, now: dt.datetime | None = None) -> Health:
    """OK when the last poll is recent (≤ 3 intervals), the login works, sending is not paused and nothing
    waits (unsent replies, quarantined mail); one line. Replies that failed for good are counted, not
    alarmed on again: the operator was told of each by mail."""
    now = now or dt.datetime.now(dt.UTC)
    login = login_failing(settings)
    try:
        beat = json.loads(heartbeat_path(settings).read_text(encoding="utf-8"))
        last = dt.datetime.fromisoformat(beat["last_poll"])
    except (OSError, ValueError, KeyError):
        why = (
            login.line()
            if login is not None
            else f"no successful poll recorded in {heartbeat_path(settings)}"
        )
        return Health(False, f"CRITICAL {why}")
    with open_ledger(settings) as ledger:
        counts = ledger.counts()
        pause = Pause.load(ledger)
    age = int((now - last).total_seconds())
    unsent, quarantined = counts.get("replies_pending", 0), counts.get("mails_quarantined", 0)
    failed = counts.get("replies_failed", 0)
    stale = age > 3 * settings.schedule.interval_seconds
    paused = pause is not None and pause.until > now
    ok = not stale and login is None and not paused and unsent == 0 and quarantined == 0
    word = "OK" if ok else ("CRITICAL" if stale or login is not None else "WARNING")
    line = (
        f"{word} last_poll={last.isoformat()} age={age}s unsent_replies={unsent} quarantined={quarantined} "
        f"failed_last_poll={beat.get('failed', 0)} failed_replies={failed}"
    )
    if paused and pause is not None:
        line += f"; sending paused until {pause.until.isoformat()} ({pause.reason}): {pause.error}"
    if login is not None:
        line += f"; {login.line()}"
    return Health(ok, line)
