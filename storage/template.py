"""The blank form for one province: title rows, header, one pre-filled row per LAO, dropdowns.

`prefill_rows` gives the pre-filled cells as data (the test builders reuse it); `write_template`
lays them out with openpyxl: the form's title and จังหวัด<name> in merged rows 1-2, the header in
row 3 (frozen), ลำดับ / อำเภอ / ประเภท อปท. / full name / รหัส อปท. filled from the registry, and
list validation on the type, issue and overall columns.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from storage.errors import StorageError
from validators.form import Column, Form
from validators.registry import Registry

TITLE_ROWS = 2
HEADER_ROW = 3
FONT = "TH SarabunPSK"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

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


def write_title(ws: Worksheet, form: Form, province: str, width: int, first_row: int = 1) -> None:
    """The two merged title rows starting at `first_row`."""
    texts = (form.title, form.province_title.format(province=province))
    for offset, text in enumerate(texts):
        row = first_row + offset
        ws.cell(row=row, column=1, value=text).font = Font(name=FONT, size=16, bold=True)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")
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
    header_font = Font(name=FONT, size=14, bold=True)
    body_font = Font(name=FONT, size=14)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index, value=column.header)
        cell.font, cell.fill, cell.border = header_font, fill, _BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[HEADER_ROW].height = 60
    for offset, values in enumerate(rows, start=1):
        row = HEADER_ROW + offset
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=index, value=values.get(column.key))
            cell.font, cell.border = body_font, _BORDER
            if column.key == "dla_code":
                cell.number_format = "@"
    add_dropdowns(ws, columns, HEADER_ROW + 1, HEADER_ROW + len(rows))
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
