"""The use case: one mail from the inbox to the ledger, the master workbook and the reply.

Order per mail: archive → judge → commit → send reply → mark in the mailbox. Every step is safe to repeat:
the archive is content-addressed, the ledger knows each mail by the sha256 of its bytes, a reply is sent
only while the ledger says it is pending, and a handled mail found again is only moved, never re-judged.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from validators.messages import message_for

from bot.errors import SendError
from bot.mail import Attachment, IncomingMail, parse_mail
from bot.ports import Inbox, InboxMessage, Outbox
from bot.replies import FileResult, compose_reply, mail_kind
from parsers import ParseError, parse_workbook
from storage.archive import Archive
from storage.ledger import Ledger, NewSubmission
from storage.master import build_master
from validators import Form, Registry, validate
from validators.findings import Finding, Report, Severity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What handle_message needs besides its ports; the clock is an argument so tests can fix it."""

    ledger: Ledger
    archive: Archive
    registry: Registry
    form: Form
    from_address: str
    from_name: str
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


@dataclass
class CycleSummary:
    seen: int = 0
    handled: int = 0
    skipped: int = 0
    failed: int = 0
    replies_sent: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def judge_attachment(att: Attachment, registry: Registry, form: Form) -> Report:
    """Parse and validate one attachment; a file that cannot be read is a finding, not an exception."""
    try:
        workbook = parse_workbook(att.payload, att.filename)
    except ParseError as e:
        finding = Finding(code=e.code, severity=Severity.ERROR, value=att.filename, ctx=dict(e.ctx))
        return Report(filename=att.filename, province=None, findings=(finding,), readable=False)
    return validate(workbook, registry, form)


def _judge(mail: IncomingMail, ctx: Context) -> tuple[list[FileResult], list[NewSubmission]]:
    results: list[FileResult] = []
    submissions: list[NewSubmission] = []
    for att in mail.spreadsheets:
        if ctx.ledger.filed_status(att.sha256) is not None:
            results.append(FileResult(att.filename, "duplicate"))
            submissions.append(NewSubmission(att.sha256, att.filename, None, "duplicate", 0, (), ()))
            continue
        report = judge_attachment(att, ctx.registry, ctx.form)
        results.append(
            FileResult(att.filename, report.status, report.province, len(report.records), report.expected,
                       report.findings)
        )  # fmt: skip
        records = report.records if report.status == "accepted" else ()
        submissions.append(
            NewSubmission(
                att.sha256, att.filename, report.province, report.status, report.expected,
                [(f, message_for(f)) for f in report.findings], records,
            )
        )  # fmt: skip
    return results, submissions


def handle_message(message: InboxMessage, inbox: Inbox, outbox: Outbox, ctx: Context) -> str:
    """Handle one message end to end and return its outcome word (or "skipped" when already handled)."""
    started = time.perf_counter()
    sha256 = ctx.archive.store(message.raw)
    mail = parse_mail(message.raw)
    known = ctx.ledger.mail_by_sha(sha256)
    if known is not None and known.state != "new":
        _send_pending(ctx, outbox, mail_id=known.id)
        inbox.mark_handled(message)
        log.info("uid=%s message_id=%s outcome=skipped reason=already_handled", message.uid, mail.message_id)
        return "skipped"
    row = ctx.ledger.register_mail(sha256, mail.message_id, mail.from_address, mail.subject, message.source)
    results, submissions = _judge(mail, ctx)
    reply = compose_reply(
        mail, results, from_address=ctx.from_address, from_name=ctx.from_name, now=ctx.clock()
    )
    received_at = message.received_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    ctx.ledger.record_judgement(
        row.id,
        reply.kind,
        mail.from_address,
        received_at,
        submissions,
        (reply.kind, reply.message_id, reply.to_address, reply.raw) if reply.to_address else None,
    )
    _send_pending(ctx, outbox, mail_id=row.id)
    inbox.mark_handled(message)
    provinces = ",".join(sorted({r.province for r in results if r.province})) or "-"
    log.info(
        "uid=%s message_id=%s province=%s outcome=%s findings=%d ms=%d",
        message.uid, mail.message_id, provinces, reply.kind, sum(len(r.findings) for r in results),
        (time.perf_counter() - started) * 1000,
    )  # fmt: skip
    return reply.kind


def _send_pending(ctx: Context, outbox: Outbox, mail_id: int | None = None) -> int:
    sent = 0
    for pending in ctx.ledger.pending_replies():
        if mail_id is not None and pending.mail_id != mail_id:
            continue
        outbox.send(pending.message_id, pending.to_address, pending.raw)
        ctx.ledger.mark_reply_sent(pending.id)
        sent += 1
    return sent


def run_cycle(
    inbox: Inbox, outbox: Outbox, ctx: Context, stop: Callable[[], bool] = lambda: False
) -> CycleSummary:
    """One poll: flush replies left pending by an earlier run, then handle every unhandled message.

    `stop` is asked before each message, so a SIGTERM finishes the mail in hand and no more.
    """
    summary = CycleSummary()
    try:
        summary.replies_sent += _send_pending(ctx, outbox)
    except SendError as e:
        log.warning("pending replies not sent yet: %s", e)
    for message in inbox.messages():
        if stop():
            break
        summary.seen += 1
        try:
            outcome = handle_message(message, inbox, outbox, ctx)
        except Exception as e:  # the one broad net: log, keep the mail for the next cycle, move on
            summary.failed += 1
            log.error("uid=%s outcome=failed error=%s", message.uid, e, exc_info=True)
            continue
        if outcome == "skipped":
            summary.skipped += 1
        else:
            summary.handled += 1
            summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
    return summary


def rebuild_master(ctx: Context, target: Path, deadline: dt.date) -> None:
    """Project the ledger into the master workbook (atomic replace)."""
    expected = {p: len(ctx.registry.laos_in(p)) for p in ctx.registry.provinces()}
    build_master(ctx.ledger.conn, expected, deadline, target)


__all__ = ["Context", "CycleSummary", "handle_message", "judge_attachment", "mail_kind", "run_cycle"]
