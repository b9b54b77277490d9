"""The master workbook DLA staff open: a projection of the ledger, rebuilt atomically, never edited.

Cells are literal: text from provinces is written as text (never a formula or an error value) with the
characters XML forbids removed. Speed comes from styling the workbook, not the cells: the default font is
TH Sarabun New, so the 150,000-odd data cells carry no style of their own and cost what a bare openpyxl
write-only dump costs; only headers, status cells and rates get a style.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage import dataset, summary, views
from storage.backups import replace_atomically
from storage.errors import MasterError
from storage.ledger import Ledger
from storage.thai import display_width, thai_date, thai_datetime
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

FONT_NAME = "TH Sarabun New"
FALLBACK_FONT = "Tahoma"  # what Windows substitutes for a missing Thai (charset 222) sans-serif font
# charset 222 (Thai) and family 2 (sans-serif) steer a viewer without TH Sarabun New to Tahoma.
FONT = Font(name=FONT_NAME, size=14, family=2, charset=222)
BOLD = Font(name=FONT_NAME, size=14, family=2, charset=222, bold=True)
TITLE = Font(name=FONT_NAME, size=20, family=2, charset=222, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
PERCENT = "0.0%"
GREEN, YELLOW, RED, GREY = "C6EFCE", "FFEB9C", "FFC7CE", "EDEDED"
STATUS_FILLS = {
    dataset.STATUS_COMPLETE: PatternFill("solid", fgColor=GREEN),
    dataset.STATUS_COMPLETE_LATE: PatternFill("solid", fgColor=GREEN),
    dataset.STATUS_PARTIAL: PatternFill("solid", fgColor=YELLOW),
    dataset.STATUS_ERRORS: PatternFill("solid", fgColor=RED),
    dataset.STATUS_MISSING: PatternFill("solid", fgColor=GREY),
}
SUBMISSION_STATUS_TH = {
    "accepted": "ถูกต้อง",
    "rejected": "มีข้อผิดพลาด",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "duplicate": "ส่งซ้ำ",
}
SUBMISSION_FILLS = {
    "ถูกต้อง": PatternFill("solid", fgColor=GREEN),
    "มีข้อผิดพลาด": PatternFill("solid", fgColor=RED),
    "เปิดไฟล์ไม่ได้": PatternFill("solid", fgColor=RED),
    "ส่งซ้ำ": PatternFill("solid", fgColor=GREY),
}
REPLY_STATE_TH = {
    "sent": "ส่งแล้ว", "pending": "รอส่ง", "sending": "กำลังส่ง", "suppressed": "งดตอบ (เกินจำนวนที่กำหนด)",
    "failed": "ส่งไม่สำเร็จ (ต้องแจ้งจังหวัดทางอื่น)", "none": "ไม่ตอบกลับ",
}  # fmt: skip
SENDER_VERDICT_TH = {
    "verified": "ตรงตามรายชื่อ",
    "unverified": "ไม่อยู่ในรายชื่อ (ยังไม่ยืนยัน)",
    "unknown_province": "",
}
# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF): removed.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_MAX_TEXT = 32767
_LITERAL_RISK = frozenset(ERROR_CODES)  # strings openpyxl would store as error values, not text
MIN_WIDTH, MAX_WIDTH, MAX_HEADER_WIDTH = 6, 60, 22

Value = str | int | float | None
MASTER_STAMP = "master_stamp"  # ledger meta key: the change stamp the master file was last built from


@dataclass(frozen=True, slots=True)
class Master:
    """The master workbook at `path`: the one owner of (re)writing it, always whole, from the ledger alone.

    `expected` maps each province (registry order) to its LAO count; `backups` is how many timestamped
    copies of earlier masters to keep in `<path folder>/backups` (0: none).
    """

    path: Path
    expected: Mapping[str, int]
    deadline: dt.date
    backups: int = 10

    def rebuild(
        self, ledger: Ledger, *, only_if_changed: bool = False, now: dt.datetime | None = None
    ) -> Path | None:
        """Write the whole master beside `path`, back up the old one, os.replace it in; the backup made.

        `only_if_changed`: do nothing when the ledger has not changed since the last rebuild (also one
        by a run that died before finishing) and the file is there.
        """
        stamp = ledger.change_stamp()
        if only_if_changed and stamp == ledger.meta(MASTER_STAMP) and self.path.exists():
            return None
        backup = self._write(ledger, now or dt.datetime.now(dt.UTC))
        ledger.set_meta(MASTER_STAMP, stamp)
        return backup

    def _write(self, ledger: Ledger, now: dt.datetime) -> Path | None:
        expected, deadline = dict(self.expected), self.deadline
        order = list(expected)
        statuses = dataset.province_statuses(ledger, expected, deadline)
        records = dataset.current_rows(ledger, order)
        wb = Workbook(write_only=True)
        _use_default_font(wb, FONT)
        _readme_sheet(wb, deadline, now, statuses)
        _provinces_sheet(wb, statuses, deadline)
        _data_sheet(wb, records)
        _history_sheet(wb, views.submissions(ledger))
        _findings_sheet(wb, views.latest_rejected_findings(ledger, order))
        by_province, by_issue = summary.figures([r for r, _ in records], expected)
        _province_figures_sheet(wb, by_province)
        _issue_figures_sheet(wb, by_issue)
        return _save_atomically(wb, self.path, self.backups, now)


def _save_atomically(wb: Workbook, target: Path, backups: int, now: dt.datetime) -> Path | None:
    try:
        return replace_atomically(wb.save, target, backups, now)
    except OSError as e:
        raise MasterError(f"cannot write master workbook {target}: {e}") from e


def _use_default_font(wb: Workbook, font: Font) -> None:
    """Make `font` the workbook's font 0, used by every unstyled cell and by the Normal style.

    openpyxl has no public API for this; `_fonts` is the list its stylesheet writer serialises.
    """
    wb._fonts = IndexedList([font])  # type: ignore[attr-defined]
    wb._named_styles["Normal"].font = font  # type: ignore[attr-defined]


def literal(ws: WriteOnlyWorksheet, value: Value | Cell) -> Value | Cell:
    """`value` as a cell that can only hold what it says: text stays text, "" is no cell at all."""
    if not isinstance(value, str):
        return value
    text = XML_FORBIDDEN.sub("", value)[:EXCEL_MAX_TEXT]
    if not text:
        return None
    if text[0] == "=" or text in _LITERAL_RISK:  # openpyxl would write a formula or an error value
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        return cell
    return text


def styled(ws: WriteOnlyWorksheet, value: Value, *, font: Font | None = None,
           fill: PatternFill | None = None, number_format: str | None = None) -> Cell:  # fmt: skip
    """A literal cell with a style; the style objects are shared module constants."""
    lit = literal(ws, value)
    cell = lit if isinstance(lit, Cell) else WriteOnlyCell(ws, value=lit)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    return cell


def fitted_widths(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> list[int]:
    """Column widths (in characters of the default font) that fit the longest value, Thai marks aside.

    Headers wrap, so a long header asks for at most MAX_HEADER_WIDTH. Only the longest distinct strings of
    a column are measured: the widest text on screen is among the longest in code points.
    """
    widths = []
    for i, header in enumerate(headers):
        column = {v if isinstance(v, str) else str(v) for row in rows if (v := row[i]) is not None}
        longest = heapq.nlargest(8, column, key=len)
        need = max([min(display_width(header), MAX_HEADER_WIDTH), *map(display_width, longest)])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, need + 2)))
    return widths


def _table(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Value]],
    *,
    freeze: str = "A2",
    fills: tuple[int, dict[str, PatternFill]] | None = None,
    percent_from: int | None = None,
) -> None:
    """A sheet holding one table: a styled header row, frozen panes, autofilter, fitted widths.

    `fills` = (column index, fill per value) colours one column; `percent_from` formats that column and
    every one after it as a percentage.
    """
    ws = wb.create_sheet(title)
    for i, width in enumerate(fitted_widths(headers, rows), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    header = []
    for h in headers:
        cell = styled(ws, h, font=BOLD, fill=HEADER_FILL)
        cell.alignment = HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)
    fill_col, fill_map = fills if fills else (-1, {})
    for row in rows:
        cells: list[Value | Cell] = [literal(ws, v) for v in row]
        if fill_col >= 0 and (fill := fill_map.get(str(row[fill_col]))) is not None:
            cells[fill_col] = styled(ws, row[fill_col], fill=fill)
        if percent_from is not None:
            for i in range(percent_from, len(row)):
                if row[i] is not None:
                    cells[i] = styled(ws, row[i], number_format=PERCENT)
        ws.append(cells)


def _readme_sheet(
    wb: Workbook, deadline: dt.date, now: dt.datetime, statuses: Sequence[dataset.ProvinceStatus]
) -> None:
    ws = wb.create_sheet(SHEET_README)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    counts = {s: sum(1 for p in statuses if p.status == s) for s in STATUS_FILLS}
    status_lines: list[list[Value | Cell]] = [
        [styled(ws, s, fill=fill), f"{counts[s]} จังหวัด"] for s, fill in STATUS_FILLS.items()
    ]
    lines: list[list[Value | Cell]] = [
        [styled(ws, "สมุดงานรวมผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563", font=TITLE)],
        [],
        [styled(ws, "ไฟล์นี้สร้างโดยอัตโนมัติ", font=BOLD),
         "ระบบรับรายงานทางอีเมล (localreport) สร้างไฟล์นี้ใหม่จากฐานข้อมูลทุกครั้งที่มีรายงานเข้ามา"],
        [styled(ws, "การแก้ไขจะไม่ถูกเก็บไว้", font=BOLD),
         "สิ่งที่แก้ในไฟล์นี้จะหายไปเมื่อสร้างใหม่ หากข้อมูลผิด ให้จังหวัดส่งรายงานฉบับแก้ไขมาทางอีเมล"],
        ["กำหนดส่ง", thai_date(deadline)],
        ["สร้างเมื่อ", thai_datetime(now)],
        [],
        [styled(ws, "ภาพรวม", font=BOLD), f"จังหวัดทั้งหมด {len(statuses)} จังหวัด"],
        *status_lines,
        [],
        [styled(ws, "แผ่นงาน", font=BOLD)],
        [SHEET_PROVINCES, "ความครบถ้วนของแต่ละจังหวัด: อปท. ที่ได้รับแล้วเทียบกับทะเบียน (ครบ / ยังไม่ครบ / ยังไม่ส่ง)"],
        [SHEET_DATA, "ผลการประเมินของทุก อปท. ที่ได้รับแล้ว รวมจากทุกไฟล์ที่ถูกต้อง แถวที่ส่งล่าสุดของแต่ละ อปท. แทนแถวเดิม"],
        [SHEET_HISTORY, "ทุกไฟล์ที่ได้รับ รวมไฟล์ที่มีข้อผิดพลาด เปิดไม่ได้ และส่งซ้ำ พร้อมสถานะการตอบกลับ"],
        [SHEET_FINDINGS, "ข้อผิดพลาดของจังหวัดที่ฉบับล่าสุดยังไม่ผ่านการตรวจ"],
        [SHEET_PROVINCE_FIGURES, "อัตราผ่านของแต่ละจังหวัด รายประเด็นและภาพรวม"],
        [SHEET_ISSUE_FIGURES, "อัตราผ่านรายประเด็นของทั้งประเทศ"],
        [],
        ["แบบอักษร", f"{FONT_NAME} (หากเครื่องไม่มี จะแสดงด้วย {FALLBACK_FONT} หรือแบบอักษรไทยอื่นแทน)"],
    ]  # fmt: skip
    for line in lines:
        ws.append([literal(ws, v) for v in line])


def _provinces_sheet(wb: Workbook, statuses: Sequence[dataset.ProvinceStatus], deadline: dt.date) -> None:
    headers = [
        "จังหวัด", f"สถานะ (กำหนดส่ง {thai_date(deadline)})", "ส่งล่าสุดเมื่อ", "ผู้ส่ง", "จำนวนครั้งที่ส่ง",
        "อปท. ที่รายงาน", "อปท. ในทะเบียน", "ยังขาด (แห่ง)", "ข้อผิดพลาด (ฉบับล่าสุด)",
        "ข้อสังเกต (ฉบับล่าสุด)",
    ]  # fmt: skip
    rows = [
        (s.province, s.status, thai_datetime(s.last_received) if s.last_received else "", s.sender,
         s.versions, s.reported, s.expected, s.missing_count, s.errors, s.warnings)
        for s in statuses
    ]  # fmt: skip
    _table(wb, SHEET_PROVINCES, headers, rows, freeze="B2", fills=(1, STATUS_FILLS))


def _data_sheet(wb: Workbook, records: Sequence[tuple[LaoRecord, views.SubmissionView]]) -> None:
    headers = [
        "จังหวัด", "อำเภอ", "รหัส อปท.", "ชื่อเต็มของหน่วยงาน", "ประเภท อปท.",
        "ชื่อ - สกุล ผู้บริหารท้องถิ่น", "ตำแหน่ง", *summary.RESULT_LABELS, "หมายเหตุ", "รับเมื่อ",
        "Message-ID ต้นทาง",
    ]  # fmt: skip
    subs = {sub.id: sub for _, sub in records}
    received = {i: thai_datetime(sub.received_at) for i, sub in subs.items()}
    rows = [
        (r.province, r.district, r.dla_code, r.lao_full_name, r.lao_type, r.executive_name,
         r.executive_position, *(tuple(r.issues) + ("",) * summary.ISSUES)[: summary.ISSUES], r.overall,
         r.remarks, received[sub.id], sub.message_id)
        for r, sub in records
    ]  # fmt: skip
    _table(wb, SHEET_DATA, headers, rows, freeze="E2")


def _history_sheet(wb: Workbook, subs: Sequence[views.SubmissionView]) -> None:
    headers = [
        "ลำดับ", "รับเมื่อ", "จังหวัด", "ผู้ส่ง", "ชื่อไฟล์", "ผลการตรวจ", "อปท. ที่รับเข้า", "ข้อผิดพลาด",
        "ข้อสังเกต", "การตอบกลับ", "หัวเรื่อง", "Message-ID", "ผู้ส่งตามรายชื่อ",
    ]  # fmt: skip
    rows = [
        (s.id, thai_datetime(s.received_at), s.province or "", s.sender, s.filename,
         SUBMISSION_STATUS_TH.get(s.status, s.status), s.rows, s.errors, s.warnings,
         REPLY_STATE_TH.get(s.reply_state, s.reply_state), s.subject, s.message_id,
         SENDER_VERDICT_TH.get(s.sender_verdict or "", ""))
        for s in subs
    ]  # fmt: skip
    _table(wb, SHEET_HISTORY, headers, rows, fills=(5, SUBMISSION_FILLS))


def _findings_sheet(wb: Workbook, findings: Sequence[views.FindingView]) -> None:
    headers = [
        "จังหวัด", "ชื่อไฟล์", "ระดับ", "แผ่นงาน", "แถว", "คอลัมน์", "หัวคอลัมน์", "ค่าที่พบ", "ปัญหา",
        "ควรแก้เป็น", "รหัส",
    ]  # fmt: skip
    rows = [
        (f.province, f.filename, "ข้อผิดพลาด" if f.severity == "error" else "ข้อสังเกต", f.sheet or "",
         f.row, f.column or "", f.header or "", f.value or "", f.message, f.suggestion or "", f.code)
        for f in findings
    ]  # fmt: skip
    _table(wb, SHEET_FINDINGS, headers, rows)


def _province_figures_sheet(wb: Workbook, rows: Sequence[Sequence[Value]]) -> None:
    headers = [
        "จังหวัด", "อปท. ที่รายงาน", "อปท. ในทะเบียน", "ผ่านภาพรวม (แห่ง)", "ไม่ผ่านภาพรวม (แห่ง)",
        "อัตราผ่านภาพรวม", *(f"อัตราผ่าน ประเด็นที่ {i}" for i in range(1, summary.ISSUES + 1)),
    ]  # fmt: skip
    _table(wb, SHEET_PROVINCE_FIGURES, headers, rows, freeze="B2", percent_from=5)


def _issue_figures_sheet(wb: Workbook, rows: Sequence[Sequence[Value]]) -> None:
    headers = ["ประเด็น", "ผ่าน (แห่ง)", "ไม่ผ่าน (แห่ง)", "ไม่ได้ระบุ (แห่ง)", "อัตราผ่าน"]
    _table(wb, SHEET_ISSUE_FIGURES, headers, rows, percent_from=4)
