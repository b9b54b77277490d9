"""Province mails for the daemon tests, the fault-injection tests and the daemon benchmark, fast.

`report_bytes` builds each province's report once; `vary` gives it a new sha256 without changing a cell, so
a thousand distinct reports cost one build per province. `mixed_mails` makes a deterministic mix of valid
reports, reports with an error and mails without attachment; `deliver` puts many in an INBOX at once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from tests.helpers.servers import ImapAccount

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CREATOR = re.compile(rb"<dc:creator>[^<]*</dc:creator>")
Kind = str  # "valid" | "errors" | "none" (no attachment)


@functools.cache
def provinces() -> tuple[str, ...]:
    from validators import load_registry

    return tuple(load_registry().provinces())


@functools.cache
def report_bytes(province: str, *, errors: bool = False) -> bytes:
    """The province's complete report (or one whose first row names an LAO that does not exist), cached."""
    from tests.helpers.builders import make_report

    if errors:
        return make_report(province, overrides={0: {"lao_full_name": "องค์การบริหารส่วนตำบลไม่มีจริง"}})
    return make_report(province)


def vary(payload: bytes, n: int) -> bytes:
    """The same workbook with another sha256: only the author in docProps/core.xml changes."""
    src = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/core.xml":
                data = CREATOR.sub(b"<dc:creator>copy %d</dc:creator>" % n, data)
            dst.writestr(item, data)
    return out.getvalue()


def sender_of(province: str) -> str:
    return f"province{provinces().index(province):02d}@dla.go.th"


def subject_for(province: str) -> str:
    return f"ส่งผลการประเมินผู้บริหารท้องถิ่น ปี 2563 จังหวัด{province}"


@dataclass(frozen=True)
class Mail:
    """One mail as the test delivered it, and what the daemon should make of it."""

    message_id: str
    raw: bytes
    kind: Kind
    province: str
    attachment_sha256: str = ""


def province_mail(
    province: str,
    payload: bytes | None,
    *,
    kind: Kind = "valid",
    filename: str | None = None,
    message_id: str | None = None,
) -> Mail:
    """A province office's mail: Thai subject and body, the report attached (or nothing when payload=None)."""
    msg = EmailMessage()
    msg["From"] = f"สถจ.{province} <{sender_of(province)}>"
    msg["To"] = "Localreport.dla@gmail.com"
    msg["Subject"] = subject_for(province)
    msg["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id = message_id or make_msgid(domain="dla.go.th")
    msg.set_content(f"เรียน สถ.\nส่งรายงานผลการประเมินของจังหวัด{province}ตามหนังสือ มท 0810.7/ว\n")
    sha = ""
    if payload is not None:
        name = filename or f"ผลการประเมิน จังหวัด{province}.xlsx"
        msg.add_attachment(payload, maintype=XLSX[0], subtype=XLSX[1], filename=name)
        sha = hashlib.sha256(payload).hexdigest()
    else:
        kind = "none"
    return Mail(message_id, msg.as_bytes(), kind, province, sha)


def mixed_mails(count: int, *, start: int = 0) -> list[Mail]:
    """`count` distinct mails across all provinces: mostly valid reports, every 7th with errors, every
    11th without attachment. Deterministic; `start` shifts the variants so two calls never collide."""
    out = []
    names = provinces()
    for i in range(start, start + count):
        province = names[i % len(names)]
        if i % 11 == 10:
            out.append(province_mail(province, None))
        elif i % 7 == 6:
            out.append(province_mail(province, vary(report_bytes(province, errors=True), i), kind="errors"))
        else:
            out.append(province_mail(province, vary(report_bytes(province), i)))
    return out


def deliver(account: ImapAccount, mails: Iterable[Mail]) -> None:
    """Fast delivery for many mails: one MULTIAPPEND (a delivered mail differs only in trace headers)."""
    account.append("INBOX", [m.raw for m in mails])
