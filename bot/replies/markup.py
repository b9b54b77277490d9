"""The province's own workbook handed back with every erroneous cell filled and a comment naming the fix.

Pure: bytes in, bytes out. Only .xlsx/.xlsm go through openpyxl (an .xlsm comes back as .xlsx,
without its macros); .xls, .ods, anything too big or anything openpyxl cannot open gives None and
the reply goes without it. openpyxl loads the whole workbook, so the judge worker
(bot/adapters/judge_pool.py) runs this, under its memory and time limits; the size guard here is a
second line only. The comment's message is texts.finding_text, as in the ledger and the mail.

Each sheet with a mark gets the blank form's print setup (storage.template.apply_print_setup: A4
landscape, one page wide, page numbers), with its rows down to the header repeated on every page
unless the province chose rows to repeat itself; the header row is where a finding's header text
stands in its column. Other sheets keep the province's print setup.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.replies.templates import render_template, shorten
from bot.replies.texts import finding_text
from storage.template import apply_print_setup
from validators.findings import Finding, Severity

log = logging.getLogger(__name__)

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's "light red fill"
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")  # Excel's "yellow fill"
COMMENT_AUTHOR = "localreport"
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_COMMENT_CHARS = 1000
MAX_TITLE_ROWS = 20  # a header found lower than this is not repeated on every page


def cell_comment(f: Finding) -> str:
    """The comment put on an erroneous cell: what is wrong, what was found, what to write instead."""
    shown = {"message": finding_text(f), "value": shorten(f.value), "suggestion": shorten(f.suggestion)}
    return render_template("cell_comment.txt.j2", **shown).strip()


@dataclass(frozen=True, slots=True)
class CellNote:
    """What goes on one cell: the comment text and whether any finding there is an error."""

    text: str
    error: bool


def annotate_workbook(
    payload: bytes,
    findings: Iterable[Finding],
    comment_for: Callable[[Finding], str] | None = None,
    *,
    max_payload_bytes: int = MAX_PAYLOAD_BYTES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
) -> bytes | None:
    """The workbook with a fill and a Thai comment on each cell a finding points at, or None.

    A finding points at a cell when it has a row; a missing column means column A of that row,
    a missing sheet the first sheet. Several findings on one cell share one comment. Returns None
    when nothing could be marked or the file is not an openpyxl-readable, reasonably sized .xlsx.
    """
    located = [f for f in findings if f.row]
    if not located or not _openable(payload, max_payload_bytes, max_uncompressed_bytes):
        return None
    try:
        wb = load_workbook(io.BytesIO(payload), keep_links=False, rich_text=False)
    except Exception as e:  # openpyxl raises many types for odd files; the reply simply goes without it
        log.info("annotated workbook skipped: openpyxl cannot open the file: %s", type(e).__name__)
        return None
    notes = _notes(located, wb.sheetnames, comment_for or cell_comment)
    marked = 0
    for (sheet, coordinate), note in notes.items():
        cell = _writable_cell(wb[sheet], coordinate)
        if cell is None:
            continue
        cell.fill = ERROR_FILL if note.error else WARNING_FILL
        comment = Comment(note.text[:MAX_COMMENT_CHARS], COMMENT_AUTHOR)
        comment.width = 320
        comment.height = 40 + 22 * (note.text.count("\n") + 1 + len(note.text) // 40)
        cell.comment = comment
        marked += 1
    if not marked:
        return None
    _show_first_marked(wb, next(iter(notes))[0])
    first = wb.sheetnames[0]
    for sheet in dict.fromkeys(s for s, _ in notes):
        _set_print_setup(wb[sheet], [f for f in located if (f.sheet or first) == sheet])
    out = io.BytesIO()
    try:
        wb.save(out)
    except Exception as e:  # a workbook openpyxl reads but cannot write back: skip it, never fail the reply
        log.info("annotated workbook skipped: openpyxl cannot save the file: %s", type(e).__name__)
        return None
    return out.getvalue()


def _openable(payload: bytes, max_payload: int, max_uncompressed: int) -> bool:
    if len(payload) > max_payload or not payload.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        return False
    return sum(i.file_size for i in infos) <= max_uncompressed


def _notes(
    findings: list[Finding], sheetnames: list[str], comment_for: Callable[[Finding], str]
) -> dict[tuple[str, str], CellNote]:
    notes: dict[tuple[str, str], CellNote] = {}
    for f in findings:
        sheet = f.sheet if f.sheet in sheetnames else (sheetnames[0] if f.sheet is None else None)
        if sheet is None or not f.row:
            continue
        coordinate = f"{(f.column or 'A').upper()}{f.row}"
        try:
            coordinate_from_string(coordinate)
        except ValueError:
            continue
        text = comment_for(f).strip()
        error = f.severity == Severity.ERROR
        key = (sheet, coordinate)
        if key in notes:
            old = notes[key]
            text = old.text if text in old.text.split("\n\n") else f"{old.text}\n\n{text}"
            error = error or old.error
        notes[key] = CellNote(text, error)
    return notes


def _show_first_marked(wb: Workbook, title: str) -> None:
    """Open the workbook on the first sheet with a mark, and select only that tab (no grouped sheets)."""
    for ws in wb.worksheets:
        if isinstance(ws, Worksheet):
            ws.sheet_view.tabSelected = ws.title == title
    target = wb[title]
    target.sheet_state = "visible"
    wb.active = target


def _set_print_setup(ws: Worksheet, findings: list[Finding]) -> None:
    """The blank form's print setup on a marked sheet; a failure leaves the sheet as it was set."""
    try:
        keep_titles = bool(ws.print_title_rows)
        apply_print_setup(ws, None if keep_titles else _header_row(ws, findings))
    except Exception as e:  # an odd sheet openpyxl cannot set up: the marks matter more than the print
        log.info("annotated workbook: print setup skipped on a sheet: %s", type(e).__name__)


def _header_row(ws: Worksheet, findings: list[Finding]) -> int | None:
    """The lowest row, above the findings, where a finding's header text stands in its column."""
    found: int | None = None
    seen: set[tuple[str, str]] = set()
    for f in findings:
        if not (f.header and f.column and f.row) or (f.column, f.header) in seen or len(seen) >= 20:
            continue
        seen.add((f.column, f.header))
        try:
            column = coordinate_from_string(f"{f.column}1")[0]
        except ValueError:
            continue
        for row in range(1, min(f.row, MAX_TITLE_ROWS + 1)):
            value = ws[f"{column}{row}"].value
            if isinstance(value, str) and value.strip() == f.header.strip():
                found = max(found or 0, row)
    return found


def _writable_cell(ws: Worksheet, coordinate: str) -> Cell | None:
    """The cell at `coordinate`, or the top-left cell of the merged range that covers it."""
    try:
        cell = ws[coordinate]
    except ValueError:  # beyond Excel's last column or row
        return None
    if not isinstance(cell, MergedCell):
        return cell if isinstance(cell, Cell) else None
    for merged in ws.merged_cells.ranges:
        if coordinate in merged:
            min_col, min_row, _max_col, _max_row = range_boundaries(merged.coord)
            top_left = ws.cell(row=min_row or 1, column=min_col or 1)
            return top_left if isinstance(top_left, Cell) else None
    return None
