"""Province mails as files: a report delivered into a Maildir the way a mail server would."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def deliver(maildir: Path, name: str, report: bytes | None, sender: str = "lamphun@dla.go.th") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"สถจ.ลำพูน <{sender}>"
    msg["Subject"] = "รายงานผลการประเมินผู้บริหารท้องถิ่น จังหวัดลำพูน"
    msg["Message-ID"] = make_msgid(domain="dla.go.th")
    msg.set_content("ส่งรายงานครับ")
    if report is not None:
        msg.add_attachment(report, maintype=XLSX[0], subtype=XLSX[1], filename="ลำพูน.xlsx")
    (maildir / "new").mkdir(parents=True, exist_ok=True)
    raw = msg.as_bytes()
    (maildir / "new" / name).write_bytes(raw)
    return raw
