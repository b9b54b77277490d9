"""Render a reply (jinja2 templates in outbox_templates/) and build its MIME bytes, threaded to the mail."""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from functools import lru_cache
from typing import Any

import jinja2

from bot.mail import IncomingMail
from validators.findings import Finding
from validators.messages import message_for

MAX_LISTED_ERRORS = 30
MAX_LISTED_WARNINGS = 10
SUBJECT_WORDS = {
    "accepted": "ได้รับรายงานแล้ว",
    "rejected": "ต้องแก้ไข",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "duplicate": "ได้รับแล้ว",
    "no_attachment": "ไม่พบไฟล์ Excel",
}


@dataclass(frozen=True, slots=True)
class FileResult:
    """The judgement of one attachment, as the reply needs it."""

    filename: str
    status: str  # accepted | rejected | unreadable | duplicate
    province: str | None = None
    rows: int = 0
    expected: int = 0
    findings: tuple[Finding, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Reply:
    kind: str
    message_id: str
    to_address: str
    raw: bytes


def mail_kind(results: list[FileResult]) -> str:
    """The mail's outcome: the worst of its files (rejected > unreadable > accepted > duplicate)."""
    if not results:
        return "no_attachment"
    for kind in ("rejected", "unreadable", "accepted"):
        if any(r.status == kind for r in results):
            return kind
    return "duplicate"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("outbox_templates", "."),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


def where(f: Finding) -> str:
    """แผ่นงาน ก แถว 12 คอลัมน์ D (ชื่อเต็มของหน่วยงาน) — Excel's row and column, the header as written."""
    parts = []
    if f.sheet:
        parts.append(f"แผ่นงาน {f.sheet}")
    if f.row:
        parts.append(f"แถว {f.row}")
    if f.column:
        parts.append(f"คอลัมน์ {f.column}" + (f" ({f.header})" if f.header else ""))
    return " ".join(parts)


def _item(f: Finding) -> dict[str, Any]:
    return {"where": where(f), "message": message_for(f), "value": f.value, "suggestion": f.suggestion}


def _file_view(r: FileResult) -> dict[str, Any]:
    errors = [f for f in r.findings if f.severity == "error"]
    warnings = [f for f in r.findings if f.severity == "warning"]
    return {
        "filename": r.filename,
        "status": r.status,
        "province": r.province,
        "rows": r.rows,
        "expected": r.expected,
        "errors": [_item(f) for f in errors[:MAX_LISTED_ERRORS]],
        "errors_more": max(0, len(errors) - MAX_LISTED_ERRORS),
        "warnings": [_item(f) for f in warnings[:MAX_LISTED_WARNINGS]],
        "warnings_more": max(0, len(warnings) - MAX_LISTED_WARNINGS),
    }


def reply_subject(original: str, kind: str) -> str:
    base = original.strip() or "รายงานผลการประเมินผู้บริหารท้องถิ่น"
    if not base.lower().startswith("re:"):
        base = f"Re: {base}"
    return f"{base} [{SUBJECT_WORDS[kind]}]"


def render_body(mail: IncomingMail, results: list[FileResult], signature: str) -> str:
    kind = mail_kind(results)
    greeting = mail.from_name or mail.from_address or "ผู้ส่งรายงาน"
    common = {"greeting": greeting, "subject": mail.subject, "signature": signature}
    if kind == "no_attachment":
        return (
            _env().get_template("no_attachment.txt.j2").render(**common, others=list(mail.other_attachments))
        )
    return _env().get_template("reply.txt.j2").render(**common, files=[_file_view(r) for r in results])


def compose_operator_notice(
    mail: IncomingMail, sha256: str, attempts: int, *, from_address: str, to_address: str, now: dt.datetime
) -> Reply:
    """Tell the operator (in English: the operator reads logs too) that a mail was quarantined."""
    domain = from_address.rpartition("@")[2] or "localreport.invalid"
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = to_address
    msg["Subject"] = f"[localreport] mail quarantined after {attempts - 1} failed attempts"
    msg["Date"] = email.utils.format_datetime(now)
    msg["Message-ID"] = message_id = email.utils.make_msgid(idstring="localreport-operator", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        f"A mail failed {attempts - 1} times and was moved to the quarantine folder.\n\n"
        f"Message-ID: {mail.message_id or '(none)'}\nFrom: {mail.from_address}\nSubject: {mail.subject}\n"
        f"Archived as sha256 {sha256}\n\nSee the daemon log for the errors; "
        "`localreport reprocess --message-id …` re-judges it once the cause is fixed.\n"
    )
    return Reply("operator_notice", message_id, to_address, msg.as_bytes(policy=SMTP))


def compose_reply(
    mail: IncomingMail,
    results: list[FileResult],
    *,
    from_address: str,
    from_name: str,
    now: dt.datetime,
) -> Reply:
    """The reply as bytes: our own Message-ID, threaded (In-Reply-To, References), marked auto-replied."""
    kind = mail_kind(results)
    domain = from_address.rpartition("@")[2] or "localreport.invalid"
    message_id = email.utils.make_msgid(idstring="localreport", domain=domain)
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((from_name, from_address))
    msg["To"] = mail.from_address
    msg["Subject"] = reply_subject(mail.subject, kind)
    msg["Date"] = email.utils.format_datetime(now)
    msg["Message-ID"] = message_id
    if mail.message_id:
        msg["In-Reply-To"] = mail.message_id
        msg["References"] = " ".join([*mail.references, mail.message_id])
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Localreport-Outcome"] = kind
    msg.set_content(render_body(mail, results, signature=from_name), charset="utf-8", cte="base64")
    return Reply(
        kind=kind, message_id=message_id, to_address=mail.from_address, raw=msg.as_bytes(policy=SMTP)
    )
