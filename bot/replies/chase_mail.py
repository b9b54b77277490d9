"""The deadline chase's mails: a Thai reminder to a province, and the daily digest for DLA staff.

A reminder is an official letter in the register of the replies, with their letter cited, their one
instruction on how to send and their signature block (`letter_view`): addressed to the province's office,
the deadline, what is still missing by อำเภอ, the province's pre-filled blank form attached, "จึงเรียนมา
เพื่อโปรดดำเนินการ";
the digest is a Thai summary for staff, with the master workbook attached when it is small enough.
Both are marked auto-generated (RFC 3834), so an auto-reply to them is never answered in a loop.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Sequence
from dataclasses import dataclass

from bot.replies.compose import letter_view
from bot.replies.mime import XLSX_MIME, ReplyAttachment, attachment_part, new_message, wire_bytes
from bot.replies.templates import render_template
from bot.usecase.chase import Change, ReminderPlan, bangkok_day
from bot.usecase.rules import Identity
from storage import master_labels
from storage.chase import SetAsideMail
from storage.thai import thai_date, thai_datetime

MAX_LISTED = 60  # missing LAOs named in a reminder; the rest are counted (the blank form lists them all)
STATUS_TH = {"complete": "ครบ", "complete_late": "ครบ (ส่งหลังกำหนด)", "partial": "ยังไม่ครบ",
             "rejected": "มีข้อผิดพลาด", "missing": "ยังไม่ส่ง"}  # fmt: skip


PAUSE_TH = {"quota": "เกินจำนวนที่ Gmail ให้ส่งได้ต่อวัน", "throttled": "Gmail ขอให้ส่งช้าลง",
            "login": "เข้าสู่ระบบส่งอีเมลไม่ได้", "unreachable": "ติดต่อเซิร์ฟเวอร์ส่งอีเมลไม่ได้"}  # fmt: skip
MASTER_NOTE_TH = {
    "attached": "แนบสมุดงานรวมฉบับล่าสุดมาพร้อมนี้",
    "too_large": "ไม่ได้แนบสมุดงานรวม เพราะไฟล์ใหญ่เกินขนาดที่กำหนด โปรดเปิดจากเครื่องที่ติดตั้งระบบ",
    "off": "ไม่ได้แนบสมุดงานรวม (ตั้งค่าไว้ไม่ให้แนบ) โปรดเปิดจากเครื่องที่ติดตั้งระบบ",
    "none": "ยังไม่มีสมุดงานรวม (ยังไม่ได้รับรายงาน)",
}


@dataclass(frozen=True, slots=True)
class ChaseMail:
    kind: str  # reminder | digest
    message_id: str
    to_address: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Composing:
    """Who writes, and when."""

    sender: Identity
    now: dt.datetime


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """What a digest says: today's figures, what changed, what needs a person, how sending goes."""

    day: dt.date
    counts: dict[str, int]  # status code → provinces
    changes: tuple[Change, ...]
    first: bool  # no digest before this one
    set_aside: tuple[SetAsideMail, ...]
    paused_until: dt.datetime | None
    pause_reason: str
    replies_waiting: int
    replies_failed: int
    reminders_day: int  # reminders queued in the 24 hours before the digest
    master_note: str = "attached"  # attached | too_large | off | none (no master yet)


def by_district(missing: Sequence[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for district, name in missing[:MAX_LISTED]:
        out.setdefault(district, []).append(name)
    return list(out.items())


def reminder(
    plan: ReminderPlan, to: str, deadline: dt.date, how: Composing, blank_form: bytes | None
) -> ChaseMail:
    """The reminder to one province address; `blank_form` its pre-filled form (None: none attached)."""
    subject = f"แจ้งเตือน: รายงานผลการประเมินผู้บริหารท้องถิ่น ปี 2563 จังหวัด{plan.province} ({plan.status})"
    context = {
        "plan": plan, "districts": by_district(plan.missing), "more": max(0, len(plan.missing) - MAX_LISTED),
        "overdue": bangkok_day(how.now) > deadline, "subject": subject, "form": blank_form is not None,
        **letter_view(how.sender, deadline, action=True),
    }  # fmt: skip
    attachments = []
    if blank_form is not None:
        attachments.append(ReplyAttachment("blank_form", f"แบบฟอร์ม จังหวัด{plan.province}.xlsx", blank_form))
    return _mail("reminder", to, subject, how, (context, attachments))


def digest(facts: DigestFacts, to: str, how: Composing, master: bytes | None) -> ChaseMail:
    """The day's digest for one staff address; `master` the workbook to attach (None: too large, or none)."""
    counts = " · ".join(f"{STATUS_TH[c]} {facts.counts.get(c, 0)}" for c in STATUS_TH)
    subject = f"สรุปการรับรายงานประจำวันที่ {thai_date(facts.day)}: {counts} จังหวัด"
    context = {
        "facts": facts, "status_th": STATUS_TH, "subject": subject, "attached": master is not None,
        "paused_until": thai_datetime(facts.paused_until) if facts.paused_until else "",
        "pause_reason": PAUSE_TH.get(facts.pause_reason, facts.pause_reason), "day": thai_date(facts.day),
        "set_aside": [(m.from_address, m.subject, master_labels.reason(m.reason) or
                       master_labels.mail_outcome(m.outcome)) for m in facts.set_aside],
        "master_note": MASTER_NOTE_TH[facts.master_note],
    }  # fmt: skip
    attachments = []
    if master is not None:
        attachments.append(
            ReplyAttachment("master", f"สมุดงานรวม {thai_date(facts.day)}.xlsx", master, XLSX_MIME)
        )
    return _mail("digest", to, subject, how, (context, attachments))


def _mail(
    kind: str, to: str, subject: str, how: Composing,
    content: tuple[dict[str, object], Sequence[ReplyAttachment]],
) -> ChaseMail:  # fmt: skip
    context, attachments = content
    sender = how.sender
    msg = new_message(email.utils.formataddr((sender.from_name, sender.from_address)), to, subject, how.now,
                      f"localreport-{kind}")  # fmt: skip
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Localreport-Outcome"] = kind
    msg.set_content(render_template(f"{kind}.txt.j2", **context), charset="utf-8", cte="base64")
    msg.add_alternative(render_template(f"{kind}.html.j2", **context), subtype="html", charset="utf-8",
                        cte="base64")  # fmt: skip
    if attachments:
        msg.make_mixed()
        for att in attachments:
            msg.attach(attachment_part(att, "blank-form.xlsx" if att.kind == "blank_form" else "master.xlsx"))
    return ChaseMail(kind, str(msg["Message-ID"]), to, wire_bytes(msg, to))
