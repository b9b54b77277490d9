"""How a sheet of the master looks on screen and on paper: fonts, literal cells, widths, row heights that
fit Thai, and the print setup every sheet carries (storage/master.py builds the workbook with these).

Cells are literal: text from provinces is written as text (never a formula or an error value) with the
characters XML forbids removed. Speed comes from styling the workbook, not the cells: the default font is
TH Sarabun New, so the data cells carry no style of their own; headers, status cells, rates and dates get
one, resolved once per sheet and look (`Look`) and copied onto each cell.

Thai needs taller lines than Latin text: vowels and tone marks stack above and below the consonant. A line
of 14 pt text gets ROW_HEIGHT (about 1.35 × the height Latin needs) and a wrapped header as many lines as
its words take at the column's width, so no mark is clipped in Excel or LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from storage.thai import display_width

FONT_NAME = "TH Sarabun New"
FALLBACK_FONT = "Tahoma"  # what Windows substitutes for a missing Thai (charset 222) sans-serif font
# charset 222 (Thai) and family 2 (sans-serif) steer a viewer without TH Sarabun New to Tahoma.
FONT = Font(name=FONT_NAME, size=14, family=2, charset=222)
BOLD = Font(name=FONT_NAME, size=14, family=2, charset=222, bold=True)
TITLE = Font(name=FONT_NAME, size=20, family=2, charset=222, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_ALIGNMENT = Alignment(wrap_text=True, horizontal="center", vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LEFT = Alignment(horizontal="left", indent=1)  # a date reads as text does, clear of a number before it
CENTER = Alignment(horizontal="center")  # a count or a sequence number between text columns
PERCENT = "0.0%"
GREEN, YELLOW, RED, GREY = "C6EFCE", "FFEB9C", "FFC7CE", "EDEDED"
MIN_WIDTH, MAX_WIDTH, MAX_HEADER_WIDTH = 6, 60, 22
DATE_WIDTH = 27  # "28 พฤศจิกายน 2563 09:15 น.": digits are wider than Thai letters
# Points per line: 14 pt Thai text (the default font), and the 20 pt title.
ROW_HEIGHT, TITLE_HEIGHT, ROW_PADDING = 23.0, 34.0, 4.0
HEADER_TEXT_SIZE = 16  # the print header's title
A4 = 9  # paperSize of ECMA-376 §18.3.1.63
# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF): removed.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_MAX_TEXT = 32767
_LITERAL_RISK = frozenset(ERROR_CODES)  # strings openpyxl would store as error values, not text

Value = str | int | float | dt.datetime | None


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
           fill: PatternFill | None = None, number_format: str | None = None,
           alignment: Alignment | None = None) -> Cell:  # fmt: skip
    """A literal cell with a style; the style objects are shared module constants."""
    lit = literal(ws, value)
    cell = lit if isinstance(lit, Cell) else WriteOnlyCell(ws, value=lit)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    return cell


@dataclass(frozen=True, slots=True)
class Look:
    """One style on one sheet, resolved once: `look(value)` is a literal cell wearing it (None for "")."""

    ws: WriteOnlyWorksheet
    style: StyleArray

    @classmethod
    def of(cls, ws: WriteOnlyWorksheet, *, font: Font | None = None, fill: PatternFill | None = None,
           number_format: str | None = None, alignment: Alignment | None = None) -> Look:  # fmt: skip
        proto = styled(ws, None, font=font, fill=fill, number_format=number_format, alignment=alignment)
        return cls(ws, proto._style)  # type: ignore[attr-defined]  # the style openpyxl resolved

    def __call__(self, value: Value) -> Cell | None:
        lit = literal(self.ws, value)
        if lit is None:
            return None
        if isinstance(lit, Cell):  # text openpyxl would take for a formula or an error value
            cell = Cell(self.ws, 1, 1, lit.value, style_array=self.style)
            cell.data_type = "s"
            return cell
        if isinstance(lit, dt.datetime):  # bound as a date at once: its format is this look's
            cell = Cell(self.ws, 1, 1, None, style_array=self.style)
            # What openpyxl's value setter does, minus its search for a date format (3 % of a rebuild).
            cell._value, cell.data_type = lit, "d"  # type: ignore[attr-defined]
            return cell
        return Cell(self.ws, 1, 1, lit, style_array=self.style)


def fitted_widths(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> list[int]:
    """Column widths (in characters of the default font) that fit the longest value, Thai marks aside.

    Headers wrap: a long header asks for at most MAX_HEADER_WIDTH, and over narrow values (numbers, ผ่าน)
    for half its width (two lines), never less than its longest word. Only the longest distinct strings of
    a column are measured: the widest text on screen is among the longest in code points.
    """
    widths = []
    for i, header in enumerate(headers):
        column = {v if isinstance(v, str) else str(v) for row in rows if (v := row[i]) is not None}
        values = max(map(display_width, heapq.nlargest(8, column, key=len)), default=0)
        full = display_width(header)
        word = max(map(display_width, header.split()), default=0)
        head = max(word, min(full, MAX_HEADER_WIDTH, max(values, -(-full // 2) + 1)))
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, max(head, values) + 2)))
    return widths


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes when wrapped at its spaces (and, for a longer word, anywhere) in a column
    `width` characters wide; at least one per line of the text."""
    room = max(1.0, width - 1)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split():
            need = display_width(word)
            if used and used + 1 + need <= room:
                used += 1 + need
                continue
            if used:
                lines += 1  # the word starts a new line
            extra, used = divmod(float(need), room)  # a word longer than a line breaks inside it
            if not used:
                extra, used = extra - 1, room
            lines += int(extra)
        total += lines
    return total


def row_height(lines: int, line: float = ROW_HEIGHT) -> float:
    """Points for `lines` lines of text of one line height `line`."""
    return lines * line + ROW_PADDING


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    """The header row's height: its most wrapped header, every line tall enough for Thai."""
    return row_height(max((wrapped_lines(h, w) for h, w in zip(headers, widths, strict=True)), default=1))


@dataclass(frozen=True, slots=True)
class PrintedAs:
    """How a sheet prints: the title over every page, what the data is as of, the rows repeated."""

    title: str
    as_of: str  # e.g. "ข้อมูล ณ 3 พฤศจิกายน 2563 08:30 น."
    repeat_rows: str | None = "1:1"
    pages_tall: int = 0  # 0: as many as it takes


def print_setup(ws: Worksheet, printed: PrintedAs) -> None:
    """A4 landscape, one page wide, as many pages tall as it takes; the header row on every page; the title
    and the date of the data over each page, the sheet's name and "หน้า n จาก m" under it.

    `ws` is a write-only sheet: it borrows the print setup of `Worksheet` (openpyxl copies it over), which
    its type does not declare."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = printed.pages_tall
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.8, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if printed.repeat_rows:
        ws.print_title_rows = printed.repeat_rows
    header, footer = HeaderFooterItem(), HeaderFooterItem()
    header.center.text, header.center.font = _escaped(printed.title), f"{FONT_NAME},Bold"
    header.center.size = HEADER_TEXT_SIZE
    header.right.text, header.right.font = _escaped(printed.as_of), FONT_NAME
    footer.left.text, footer.left.font = "&A", FONT_NAME  # the sheet's name
    footer.right.text, footer.right.font = "หน้า &P จาก &N", FONT_NAME
    ws.HeaderFooter.oddHeader, ws.HeaderFooter.oddFooter = header, footer
    ws.HeaderFooter.scaleWithDoc = False  # a sheet scaled to fit the width keeps a legible title, page number


def _escaped(text: str) -> str:
    return text.replace("&", "&&")  # a literal ampersand in a header or footer


def thai_rows(ws: Worksheet) -> None:
    """Every row of the sheet ROW_HEIGHT tall unless set otherwise: Excel keeps a default height it is
    told is custom for rows it has no height for, so no Thai mark is cut."""
    ws.sheet_format.defaultRowHeight = ROW_HEIGHT
    ws.sheet_format.customHeight = True


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
