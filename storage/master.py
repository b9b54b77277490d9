"""The master workbook DLA staff open: a projection of the ledger, rebuilt atomically, never edited."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage import views
from storage.thai import thai_date, thai_datetime

FONT_NAME = "TH Sarabun New"
FONT = Font(name=FONT_NAME, size=14)
BOLD = Font(name=FONT_NAME, size=14, bold=True)
TITLE = Font(name=FONT_NAME, size=18, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
STATUS_FILLS = {
    views.STATUS_OK: PatternFill("solid", fgColor="C6EFCE"),
    views.STATUS_ERRORS: PatternFill("solid", fgColor="FFC7CE"),
    views.STATUS_LATE: PatternFill("solid", fgColor="FFEB9C"),
    views.STATUS_MISSING: PatternFill("solid", fgColor="EDEDED"),
}
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SUBMISSION_STATUS_TH = {
    "accepted": "ถูกต้อง",
    "rejected": "มีข้อผิดพลาด",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "duplicate": "ส่งซ้ำ",
}
REPLY_STATE_TH = {"sent": "ส่งแล้ว", "pending": "รอส่ง", "none": "ไม่ตอบกลับ"}

Value = str | int | float | None


def build_master(conn: sqlite3.Connection, expected: dict[str, int], deadline: dt.date, target: Path) -> None:
    """Write the whole master from the ledger to a temp file beside `target`, then os.replace it."""
    wb = Workbook(write_only=True)
    _readme_sheet(wb, deadline)
    _summary_sheet(wb, views.province_statuses(conn, expected, deadline))
    _data_sheet(wb, views.latest_accepted_records(conn))
    _history_sheet(wb, views.submissions(conn))
    _findings_sheet(wb, views.latest_rejected_findings(conn))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".master-", suffix=".xlsx")
    os.close(fd)
    try:
        wb.save(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def text_cell(ws: WriteOnlyWorksheet, value: Value, font: Font = FONT) -> WriteOnlyCell:
    """A cell whose text is always literal: never a formula, no XML-forbidden characters."""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=XML_FORBIDDEN.sub("", value)[:32767])
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    return cell


def _table(
    ws: WriteOnlyWorksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Value]],
    widths: Sequence[int],
    fill_column: int | None = None,
) -> None:
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    header_cells = []
    for h in headers:
        c = text_cell(ws, h, BOLD)
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        header_cells.append(c)
    ws.append(header_cells)
    n = 1
    for row in rows:
        cells = [text_cell(ws, v) for v in row]
        if fill_column is not None and isinstance(row[fill_column], str) and row[fill_column] in STATUS_FILLS:
            cells[fill_column].fill = STATUS_FILLS[row[fill_column]]
        ws.append(cells)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n}"


def _readme_sheet(wb: Workbook, deadline: dt.date) -> None:
    ws = wb.create_sheet("อ่านก่อน")
    ws.column_dimensions["A"].width = 110
    lines = [
        ("สมุดงานรวมผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563", TITLE),
        ("ไฟล์นี้สร้างขึ้นโดยอัตโนมัติจากระบบรับรายงานทางอีเมล (localreport) ทุกครั้งที่มีรายงานใหม่", FONT),
        ("การแก้ไขในไฟล์นี้จะไม่ถูกเก็บไว้ ไฟล์จะถูกสร้างใหม่ทับทุกครั้ง หากต้องการแก้ไขข้อมูล ให้แจ้งจังหวัดส่งรายงานใหม่", BOLD),
        (f"กำหนดส่ง: {thai_date(deadline)}", FONT),
        (f"สร้างเมื่อ: {thai_datetime(dt.datetime.now(dt.UTC))}", FONT),
        ("แผ่นงาน: สรุปรายจังหวัด · ข้อมูลรวม · ประวัติการส่ง · ข้อผิดพลาด", FONT),
    ]
    for text, font in lines:
        ws.append([text_cell(ws, text, font)])


def _summary_sheet(wb: Workbook, statuses: list[views.ProvinceStatus]) -> None:
    ws = wb.create_sheet("สรุปรายจังหวัด")
    headers = [
        "จังหวัด",
        "สถานะ",
        "ส่งล่าสุดเมื่อ",
        "ผู้ส่ง",
        "จำนวนครั้งที่ส่ง",
        "อปท. ที่รายงาน",
        "อปท. ในทะเบียน",
        "ข้อผิดพลาด (ฉบับล่าสุด)",
        "ข้อสังเกต (ฉบับล่าสุด)",
    ]
    rows = [
        (
            s.province,
            s.status,
            thai_datetime(s.last_received) if s.last_received else "",
            s.sender,
            s.versions,
            s.reported,
            s.expected,
            s.errors,
            s.warnings,
        )
        for s in statuses
    ]
    _table(ws, headers, rows, [18, 16, 26, 30, 12, 12, 12, 14, 14], fill_column=1)


def _data_sheet(wb: Workbook, records: list[tuple[views.LaoRecord, views.SubmissionView]]) -> None:
    ws = wb.create_sheet("ข้อมูลรวม")
    headers = [
        "จังหวัด",
        "อำเภอ",
        "รหัส อปท.",
        "ชื่อเต็มของหน่วยงาน",
        "ประเภท อปท.",
        "ชื่อ - สกุล ผู้บริหารท้องถิ่น",
        "ตำแหน่ง",
        *(f"ประเด็นที่ {i}" for i in range(1, 10)),
        "ผลการประเมินภาพรวม",
        "หมายเหตุ",
        "รับเมื่อ",
        "Message-ID ต้นทาง",
    ]
    rows = (
        (
            r.province,
            r.district,
            r.dla_code,
            r.lao_full_name,
            r.lao_type,
            r.executive_name,
            r.executive_position,
            *(list(r.issues) + [""] * (9 - len(r.issues)))[:9],
            r.overall,
            r.remarks,
            thai_datetime(sub.received_at),
            sub.message_id,
        )
        for r, sub in records
    )
    _table(ws, headers, rows, [14, 18, 10, 40, 22, 28, 22, *[10] * 9, 14, 20, 24, 40])


def _history_sheet(wb: Workbook, subs: list[views.SubmissionView]) -> None:
    ws = wb.create_sheet("ประวัติการส่ง")
    headers = [
        "ลำดับ",
        "รับเมื่อ",
        "จังหวัด",
        "ผู้ส่ง",
        "ชื่อไฟล์",
        "ผลการตรวจ",
        "จำนวนแถว",
        "ข้อผิดพลาด",
        "ข้อสังเกต",
        "การตอบกลับ",
        "หัวเรื่อง",
        "Message-ID",
    ]
    rows = (
        (
            s.id,
            thai_datetime(s.received_at),
            s.province or "",
            s.sender,
            s.filename,
            SUBMISSION_STATUS_TH.get(s.status, s.status),
            s.rows,
            s.errors,
            s.warnings,
            REPLY_STATE_TH.get(s.reply_state, s.reply_state),
            s.subject,
            s.message_id,
        )
        for s in subs
    )
    _table(ws, headers, rows, [8, 26, 16, 30, 36, 14, 10, 10, 10, 12, 40, 40])


def _findings_sheet(wb: Workbook, findings: list[views.FindingView]) -> None:
    ws = wb.create_sheet("ข้อผิดพลาด")
    headers = [
        "จังหวัด",
        "ชื่อไฟล์",
        "ระดับ",
        "แผ่นงาน",
        "แถว",
        "คอลัมน์",
        "หัวคอลัมน์",
        "ค่าที่พบ",
        "ปัญหา",
        "ควรแก้เป็น",
        "รหัส",
    ]
    rows = (
        (
            f.province,
            f.filename,
            "ข้อผิดพลาด" if f.severity == "error" else "ข้อสังเกต",
            f.sheet or "",
            f.row,
            f.column or "",
            f.header or "",
            f.value or "",
            f.message,
            f.suggestion or "",
            f.code,
        )
        for f in findings
    )
    _table(ws, headers, rows, [14, 30, 12, 16, 8, 8, 24, 30, 50, 36, 22])
