"""The Thai words DLA staff read in the master for the ledger's codes: no English code reaches a cell they
read. Every lookup falls back to a Thai phrase (with the code in brackets) for a code this table lacks.

The reason codes are the bot's (bot/usecase/policy.py and bot/usecase/service.py): why a mail was answered
by nobody, or held for a person.
"""

from __future__ import annotations

import re

from validators.messages import heading_for

SUBMISSION_STATUS_TH = {
    "accepted": "ถูกต้อง",
    "rejected": "มีข้อผิดพลาด",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "duplicate": "ส่งซ้ำ",
}
# A mail that filed no workbook: what became of it (mails.outcome; None while it is still being handled).
MAIL_OUTCOME_TH: dict[str | None, str] = {
    "no_attachment": "ไม่มีไฟล์ Excel แนบ",
    "conversation": "ข้อความโต้ตอบ (ไม่มีไฟล์แนบ)",
    "link_only": "ส่งเป็นลิงก์ (ไม่มีไฟล์แนบ)",
    "suppressed": "อีเมลอัตโนมัติ (ไม่ตอบกลับ)",
    "held": "กักไว้ให้เจ้าหน้าที่ตรวจสอบ",
    "quarantined": "ประมวลผลไม่สำเร็จ (กักไว้)",
    None: "ยังตรวจไม่เสร็จ",
    # the outcomes of a mail that filed workbooks (its lines are its submissions; these for completeness)
    "accepted": "ถูกต้อง", "partial": "ถูกต้อง (ยังไม่ครบ)", "late": "ถูกต้อง (ส่งหลังกำหนด)",
    "rejected": "มีข้อผิดพลาด", "unreadable": "เปิดไฟล์ไม่ได้", "duplicate": "ส่งซ้ำ",
    "mixed": "ถูกต้องบางไฟล์",
}  # fmt: skip
REPLY_STATE_TH = {
    "sent": "ส่งแล้ว", "pending": "รอส่ง", "sending": "กำลังส่ง", "suppressed": "งดตอบ (เกินจำนวนที่กำหนด)",
    "failed": "ส่งไม่สำเร็จ (ต้องแจ้งจังหวัดทางอื่น)", "none": "ไม่ตอบกลับ",
}  # fmt: skip
SENDER_VERDICT_TH = {
    "verified": "ตรงตามรายชื่อ",
    "unverified": "ไม่อยู่ในรายชื่อ (ยังไม่ยืนยัน)",
    "unknown_province": "ไม่มีรายชื่อผู้ส่งของจังหวัดนี้",
}
SEVERITY_TH = {"error": "ข้อผิดพลาด", "warning": "ข้อสังเกต"}
REASON_TH = {
    "own_address": "อีเมลจากระบบเอง",
    "auto_submitted": "อีเมลที่ส่งโดยอัตโนมัติ",
    "vendor_auto_reply": "อีเมลตอบกลับอัตโนมัติ",
    "empty_return_path": "อีเมลแจ้งส่งไม่ถึง (ตีกลับ)",
    "mailer_daemon": "อีเมลจากระบบเซิร์ฟเวอร์อีเมล",
    "delivery_report": "รายงานสถานะการส่งอีเมล",
    "precedence_bulk": "อีเมลที่ส่งถึงผู้รับจำนวนมาก",
    "mailing_list": "อีเมลจากกลุ่มรายชื่อผู้รับ (mailing list)",
    "dmarc_fail": "ตรวจสอบโดเมนของผู้ส่ง (DMARC) ไม่ผ่าน",
    "dmarc_none": "ยืนยันโดเมนของผู้ส่ง (DMARC) ไม่ได้",
    "sender_unlisted": "ผู้ส่งไม่อยู่ในรายชื่อผู้ส่งของจังหวัด",
}
WITH_WORKBOOK = "_with_workbook"  # a soft robot signal on a mail that carries a workbook: held
FAILED_TIMES = re.compile(r"failed_(\d+)_times")


def submission_status(code: str) -> str:
    return SUBMISSION_STATUS_TH.get(code, f"สถานะอื่น ({code})")


def mail_outcome(code: str | None) -> str:
    return MAIL_OUTCOME_TH.get(code, f"ผลอื่น ({code})")


def reply_state(code: str) -> str:
    return REPLY_STATE_TH.get(code, f"สถานะอื่น ({code})")


def sender_verdict(code: str | None) -> str:
    """The sender checked against the province's list; "" when no list is configured (None)."""
    return "" if code is None else SENDER_VERDICT_TH.get(code, f"ผลอื่น ({code})")


def severity(code: str) -> str:
    return SEVERITY_TH.get(code, code)


def finding_heading(code: str) -> str:
    """The Thai heading of a finding code, as the replies group findings (validators/messages.py)."""
    return heading_for(code)


def reason(code: str | None) -> str:
    """Why a mail was answered by nobody or held for a person, in Thai; "" for no reason."""
    if not code:
        return ""
    if code.endswith(WITH_WORKBOOK):
        signal = REASON_TH.get(code.removesuffix(WITH_WORKBOOK), "อีเมลอัตโนมัติ")
        return f"{signal} แต่แนบไฟล์รายงานมา จึงรอเจ้าหน้าที่ตรวจสอบ"
    if (failed := FAILED_TIMES.fullmatch(code)) is not None:
        return f"ระบบประมวลผลไม่สำเร็จ {failed.group(1)} ครั้ง"
    return REASON_TH.get(code, f"เหตุผลอื่น ({code})")
