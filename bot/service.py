"""The use case: one mail from the inbox to the ledger, the master workbook and the reply.

Order per mail: archive → judge → commit → send reply → mark in the mailbox. Every step is safe to repeat:
the archive is content-addressed, the ledger knows each mail by the sha256 of its bytes, a reply is sent
only while the ledger says it is pending, and a handled mail found again is only moved, never re-judged.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.context import Context, CycleSummary
from bot.errors import BotError
from bot.faults import crashpoint
from bot.mail import IncomingMail, parse_mail
from bot.policy import dmarc_verdict, is_late, rate_limit_reason, robot_reason, sender_verdict
from bot.ports import Inbox, InboxMessage, Outbox
from bot.progress import Progress
from bot.replies import (
    FileResult,
    Reply,
    compose_hold_notice,
    compose_operator_notice,
    compose_reply,
    rejection_attachments,
)
from storage.ledger import Ledger, NewSubmission
from storage.master import build_master
from validators import Registry
from validators.messages import message_for

log = logging.getLogger(__name__)
SOFT_ROBOT_SIGNALS = frozenset({"vendor_auto_reply", "precedence_bulk", "mailing_list"})


def judge_mail(
    mail: IncomingMail, ctx: Context, *, refile: bool = False
) -> tuple[list[FileResult], list[NewSubmission]]:
    """Judge every spreadsheet of a mail; a file filed before is a duplicate, unless `refile` (reprocess)."""
    results: list[FileResult] = []
    submissions: list[NewSubmission] = []
    fresh = list(
        {
            a.sha256: a for a in mail.spreadsheets if refile or ctx.ledger.filed_status(a.sha256) is None
        }.values()
    )
    judged = dict(zip((a.sha256 for a in fresh), ctx.judge(fresh), strict=True))
    for att in mail.spreadsheets:
        judgement = judged.pop(att.sha256, None)  # the same file twice in one mail: the second is a duplicate
        if judgement is None:
            results.append(
                FileResult(att.filename, "duplicate", first_status=ctx.ledger.filed_status(att.sha256))
            )
            submissions.append(NewSubmission(att.sha256, att.filename, None, "duplicate", 0, (), ()))
            continue
        report = judgement.report
        verdict = (
            sender_verdict(report.province, mail.from_address, ctx.sender_map)
            if ctx.sender_map and report.province else None
        )  # fmt: skip
        attachments = (
            rejection_attachments(att.filename, judgement.annotated, report.province,
                                  registry=ctx.registry, form=ctx.form)
            if report.status == "rejected" else ()
        )  # fmt: skip
        results.append(
            FileResult(att.filename, report.status, report.province, len(report.records), report.expected,
                       report.findings, attachments=attachments, sender_verdict=verdict)
        )  # fmt: skip
        records = report.records if report.status == "accepted" else ()
        submissions.append(
            NewSubmission(
                att.sha256, att.filename, report.province, report.status, report.expected,
                [(f, message_for(f)) for f in report.findings], records, verdict,
            )
        )  # fmt: skip
    return results, submissions


def handle_message(message: InboxMessage, inbox: Inbox, outbox: Outbox, ctx: Context) -> str:
    """Handle one message end to end and return its outcome word (or "skipped" when already handled)."""
    started = time.perf_counter()
    sha256 = ctx.archive.store(message.raw)
    mail = parse_mail(message.raw, ctx.limits)
    known = ctx.ledger.mail_by_sha(sha256) or ctx.ledger.mail_by_fingerprint(mail.fingerprint)
    if known is not None and known.state != "new":
        send_pending(ctx, outbox, mail_id=known.id)
        (inbox.quarantine if known.state == "quarantined" else inbox.mark_handled)(message)
        log.info(
            "uid=%s message_id=%s outcome=skipped reason=already_%s",
            message.uid,
            mail.message_id,
            known.state,
        )
        return "skipped"
    # The attempt is counted (and committed) before judging: a mail that kills the process is
    # quarantined after max_attempts restarts instead of crash-looping the daemon.
    row = ctx.ledger.register_mail(
        sha256, mail.fingerprint, mail.message_id, mail.from_address, mail.subject, message.source
    )
    if row.attempts > ctx.max_attempts:
        return _quarantine(message, mail, sha256, row.id, row.attempts, inbox, outbox, ctx)
    crashpoint("after_archive")  # archived and its attempt counted; nothing judged yet
    gated = _gate(message, mail, sha256, row.id, inbox, outbox, ctx)
    if gated is not None:
        return gated
    outcome, results = _judge_file_answer(message, mail, sha256, row.id, inbox, outbox, ctx)
    provinces = ",".join(sorted({r.province for r in results if r.province})) or "-"
    log.info(
        "uid=%s message_id=%s province=%s outcome=%s findings=%d ms=%d",
        message.uid, mail.message_id, provinces, outcome, sum(len(r.findings) for r in results),
        (time.perf_counter() - started) * 1000,
    )  # fmt: skip
    return outcome


def _gate(
    message: InboxMessage, mail: IncomingMail, sha256: str, mail_id: int,
    inbox: Inbox, outbox: Outbox, ctx: Context,
) -> str | None:  # fmt: skip
    """Robots are never answered; doubtful mail is held for a person. None: go on and judge it."""
    robot = robot_reason(mail, ctx.own_addresses)
    if robot in SOFT_ROBOT_SIGNALS and mail.spreadsheets:
        # A list or bulk header on a mail that carries a workbook may be a province's report sent through a
        # group: never answered automatically, but kept for a person rather than dropped.
        return _hold(message, mail, sha256, mail_id, f"{robot}_with_workbook", inbox, outbox, ctx)
    if robot is not None:  # bounces, auto-replies, ourselves: not even judged (a bounce carries our own copy)
        ctx.ledger.record_without_reply(mail_id, "suppressed", robot)
        inbox.mark_handled(message)
        log.info("uid=%s message_id=%s outcome=suppressed reason=%s", message.uid, mail.message_id, robot)
        return "suppressed"
    if ctx.dmarc_authserv_id is not None:
        verdict = dmarc_verdict(mail.headers, ctx.dmarc_authserv_id, mail.from_address)
        if verdict != "pass":
            return _hold(message, mail, sha256, mail_id, f"dmarc_{verdict}", inbox, outbox, ctx)
    return None


def _judge_file_answer(
    message: InboxMessage, mail: IncomingMail, sha256: str, mail_id: int,
    inbox: Inbox, outbox: Outbox, ctx: Context,
) -> tuple[str, list[FileResult]]:  # fmt: skip
    """Judge, commit the filing and the reply in one transaction, send, then move the mail."""
    results, submissions = judge_mail(mail, ctx)
    if ctx.hold_unlisted and any(r.sender_verdict == "unverified" for r in results):
        return _hold(message, mail, sha256, mail_id, "sender_unlisted", inbox, outbox, ctx), results
    now = ctx.clock()
    reply = reply_for(mail, results, message.received_at, now, ctx)
    limited = _sender_limited(ctx, reply.to_address, now)
    if limited:
        log.warning("uid=%s message_id=%s reply suppressed reason=%s", message.uid, mail.message_id, limited)
    received_at = message.received_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    queued = (reply.kind, reply.message_id, reply.to_address, reply.raw) if reply.to_address else None
    ctx.ledger.record_judgement(
        mail_id, reply.kind, mail.from_address, received_at, submissions, queued,
        reply_state="suppressed" if limited else "pending", reply_reason=limited,
    )  # fmt: skip
    crashpoint("after_commit")
    send_pending(ctx, outbox, mail_id=mail_id)
    crashpoint("before_move")
    inbox.mark_handled(message)
    return reply.kind, results


def reply_for(
    mail: IncomingMail,
    results: Sequence[FileResult],
    received_at: dt.datetime,
    now: dt.datetime,
    ctx: Context,
) -> Reply:
    """The reply to a judged mail: late when it arrived after the deadline day."""
    late = ctx.deadline is not None and is_late(received_at, ctx.deadline)
    return compose_reply(
        mail, results, from_address=ctx.from_address, from_name=ctx.from_name, now=now,
        late=late, deadline=ctx.deadline,
    )  # fmt: skip


def _sender_limited(ctx: Context, to_address: str, now: dt.datetime) -> str | None:
    if not to_address or ctx.per_sender_per_hour is None:
        return None
    recent = ctx.ledger.reply_times(now - dt.timedelta(hours=1), to_address=to_address)
    return rate_limit_reason(recent, [], now, per_sender_per_hour=ctx.per_sender_per_hour, daily_cap=None)


def _daily_cap_reached(ctx: Context) -> bool:
    if ctx.daily_cap is None:
        return False
    now = ctx.clock()
    sent = ctx.ledger.reply_times(now - dt.timedelta(days=1), sent_only=True)
    return rate_limit_reason([], sent, now, per_sender_per_hour=None, daily_cap=ctx.daily_cap) is not None


def _hold(
    message: InboxMessage, mail: IncomingMail, sha256: str, mail_id: int, reason: str,
    inbox: Inbox, outbox: Outbox, ctx: Context,
) -> str:  # fmt: skip
    """Keep a mail for a person (no reply, not filed): moved to quarantine, the operator told why."""
    notice = functools.partial(compose_hold_notice, mail, sha256, reason)
    return _set_aside(message, mail, mail_id, "held", reason, notice, inbox, outbox, ctx)


def _quarantine(
    message: InboxMessage, mail: IncomingMail, sha256: str, mail_id: int, attempts: int,
    inbox: Inbox, outbox: Outbox, ctx: Context,
) -> str:  # fmt: skip
    """Give up on a mail whose handling failed (or killed the process) too often."""
    notice = functools.partial(compose_operator_notice, mail, sha256, attempts)
    reason = f"failed_{attempts - 1}_times"
    return _set_aside(message, mail, mail_id, "quarantined", reason, notice, inbox, outbox, ctx)


def _set_aside(
    message: InboxMessage, mail: IncomingMail, mail_id: int, outcome: str, reason: str,
    notice: Callable[..., Reply], inbox: Inbox, outbox: Outbox, ctx: Context,
) -> str:  # fmt: skip
    """Record why no province reply goes out, tell the operator, move the mail to the quarantine folder."""
    told = None
    if ctx.operator_address:
        n = notice(from_address=ctx.from_address, to_address=ctx.operator_address, now=ctx.clock())
        told = (n.message_id, n.to_address, n.raw)
    ctx.ledger.record_without_reply(mail_id, outcome, reason, told)
    send_pending(ctx, outbox, mail_id=mail_id)
    inbox.quarantine(message)
    log.warning("uid=%s message_id=%s outcome=%s reason=%s", message.uid, mail.message_id, outcome, reason)
    return outcome


def send_pending(ctx: Context, outbox: Outbox, mail_id: int | None = None) -> int:
    """Send the replies the ledger holds as pending; never twice (an uncertain one is looked up first)."""
    sent = 0
    for pending in ctx.ledger.pending_replies(mail_id):
        if _daily_cap_reached(ctx):
            log.warning("daily cap of %s replies reached; the rest wait in the ledger", ctx.daily_cap)
            break
        if pending.state == "sending" and outbox.was_sent(pending.message_id):
            log.info(
                "reply %s already reached the server before a crash; not sending again", pending.message_id
            )
            ctx.ledger.mark_reply_sent(pending.id)
            continue
        ctx.ledger.mark_reply_sending(pending.id)
        outbox.send(pending.message_id, pending.to_address, pending.raw)
        crashpoint("after_smtp_accept")
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
        summary.replies_sent += send_pending(ctx, outbox)
    except BotError as e:  # a reply that cannot go out now must never keep the inbox from being read
        log.warning("pending replies not sent yet: %s", e)
    progress = Progress("mail", None)  # a backfill of a whole mailbox shows how far it got
    for message in inbox.messages():
        if stop():
            break
        summary.seen += 1
        progress.step()
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
    progress.done()
    return summary


def rebuild_master(
    ledger: Ledger, registry: Registry, target: Path, deadline: dt.date, backups: int = 10
) -> None:
    """Project the ledger into the master workbook (atomic replace, the previous one backed up)."""
    expected = {p: len(registry.laos_in(p)) for p in registry.provinces()}
    build_master(ledger.conn, expected, deadline, target, backups=backups)
