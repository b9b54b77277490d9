"""The blank form for one province: title rows, header, one pre-filled row per LAO, dropdowns, print setup.

`prefill_rows` gives the pre-filled cells as data (the test builders reuse it); `write_template`
lays them out with openpyxl: the form's title and จังหวัด<name> in merged rows 1-2, the header in
row 3 (frozen), ลำดับ / อำเภอ / ประเภท อปท. / full name / รหัส อปท. filled from the registry, and
list validation on the type, issue and overall columns. Every text comes from the form definition.

It prints as a province prints it (`apply_print_setup`, which bot/replies/markup.py also puts on the
marked-up workbook): A4 landscape, one page wide, rows 1-3 repeated on every page, page numbers in
the footer. Row heights fit Thai, whose marks above and below the line need about 1.35 times the
Latin line height: a row is as tall as its most-wrapped cell, estimated from the text and the column
width (`line_count`), because neither Excel nor LibreOffice sizes rows of a generated file itself.
A header that starts with one of its column's prefixes ("ประเด็นที่ 9") prints the prefix on its own
line, so the issue number is always whole; the name after it wraps.
"""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from storage.errors import StorageError
from validators.form import Column, Form
from validators.registry import Registry

TITLE_ROWS = 2
HEADER_ROW = 3
FONT = "TH SarabunPSK"
TITLE_SIZE = 16
BODY_SIZE = 14
FOOTER = "หน้า &P / &N"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

# Text metrics, in em of the font size. TH SarabunPSK (LibreOffice: its metric twin Laksaman) gives
# 0.54-0.56 em to a Thai letter or digit that takes space (bold: 4 % more), nothing to the vowels and
# tone marks above and below it, 0.32 em to a space.
THAI_MARKS = frozenset(chr(c) for c in (0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)))
LETTER_EM = 0.56
BOLD = 1.04
WIDE_EM = 0.9  # W, M and the like
SPACE_EM = 0.33
# A column `width` wide holds about CHAR_PT * width points of text (Excel: 7 px a unit at 96 dpi,
# less the cell's padding; LibreOffice without Calibri draws columns wider, never narrower).
CHAR_PT = 5.25
WRAP_FILL = 0.85  # Thai wraps only between words, so a wrapped line is rarely full
LINE_EM = 1.35 * 1.25  # a Thai line: 1.35 times the Latin line height of 1.25 em
ROW_PADDING_PT = 4.0

PrefillValue = str | int


class TemplateError(StorageError):
    """The province asked for is not one the registry knows."""


def template_columns(form: Form) -> list[Column]:
    """The form's columns that the blank form prints, in order."""
    return [c for c in form.columns if c.in_template]


def prefill_rows(province: str, registry: Registry) -> list[dict[str, PrefillValue]]:
    """One dict per LAO of the province: seq, district, lao_type, lao_full_name, dla_code."""
    laos = registry.laos_in(province)
    if not laos:
        raise TemplateError(f"unknown province {province!r}; expected one of {registry.provinces()}")
    return [
        {
            "seq": i,
            "district": lao.district_th,
            "lao_type": lao.type_word,
            "lao_full_name": lao.full_name_th,
            "dla_code": lao.dla_code,
        }
        for i, lao in enumerate(laos, start=1)
    ]


def header_text(column: Column) -> str:
    """The column's header as the blank form prints it: a leading prefix on a line of its own."""
    for prefix in column.prefixes:
        if column.header.startswith(prefix + " "):
            return prefix + "\n" + column.header[len(prefix) + 1 :]
    return column.header


def text_width_pt(text: str, size: float, bold: bool = False) -> float:
    """The estimated printed width of one line of `text` in TH SarabunPSK at `size` points."""
    em = 0.0
    for char in text:
        if char in THAI_MARKS:
            continue
        em += SPACE_EM if char.isspace() else WIDE_EM if char in "WMmw@" else LETTER_EM
    return em * size * (BOLD if bold else 1.0)


def line_count(text: str, width: float, size: float = BODY_SIZE, bold: bool = False) -> int:
    """How many lines `text` takes in a wrapped cell of a column `width` wide (at least 1)."""
    room = CHAR_PT * width
    lines = 0
    for line in str(text).split("\n"):
        needed = text_width_pt(line, size, bold)
        lines += 1 if needed <= room else math.ceil(needed / (room * WRAP_FILL))
    return max(lines, 1)


def row_height(lines: int, size: float = BODY_SIZE) -> float:
    """The height in points of a row holding `lines` lines of Thai text at `size` points."""
    return round(lines * size * LINE_EM + ROW_PADDING_PT, 1)


def apply_print_setup(ws: Worksheet, title_rows: int | None) -> None:
    """A4 landscape, one page wide and as many pages long as needed, rows 1..`title_rows` printed on
    every page (None: left as they are), narrow margins, centred, page numbers in an empty footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages long as the rows need
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.25, footer=0.25)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"
    if ws.HeaderFooter.oddFooter is None:
        ws.HeaderFooter.oddFooter = HeaderFooterItem()
    footer = ws.HeaderFooter.oddFooter
    if not any(part.text for part in (footer.left, footer.center, footer.right)):  # a footer set is kept
        footer.center.text, footer.center.font, footer.center.size = FOOTER, f"{FONT},Regular", 12


def write_title(ws: Worksheet, form: Form, province: str, width: int, first_row: int = 1) -> None:
    """The two merged title rows starting at `first_row`."""
    texts = (form.title, form.province_title.format(province=province))
    for offset, text in enumerate(texts):
        row = first_row + offset
        ws.cell(row=row, column=1, value=text).font = Font(name=FONT, size=TITLE_SIZE, bold=True)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def add_dropdowns(ws: Worksheet, columns: list[Column], first_row: int, last_row: int) -> None:
    """List validation on every column with allowed values, over the data rows."""
    for index, column in enumerate(columns, start=1):
        if not column.allowed or last_row < first_row:
            continue
        letter = get_column_letter(index)
        dv = DataValidation(type="list", formula1='"' + ",".join(column.allowed) + '"', allow_blank=True)
        dv.showErrorMessage = True
        dv.add(f"{letter}{first_row}:{letter}{last_row}")
        ws.add_data_validation(dv)


def write_template(province: str, registry: Registry, form: Form) -> bytes:
    """The blank form of `province` as .xlsx bytes."""
    rows = prefill_rows(province, registry)
    columns = template_columns(form)
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new Workbook always has one sheet
    ws.title = form.sheet_name
    write_title(ws, form, province, len(columns))
    for row in range(1, TITLE_ROWS + 1):
        ws.row_dimensions[row].height = row_height(1, TITLE_SIZE)
    _write_header(ws, columns)
    body_font = Font(name=FONT, size=BODY_SIZE)
    body = Alignment(vertical="center", wrap_text=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, values in enumerate(rows, start=1):
        row = HEADER_ROW + offset
        lines = 1
        for index, column in enumerate(columns, start=1):
            value = values.get(column.key)
            cell = ws.cell(row=row, column=index, value=value)
            cell.font, cell.border = body_font, _BORDER
            cell.alignment = centred if column.allowed or column.key == "seq" else body
            if column.key == "dla_code":
                cell.number_format = "@"
            if value is not None:
                lines = max(lines, line_count(str(value), column.width))
        if lines > 1:  # a one-line row keeps the sheet's default height, so Excel refits it when typed in
            ws.row_dimensions[row].height = row_height(lines)
    ws.sheet_format.defaultRowHeight = row_height(1)
    ws.sheet_format.customHeight = True
    add_dropdowns(ws, columns, HEADER_ROW + 1, HEADER_ROW + len(rows))
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    apply_print_setup(ws, HEADER_ROW)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_header(ws: Worksheet, columns: list[Column]) -> None:
    header_font = Font(name=FONT, size=BODY_SIZE, bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    lines = 1
    for index, column in enumerate(columns, start=1):
        text = header_text(column)
        cell = ws.cell(row=HEADER_ROW, column=index, value=text)
        cell.font, cell.fill, cell.border = header_font, fill, _BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
        lines = max(lines, line_count(text, column.width, bold=True))
    ws.row_dimensions[HEADER_ROW].height = row_height(lines)
