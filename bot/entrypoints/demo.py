"""`localreport demo`: build a realistic sample mailbox from the registry, run the bot once, print a summary.

The sample mails are made afresh each time (deterministically) from the bundled registry and form:
กาญจนบุรี sends a correct report, ลำพูน one with the usual errors, and ตาก forgets the attachment.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import shutil
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.entrypoints.config import MailboxSettings, Settings, SmtpSettings, StorageSettings
from bot.entrypoints.daemon import run_once
from storage.template import write_template
from storage.thai import BANGKOK
from validators import load_form, load_registry

# (title, first name): the title fits the name (นาย for men; นาง or นางสาว for women).
FIRST_NAMES = (
    ("นาย", "สมชาย"), ("นาย", "สมศักดิ์"), ("นาง", "วิไลวรรณ"), ("นาย", "ประเสริฐ"), ("นาย", "สุนทร"),
    ("นางสาว", "กัญญา"), ("นาย", "ธนพล"), ("นาย", "อำนาจ"), ("นาง", "มาลี"), ("นาย", "บุญมี"),
)  # fmt: skip
LAST_NAMES = ("ใจดี", "ทองคำ", "ศรีสุข", "มั่นคง", "แก้วมณี", "บุญเรือง", "พรหมมา", "สายทอง", "จันทร์เพ็ญ")
# The executive's ตำแหน่ง by the start of the LAO's full name (its type).
POSITIONS = (
    ("องค์การบริหารส่วนจังหวัด", "นายกองค์การบริหารส่วนจังหวัด"),
    ("องค์การบริหารส่วนตำบล", "นายกองค์การบริหารส่วนตำบล"),
    ("เทศบาลนคร", "นายกเทศมนตรีนคร"),
    ("เทศบาลเมือง", "นายกเทศมนตรีเมือง"),
    ("เทศบาลตำบล", "นายกเทศมนตรีตำบล"),
    ("เมืองพัทยา", "นายกเมืองพัทยา"),
)
SAO = "องค์การบริหารส่วนตำบล"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def demo_settings(root: Path) -> Settings:
    return Settings(
        mailbox=MailboxSettings(backend="maildir", path=root / "mailbox"),
        smtp=SmtpSettings(backend="files", path=root / "outbox"),
        storage=StorageSettings(dir=root / "state", master_workbook=root / "master.xlsx"),
    )


def filled_report(province: str, *, plant_errors: bool = False, seed: int = 2563) -> bytes:
    """The province's blank form, filled in as a province would; optionally with the usual mistakes."""
    registry, form = load_registry(), load_form()
    wb = load_workbook(io.BytesIO(write_template(province, registry, form)))
    ws = wb.worksheets[0]
    assert isinstance(ws, Worksheet)
    header_row, cols = _header(ws)
    rng = random.Random(seed)  # noqa: S311 (sample data, not security)
    first = header_row + 1
    for r in range(first, ws.max_row + 1):
        if not ws.cell(r, cols["name"]).value:
            continue
        title, first_name = rng.choice(FIRST_NAMES)
        ws.cell(r, cols["executive"]).value = f"{title}{first_name} {rng.choice(LAST_NAMES)}"
        ws.cell(r, cols["position"]).value = position_of(str(ws.cell(r, cols["name"]).value))
        for n in range(1, 10):
            ws.cell(r, cols[f"issue_{n}"]).value = "ผ่าน" if rng.random() < 0.85 else "ไม่ผ่าน"
    if plant_errors:
        sao = [
            r
            for r in range(first, ws.max_row + 1)
            if str(ws.cell(r, cols["name"]).value or "").startswith(SAO)
        ]
        abbreviated, misspelt = ws.cell(sao[0], cols["name"]), ws.cell(sao[1], cols["name"])
        abbreviated.value = str(abbreviated.value).replace(SAO, "อบต.")
        misspelt.value = str(misspelt.value).replace("องค์การ", "องค์กร")
        ws.cell(first + 4, cols["issue_3"]).value = "ผ่านบางส่วน"
        ws.cell(first + 5, cols["executive"]).value = None
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def position_of(lao_full_name: str) -> str:
    """The ตำแหน่ง of the executive of the LAO named in full (นายกองค์การบริหารส่วนตำบล, นายกเทศมนตรีเมือง …)."""
    name = " ".join(lao_full_name.split())
    return next((position for prefix, position in POSITIONS if name.startswith(prefix)), "นายก")


def _header(ws: Worksheet) -> tuple[int, dict[str, int]]:
    for r in range(1, 16):
        texts = {c: " ".join(str(ws.cell(r, c).value or "").split()) for c in range(1, ws.max_column + 1)}
        if "อำเภอ" in texts.values():
            cols: dict[str, int] = {}
            for col, text in texts.items():
                if text.startswith("ชื่อ - สกุล") or text.startswith("ชื่อ-สกุล"):
                    cols["executive"] = col
                elif text.startswith("ตำแหน่ง"):
                    cols["position"] = col
                elif text.startswith("ประเภทขององค์กร") or text.startswith("ชื่อเต็ม"):
                    cols["name"] = col
                elif text.startswith("ประเด็นที่"):
                    cols[f"issue_{text.split()[1]}"] = col
            return r, cols
    raise ValueError("the bundled template has no header row")


def _mail(sender: tuple[str, str], subject: str, when: dt.datetime, body: str,
          attachment: tuple[str, bytes] | None) -> bytes:  # fmt: skip
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = "Localreport.dla@gmail.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=sender[1].rpartition("@")[2])
    msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment[1], maintype=XLSX[0], subtype=XLSX[1], filename=attachment[0])
    return msg.as_bytes()


def build_sample_mailbox(maildir: Path) -> list[Path]:
    """Three province mails in `maildir/new`, with delivery times in October 2563."""
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    mails = [
        (("สถจ.กาญจนบุรี", "kanchanaburi@dla.go.th"), "ส่งผลการประเมินผู้บริหารท้องถิ่น ปี 2563 จังหวัดกาญจนบุรี",
         dt.datetime(2020, 10, 28, 9, 15, tzinfo=BANGKOK), "เรียน สถ.\nส่งรายงานตามหนังสือ มท 0810.7/ว ค่ะ",
         ("ผลการประเมินผู้บริหารท้องถิ่น จ.กาญจนบุรี.xlsx", filled_report("กาญจนบุรี"))),
        (("สถจ.ลำพูน", "lamphun@dla.go.th"), "รายงานผลการประเมิน ผู้บริหาร อปท. จังหวัดลำพูน",
         dt.datetime(2020, 10, 30, 14, 2, tzinfo=BANGKOK), "ส่งรายงานครับ",
         ("รายงาน ลำพูน 2563.xlsx", filled_report("ลำพูน", plant_errors=True))),
        (("สถจ.ตาก", "tak@dla.go.th"), "ส่งรายงานผลการประเมินผู้บริหารท้องถิ่น จังหวัดตาก",
         dt.datetime(2020, 11, 1, 16, 40, tzinfo=BANGKOK), "ส่งรายงานตามที่แนบมาครับ", None),
    ]  # fmt: skip
    paths = []
    for i, (sender, subject, when, body, attachment) in enumerate(mails, start=1):
        path = maildir / "new" / f"{int(when.timestamp())}.demo{i}.localreport"
        path.write_bytes(_mail(sender, subject, when, body, attachment))
        os.utime(path, (when.timestamp(), when.timestamp()))
        paths.append(path)
    return paths


def run_demo(root: Path) -> int:
    if root.exists():
        shutil.rmtree(root)
    settings = demo_settings(root.resolve())
    build_sample_mailbox(settings.mailbox.path)
    summary = run_once(settings)
    replies = sorted(settings.smtp.path.glob("*.eml"))
    print()
    print("localreport demo: 3 sample province e-mails in", settings.mailbox.path)
    print(f"  handled {summary.handled}, skipped {summary.skipped}, failed {summary.failed}; outcomes:",
          ", ".join(f"{k}={v}" for k, v in sorted(summary.outcomes.items())))  # fmt: skip
    print("  master workbook:", settings.storage.master_workbook)
    print("  replies:")
    for path in replies:
        print("   ", path)
    print("  ledger:", settings.storage.dir / "ledger.sqlite3")
    print("Run it again over the same mailbox (nothing is filed or answered twice):")
    print("  .venv/bin/localreport run --config config.example.toml --once")
    return 0 if summary.failed == 0 and summary.handled == 3 else 1
