"""Read-only queries over the ledger that the master workbook and the status command project (a
province's current dataset and its completeness are in storage/dataset.py).

`history` is every mail received, each submission of a mail that filed a workbook, else the mail itself
(no attachment, a conversation, a link, a robot's mail, one held or quarantined, one still being handled).

Every query names its columns, so a column the ledger grows later (a sender-verification flag, say) changes
nothing here. Times come back as aware datetimes; "after the deadline" means after the deadline day ends in
Bangkok.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from storage.ledger import Ledger, MailState, ReplyState, SenderVerdict, SubmissionStatus
from storage.thai import parse_iso

FILED = ("accepted", "rejected")  # statuses that are a version of a province's report


@dataclass(frozen=True, slots=True)
class SubmissionView:
    id: int
    received_at: dt.datetime
    province: str | None
    filename: str
    sender: str
    status: SubmissionStatus
    rows: int
    errors: int
    warnings: int
    message_id: str
    subject: str
    reply_state: ReplyState | Literal["none"]  # of the mail's latest reply
    sender_verdict: SenderVerdict | None = None  # None: no sender map
    mail_id: int = 0  # the mail that brought it (a re-judged mail files new submissions of the same mail)


@dataclass(frozen=True, slots=True)
class MailView:
    """A mail that filed no submission, dated by when the server received it (a mail a ledger older than
    schema 3 recorded: by when the bot first saw it, minutes after its arrival at most)."""

    mail_id: int
    received_at: dt.datetime  # when the server received it (a ledger before schema 3: when first seen)
    sender: str
    subject: str
    message_id: str
    state: MailState
    outcome: str | None  # no_attachment | conversation | link_only | suppressed | held | quarantined | None
    reason: str | None  # why it was suppressed or held (a policy reason code)
    reply_state: ReplyState | Literal["none"]


@dataclass(frozen=True, slots=True)
class ReminderView:
    """A reminder the deadline chase sent a province (storage/chase.py), dated when it was queued."""

    mail_id: int  # 0: it answers no mail
    received_at: dt.datetime
    province: str
    to_address: str
    reported: int
    expected: int
    reply_state: str


HistoryLine = SubmissionView | MailView | ReminderView


@dataclass(frozen=True, slots=True)
class FindingView:
    province: str
    filename: str
    severity: str
    code: str
    sheet: str | None
    row: int | None
    column: str | None
    header: str | None
    value: str | None
    suggestion: str | None
    message: str
    ctx: dict[str, object]


def submissions(ledger: Ledger) -> list[SubmissionView]:
    """Every submission, in the order the mails arrived (then filing order: re-judging an old mail never
    makes it the latest version), with its mail's identity and the state of its reply."""
    rows = ledger.conn.execute(
        "SELECT s.id, s.received_at, s.province, s.filename, s.sender, s.status, s.rows, s.errors, "
        "s.warnings, m.message_id, m.subject, COALESCE(r.state, 'none'), s.sender_verdict, m.id "
        "FROM submissions s JOIN mails m ON m.id = s.mail_id "
        "LEFT JOIN replies r ON r.id = (SELECT MAX(id) FROM replies "
        "WHERE mail_id = m.id AND kind != 'operator_notice') ORDER BY s.received_at, m.id, s.id"
    ).fetchall()
    return [SubmissionView(r[0], parse_iso(r[1]), *r[2:]) for r in rows]


def mails_without_submissions(ledger: Ledger) -> list[MailView]:
    """Every mail that filed no submission, in the order the ledger first saw them."""
    rows = ledger.conn.execute(
        "SELECT m.id, COALESCE(m.received_at, m.first_seen_at), m.from_address, m.subject, m.message_id, "
        "m.state, m.outcome, "
        "m.reason, COALESCE(r.state, 'none') FROM mails m "
        "LEFT JOIN replies r ON r.id = (SELECT MAX(id) FROM replies "
        "WHERE mail_id = m.id AND kind != 'operator_notice') "
        "WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.mail_id = m.id) ORDER BY m.id"
    ).fetchall()
    return [MailView(r[0], parse_iso(r[1]), *r[2:]) for r in rows]


def history(ledger: Ledger, subs: Sequence[SubmissionView] | None = None) -> list[HistoryLine]:
    """Every mail received, in the order they arrived (then the ledger's order): each submission of a mail
    that filed any, else the mail itself; and every reminder sent to a province, when it was queued.
    `subs`: `submissions(ledger)` when the caller has it already."""
    reminders = [ReminderView(0, parse_iso(r.created_at), r.province, r.to_address, r.reported, r.expected,
                              r.state) for r in ledger.reminders()]  # fmt: skip
    lines: list[HistoryLine] = [*(submissions(ledger) if subs is None else subs),
                                *mails_without_submissions(ledger), *reminders]  # fmt: skip
    return sorted(
        lines, key=lambda x: (x.received_at, x.mail_id, x.id if isinstance(x, SubmissionView) else 0)
    )


def _latest(
    subs: Iterable[SubmissionView], statuses: Sequence[str], order: Sequence[str]
) -> list[SubmissionView]:
    """Each province's latest submission among `statuses`, provinces in `order` first, then by name."""
    latest: dict[str, SubmissionView] = {}
    for s in subs:
        if s.province and s.status in statuses:
            latest[s.province] = s
    rank = {p: i for i, p in enumerate(order)}
    return sorted(latest.values(), key=lambda s: (rank.get(s.province or "", len(rank)), s.province or ""))


def latest_rejected_findings(ledger: Ledger, order: Sequence[str] = ()) -> list[FindingView]:
    """Findings of each province's latest version when that version was rejected (still to be fixed)."""
    out: list[FindingView] = []
    for sub in _latest(submissions(ledger), FILED, order):
        if sub.status != "rejected":
            continue
        rows = ledger.conn.execute(
            "SELECT severity, code, sheet, row, col, header, value, suggestion, message, ctx FROM findings "
            "WHERE submission_id = ? ORDER BY rowid",
            (sub.id,),
        )
        out.extend(
            FindingView(sub.province or "", sub.filename, sev, code, sheet, row, col, header, value, sugg,
                        message, json.loads(ctx))
            for sev, code, sheet, row, col, header, value, sugg, message, ctx in rows
        )  # fmt: skip
    return out
