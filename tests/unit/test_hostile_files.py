"""Hostile files: each case is built here and its exact refusal asserted, the ParseError code and the ctx
that names why; zip containers too. Odd files that must read are in tests/unit/test_odd_files.py, the files
that abort python-calamine 0.9.1 in tests/unit/test_calamine_aborts.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from parsers import Limits, ParseError, sniff, unpack_container
from tests.helpers import hostile as h
from tests.helpers.parse_outcomes import cells, refused

# --- refusals: (name, builder, filename, code, ctx subset) ------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CSV = "จังหวัด,อปท.,จำนวน\nเชียงใหม่,อบต.แม่แรม,12\n".encode()
HTML = b"<html><body><table><tr><td>a</td><td>1</td></tr></table></body></html>"
BIFF = {"Sheet1": {(1, 1): "a", (2, 1): 1.0}}

REFUSALS: list[tuple[str, Callable[[], bytes], str, str, dict[str, object]]] = [
    ("zero_byte_file", lambda: b"", "r.xlsx", "file_not_excel", {"kind": "empty"}),
    ("truncated_xlsx", lambda: h.xlsx()[:1500], "r.xlsx", "file_unreadable", {"kind": "broken_zip"}),
    (
        "random_bytes",
        lambda: random.Random(4).randbytes(3000),  # noqa: S311 - fixed noise, not secrets
        "r.xlsx",
        "file_not_excel",
        {"kind": "unknown"},
    ),
    ("csv_saved_as_xls", lambda: CSV, "r.xls", "file_not_excel", {"kind": "text"}),
    ("html_table_saved_as_xls", lambda: HTML, "r.xls", "file_not_excel", {"kind": "html"}),
    ("pdf", lambda: PDF, "r.pdf", "file_not_excel", {"kind": "pdf"}),
    ("png", lambda: PNG, "scan.xlsx", "file_not_excel", {"kind": "image"}),
    ("word_document", lambda: h.cfb({"WordDocument": b"x"}), "r.doc", "file_not_excel", {"kind": "doc"}),
    ("plain_zip_of_text", lambda: h.zip_of({"a.txt": b"hi"}), "r.xlsx", "file_not_excel", {"kind": "zip"}),
    (
        "xlsb",
        lambda: h.patch_zip(h.xlsx(), {"xl/workbook.bin": b"\x83\x01"}),
        "r.xlsb",
        "file_not_excel",
        {"kind": "xlsb"},
    ),
    ("encrypted_ooxml", h.encrypted_ooxml, "r.xlsx", "file_encrypted", {}),
    ("encrypted_legacy_xls", lambda: h.biff8(BIFF, filepass=True), "r.xls", "file_encrypted", {}),
    (
        "zip_bomb_1gib_sheet",
        lambda: h.zip_bomb_xlsx(1024),
        "r.xlsx",
        "file_too_large",
        {"limit": "total_uncompressed_bytes", "part": h.SHEET1},
    ),
    (
        "zip_bomb_150mib_ratio",
        lambda: h.zip_bomb_xlsx(150),
        "r.xlsx",
        "file_too_large",
        {"limit": "entry_ratio"},
    ),
    (
        "zip_bomb_lying_size",
        lambda: h.zip_bomb_xlsx(1024, declared=4000),
        "r.xlsx",
        "file_unsafe",
        {"reason": "zip_size_lie"},
    ),
    (
        "thousands_of_entries",
        lambda: h.patch_zip(h.xlsx(), {f"xl/media/i{i}.bin": b"." for i in range(3000)}),
        "r.xlsx",
        "file_too_large",
        {"limit": "zip_entries", "value": 3009},
    ),
    (
        "billion_laughs_in_sheet",
        lambda: h.billion_laughs_xlsx("sheet"),
        "r.xlsx",
        "file_unsafe",
        {"reason": "xml_entities"},
    ),
    (
        "billion_laughs_in_shared_strings",
        lambda: h.billion_laughs_xlsx("sst"),
        "r.xlsx",
        "file_unsafe",
        {"reason": "xml_entities"},
    ),
    (
        "external_entity",
        lambda: h.with_shared_strings(h.xlsx(), doctype=h.XXE, text="&xxe;"),
        "r.xlsx",
        "file_unsafe",
        {"reason": "xml_entities"},
    ),
    (
        "entity_in_workbook_xml",
        lambda: h.patch_zip(h.xlsx(), {"xl/workbook.xml": lambda b: h.LOL.encode() + b}),
        "r.xlsx",
        "file_unsafe",
        {"reason": "xml_entities"},
    ),
    (
        "utf16_sheet_hides_from_byte_scans",
        lambda: h.patch_zip(h.xlsx(), {h.SHEET1: lambda b: b.decode().encode("utf-16")}),
        "r.xlsx",
        "file_unsafe",
        {"reason": "xml_encoding"},
    ),
    (
        "cell_at_xfd1048576",
        lambda: cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
        "r.xlsx",
        "file_too_large",
        {"limit": "sheet_rows", "value": 1048576},
    ),
    (
        "cell_at_xfd1",
        lambda: cells('<row r="3"><c r="XFD3"><v>1</v></c></row>'),
        "r.xlsx",
        "file_too_large",
        {"limit": "sheet_cols", "value": 16384},
    ),
    (
        "far_row_without_cell_refs",
        lambda: cells('<row r="900000"><c><v>1</v></c></row>'),
        "r.xlsx",
        "file_too_large",
        {"limit": "sheet_rows", "value": 900000},
    ),
    (
        "dotdot_member_name",
        lambda: h.patch_zip(h.xlsx(), {"../../evil.txt": b"x"}),
        "r.xlsx",
        "file_unsafe",
        {"reason": "zip_path"},
    ),
    (
        "absolute_member_name",
        lambda: h.patch_zip(h.xlsx(), {"/etc/cron.d/x": b"x"}),
        "r.xlsx",
        "file_unsafe",
        {"reason": "zip_path"},
    ),
    (
        "ods_repeated_row_bomb",
        lambda: h.ods(
            '<table:table table:name="T"><table:table-row table:number-rows-repeated="1048576">'
            '<table:table-cell table:number-columns-repeated="16384"'
            ' office:value-type="float" office:value="1"/>'
            "</table:table-row></table:table>"
        ),
        "r.ods",
        "file_too_large",
        {"limit": "sheet_rows"},
    ),
    (
        "xls_cell_beyond_row_limit",
        lambda: h.biff8({"S": {(65536, 1): 1.0}}),
        "r.xls",
        "file_too_large",
        {"limit": "sheet_rows", "value": 65536},
    ),
]


@pytest.mark.parametrize(
    ("build", "filename", "code", "ctx"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_hostile_file_is_refused_with_its_code(
    build: Callable[[], bytes], filename: str, code: str, ctx: dict[str, object]
) -> None:
    got_code, got_ctx = refused(build(), filename)
    assert (got_code, {k: got_ctx.get(k) for k in ctx}) == (code, ctx)


def test_own_limits_are_named_in_the_refusal() -> None:
    rows = [[i, "x"] for i in range(30)]
    assert refused(h.xlsx({"S": rows}), limits=Limits(sheet_rows=20))[1] == {
        "limit": "sheet_rows", "value": 30, "maximum": 20, "part": h.SHEET1,  # the sheet's last row
    }  # fmt: skip
    assert refused(h.xlsx(), limits=Limits(attachment_bytes=100))[1]["limit"] == "attachment_bytes"


# --- zip containers -------------------------------------------------------------------------------------


def test_zip_holding_one_xlsx_yields_it_with_its_thai_name() -> None:
    book = h.xlsx()
    assert unpack_container(h.zip_of({"รายงาน เชียงราย.xlsx": book, "อ่านก่อน.txt": b"hi"}), "a.zip") == [
        ("รายงาน เชียงราย.xlsx", book)
    ]


def test_zip_member_names_without_utf8_flag_are_read_as_thai() -> None:
    book = h.xlsx()
    for encoding in ("cp874", "utf-8"):
        got = unpack_container(h.zip_of({"รายงาน.xlsx": book}, utf8_names=False, encoding=encoding), "a.zip")
        assert [name for name, _ in got] == ["รายงาน.xlsx"]


def test_zip_member_is_judged_by_content_not_name() -> None:
    got = unpack_container(h.zip_of({"report.dat": h.xlsx(), "notes.xlsx": b"not a workbook"}), "a.zip")
    assert [name for name, _ in got] == ["report.dat"]


def test_zip_holding_a_zip_is_not_opened() -> None:
    inner = h.zip_of({"r.xlsx": h.xlsx()})
    with pytest.raises(ParseError) as caught:
        unpack_container(h.zip_of({"inner.zip": inner}), "a.zip")
    assert (caught.value.code, caught.value.ctx) == (
        "file_nested_zip",
        {"kind": "zip", "member": "inner.zip"},
    )


def test_zip_container_has_the_workbook_guards() -> None:
    with pytest.raises(ParseError) as caught:
        unpack_container(h.zip_of({"../r.xlsx": h.xlsx()}), "a.zip")
    assert caught.value.code == "file_unsafe"
    assert sniff(h.zip_of({"r.xlsx": h.xlsx()})) == "zip"
