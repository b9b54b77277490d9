"""The Thai words of replies that are not templates, keyed by code, and the one function that gives a
finding's Thai text — the same for the ledger, the reply mail and the comment on a marked cell."""

from __future__ import annotations

import logging
from typing import Literal, get_args

from validators.findings import Finding
from validators.messages import FIELDS, MESSAGES, message_for

log = logging.getLogger(__name__)

ReplyKind = Literal[
    "accepted",
    "partial",
    "late",
    "rejected",
    "unreadable",
    "duplicate",
    "mixed",
    "no_attachment",
    "conversation",
    "link_only",
]
KINDS: tuple[ReplyKind, ...] = get_args(ReplyKind)
SUBJECT_WORDS: dict[ReplyKind, str] = {
    "accepted": "ได้รับรายงานแล้ว",
    "partial": "ได้รับแล้ว ยังไม่ครบ",
    "late": "ได้รับรายงานแล้ว หลังกำหนดส่ง",
    "rejected": "ต้องแก้ไข",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "duplicate": "เคยได้รับแล้ว",
    "mixed": "ต้องแก้ไขบางไฟล์",
    "no_attachment": "ไม่พบไฟล์ Excel",
    "conversation": "ได้รับข้อความแล้ว",
    "link_only": "กรุณาแนบไฟล์ ไม่เปิดลิงก์",
}
# Whom a reply is addressed to: the office of the one province its files are about, else (no file of a known
# province, or files of several) a neutral form; never the sender's display name or address.
SALUTATION_PROVINCE = "ท้องถิ่นจังหวัด{province}"
SALUTATION_NEUTRAL = "ผู้ส่งรายงาน"
# The closing formula: a reply that asks for something, or one that only informs.
CLOSING_ACTION = "จึงเรียนมาเพื่อโปรดดำเนินการ"
CLOSING_INFORM = "จึงเรียนมาเพื่อโปรดทราบ"
# The file formats the bot reads, as every reply and the province guide list them.
FORMATS = "ไฟล์ Excel (.xlsx, .xlsm หรือ .xls) หรือไฟล์ LibreOffice Calc (.ods)"
TEXT = {  # the few Thai strings that are not a template: names and fallbacks, keyed by code
    "default_subject": "รายงานผลการประเมินผู้บริหารท้องถิ่น",
    "report": "ผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563",
    "annotated_name": "{stem} - จุดที่ต้องแก้ไข.xlsx",
    "blank_form_name": "แบบฟอร์ม จังหวัด{province}.xlsx",
}


def finding_text(f: Finding) -> str:
    """The catalogue's Thai message for a finding; a code or ctx the catalogue lacks degrades (blank
    placeholders, or the generic unreadable-file text), it never breaks a reply or a filing."""
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
