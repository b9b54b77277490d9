"""The sheets of the master workbook, each one table under one header row (but the first, อ่านก่อน), in
Thai for DLA staff: Thai words for every code (storage/master_labels.py), real date cells in Bangkok time
shown in the Buddhist era, a filter on every header, the header row repeated on every printed page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from storage import dataset, master_labels, summary, views
from storage import master_layout as layout
from storage.master_layout import Look, PrintedAs, Value, literal
from storage.thai import BE_DATE_FORMAT, BE_DATETIME_FORMAT, sheet_datetime, thai_date
from validators.findings import LaoRecord

SHEET_README = "อ่านก่อน"
SHEET_PROVINCES = "สรุปรายจังหวัด"
SHEET_DATA = "ข้อมูลรวม"
SHEET_HISTORY = "ประวัติการส่ง"
SHEET_FINDINGS = "ข้อผิดพลาด"
SHEET_PROVINCE_FIGURES = "สถิติรายจังหวัด"
SHEET_ISSUE_FIGURES = "สถิติรายประเด็น"
SHEETS = (SHEET_README, SHEET_PROVINCES, SHEET_DATA, SHEET_HISTORY, SHEET_FINDINGS,
          SHEET_PROVINCE_FIGURES, SHEET_ISSUE_FIGURES)  # fmt: skip
ROUND_TITLE = "สมุดงานรวมผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563"
# What each sheet's printed pages say over the table.
PRINT_TITLES = {
    SHEET_README: "คำอธิบายสมุดงานรวม",
    SHEET_PROVINCES: "สรุปการส่งรายงานรายจังหวัด",
    SHEET_DATA: "ข้อมูลผลการประเมินผู้บริหารท้องถิ่นรวมทุกจังหวัด",
    SHEET_HISTORY: "ประวัติอีเมลที่ได้รับและการตอบกลับ",
    SHEET_FINDINGS: "ข้อผิดพลาดที่จังหวัดต้องแก้ไข (ฉบับล่าสุด)",
    SHEET_PROVINCE_FIGURES: "สถิติผลการประเมินรายจังหวัด",
    SHEET_ISSUE_FIGURES: "สถิติผลการประเมินรายประเด็น (ทั้งประเทศ)",
}
STATUS_FILLS = {
    dataset.STATUS_COMPLETE: PatternFill("solid", fgColor=layout.GREEN),
    dataset.STATUS_COMPLETE_LATE: PatternFill("solid", fgColor=layout.GREEN),
    dataset.STATUS_PARTIAL: PatternFill("solid", fgColor=layout.YELLOW),
    dataset.STATUS_ERRORS: PatternFill("solid", fgColor=layout.RED),
    dataset.STATUS_MISSING: PatternFill("solid", fgColor=layout.GREY),
}
HISTORY_FILLS = {
    master_labels.submission_status("accepted"): PatternFill("solid", fgColor=layout.GREEN),
    master_labels.submission_status("rejected"): PatternFill("solid", fgColor=layout.RED),
    master_labels.submission_status("unreadable"): PatternFill("solid", fgColor=layout.RED),
    master_labels.submission_status("duplicate"): PatternFill("solid", fgColor=layout.GREY),
    master_labels.mail_outcome("held"): PatternFill("solid", fgColor=layout.YELLOW),
    master_labels.mail_outcome("quarantined"): PatternFill("solid", fgColor=layout.YELLOW),
    master_labels.mail_outcome(None): PatternFill("solid", fgColor=layout.YELLOW),
}


@dataclass(frozen=True, slots=True)
class Columns:
    """What some columns of a table need: a fill per value of one, date cells, rates, hidden ones."""

    fills: tuple[int, dict[str, PatternFill]] | None = None
    dates: tuple[int, ...] = ()
    percent_from: int | None = None  # this column and every one after it: a rate
    hidden: tuple[int, ...] = ()  # kept for filtering, not shown nor printed (a code, say)
    centered: tuple[int, ...] = ()  # counts between text columns


def table(wb: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[Value]],
          as_of: str, *, freeze: str = "A2", columns: Columns = Columns()) -> None:  # fmt: skip
    """A sheet holding one table: a styled header row tall enough for its wrapped Thai, frozen panes, a
    filter, fitted widths, the print setup."""
    ws = wb.create_sheet(title)
    widths = layout.fitted_widths(headers, rows)
    for i in columns.dates:
        widths[i] = max(widths[i], layout.DATE_WIDTH)
    layout.set_widths(ws, widths)
    for i in columns.hidden:
        ws.column_dimensions[get_column_letter(i + 1)].hidden = True
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    layout.print_setup(ws, PrintedAs(PRINT_TITLES[title], as_of))
    layout.thai_rows(ws)
    ws.row_dimensions[1].height = layout.header_height(headers, widths)
    header = Look.of(ws, font=layout.BOLD, fill=layout.HEADER_FILL, alignment=layout.HEADER_ALIGNMENT)
    ws.append([header(h) for h in headers])
    date = Look.of(ws, number_format=BE_DATETIME_FORMAT, alignment=layout.LEFT)
    percent = Look.of(ws, number_format=layout.PERCENT)
    center = Look.of(ws, alignment=layout.CENTER)
    fill_col, fill_map = columns.fills if columns.fills else (-1, {})
    filled = {value: Look.of(ws, fill=fill) for value, fill in fill_map.items()}
    for row in rows:
        cells: list[Value | Cell] = [literal(ws, v) for v in row]
        if fill_col >= 0 and (look := filled.get(str(row[fill_col]))) is not None:
            cells[fill_col] = look(row[fill_col])
        for i in columns.dates:
            cells[i] = date(row[i])
        for i in columns.centered:
            cells[i] = center(row[i])
        if columns.percent_from is not None:
            for i in range(columns.percent_from, len(row)):
                if row[i] is not None:
                    cells[i] = percent(row[i])
        ws.append(cells)


def _when(moment: dt.datetime | None) -> dt.datetime | None:
    return sheet_datetime(moment) if moment is not None else None


def readme_sheet(wb: Workbook, deadline: dt.date, now: dt.datetime, as_of: str,
                 statuses: Sequence[dataset.ProvinceStatus]) -> None:  # fmt: skip
    ws = wb.create_sheet(SHEET_README)
    widths = (26, 100)
    layout.set_widths(ws, widths)
    layout.print_setup(ws, PrintedAs(PRINT_TITLES[SHEET_README], as_of, repeat_rows=None, pages_tall=1))
    layout.thai_rows(ws)
    bold, wrap, top = (Look.of(ws, font=layout.BOLD), Look.of(ws, alignment=layout.WRAP),
                       Look.of(ws, alignment=layout.TOP))  # fmt: skip
    day = Look.of(ws, number_format=BE_DATE_FORMAT, alignment=layout.LEFT)
    moment = Look.of(ws, number_format=BE_DATETIME_FORMAT, alignment=layout.LEFT)
    counts = {s: sum(1 for p in statuses if p.status == s) for s in STATUS_FILLS}
    status_lines: list[Sequence[Value | Cell | None]] = [
        [Look.of(ws, fill=fill)(s), f"{counts[s]} จังหวัด"] for s, fill in STATUS_FILLS.items()
    ]
    sheets = [
        (SHEET_PROVINCES, "ความครบถ้วนของแต่ละจังหวัด: อปท. ที่ได้รับแล้วเทียบกับทะเบียน (ครบ / ยังไม่ครบ / ยังไม่ส่ง)"),
        (SHEET_DATA, "ผลการประเมินของทุก อปท. ที่ได้รับแล้ว รวมจากทุกไฟล์ที่ถูกต้อง แถวที่ส่งล่าสุดของแต่ละ อปท. แทนแถวเดิม"),
        (SHEET_HISTORY, "อีเมลทุกฉบับที่ได้รับ ไฟล์แนบละหนึ่งแถว อีเมลที่ไม่มีไฟล์แนบ ส่งเป็นลิงก์ หรือถูกกักไว้ก็มีหนึ่งแถว "
                        "พร้อมผลการตรวจและสถานะการตอบกลับ"),
        (SHEET_FINDINGS, "ข้อผิดพลาดทีละช่อง ของจังหวัดที่รายงานฉบับล่าสุดยังไม่ผ่านการตรวจสอบ"),
        (SHEET_PROVINCE_FIGURES, "ผลภาพรวมของแต่ละจังหวัด (ผ่าน / ไม่ผ่าน / ไม่ได้ระบุ) และอัตราผ่านรายประเด็น"),
        (SHEET_ISSUE_FIGURES, "จำนวนที่ผ่าน ไม่ผ่าน และไม่ได้ระบุผล รายประเด็นของทั้งประเทศ"),
    ]  # fmt: skip
    lines: list[Sequence[Value | Cell | None]] = [
        [Look.of(ws, font=layout.TITLE)(ROUND_TITLE)],
        [],
        [bold("ไฟล์นี้สร้างโดยอัตโนมัติ"),
         "ระบบรับรายงานทางอีเมล (localreport) สร้างไฟล์นี้ใหม่จากฐานข้อมูลทุกครั้งที่มีรายงานเข้ามา"],
        [bold("การแก้ไขจะไม่ถูกเก็บไว้"),
         "สิ่งที่แก้ในไฟล์นี้จะหายไปเมื่อสร้างใหม่ หากข้อมูลผิด ให้จังหวัดส่งรายงานฉบับแก้ไขมาทางอีเมล"],
        ["กำหนดส่ง", day(dt.datetime.combine(deadline, dt.time()))],
        ["สร้างเมื่อ", moment(sheet_datetime(now))],
        ["วันที่และเวลา", "ช่องวันที่เป็นข้อมูลวันที่ เรียงลำดับและกรองตามวันที่ได้ แสดงเป็นพุทธศักราช ตามเวลาประเทศไทย"],
        [],
        [bold("ภาพรวม"), f"จังหวัดทั้งหมด {len(statuses)} จังหวัด"],
        *status_lines,
        [],
        [bold("แผ่นงาน")],
        *([top(name), wrap(text)] for name, text in sheets),
        [],
        ["การพิมพ์", "ทุกแผ่นงานตั้งค่าการพิมพ์ไว้แล้ว: กระดาษ A4 แนวนอน ย่อให้พอดีความกว้างหนึ่งหน้า "
                     "พิมพ์หัวตารางซ้ำทุกหน้า และมีเลขหน้าท้ายกระดาษ"],
        ["แบบอักษร", f"{layout.FONT_NAME} (หากเครื่องไม่มี จะแสดงด้วย {layout.FALLBACK_FONT} หรือแบบอักษรไทยอื่นแทน)"],
    ]  # fmt: skip
    ws.row_dimensions[1].height = layout.TITLE_HEIGHT
    wrapped = dict(sheets)
    for n, line in enumerate(lines, 1):
        if line and isinstance(line[0], Cell) and line[0].value in wrapped:
            text = wrapped[str(line[0].value)]
            ws.row_dimensions[n].height = layout.row_height(layout.wrapped_lines(text, widths[1]))
    for line in lines:
        ws.append([v if isinstance(v, Cell) or v is None else literal(ws, v) for v in line])


def provinces_sheet(wb: Workbook, statuses: Sequence[dataset.ProvinceStatus], deadline: dt.date,
                    as_of: str) -> None:  # fmt: skip
    headers = [
        "จังหวัด", f"สถานะ (กำหนดส่ง {thai_date(deadline)})", "ส่งล่าสุดเมื่อ", "ผู้ส่ง", "จำนวนครั้งที่ส่ง",
        "อปท. ที่รายงาน", "อปท. ในทะเบียน", "ยังขาด (แห่ง)", "ข้อผิดพลาด (ฉบับล่าสุด)",
        "ข้อสังเกต (ฉบับล่าสุด)",
    ]  # fmt: skip
    rows = [
        (s.province, s.status, _when(s.last_received), s.sender, s.versions, s.reported, s.expected,
         s.missing_count, s.errors, s.warnings)
        for s in statuses
    ]  # fmt: skip
    table(wb, SHEET_PROVINCES, headers, rows, as_of, freeze="B2",
          columns=Columns(fills=(1, STATUS_FILLS), dates=(2,), centered=(4, 5, 6, 7, 8, 9)))  # fmt: skip


def data_sheet(wb: Workbook, records: Sequence[tuple[LaoRecord, views.SubmissionView]], as_of: str) -> None:
    headers = [
        "จังหวัด", "อำเภอ", "รหัส อปท.", "ชื่อเต็มของหน่วยงาน", "ประเภท อปท.",
        "ชื่อ - สกุล ผู้บริหารท้องถิ่น", "ตำแหน่ง", *summary.RESULT_LABELS, "หมายเหตุ", "รับเมื่อ",
        "Message-ID ต้นทาง",
    ]  # fmt: skip
    received = {sub.id: sheet_datetime(sub.received_at) for _, sub in records}
    rows: list[tuple[Value, ...]] = [
        (r.province, r.district, r.dla_code, r.lao_full_name, r.lao_type, r.executive_name,
         r.executive_position, *(tuple(r.issues) + ("",) * summary.ISSUES)[: summary.ISSUES], r.overall,
         r.remarks, received[sub.id], sub.message_id)
        for r, sub in records
    ]  # fmt: skip
    table(wb, SHEET_DATA, headers, rows, as_of, freeze="E2", columns=Columns(dates=(len(headers) - 2,)))


HISTORY_HEADERS = [
    "ลำดับ", "รับเมื่อ", "จังหวัด", "ผู้ส่ง", "ชื่อไฟล์", "ผลการตรวจ", "อปท. ที่รับเข้า", "ข้อผิดพลาด",
    "ข้อสังเกต", "การตอบกลับ", "หมายเหตุ", "หัวเรื่อง", "Message-ID", "ผู้ส่งตามรายชื่อ",
]  # fmt: skip


def history_sheet(wb: Workbook, lines: Sequence[views.HistoryLine], as_of: str) -> None:
    """Every mail received, one line per workbook it carried, one line for a mail that carried none."""
    rows = [_history_row(n, line) for n, line in enumerate(lines, 1)]
    table(wb, SHEET_HISTORY, HISTORY_HEADERS, rows, as_of,
          columns=Columns(fills=(5, HISTORY_FILLS), dates=(1,), centered=(0, 6, 7, 8)))  # fmt: skip


def _history_row(n: int, line: views.HistoryLine) -> tuple[Value, ...]:
    when, reply = sheet_datetime(line.received_at), master_labels.reply_state(line.reply_state)
    if isinstance(line, views.SubmissionView):
        status = master_labels.submission_status(line.status)
        return (n, when, line.province or "", line.sender, line.filename, status, line.rows, line.errors,
                line.warnings, reply, "", line.subject, line.message_id,
                master_labels.sender_verdict(line.sender_verdict))  # fmt: skip
    if isinstance(line, views.ReminderView):
        return (n, when, line.province, "ระบบรับรายงาน (แจ้งเตือน)", "",
                f"แจ้งเตือนจังหวัด (ขณะนั้นได้รับแล้ว {line.reported} จาก {line.expected} แห่ง)", None, None, None,
                reply, f"ส่งถึง {line.to_address}", "", "", "")  # fmt: skip
    return (n, when, "", line.sender, "", master_labels.mail_outcome(line.outcome), None, None, None, reply,
            master_labels.reason(line.reason), line.subject, line.message_id, "")  # fmt: skip


def findings_sheet(wb: Workbook, findings: Sequence[views.FindingView], as_of: str) -> None:
    headers = [
        "จังหวัด", "ชื่อไฟล์", "ระดับ", "เรื่อง", "แผ่นงาน", "แถว", "คอลัมน์", "หัวคอลัมน์", "ค่าที่พบ", "ปัญหา",
        "ควรแก้เป็น", "รหัสเรื่อง (สำหรับผู้ดูแลระบบ)",
    ]  # fmt: skip
    rows = [
        (f.province, f.filename, master_labels.severity(f.severity), master_labels.finding_heading(f.code),
         f.sheet or "", f.row, f.column or "", f.header or "", f.value or "", f.message, f.suggestion or "",
         f.code)
        for f in findings
    ]  # fmt: skip
    code = len(headers) - 1
    table(wb, SHEET_FINDINGS, headers, rows, as_of, columns=Columns(hidden=(code,), centered=(5, 6)))


def province_figures_sheet(wb: Workbook, rows: Sequence[Sequence[Value]], as_of: str) -> None:
    headers = [
        "จังหวัด", "อปท. ที่รายงาน", "อปท. ในทะเบียน", "ผ่านภาพรวม (แห่ง)", "ไม่ผ่านภาพรวม (แห่ง)",
        "ไม่ได้ระบุผลภาพรวม (แห่ง)", "อัตราผ่านภาพรวม (จากที่ระบุผล)",
        *(f"อัตราผ่าน ประเด็นที่ {i}" for i in range(1, summary.ISSUES + 1)),
    ]  # fmt: skip
    table(wb, SHEET_PROVINCE_FIGURES, headers, rows, as_of, freeze="B2", columns=Columns(percent_from=6))


def issue_figures_sheet(wb: Workbook, rows: Sequence[Sequence[Value]], as_of: str) -> None:
    headers = ["ประเด็น", "ผ่าน (แห่ง)", "ไม่ผ่าน (แห่ง)", "ระบุผลแล้ว (แห่ง)", "ไม่ได้ระบุ (แห่ง)",
               "อัตราผ่าน (จากที่ระบุผล)"]  # fmt: skip
    table(wb, SHEET_ISSUE_FIGURES, headers, rows, as_of, columns=Columns(percent_from=5))
