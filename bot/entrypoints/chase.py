"""The deadline chase from the outside: `localreport remind` and `localreport digest` (preview, or queue
and send), and the daemon's two cron jobs, which queue and then wake the poll that sends (with every rule
of sending, the Sent lookup after a crash included).

The decisions are in bot/usecase/chase.py, the mails in bot/replies/chase_mail.py, the ledger's part in
storage/chase.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.entrypoints.config import Settings
from bot.entrypoints.wiring import master_for, open_ledger, registry_for
from bot.replies.chase_mail import ChaseMail, Composing, DigestFacts, digest, reminder
from bot.usecase.chase import (
    ChaseRules,
    bangkok_day,
    changes,
    digest_figures,
    due_reminder_day,
    plan_reminders,
)
from bot.usecase.sending import Pause
from storage import dataset
from storage.chase import NewReminder
from storage.errors import StorageError
from storage.ledger import Ledger, QueuedReply
from storage.template import write_template
from validators import load_form

log = logging.getLogger(__name__)
DAY = dt.timedelta(days=1)


def chase_rules(settings: Settings) -> ChaseRules:
    return ChaseRules(settings.round.deadline, settings.reminders.days_before, settings.digest.recipients,
                      int(settings.digest.attach_master_max_mib * 2**20))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Planned:
    """One line of `remind`'s table: a province, to whom, and the mail (None: no address to send to)."""

    province: str
    status: str
    reported: int
    expected: int
    to: str
    mail: ChaseMail | None


def reminders(settings: Settings, now: dt.datetime) -> list[Planned]:
    """Every reminder due to a province that is not complete, composed (not yet queued)."""
    registry, form = registry_for(settings), load_form(settings.round.form)
    rules = settings.rules(registry, form)
    with open_ledger(settings) as ledger:
        plans = plan_reminders(ledger, registry, settings.round.deadline, rules.trust.sender_map)
    out = []
    for plan in plans:
        if not plan.to:
            out.append(Planned(plan.province, plan.status, plan.reported, plan.expected, "", None))
            continue
        try:
            blank: bytes | None = write_template(plan.province, registry, form)
        except StorageError:
            blank = None
        for to in plan.to:
            mail = reminder(plan, to, settings.round.deadline, Composing(rules.identity, now), blank)
            out.append(Planned(plan.province, plan.status, plan.reported, plan.expected, to, mail))
    return out


def queue_reminders(settings: Settings, now: dt.datetime, planned: Sequence[Planned] | None = None) -> int:
    """Queue today's reminders (at most one per province address per day); how many were new.
    `planned`: `reminders(settings, now)` when the caller composed them already (the command shows them)."""
    new = [
        NewReminder(p.province, p.to, p.reported, p.expected,
                    QueuedReply("reminder", p.mail.message_id, p.to, p.mail.raw))
        for p in (reminders(settings, now) if planned is None else planned) if p.mail is not None
    ]  # fmt: skip
    with open_ledger(settings) as ledger:
        queued = ledger.queue_reminders(bangkok_day(now).isoformat(), new)
    log.info("reminders: %d province address(es) due, %d queued (the rest were queued earlier today)",
             len(new), queued)  # fmt: skip
    return queued


def scheduled_reminders(settings: Settings, now: dt.datetime) -> int:
    """The daemon's job: on a scheduled day only (`reminders.days_before` the deadline, Bangkok)."""
    if not due_reminder_day(now, chase_rules(settings)):
        return 0
    return queue_reminders(settings, now)


def digest_facts(
    ledger: Ledger, settings: Settings, now: dt.datetime
) -> tuple[DigestFacts, dict[str, tuple[str, int]]]:
    """What the day's digest says, and the figures it records for the next one to compare with."""
    registry = registry_for(settings)
    expected = {p: len(registry.laos_in(p)) for p in registry.provinces()}
    statuses = dataset.province_statuses(ledger, expected, settings.round.deadline)
    figures = digest_figures(statuses)
    day = bangkok_day(now)
    last = ledger.last_digest(day.isoformat())
    counts: dict[str, int] = {}
    for code, _ in figures.values():
        counts[code] = counts.get(code, 0) + 1
    pause = Pause.load(ledger)
    paused = pause is not None and pause.until > now
    tallies = ledger.counts()
    facts = DigestFacts(
        day, counts, tuple(changes(last[1] if last else {}, figures)) if last else (), last is None,
        tuple(ledger.set_aside_mails()), pause.until if paused and pause else None,
        pause.reason if paused and pause else "", tallies.get("replies_pending", 0),
        tallies.get("replies_failed", 0),
        sum(1 for r in ledger.reminders() if dt.datetime.fromisoformat(r.created_at) > now - DAY),
    )  # fmt: skip
    return facts, figures


Digest = tuple[DigestFacts, dict[str, tuple[str, int]], list[ChaseMail]]  # what it says, records, sends


def digest_mails(settings: Settings, now: dt.datetime) -> Digest:
    """The day's digest for each recipient, with the master as the last cycle left it when small enough
    (the poll rebuilds it after every change; the digest never writes it)."""
    registry = registry_for(settings)
    rules = settings.rules(registry, load_form(settings.round.form))
    master = master_for(settings, registry)
    with open_ledger(settings) as ledger:
        facts, figures = digest_facts(ledger, settings, now)
    limit = chase_rules(settings).attach_master_max_bytes
    payload = master.path.read_bytes() if master.path.exists() and limit > 0 else None
    attach = payload if payload is not None and len(payload) <= limit else None
    note = "attached" if attach else "off" if limit <= 0 else "none" if payload is None else "too_large"
    facts = dataclasses.replace(facts, master_note=note)
    how = Composing(rules.identity, now)
    mails = [digest(facts, to, how, attach) for to in settings.digest.recipients]
    return facts, figures, mails


def queue_digest(settings: Settings, now: dt.datetime, prepared: Digest | None = None) -> bool:
    """Queue the day's digest (once a day); False when it was already queued or nobody receives it.
    `prepared`: `digest_mails(settings, now)` when the caller composed it already."""
    facts, figures, mails = digest_mails(settings, now) if prepared is None else prepared
    if not mails:
        return False
    queued = [QueuedReply("digest", m.message_id, m.to_address, m.raw) for m in mails]
    with open_ledger(settings) as ledger:
        return ledger.queue_digest(facts.day.isoformat(), figures, queued)


def write_preview(mails: list[ChaseMail], folder: Path) -> list[Path]:
    """Each mail as an .eml file a person opens in a mail program."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n, mail in enumerate(mails, start=1):
        path = folder / f"{n:03d}-{mail.kind}-{mail.to_address.replace('@', '_at_')}.eml"
        path.write_bytes(mail.raw)
        written.append(path)
    return written
