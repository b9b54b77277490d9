"""Ledgers filled by hand for the master, views and status tests: records, submissions, filed mails, and
the hostile cell texts the master must keep literal."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

from storage.ledger import Ledger, NewSubmission, QueuedReply
from validators.findings import Finding, LaoRecord, Severity

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
