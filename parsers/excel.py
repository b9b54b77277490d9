"""Read a workbook's bytes into sheets with python-calamine (xlsx, xlsm, xls, ods)."""

from __future__ import annotations

import datetime as dt
import io

import python_calamine as pc

from parsers.errors import EncryptedFile, NotExcel, UnreadableFile
from parsers.sniff import sniff
from parsers.types import CellRange, CellValue, Sheet, Workbook

READABLE_KINDS = {"xlsx", "xlsm", "ods"}


def parse_workbook(payload: bytes, filename: str = "") -> Workbook:
    """Parse every sheet of a spreadsheet attachment; raise a ParseError subclass when impossible."""
    kind = sniff(payload)
    if kind == "ole2":
        kind = _ole2_kind(payload, filename)
    if kind not in READABLE_KINDS | {"xls"}:
        raise NotExcel(f"attachment is {kind}, not a spreadsheet", filename=filename, kind=kind)
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(payload))
        sheets = tuple(_read_sheet(book, meta) for meta in book.sheets_metadata)
    except pc.PasswordError as e:
        raise EncryptedFile("workbook is password-protected", filename=filename) from e
    except (pc.CalamineError, ValueError, OSError) as e:
        raise UnreadableFile(f"calamine could not read the workbook: {e}", filename=filename) from e
    return Workbook(filename=filename, kind=kind, sheets=sheets)


def _ole2_kind(payload: bytes, filename: str) -> str:
    """An OLE2 container is either a legacy .xls or an encrypted OOXML workbook."""
    # Encrypted OOXML stores its package in streams named EncryptionInfo / EncryptedPackage,
    # whose UTF-16 names appear in the directory sectors.
    if "EncryptionInfo".encode("utf-16-le") in payload or "EncryptedPackage".encode("utf-16-le") in payload:
        raise EncryptedFile("OLE2 container holds an encrypted OOXML package", filename=filename)
    return "xls"


def _read_sheet(book: pc.CalamineWorkbook, meta: pc.SheetMetadata) -> Sheet:
    sheet = book.get_sheet_by_name(meta.name)
    # skip_empty_area=False pads the rows from A1, so rows[0][0] is always cell A1.
    rows = tuple(tuple(_cell(v) for v in row) for row in sheet.to_python(skip_empty_area=False))
    merged = tuple(
        CellRange(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())
    )
    hidden = meta.visible != pc.SheetVisibleEnum.Visible
    return Sheet(
        name=meta.name,
        rows=rows,
        hidden=hidden,
        merged=merged,
    )


def _cell(value: object) -> CellValue:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta):
        return value
    return str(value)
