"""The reply to a province's mail: rendered from outbox_templates/ and built as MIME bytes, threaded to it.

Kinds (texts.ReplyKind): accepted (the province complete), partial (filed, the province not yet
complete), late (completed after the deadline), rejected, unreadable, duplicate, mixed (some files filed,
some not), no_attachment, conversation (a mail without a file answering one of our replies), link_only.
Every reply has a text and an HTML alternative; a rejection carries the province's workbook with the
erroneous cells marked (markup.py) and the blank form of its province. Thai text lives in the templates
and in texts.py, keyed by code.

Each reply is written as a letter of the department: addressed to the office of the province its files
are about (`salutation`), citing the letter of the round, giving the deadline when it asks for something,
closed by the formula that fits (`asks_for_action`) and signed with the unit and telephone of [contact].
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.replies.mime import ReplyAttachment, attachment_part, new_message, wire_bytes
from bot.replies.standing import NOTHING_MORE, Standing, province_views
from bot.replies.templates import render_template, shorten
from bot.replies.texts import (
    CLOSING_ACTION,
    CLOSING_INFORM,
    FORMATS,
    SALUTATION_NEUTRAL,
    SALUTATION_PROVINCE,
    SUBJECT_WORDS,
    TEXT,
    ReplyKind,
    finding_text,
)
from bot.usecase.incoming import IncomingMail
from bot.usecase.rules import Identity
from storage.ledger import SenderVerdict, SubmissionStatus
from storage.template import TemplateError, write_template
from validators.findings import Finding, Report, Severity
from validators.form import Form
from validators.messages import heading_for
from validators.registry import Registry

log = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 30
MAX_LISTED_WARNINGS = 10
MAX_SUBJECT_CHARS = 200
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024  # Gmail takes 25 MB after base64 (+37 %)
ASCII_NAMES = {"annotated": "report-errors", "blank_form": "blank-form"}
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw|ตอบกลับ|ตอบ)\s*(?:\[\d+\])?\s*[::]\s*)+", re.IGNORECASE)
_STATUS_SUFFIX = re.compile(
    r"(?:\s*\[(?:" + "|".join(re.escape(w) for w in SUBJECT_WORDS.values()) + r")\])+\s*$"
)
_MSG_ID = re.compile(r"<[^<>\s\"]{1,250}>")
_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+")


@dataclass(frozen=True, slots=True)
class FileResult:
    """The judgement of one attachment, as the reply needs it."""

    filename: str
    status: SubmissionStatus
    province: str | None = None
    rows: int = 0
    expected: int = 0
    findings: tuple[Finding, ...] = field(default=())
    attachments: tuple[ReplyAttachment, ...] = ()  # from rejection_attachments()
    first_status: str | None = None  # for a duplicate: how the first copy was judged (accepted | rejected)
    sender_verdict: SenderVerdict | None = None  # policy.sender_verdict; "unverified" adds a note

    @classmethod
    def of(
        cls,
        report: Report,
        attachments: tuple[ReplyAttachment, ...] = (),
        sender_verdict: SenderVerdict | None = None,
    ) -> FileResult:
        return cls(report.filename, report.status, report.province, len(report.records), report.expected,
                   report.findings, attachments, sender_verdict=sender_verdict)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reply:
    kind: ReplyKind
    message_id: str
    to_address: str  # "" when the sender gave no usable address: nothing to send
    raw: bytes


# ---------------------------------------------------------------------------------------------- kinds


def mail_kind(
    results: Sequence[FileResult], standing: Standing = NOTHING_MORE, links: bool = False
) -> ReplyKind:
    """The mail's outcome: mixed when some files were filed and some not, else the worst status; accepted
    files of a province that is not yet complete make it partial. Without a workbook: link_only when it
    links to a shared file, a conversation when it answers one of our replies, else no_attachment."""
    if not results:
        return "link_only" if links else ("conversation" if standing.answering else "no_attachment")
    statuses = {r.status for r in results}
    if "accepted" in statuses and statuses & {"rejected", "unreadable"}:
        return "mixed"
    if "rejected" in statuses:
        return "rejected"
    if "unreadable" in statuses:
        return "unreadable"
    if "accepted" in statuses:
        return "partial" if standing.incomplete else ("late" if standing.late else "accepted")
    return "duplicate"


ACTION_KINDS: frozenset[ReplyKind] = frozenset(
    {"partial", "rejected", "unreadable", "mixed", "no_attachment", "link_only"}
)


def asks_for_action(kind: ReplyKind, results: Sequence[FileResult]) -> bool:
    """The reply asks the province for something (a file, a correction, the missing LAOs): it gives the
    deadline and closes "โปรดดำเนินการ"; else it only informs ("โปรดทราบ"). A duplicate asks for action
    when a file it repeats had been rejected."""
    if kind == "duplicate":
        return any(r.first_status == "rejected" for r in results)
    return kind in ACTION_KINDS


def salutation(results: Sequence[FileResult], standing: Standing = NOTHING_MORE) -> str:
    """Whom the reply is addressed to: the office of the one province its files are about; a neutral
    form when no file names a known province or when the files are about several (the file sections then
    name each). Never the sender's display name or address."""
    provinces = {r.province for r in results if r.province} | {p.province for p in standing.provinces}
    if len(provinces) == 1:
        return SALUTATION_PROVINCE.format(province=shorten(provinces.pop()))
    return SALUTATION_NEUTRAL


def answers_our_subject(subject: str) -> bool:
    """The subject carries one of our status words in brackets: the sender replied to one of our replies."""
    return bool(_STATUS_SUFFIX.search(" ".join(subject.split())))


def reply_subject(original: str, kind: ReplyKind) -> str:
    """`Re: <original> [<status word>]`: one Re:, no stacked status words, one line, capped."""
    base = " ".join(original.split())
    base = _STATUS_SUFFIX.sub("", _REPLY_PREFIX.sub("", base)).strip()
    if len(base) > MAX_SUBJECT_CHARS:
        base = base[:MAX_SUBJECT_CHARS].rstrip() + "…"
    return f"Re: {base or TEXT['default_subject']} [{SUBJECT_WORDS[kind]}]"


# -------------------------------------------------------------------------------------------- rendering


def _one_line(f: Finding) -> str:
    """The finding's Thai text on one line (a header of the form may hold a line break)."""
    return " ".join(finding_text(f).split())


def _item(f: Finding) -> dict[str, Any]:
    return {
        "sheet": f.sheet or "", "row": f.row or "", "column": f.column or "", "header": shorten(f.header),
        "value": shorten(f.value), "suggestion": shorten(f.suggestion), "message": _one_line(f),
    }  # fmt: skip


def _groups(errors: Sequence[Finding], cap: int) -> list[dict[str, Any]]:
    """Errors grouped by code (in order of first appearance); `cap` items shown, shared round-robin."""
    by_code: dict[str, list[Finding]] = {}
    for f in errors:
        by_code.setdefault(f.code, []).append(f)
    shown = dict.fromkeys(by_code, 0)
    left = cap
    while left > 0 and any(shown[c] < len(fs) for c, fs in by_code.items()):
        for code, fs in by_code.items():
            if left > 0 and shown[code] < len(fs):
                shown[code] += 1
                left -= 1
    groups = []
    for code, fs in by_code.items():
        items = [_item(f) for f in fs[: shown[code]]]
        # Titled by the code's own heading; a message every item shares is said once under it, otherwise
        # each item carries its own (a group never borrows its first item's message).
        messages = {_one_line(f) for f in fs}
        common = messages.pop() if len(messages) == 1 else ""
        for item in items:
            item["own_message"] = not common
        groups.append({
            "code": code, "title": heading_for(code), "common": common, "count": len(fs), "entries": items,
            "more": len(fs) - shown[code],
        })  # fmt: skip
    return groups


def _file_view(
    r: FileResult, late: bool, attachments: Sequence[tuple[ReplyAttachment, str]]
) -> dict[str, Any]:
    errors = [f for f in r.findings if f.severity == Severity.ERROR]
    # The LAOs a file lacks are the province's business: the reply lists what the province still lacks.
    warnings = [f for f in r.findings if f.severity == Severity.WARNING and f.code != "laos_missing"]
    groups = _groups(errors, MAX_LISTED_ERRORS)
    return {
        "filename": shorten(r.filename), "status": r.status, "province": r.province or "",
        "rows": r.rows, "expected": r.expected, "late": late and r.status == "accepted",
        "error_count": len(errors), "groups": groups,
        "errors_more": len(errors) - sum(len(g["entries"]) for g in groups),
        "file_messages": [_one_line(f) for f in errors if not f.row],
        "warnings": [_item(f) for f in warnings[:MAX_LISTED_WARNINGS]],
        "warnings_more": max(0, len(warnings) - MAX_LISTED_WARNINGS),
        "attachments": [{"kind": a.kind, "filename": a.filename} for a, _ in attachments
                        if a in r.attachments],
        "first_status": r.first_status or "", "sender_unverified": r.sender_verdict == "unverified"
        and not any(f.code == "province_sender_mismatch" for f in r.findings),
    }  # fmt: skip


def _letter_view(sender: Identity, kind: ReplyKind, results: Sequence[FileResult], standing: Standing
                 ) -> dict[str, Any]:  # fmt: skip
    """What makes the reply a letter: addressee, the letter cited, the deadline, closing and signature."""
    action = asks_for_action(kind, results)
    province = salutation(results, standing) != SALUTATION_NEUTRAL
    return {
        "salutation": salutation(results, standing), "you": "จังหวัด" if province else "ท่าน",
        **letter_view(sender, standing.late_after or sender.letter.deadline, action=action),
    }  # fmt: skip


def letter_view(sender: Identity, deadline: dt.date | None, *, action: bool) -> dict[str, Any]:
    """The parts every letter of ours shares (replies and reminders alike): the letter cited, the deadline,
    the one instruction on how to send, the closing formula, the signature block from [contact]."""
    contact, letter = sender.contact, sender.letter
    return {
        "letter": {"reference": letter.reference, "dated": letter.dated, "report": TEXT["report"]},
        "deadline": deadline, "action": action,
        "closing": CLOSING_ACTION if action else CLOSING_INFORM, "formats": FORMATS,
        "signature": shorten(sender.from_name), "mailbox": sender.from_address,
        "contact": {"unit": contact.unit, "group": contact.group, "telephone": contact.telephone,
                    "coordinator": contact.coordinator, "coordinator_email": contact.coordinator_email},
    }  # fmt: skip


def render_bodies(
    mail: IncomingMail,
    results: Sequence[FileResult],
    sender: Identity,
    standing: Standing = NOTHING_MORE,
    attachments: Sequence[tuple[ReplyAttachment, str]] = (),
) -> tuple[str, str]:
    """The (text, HTML) bodies of the reply to `mail`, signed by `sender`."""
    late = standing.late
    kind = mail_kind(results, standing, bool(mail.shared_links))
    files = [_file_view(r, late, attachments) for r in results]
    counts = {
        s: sum(1 for r in results if r.status == s)
        for s in ("accepted", "rejected", "unreadable", "duplicate")
    }
    context = {
        "kind": kind, "subject": shorten(mail.subject), "files": files, "counts": counts, "late": late,
        "others": [shorten(o) for o in mail.other_attachments],
        "provinces": province_views(standing.provinces), "links": [shorten(u) for u in mail.shared_links],
        **_letter_view(sender, kind, results, standing),
    }  # fmt: skip
    return render_template(f"{kind}.txt.j2", **context), render_template(f"{kind}.html.j2", **context)


# ------------------------------------------------------------------------------------------ attachments


def rejection_attachments(
    filename: str,
    annotated: bytes | None,
    province: str | None,
    *,
    registry: Registry | None = None,
    form: Form | None = None,
) -> tuple[ReplyAttachment, ...]:
    """The province's workbook with its errors marked (`annotated`, made where the file was judged, see
    bot/adapters/judge_pool.py; None when openpyxl could not) and the province's blank form."""
    out: list[ReplyAttachment] = []
    if annotated is not None:
        out.append(ReplyAttachment("annotated", annotated_name(filename), annotated))
    if province and registry is not None and form is not None:
        try:
            blank = write_template(province, registry, form)
        except TemplateError:
            log.info("no blank form for unknown province %r", province)
        else:
            out.append(
                ReplyAttachment("blank_form", TEXT["blank_form_name"].format(province=province), blank)
            )
    return tuple(out)


def annotated_name(filename: str) -> str:
    """`<their file name> - จุดที่ต้องแก้ไข.xlsx`, cleaned of paths, control characters and excess length."""
    stem = re.split(r"[/\\]", filename)[-1]
    stem = re.sub(r"\.(xlsx|xlsm|xls|ods)$", "", stem, flags=re.IGNORECASE)
    stem = " ".join(re.sub(r"[\x00-\x1f\x7f\"*:<>?|]", " ", stem).split())[:80] or "report"
    return TEXT["annotated_name"].format(stem=stem)


def _budgeted(results: Sequence[FileResult]) -> list[tuple[ReplyAttachment, str]]:
    """Each attachment once (blank forms are shared), within the size budget, with its ASCII name."""
    chosen: list[ReplyAttachment] = []
    seen: set[tuple[str, str]] = set()
    total = 0
    for att in (a for r in results for a in r.attachments):
        if (att.kind, att.filename) in seen or total + len(att.payload) > MAX_ATTACHMENT_BYTES:
            continue
        seen.add((att.kind, att.filename))
        chosen.append(att)
        total += len(att.payload)
    numbered: list[tuple[ReplyAttachment, str]] = []
    for att in chosen:
        same = [a for a in chosen if a.kind == att.kind]
        base = ASCII_NAMES.get(att.kind, "attachment")
        suffix = f"-{same.index(att) + 1}" if len(same) > 1 else ""
        numbered.append((att, f"{base}{suffix}.xlsx"))
    return numbered


# ------------------------------------------------------------------------------------------------ mails


def reply_address(mail: IncomingMail) -> str:
    """The From address (never Reply-To), or "" when it is not a plausible address."""
    address = mail.from_address.strip()
    return address if _ADDRESS.fullmatch(address) else ""


def compose_reply(
    mail: IncomingMail,
    results: Sequence[FileResult],
    sender: Identity,
    now: dt.datetime,
    standing: Standing = NOTHING_MORE,
) -> Reply:
    """The reply as bytes: our own Message-ID, threaded (In-Reply-To, References), marked auto-replied.

    `standing`: lateness (policy.is_late), each province's completeness once this mail is filed, whether
    the mail answers one of our replies. Attachments come from each FileResult (rejection_attachments).
    """
    kind = mail_kind(results, standing, bool(mail.shared_links))
    to_address = reply_address(mail)
    msg = new_message(
        email.utils.formataddr((sender.from_name, sender.from_address)),
        to_address or "undisclosed-recipients:;", reply_subject(mail.subject, kind), now, "localreport",
    )  # fmt: skip
    parent = _MSG_ID.search(mail.message_id)
    if parent:
        msg["In-Reply-To"] = parent.group(0)
        refs = [r for r in mail.references if _MSG_ID.fullmatch(r) and r != parent.group(0)][-10:]
        msg["References"] = " ".join([*refs, parent.group(0)])
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Localreport-Outcome"] = kind
    attachments = _budgeted(results)
    text, html = render_bodies(mail, results, sender, standing, attachments)
    msg.set_content(text, charset="utf-8", cte="base64")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    if attachments:
        msg.make_mixed()
        for att, ascii_name in attachments:
            msg.attach(attachment_part(att, ascii_name))
    return Reply(kind, str(msg["Message-ID"]), to_address, wire_bytes(msg, to_address))
