"""Render a reply (jinja2 templates in outbox_templates/) and build its MIME bytes, threaded to the mail.

Kinds: accepted, late (accepted after the deadline), rejected, unreadable, duplicate, mixed (some
files filed, some not), no_attachment. Every reply has a text and an HTML alternative; a rejection
carries the province's workbook with the erroneous cells marked and the blank form of its province.
Thai text lives in the templates and in the small catalogues below, keyed by code.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2

from bot.mail import IncomingMail
from bot.mime import (
    POLICY,
    ReplyAttachment,
    attachment_part,
    domain_of,
    new_message,
)
from storage.template import TemplateError, write_template
from validators.findings import Finding, Severity
from validators.form import Form
from validators.messages import FIELDS, MESSAGES, message_for
from validators.registry import Registry

log = logging.getLogger(__name__)

KINDS = ("accepted", "late", "rejected", "unreadable", "duplicate", "mixed", "no_attachment")
MAX_LISTED_ERRORS = 30
MAX_LISTED_WARNINGS = 10
MAX_SHOWN_CHARS = 160  # a cell value or suggestion longer than this is cut in the mail (not in the workbook)
MAX_SUBJECT_CHARS = 200
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024  # Gmail takes 25 MB after base64 (+37 %)
SUBJECT_WORDS = {
    "accepted": "ได้รับรายงานแล้ว",
    "late": "ได้รับรายงานแล้ว หลังกำหนดส่ง",
    "rejected": "ต้องแก้ไข",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "duplicate": "เคยได้รับแล้ว",
    "mixed": "ต้องแก้ไขบางไฟล์",
    "no_attachment": "ไม่พบไฟล์ Excel",
}
TEXT = {  # the few Thai strings that are not a template: names and fallbacks, keyed by code
    "default_subject": "รายงานผลการประเมินผู้บริหารท้องถิ่น",
    "default_greeting": "ผู้ส่งรายงาน",
    "annotated_name": "{stem} - จุดที่ต้องแก้ไข.xlsx",
    "blank_form_name": "แบบฟอร์ม จังหวัด{province}.xlsx",
}
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
    status: str  # accepted | rejected | unreadable | duplicate
    province: str | None = None
    rows: int = 0
    expected: int = 0
    findings: tuple[Finding, ...] = field(default=())
    attachments: tuple[ReplyAttachment, ...] = ()  # from rejection_attachments()
    first_status: str | None = None  # for a duplicate: how the first copy was judged (accepted | rejected)
    sender_verdict: str | None = None  # policy.sender_verdict; "unverified" adds a note


@dataclass(frozen=True, slots=True)
class Reply:
    kind: str
    message_id: str
    to_address: str  # "" when the sender gave no usable address: nothing to send
    raw: bytes


# ---------------------------------------------------------------------------------------------- kinds


def mail_kind(results: Sequence[FileResult], late: bool = False) -> str:
    """The mail's outcome: mixed when some files were filed and some not, else the worst status."""
    if not results:
        return "no_attachment"
    statuses = {r.status for r in results}
    if "accepted" in statuses and statuses & {"rejected", "unreadable"}:
        return "mixed"
    for kind in ("rejected", "unreadable"):
        if kind in statuses:
            return kind
    if "accepted" in statuses:
        return "late" if late else "accepted"
    return "duplicate"


def reply_subject(original: str, kind: str) -> str:
    """`Re: <original> [<status word>]`: one Re:, no stacked status words, one line, capped."""
    base = " ".join(original.split())
    base = _STATUS_SUFFIX.sub("", _REPLY_PREFIX.sub("", base)).strip()
    if len(base) > MAX_SUBJECT_CHARS:
        base = base[:MAX_SUBJECT_CHARS].rstrip() + "…"
    return f"Re: {base or TEXT['default_subject']} [{SUBJECT_WORDS[kind]}]"


# -------------------------------------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("outbox_templates", "."),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render one template of outbox_templates/; a missing variable raises jinja2.UndefinedError."""
    return _env().get_template(name).render(**context)


def _shorten(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"


def finding_message(f: Finding) -> str:
    """The catalogue's message; a code or ctx the catalogue lacks degrades, it never breaks a reply."""
    try:
        return message_for(f)
    except (KeyError, IndexError, ValueError):
        log.warning("no Thai message for finding code=%s ctx=%s", f.code, sorted(f.ctx))
    if f.code not in MESSAGES:
        return MESSAGES["file_unreadable"] if f.code.startswith("file_") else f.code
    fields = _Blank({name: getattr(f, name) or "" for name in FIELDS})
    fields.update(f.ctx)
    return MESSAGES[f.code].format_map(fields)


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def cell_comment(f: Finding) -> str:
    """The comment put on an erroneous cell of the annotated workbook."""
    return render_template(
        "cell_comment.txt.j2", message=finding_message(f), value=_shorten(f.value),
        suggestion=_shorten(f.suggestion),
    ).strip()  # fmt: skip


def _item(f: Finding) -> dict[str, Any]:
    return {
        "sheet": f.sheet or "", "row": f.row or "", "column": f.column or "", "header": _shorten(f.header),
        "value": _shorten(f.value), "suggestion": _shorten(f.suggestion), "message": finding_message(f),
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
        title = finding_message(fs[0])
        for item in items:
            item["own_message"] = item["message"] != title
        groups.append(
            {"code": code, "title": title, "count": len(fs), "entries": items, "more": len(fs) - shown[code]}
        )
    return groups


def _file_view(
    r: FileResult, late: bool, attachments: Sequence[tuple[ReplyAttachment, str]]
) -> dict[str, Any]:
    errors = [f for f in r.findings if f.severity == Severity.ERROR]
    warnings = [f for f in r.findings if f.severity == Severity.WARNING]
    groups = _groups(errors, MAX_LISTED_ERRORS)
    return {
        "filename": _shorten(r.filename), "status": r.status, "province": r.province or "",
        "rows": r.rows, "expected": r.expected, "late": late and r.status == "accepted",
        "error_count": len(errors), "groups": groups,
        "errors_more": len(errors) - sum(len(g["entries"]) for g in groups),
        "file_messages": [finding_message(f) for f in errors if not f.row],
        "warnings": [_item(f) for f in warnings[:MAX_LISTED_WARNINGS]],
        "warnings_more": max(0, len(warnings) - MAX_LISTED_WARNINGS),
        "attachments": [{"kind": a.kind, "filename": a.filename} for a, _ in attachments
                        if a in r.attachments],
        "first_status": r.first_status or "", "sender_unverified": r.sender_verdict == "unverified",
    }  # fmt: skip


def render_bodies(
    mail: IncomingMail,
    results: Sequence[FileResult],
    *,
    signature: str,
    late: bool = False,
    deadline: dt.date | None = None,
    attachments: Sequence[tuple[ReplyAttachment, str]] = (),
) -> tuple[str, str]:
    """The (text, HTML) bodies of the reply to `mail`."""
    kind = mail_kind(results, late)
    greeting = _shorten(" ".join((mail.from_name or mail.from_address).split())) or TEXT["default_greeting"]
    files = [_file_view(r, late, attachments) for r in results]
    counts = {
        s: sum(1 for r in results if r.status == s)
        for s in ("accepted", "rejected", "unreadable", "duplicate")
    }
    context = {
        "kind": kind, "greeting": greeting, "subject": _shorten(mail.subject), "signature": signature,
        "files": files, "counts": counts, "late": late, "deadline": deadline,
        "others": [_shorten(o) for o in mail.other_attachments],
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
    bot.judge; None when openpyxl could not) and the province's blank form."""
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
    *,
    from_address: str,
    from_name: str,
    now: dt.datetime,
    late: bool = False,
    deadline: dt.date | None = None,
) -> Reply:
    """The reply as bytes: our own Message-ID, threaded (In-Reply-To, References), marked auto-replied.

    `late`: the mail came after `deadline` (policy.is_late); accepted files are then answered `late`.
    Attachments come from each FileResult (see rejection_attachments).
    """
    kind = mail_kind(results, late)
    to_address = reply_address(mail)
    msg = new_message(
        email.utils.formataddr((from_name, from_address)), to_address or "undisclosed-recipients:;",
        reply_subject(mail.subject, kind), now, domain_of(from_address), "localreport",
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
    text, html = render_bodies(
        mail, results, signature=from_name, late=late, deadline=deadline, attachments=attachments
    )
    msg.set_content(text, charset="utf-8", cte="base64")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    if attachments:
        msg.make_mixed()
        for att, ascii_name in attachments:
            msg.attach(attachment_part(att, ascii_name))
    return Reply(kind, str(msg["Message-ID"]), to_address, msg.as_bytes(policy=POLICY))


def _operator_mail(subject: str, body: str, *, from_address: str, to_address: str, now: dt.datetime) -> Reply:
    msg = new_message(from_address, to_address, subject, now, domain_of(from_address), "localreport-operator")
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body)
    return Reply("operator_notice", str(msg["Message-ID"]), to_address, msg.as_bytes(policy=POLICY))


def _about(mail: IncomingMail, sha256: str) -> str:
    return (
        f"Message-ID: {mail.message_id or '(none)'}\nFrom: {mail.from_address}\nSubject: {mail.subject}\n"
        f"Archived as sha256 {sha256}\n"
    )


def compose_operator_notice(
    mail: IncomingMail, sha256: str, attempts: int, *, from_address: str, to_address: str, now: dt.datetime
) -> Reply:
    """Tell the operator (in English: the operator reads logs too) that a mail was quarantined."""
    return _operator_mail(
        f"[localreport] mail quarantined after {attempts - 1} failed attempts",
        f"A mail failed {attempts - 1} times and was moved to the quarantine folder.\n\n"
        f"{_about(mail, sha256)}\n"
        "See the daemon log for the errors; `localreport reprocess --message-id …` re-judges it once the "
        "cause is fixed.\n",
        from_address=from_address, to_address=to_address, now=now,
    )  # fmt: skip


HOLD_EXPLANATIONS: Mapping[str, str] = {
    "dmarc_fail": "its Authentication-Results (from our provider) show a DMARC failure for the From domain",
    "dmarc_none": "no trusted Authentication-Results header shows a DMARC pass for the From domain",
    "sender_unlisted": "the sender is not on the configured address list of the report's province",
}


def compose_hold_notice(
    mail: IncomingMail, sha256: str, reason: str, *, from_address: str, to_address: str, now: dt.datetime
) -> Reply:
    """Tell the operator that a mail was held (not answered, not filed) and why."""
    why = HOLD_EXPLANATIONS.get(reason, reason)
    return _operator_mail(
        f"[localreport] mail held for a person: {reason}",
        f"A mail was held without a reply and without filing because {why}.\n\n{_about(mail, sha256)}\n"
        "Check it by hand; `localreport reprocess --message-id …` judges it once it is trusted.\n",
        from_address=from_address, to_address=to_address, now=now,
    )  # fmt: skip
