"""Read a workbook's bytes into sheets with python-calamine (xlsx, xlsm, xls, ods), after the guards.

Order: size limit → sniff the content → format guard (`ooxml`, `ods`, `biff`), which may refuse
or rewrite the bytes → calamine → overlay what calamine hides (error values, uncached formulas).
"""

from __future__ import annotations

import datetime as dt
import io

import python_calamine as pc

from parsers.biff import scan_biff
from parsers.errors import EncryptedFile, NotExcel, UnreadableFile
from parsers.limits import DEFAULT_LIMITS, Limits, check_limit
from parsers.ods import prepare_ods
from parsers.ole2 import Ole2
from parsers.ooxml import Prepared, prepare_ooxml
from parsers.sniff import sniff
from parsers.types import CellRange, CellValue, Sheet, Workbook
from parsers.xmlscan import Extent


def parse_workbook(payload: bytes, filename: str = "", limits: Limits = DEFAULT_LIMITS) -> Workbook:
    """Parse every sheet of a spreadsheet attachment; raise a ParseError subclass when impossible."""
    check_limit(limits, "attachment_bytes", len(payload), filename)
    kind = sniff(payload)
    prepared = _prepare(kind, payload, limits, filename)
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(prepared.payload))
        metas = book.sheets_metadata
        check_limit(limits, "sheets", len(metas), filename)
        sheets = tuple(_read_sheet(book, meta, prepared.extents.get(meta.name)) for meta in metas)
    except pc.PasswordError as e:
        raise EncryptedFile("workbook is password-protected", filename=filename) from e
    except (pc.CalamineError, ValueError, OSError) as e:
        raise UnreadableFile(f"calamine could not read the {kind} workbook: {e}", filename=filename) from e
    return Workbook(filename=filename, kind=kind, sheets=sheets)


def _prepare(kind: str, payload: bytes, limits: Limits, filename: str) -> Prepared:
    if kind in ("xlsx", "xlsm"):
        return prepare_ooxml(payload, limits, filename)
    if kind == "ods":
        return prepare_ods(payload, limits, filename)
    if kind == "xls":
        ole = Ole2(payload, filename)
        stream = "Workbook" if ole.has("Workbook") else "Book"
        return Prepared(payload=payload, extents=scan_biff(ole.read(stream, len(payload)), limits, filename))
    if kind == "encrypted":
        raise EncryptedFile("OLE2 container holds an encrypted OOXML package", filename=filename)
    if kind in ("broken_zip", "ole2"):
        raise UnreadableFile(f"attachment looks like a damaged {kind}", filename=filename, kind=kind)
    raise NotExcel(f"attachment is {kind}, not a spreadsheet", filename=filename, kind=kind)


def _read_sheet(book: pc.CalamineWorkbook, meta: pc.SheetMetadata, extent: Extent | None) -> Sheet:
    sheet = book.get_sheet_by_name(meta.name)
    # skip_empty_area=False pads the rows from A1, so rows[0][0] is always cell A1.
    rows = tuple(
        tuple([(v or None) if type(v) is str else _cell(v) for v in row])  # text, most cells, inline
        for row in sheet.to_python(skip_empty_area=False)
    )
    errors: tuple[tuple[int, int], ...] = ()
    uncached: tuple[tuple[int, int], ...] = ()
    if extent is not None:
        if extent.errors:
            rows = _overlay(rows, extent.errors)
        errors = tuple(sorted(extent.errors))
        uncached = tuple(sorted(extent.uncached_formulas))
    merged = tuple(
        CellRange(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())
    )
    if not merged and extent is not None:  # calamine 0.9.1 reports no merged ranges for ods
        merged = tuple(CellRange(*span) for span in extent.merged)
    return Sheet(
        name=meta.name,
        rows=rows,
        hidden=meta.visible != pc.SheetVisibleEnum.Visible,
        merged=merged,
        uncached_formulas=uncached,
        error_cells=errors,
    )


def _overlay(
    rows: tuple[tuple[CellValue, ...], ...], texts: dict[tuple[int, int], str]
) -> tuple[tuple[CellValue, ...], ...]:
    """`rows` with the error values calamine hides (it gives "") put back, from the file itself."""
    out = [list(row) for row in rows]
    for (r, c), text in texts.items():
        if r <= len(out) and c <= len(out[r - 1]):
            out[r - 1][c - 1] = text
    return tuple(tuple(row) for row in out)


def _cell(value: object) -> CellValue:
    if type(value) is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if value is None or value == "":
        return None
    if isinstance(value, str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta):
        return value
    return str(value)
