"""Operator commands: the daemon's heartbeat and `health`, and `reprocess` of archived mail."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.app import open_ledger
from bot.config import Settings
from bot.context import Context
from bot.mail import parse_mail
from bot.ports import Outbox
from bot.progress import Progress
from bot.service import judge_mail, reply_for, send_pending
from storage.ledger import Ledger

log = logging.getLogger(__name__)


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


def select_mails(ledger: Ledger, message_id: str | None, rejected: bool) -> list[tuple[int, str, str]]:
    """(mail id, sha256, first received_at) of the mails to re-judge."""
    if message_id is not None:
        rows = ledger.conn.execute(
            "SELECT id, sha256 FROM mails WHERE message_id = ? "
            "AND state IN ('judged', 'quarantined') ORDER BY id",
            (message_id,),
        ).fetchall()
    elif rejected:
        rows = ledger.conn.execute(
            "SELECT id, sha256 FROM mails WHERE outcome = 'rejected' AND state = 'judged' ORDER BY id"
        ).fetchall()
    else:
        rows = []
    out = []
    for mail_id, sha in rows:
        first = ledger.conn.execute(
            "SELECT MIN(received_at) FROM submissions WHERE mail_id = ?", (mail_id,)
        ).fetchone()[0]
        out.append((mail_id, sha, first or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    return out


def rejudge(ctx: Context, mails: list[tuple[int, str, str]], outbox: Outbox | None) -> dict[str, int]:
    """Judge archived mails again with today's registry and form; file the new submissions; reply if asked."""
    outcomes: dict[str, int] = {}
    progress = Progress("reprocess", len(mails))
    for mail_id, sha, received_at in mails:
        mail = parse_mail(ctx.archive.load(sha), ctx.limits)
        results, submissions = judge_mail(mail, ctx, refile=True)
        reply = reply_for(mail, results, dt.datetime.fromisoformat(received_at), ctx.clock(), ctx)
        wanted = outbox is not None and bool(reply.to_address)
        ctx.ledger.record_judgement(
            mail_id, reply.kind, mail.from_address, received_at, submissions,
            (reply.kind, reply.message_id, reply.to_address, reply.raw) if wanted else None, rejudge=True,
        )  # fmt: skip
        if outbox is not None:
            send_pending(ctx, outbox, mail_id=mail_id)
        outcomes[reply.kind] = outcomes.get(reply.kind, 0) + 1
        log.info("reprocessed mail_id=%s message_id=%s outcome=%s", mail_id, mail.message_id, reply.kind)
        progress.step()
    progress.done()
    return outcomes
