"""Build realistic province reports (.xlsx bytes) in memory from real registry names.

    make_report("กาญจนบุรี")                                   # complete and valid
    make_report("กาญจนบุรี", overrides={"6710203": {"lao_full_name": "อบต.ท่าเสา"}})
    make_report("กาญจนบุรี", rows=[{}, {"issue_1": "ผ"}])        # the first two LAOs only

Row dicts are keyed by form field (seq, district, lao_type, lao_full_name, dla_code, executive_name,
executive_position, issue_1 … issue_9, overall, remarks, province); None writes an empty cell.
`layout` returns where each field landed, so tests can name the Excel cell they expect.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from openpyxl import Workbook, load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from parsers import parse_workbook
from parsers.types import CellValue
from storage.template import add_dropdowns, prefill_rows, template_columns, write_title
from validators.findings import Report
from validators.form import Column, Form, load_form
from validators.lao import Lao
from validators.messages import message_for
from validators.registry import Registry, load_registry
from validators.validate import validate

HeaderStyle = Literal["single", "two_row_merged"]
RowDict = dict[str, CellValue]

# Title and first name: the title fits the name (นาย for men; นาง or นางสาว for women).
FIRST_NAMES = ("นายสมชาย", "นายสมศักดิ์", "นายวิชัย", "นายประเสริฐ", "นายสุนทร", "นายมานพ", "นายบุญมี", "นางสมพร",
               "นางวันเพ็ญ", "นางสาวกาญจนา")  # fmt: skip
LAST_NAMES = ("ใจดี", "ศรีสุข", "บุญมา", "ทองดี", "แก้วมณี", "สุวรรณรัตน์", "พรหมมา", "จันทร์เพ็ญ", "มีสุข")
POSITIONS = {
    "provincial_admin_org": "นายกองค์การบริหารส่วนจังหวัด",
    "city_municipality": "นายกเทศมนตรีนคร",
    "town_municipality": "นายกเทศมนตรีเมือง",
    "subdistrict_municipality": "นายกเทศมนตรีตำบล",
    "subdistrict_admin_org": "นายกองค์การบริหารส่วนตำบล",
    "special_admin_area": "นายกเมืองพัทยา",
}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where make_report put things: Excel column letter per field and the first data row."""

    columns: dict[str, str]
    first_data_row: int

    def row_of(self, index: int) -> int:
        """Excel row of the `index`-th data row (0-based)."""
        return self.first_data_row + index


def valid_row(lao: Lao, seq: int) -> RowDict:
    """A correctly filled row for `lao`: official names, a plausible executive, issue results."""
    n = int(lao.dla_code)
    issues = {f"issue_{i}": "ไม่ผ่าน" if (n + i) % 11 == 0 else "ผ่าน" for i in range(1, 10)}
    return {
        "seq": seq,
        "district": lao.district_th,
        "lao_type": lao.type_word,
        "lao_full_name": lao.full_name_th,
        "dla_code": lao.dla_code,
        "executive_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}",
        "executive_position": POSITIONS[lao.lao_type],
        **issues,
        "overall": "ไม่ผ่าน" if "ไม่ผ่าน" in issues.values() else "ผ่าน",
        "remarks": None,
    }


def valid_rows(province: str, registry: Registry | None = None) -> list[RowDict]:
    """One valid row per LAO of the province, in registry order."""
    registry = registry or load_registry()
    prefill = prefill_rows(province, registry)
    return [
        {**valid_row(lao, i), **p}
        for i, (lao, p) in enumerate(zip(registry.laos_in(province), prefill, strict=True), 1)
    ]


def layout(
    columns: Sequence[str] | None = None,
    *,
    header_row: int = 3,
    header_style: HeaderStyle = "single",
    form: Form | None = None,
) -> Layout:
    """The Layout make_report uses for these arguments."""
    cols = _columns(form or load_form(), columns)
    span = 2 if header_style == "two_row_merged" else 1
    return Layout({c.key: get_column_letter(i) for i, c in enumerate(cols, 1)}, header_row + span)


def _columns(
    form: Form, keys: Sequence[str] | None, headers: Mapping[str, str] | None = None
) -> list[Column]:
    """The form's columns for `keys`; a key the form does not know is an inserted column (its header
    from `headers`, else the key itself)."""
    if keys is None:
        return template_columns(form)
    by_key = {c.key: c for c in form.columns}
    extra = headers or {}
    return [by_key.get(k) or Column(key=k, header=extra.get(k, k), required=False) for k in keys]


def _rows(
    province: str,
    registry: Registry,
    rows: Sequence[Mapping[str, CellValue]] | None,
    overrides: Mapping[int | str, Mapping[str, CellValue]] | None,
) -> list[RowDict]:
    defaults = valid_rows(province, registry)
    if rows is None:
        built = defaults
    else:
        built = [{**(defaults[i] if i < len(defaults) else {}), **row} for i, row in enumerate(rows)]
    for where, fields in (overrides or {}).items():
        index = (
            where
            if isinstance(where, int)
            else next(i for i, r in enumerate(built) if r.get("dla_code") == where)
        )
        built[index] = {**built[index], **fields}
    return built


def make_report(
    province: str,
    rows: Sequence[Mapping[str, CellValue]] | None = None,
    *,
    overrides: Mapping[int | str, Mapping[str, CellValue]] | None = None,
    header_style: HeaderStyle = "single",
    header_row: int = 3,
    sheet_name: str = "แบบสรุปผล",
    extra_sheets: Sequence[str] = (),
    hidden_sheets: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    title_province: str | None = None,
    title: str | None = None,
    merge_districts: bool = False,
    trailing_formatted_rows: int = 0,
    trailer_rows: Sequence[Mapping[str, CellValue]] = (),
    hidden_columns: Sequence[str] = (),
    sheets_by_district: bool = False,
    registry: Registry | None = None,
    form: Form | None = None,
) -> bytes:
    """An .xlsx report for `province` (see the module docstring).

    rows=None lists every LAO correctly; otherwise row i is the valid row of the province's i-th LAO
    updated with rows[i]. `overrides` updates rows by 0-based index or by their dla_code.
    `extra_sheets` / `hidden_sheets` come before the data sheet (so the data is not the first sheet).
    `columns` picks and orders field keys (a key the form does not know inserts a column, headed by
    `headers` or the key); `headers` replaces header texts; `title_province` replaces the province in
    the second title row ("" leaves both title rows out), `title` the whole second row; `merge_districts`
    merges each run of equal อำเภอ cells; `trailing_formatted_rows` adds bordered empty rows at the end;
    `trailer_rows` (field → value, as rows) are written under the data, `{}` a blank row;
    `hidden_columns` (field keys) are hidden; `sheets_by_district` writes one sheet per อำเภอ, named
    after it (or after a row's "sheet" key), each with the title and the header.
    """
    registry = registry or load_registry()
    form = form or load_form()
    cols = _columns(form, columns, headers)
    data = _rows(province, registry, rows, overrides)
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for name in extra_sheets:
        wb.create_sheet(name).append(["ข้อมูลประกอบ", 1, 2, 3])
    for name in hidden_sheets:
        hidden = wb.create_sheet(name)
        hidden.append(["ผ่าน", "ไม่ผ่าน"])
        hidden.sheet_state = "hidden"
    groups = _by_district(data) if sheets_by_district else {sheet_name: data}
    sheet = _Sheet(cols, header_row, header_style, form, headers or {}, title_province, title, province)
    for name, group in groups.items():
        ws = wb.create_sheet(name)
        last = sheet.write(ws, group, [dict(r) for r in trailer_rows])
        if merge_districts and "district" in [c.key for c in cols]:
            _merge_runs(ws, [c.key for c in cols].index("district") + 1, last - len(group) + 1, group)
        for extra in range(trailing_formatted_rows):
            for index in range(1, len(cols) + 1):
                ws.cell(row=last + 1 + extra, column=index).number_format = "@"
        add_dropdowns(ws, cols, last - len(group) + 1, last + trailing_formatted_rows)
        for key in hidden_columns:
            ws.column_dimensions[get_column_letter([c.key for c in cols].index(key) + 1)].hidden = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _by_district(data: list[RowDict]) -> dict[str, list[RowDict]]:
    groups: dict[str, list[RowDict]] = {}
    for row in data:
        groups.setdefault(str(row.get("sheet") or f"อ.{row.get('district')}"), []).append(row)
    return groups


@dataclass(frozen=True)
class _Sheet:
    """How make_report writes one sheet: the title, the header, the data rows, the trailer rows."""

    cols: list[Column]
    header_row: int
    header_style: HeaderStyle
    form: Form
    headers: Mapping[str, str]
    title_province: str | None
    title: str | None
    province: str

    def write(self, ws: Worksheet, data: list[RowDict], trailer: list[RowDict]) -> int:
        """Write the sheet; return the Excel row of its last data row."""
        cols, row = self.cols, self.header_row
        province = self.province if self.title_province is None else self.title_province
        if province and row >= 3:
            write_title(ws, self.form, province, len(cols), first_row=row - 2)
            if self.title is not None:
                ws.cell(row=row - 1, column=1, value=self.title)
        body = _write_header(ws, cols, row, self.header_style, self.form, self.headers)
        for offset, values in enumerate([*data, *trailer]):
            for index, column in enumerate(cols, start=1):
                value = values.get(column.key)
                if value is not None:
                    ws.cell(row=body + offset, column=index, value=value)
        return body + len(data) - 1


def _write_header(
    ws: Worksheet, cols: list[Column], row: int, style: HeaderStyle, form: Form, headers: Mapping[str, str]
) -> int:
    """Write the header; return the first data row."""
    text = {c.key: headers.get(c.key, c.header) for c in cols}
    if style == "single":
        for index, column in enumerate(cols, start=1):
            ws.cell(row=row, column=index, value=text[column.key])
        return row + 1
    grouped = {key: group.header for group in form.groups for key in group.columns}
    index = 1
    while index <= len(cols):
        column = cols[index - 1]
        label = grouped.get(column.key)
        if label is None:
            ws.cell(row=row, column=index, value=text[column.key])
            ws.merge_cells(start_row=row, start_column=index, end_row=row + 1, end_column=index)
            index += 1
            continue
        end = index
        while end < len(cols) and grouped.get(cols[end].key) == label:
            end += 1
        ws.cell(row=row, column=index, value=label)
        ws.merge_cells(start_row=row, start_column=index, end_row=row, end_column=end)
        for sub in range(index, end + 1):
            ws.cell(row=row + 1, column=sub, value=text[cols[sub - 1].key])
        index = end + 1
    return row + 2


def _merge_runs(ws: Worksheet, col: int, first_row: int, data: list[RowDict]) -> None:
    start = 0
    for i in range(1, len(data) + 1):
        if i == len(data) or data[i].get("district") != data[start].get("district"):
            if i - start > 1:
                for r in range(first_row + start + 1, first_row + i):
                    ws.cell(row=r, column=col).value = None
                ws.merge_cells(
                    start_row=first_row + start, start_column=col, end_row=first_row + i - 1, end_column=col
                )
            start = i


def set_cells(payload: bytes, cells: Mapping[str, tuple[object, str]], sheet: int = 0) -> bytes:
    """`payload` with each cell ("F7") set to (value, openpyxl data type: "f" formula, "e" error, …)."""
    wb = load_workbook(io.BytesIO(payload))
    ws = wb.worksheets[sheet]
    for ref, (value, data_type) in cells.items():
        ws[ref] = value
        ws[ref].data_type = data_type
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check_report(payload: bytes, registry: Registry | None = None, form: Form | None = None) -> Report:
    """Parse and validate report bytes the way the bot does."""
    return validate(parse_workbook(payload, "report.xlsx"), registry or load_registry(), form or load_form())


Located = tuple[str, int | None, str | None, str | None]


def located(report: Report, *, keep_missing: bool = False) -> list[Located]:
    """(code, row, column, suggestion) per finding, without the completeness warning unless asked.

    Also renders every finding's Thai message, so a finding whose ctx misses a placeholder fails.
    """
    for finding in report.findings:
        assert message_for(finding)
    return [
        (f.code, f.row, f.column, f.suggestion)
        for f in report.findings
        if keep_missing or f.code != "laos_missing"
    ]


_INLINE_CELL = re.compile(
    r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t[^>]*>([^<]*)</t></is></c>'
)
_ROW_TAG = re.compile(r'<row r="([0-9]+)"([^>]*)>')
SHEET_PART = "xl/worksheets/sheet1.xml"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def excel_shaped(payload: bytes) -> bytes:
    """The same workbook in the shape Excel saves: text in xl/sharedStrings.xml (`t="s"` cells), rows
    with `spans` and `x14ac:dyDescent`, the x14ac namespace declared and ignorable."""
    with zipfile.ZipFile(io.BytesIO(payload)) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    strings: dict[str, int] = {}
    count = 0

    def shared(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        index = strings.setdefault(m[3], len(strings))
        return f'<c r="{m[1]}"{m[2] or ""} t="s"><v>{index}</v></c>'

    sheet = _INLINE_CELL.sub(shared, parts[SHEET_PART].decode())
    width = re.search(r'<dimension ref="[A-Z]+[0-9]+:([A-Z]+)[0-9]+"', sheet)
    spans = f"1:{column_index_from_string(width[1])}" if width else "1:1"
    sheet = _ROW_TAG.sub(lambda m: f'<row r="{m[1]}" spans="{spans}"{m[2]} x14ac:dyDescent="0.25">', sheet)
    sheet = sheet.replace(
        "<worksheet ", f'<worksheet xmlns:mc="{MC}" mc:Ignorable="x14ac" xmlns:x14ac="{X14AC}" ', 1
    )
    parts[SHEET_PART] = sheet.encode()
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{count}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml" Id="rIdStrings"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return out.getvalue()


def comment_marks(payload: bytes, sheet: str = "แบบสรุปผล") -> dict[str, tuple[str, str]]:
    """cell → (fill colour, comment text) for every commented cell of a marked-up workbook."""
    ws = load_workbook(io.BytesIO(payload))[sheet]
    return {
        c.coordinate: (str(c.fill.fgColor.rgb)[-6:], c.comment.text)
        for row in ws.iter_rows()
        for c in row
        if c.comment is not None
    }
