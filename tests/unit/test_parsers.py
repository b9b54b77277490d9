"""Unit behaviour of the parsers package: sniffing, limits, zip names, the streaming scans, OLE2."""

from __future__ import annotations

import dataclasses
import struct

import pytest

from parsers import DEFAULT_LIMITS, LimitExceeded, Limits, ParseError, parse_workbook, sniff
from parsers.errors import UnreadableFile
from parsers.ole2 import Ole2
from parsers.types import CellRange, Sheet
from parsers.xmlscan import OdsScan, SheetScan, parse_ref
from parsers.zipguard import decode_name
from tests.helpers import hostile as h

SHEET_XML = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:XFD1048576"/>'
    b'<sheetData><row r="2"><c r="B2" t="e"><v>#REF!</v></c><c t="s"><v>0</v></c><c r="E2" odd=">" s="1"/>'
    b'<c r="F2"><f>SUM(A1)</f><v></v></c></row><row><c><v>1</v></c></row></sheetData></worksheet>'
)


def scan(xml: bytes, step: int) -> SheetScan:
    s = SheetScan("sheet1.xml", DEFAULT_LIMITS, "f.xlsx")
    for i in range(0, len(xml), step):
        s.feed(xml[i : i + step])
    s.finish()
    return s


@pytest.mark.parametrize("step", [1, 7, 64, 100_000])
def test_sheet_scan_gives_the_same_answer_whatever_the_chunking(step: int) -> None:
    ext = scan(SHEET_XML, step).extent
    assert (ext.max_row, ext.max_col, ext.cells) == (3, 6, 4)
    assert (ext.errors, ext.uncached_formulas) == ({(2, 2): "#REF!"}, [(2, 6)])


def test_sheet_scan_is_not_fooled_by_a_greater_than_sign_in_an_attribute() -> None:
    xml = b'<sheetData><row r="1"><c odd="a>b" r="Z9000"><v>1</v></c></row></sheetData>'
    assert (scan(xml, 5).extent.max_row, scan(xml, 5).extent.max_col) == (9000, 26)


def test_sheet_scan_refuses_a_start_tag_longer_than_the_limit() -> None:
    s = SheetScan("p", Limits(tag_bytes=1000), "f")
    with pytest.raises(LimitExceeded):
        s.feed(b"<sheetData><c " + b"a" * 5000)


def test_ods_scan_multiplies_repeats_without_building_them() -> None:
    s = OdsScan("content.xml", DEFAULT_LIMITS, "f.ods")
    s.feed(
        b'<table:table table:name="T"><table:table-row table:number-rows-repeated="3">'
        b'<table:table-cell table:number-columns-repeated="4" office:value-type="float"/></table:table-row>'
        b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
        b"</table:table>"
    )
    s.finish()
    ext = s.tables["T"]
    assert (ext.max_row, ext.max_col, ext.cells) == (3, 4, 12)


def test_cell_references_parse_to_row_and_column() -> None:
    assert [parse_ref(r) for r in (b"A1", b"xfd1048576", b"AA10", b"A0x")] == [
        (1, 1),
        (1048576, 16384),
        (10, 27),
        None,
    ]


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (b"", "empty"),
        (b"%PDF-1.7", "pdf"),
        (b"\xff\xd8\xff\xe0", "image"),
        (b"\xef\xbb\xbf<!DOCTYPE html><table>", "html"),
        (b"a;b\n1;2\n", "text"),
        (b"PK\x03\x04garbage", "broken_zip"),
    ],
)
def test_sniff_judges_bytes(payload: bytes, kind: str) -> None:
    assert sniff(payload) == kind


def test_sniff_tells_ole2_kinds_apart() -> None:
    assert [sniff(h.cfb({n: b"x"})) for n in ("Workbook", "Book", "EncryptedPackage", "Other")] == [
        "xls", "xls", "encrypted", "ole2",
    ]  # fmt: skip


def test_sniff_reads_only_the_head_of_an_ods_mimetype() -> None:
    assert sniff(h.ods("")) == "ods"


def test_decode_name_handles_flagged_utf8_cp874_and_plain_utf8() -> None:
    name = "รายงาน.xlsx"
    assert decode_name(name.encode(), 0x800) == name
    assert decode_name(name.encode("cp874"), 0) == name
    assert decode_name(name.encode(), 0) == name


def test_limits_are_frozen_and_named_in_errors() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_LIMITS.sheet_rows = 1  # type: ignore[misc]
    with pytest.raises(LimitExceeded) as caught:
        parse_workbook(b"x" * 50, "big.xlsx", Limits(attachment_bytes=10))
    assert (caught.value.code, caught.value.ctx) == (
        "file_too_large",
        {"limit": "attachment_bytes", "value": 50, "maximum": 10},
    )
    assert "big.xlsx" in str(caught.value)


def test_ole2_with_a_looping_fat_is_unreadable_not_a_hang() -> None:
    data = bytearray(h.cfb({"Workbook": b"x"}))
    struct.pack_into("<I", data, 512 + 4 * 1, 2)  # the directory chain 1 → 2 → 2 → … never ends
    struct.pack_into("<I", data, 512 + 4 * 2, 2)
    with pytest.raises(UnreadableFile):
        Ole2(bytes(data), "loop.xls")
    assert sniff(bytes(data)) == "ole2"
    with pytest.raises(ParseError) as caught:
        parse_workbook(bytes(data), "loop.xls")
    assert caught.value.code == "file_unreadable"


def test_sheet_cell_is_one_based_and_none_outside() -> None:
    sheet = Sheet(name="S", rows=(("a", None), (1,)), merged=(CellRange(1, 1, 1, 2),))
    assert [sheet.cell(1, 1), sheet.cell(2, 1), sheet.cell(2, 2), sheet.cell(3, 1)] == ["a", 1, None, None]
    assert (1, 2) in sheet.merged[0]
    assert (sheet.uncached_formulas, sheet.error_cells) == ((), ())


def test_parse_workbook_keeps_its_two_argument_form() -> None:
    wb = parse_workbook(h.xlsx({"S": [["จังหวัด", 3]]}), "r.xlsx")
    assert (wb.filename, wb.kind, wb.sheets[0].rows) == ("r.xlsx", "xlsx", (("จังหวัด", 3),))


def test_sheet_scan_reads_the_real_r_attribute_not_one_quoted_inside_another() -> None:
    xml = (
        b'<sheetData><row><c note=\' r="A1"\' r="A19000"><v>1</v></c>'
        b'<c x:r="B5"><v>1</v></c></row></sheetData>'
    )
    ext = scan(xml, 3).extent
    assert (ext.max_row, ext.max_col) == (19000, 2)


def test_sheet_scan_refuses_a_cell_with_two_references() -> None:
    with pytest.raises(UnreadableFile):
        scan(b'<sheetData><row><c r="A1" r="XFD1048576"><v>1</v></c></row></sheetData>', 100)
