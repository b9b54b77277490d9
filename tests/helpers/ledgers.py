"""Ledgers filled by hand for the master, views and status tests: records, submissions, filed mails, mails
that filed no workbook, and the hostile cell texts the master must keep literal."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from typing import Literal

from storage.ledger import Ledger, NewSubmission, QueuedReply
from validators.findings import Finding, LaoRecord, Severity
from validators.registry import load_registry

EXPECTED = {"กาญจนบุรี": 122, "ลำพูน": 59, "ตาก": 67}
DEADLINE = dt.date(2020, 11, 2)
ON_TIME = "2020-10-28T02:00:00+00:00"
# Cell texts a spreadsheet could take for a formula, an error value or a CSV break: the master must keep
# each as the literal text the province wrote, in openpyxl's eyes and in LibreOffice's.
PAYLOADS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-1+1",
    "\t=1+1",
    "=1+1",
    "#DIV/0!",
    "#N/A",
    'ชื่อ, มี "คำพูด"\nสองบรรทัด',
]


def record(
    name: str,
    executive: str = "นายสมชาย ใจดี",
    remarks: str = "",
    province: str = "กาญจนบุรี",
    code: str | None = None,
) -> LaoRecord:
    """One accepted row; its รหัส อปท. is derived from the name unless given (the dataset is keyed by it)."""
    return LaoRecord(
        sheet="Sheet1", row=4, province=province, district="ท่าม่วง",
        dla_code=code or f"{zlib.crc32(name.encode()) % 10_000_000:07d}",
        lao_full_name=name, lao_type="องค์การบริหารส่วนตำบล", executive_name=executive,
        executive_position="นายก", issues=("ผ่าน",) * 8 + ("ไม่ผ่าน",), overall="ไม่ผ่าน", remarks=remarks,
    )  # fmt: skip


def accepted(
    sha: str, province: str, records: Sequence[LaoRecord], filename: str = "k.xlsx"
) -> NewSubmission:
    return NewSubmission(sha * 64, filename, province, "accepted", EXPECTED.get(province, 0), [], records)


def rejected(sha: str, province: str, value: str = "อบต.หนองหนาม") -> NewSubmission:
    finding = Finding("lao_name_abbreviated", Severity.ERROR, "Sheet1", 5, "D", value=value, suggestion="เต็ม")
    warning = Finding("executive_name_missing", Severity.WARNING, "Sheet1", 6, "F")
    return NewSubmission(
        sha * 64, "bad.xlsx", province, "rejected", EXPECTED.get(province, 0),
        [(finding, "ชื่อย่อ"), (warning, "ไม่มีชื่อผู้บริหาร")], [],
    )  # fmt: skip


def file_mail(
    ledger: Ledger, n: int, subs: NewSubmission | Sequence[NewSubmission], received: str = ON_TIME,
    *, subject: str = "รายงาน", sender: str = "p@dla.go.th", reply: bool = False,
) -> None:  # fmt: skip
    mail = ledger.register_mail(f"{n:064x}", f"fp{n}", f"<m{n}@x>", sender, subject, ("INBOX", "1", str(n)))
    batch = [subs] if isinstance(subs, NewSubmission) else list(subs)
    answer = QueuedReply("ack", f"<r{n}@bot>", sender, b"raw") if reply else None
    ledger.record_judgement(mail.id, batch[0].status, sender, received, batch, answer)


# Mails that filed no workbook: outcome, reason, and what the master's ประวัติการส่ง says of them
# (ผลการตรวจ, หมายเหตุ).
BARE_MAILS = [
    ("no_attachment", None, "ไม่มีไฟล์ Excel แนบ", ""),
    ("conversation", None, "ข้อความโต้ตอบ (ไม่มีไฟล์แนบ)", ""),
    ("link_only", None, "ส่งเป็นลิงก์ (ไม่มีไฟล์แนบ)", ""),
    ("held", "dmarc_fail", "กักไว้ให้เจ้าหน้าที่ตรวจสอบ", "ตรวจสอบโดเมนของผู้ส่ง (DMARC) ไม่ผ่าน"),
    ("held", "mailing_list_with_workbook", "กักไว้ให้เจ้าหน้าที่ตรวจสอบ",
     "อีเมลจากกลุ่มรายชื่อผู้รับ (mailing list) แต่แนบไฟล์รายงานมา จึงรอเจ้าหน้าที่ตรวจสอบ"),
    ("suppressed", "mailer_daemon", "อีเมลอัตโนมัติ (ไม่ตอบกลับ)", "อีเมลจากระบบเซิร์ฟเวอร์อีเมล"),
    ("quarantined", "failed_3_times", "ประมวลผลไม่สำเร็จ (กักไว้)", "ระบบประมวลผลไม่สำเร็จ 3 ครั้ง"),
    ("new", None, "ยังตรวจไม่เสร็จ", ""),
]  # fmt: skip

SET_ASIDE: dict[str, Literal["suppressed", "held", "quarantined"]] = {
    "suppressed": "suppressed", "held": "held", "quarantined": "quarantined",
}  # fmt: skip


def file_bare_mail(
    ledger: Ledger, n: int, outcome: str, seen: str = ON_TIME, *, reason: str | None = None,
    sender: str = "p@dla.go.th", subject: str = "สอบถาม", reply: bool = False,
) -> None:  # fmt: skip
    """A mail that filed no workbook, first seen at `seen`: judged as `outcome` (no_attachment,
    conversation, link_only), set aside (suppressed, held, quarantined, with `reason`), or left new
    (outcome "new": its handling failed so far)."""
    mail = ledger.register_mail(f"{n:064x}", f"fp{n}", f"<m{n}@x>", sender, subject, ("INBOX", "1", str(n)))
    ledger.conn.execute("UPDATE mails SET first_seen_at = ? WHERE id = ?", (seen, mail.id))
    aside = SET_ASIDE.get(outcome)
    if aside is not None:
        ledger.record_without_reply(mail.id, aside, reason or "")
    elif outcome != "new":
        answer = QueuedReply(outcome, f"<r{n}@bot>", sender, b"raw") if reply else None
        ledger.record_judgement(mail.id, outcome, sender, seen, [], answer)


POSITIONS = {  # the executive's title by LAO type (any เทศบาล: นายกเทศมนตรี)
    "องค์การบริหารส่วนตำบล": "นายกองค์การบริหารส่วนตำบล", "องค์การบริหารส่วนจังหวัด": "นายกองค์การบริหารส่วนจังหวัด",
    "องค์กรปกครองส่วนท้องถิ่นรูปแบบพิเศษ": "นายกเมืองพัทยา",
}  # fmt: skip


def file_round(ledger: Ledger, provinces: Sequence[str], start: dt.datetime) -> dict[str, int]:
    """A round as the master shows it, with the real registry: each of `provinces` accepted in full (its LAOs'
    official names, a Thai executive each, results with some not given), a rejected file and a duplicate,
    and every kind of mail that filed no workbook; mails an hour apart from `start`. The expected counts
    of every province of the registry."""
    registry = load_registry()
    when = (start + dt.timedelta(hours=h) for h in range(1000))
    n = 100
    for province in provinces:
        n += 1
        records = [
            LaoRecord(
                sheet="Sheet1", row=row, province=province, district=lao.district_th, dla_code=lao.dla_code,
                lao_full_name=lao.full_name_th, lao_type=lao.type_th, executive_name="นางสาวกาญจนา ศรีสุข",
                executive_position=POSITIONS.get(lao.type_th, "นายกเทศมนตรี"), issues=("ผ่าน", "ไม่ผ่าน", "") * 3,
                overall=("ผ่าน", "ไม่ผ่าน", "")[row % 3], remarks="ลาออกระหว่างปี" if row % 7 == 0 else "",
            )
            for row, lao in enumerate(registry.laos_in(province), 4)
        ]  # fmt: skip
        file_mail(
            ledger, n, accepted(f"{n}", province, records, f"รายงาน {province}.xlsx"), next(when).isoformat()
        )
    file_mail(ledger, n + 1, rejected("r", "ลำพูน"), next(when).isoformat(), reply=True)
    file_mail(
        ledger,
        n + 2,
        NewSubmission("1" * 64, "ซ้ำ.xlsx", None, "duplicate", 0, [], []),
        next(when).isoformat(),
    )
    for i, (outcome, reason, _, _) in enumerate(BARE_MAILS, n + 3):
        file_bare_mail(ledger, i, outcome, next(when).isoformat(), reason=reason)
    return {p: len(registry.laos_in(p)) for p in registry.provinces()}
