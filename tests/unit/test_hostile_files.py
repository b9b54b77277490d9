"""File-level hostile and odd inputs: each case is built here and its exact outcome asserted.

Outcomes are either the ParseError code (+ the ctx that names why) or the parsed shape. The two
files that abort python-calamine 0.9.1 are also replayed in subprocesses, raw and through the guard.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

from parsers import Limits, ParseError, Workbook, parse_workbook, sniff, unpack_container
from tests.helpers import ROOT
from tests.helpers import hostile as h


def outcome(
    payload: bytes, filename: str = "report.xlsx", limits: Limits | None = None
) -> Workbook | ParseError:
    try:
        return parse_workbook(payload, filename, limits) if limits else parse_workbook(payload, filename)
    except ParseError as e:
        return e


def refused(
    payload: bytes, filename: str = "report.xlsx", limits: Limits | None = None
) -> tuple[str, dict[str, object]]:
    result = outcome(payload, filename, limits)
    assert isinstance(result, ParseError), f"expected a refusal, got {result}"
    return result.code, dict(result.ctx)


def read(payload: bytes, filename: str = "report.xlsx") -> Workbook:
    result = outcome(payload, filename)
    assert isinstance(result, Workbook), f"expected a workbook, got {result!r} {getattr(result, 'ctx', '')}"
    return result


def cells(xml: str, **kw: str) -> bytes:
    return h.patch_zip(h.xlsx(), {h.SHEET1: h.with_cells(xml, **kw)})


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


# --- files that read -----------------------------------------------------------------------------------


def test_xlsx_renamed_xls_reads_as_xlsx() -> None:
    wb = read(h.xlsx(), "report.xls")
    assert (wb.kind, wb.sheets[0].rows) == ("xlsx", (("x", None), (None, 5)))


def test_xls_renamed_xlsx_reads_as_xls_with_merged_hidden_and_errors() -> None:
    data = h.biff8(
        {"ข้อมูล": {(1, 1): "หัว", (2, 1): 5.0, (2, 2): "#REF!", (3, 2): "#N/A"}, "ซ่อน": {(1, 1): "h"}},
        hidden=["ซ่อน"], merged=[(1, 1, 1, 2)],
    )  # fmt: skip
    wb = read(data, "report.xlsx")
    first, second = wb.sheets
    assert wb.kind == "xls"
    assert first.rows == (("หัว", None), (5, "#REF!"), (None, "#N/A"))
    assert first.error_cells == ((2, 2), (3, 2))
    assert [(m.min_row, m.min_col, m.max_row, m.max_col) for m in first.merged] == [(1, 1, 1, 2)]
    assert (second.name, second.hidden) == ("ซ่อน", True)


def test_xlsm_with_vba_project_is_read_as_data() -> None:
    wb = read(h.patch_zip(h.xlsx(), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not run"}), "r.xlsm")
    assert (wb.kind, wb.sheets[0].cell(2, 2)) == ("xlsm", 5)


def test_ods_reads_with_merged_cells_and_repeats() -> None:
    table = (
        '<table:table table:name="รายงาน"><table:table-row>'
        '<table:table-cell office:value-type="string" table:number-columns-spanned="2"><text:p>หัว</text:p>'
        "</table:table-cell><table:covered-table-cell/></table:table-row>"
        '<table:table-row table:number-rows-repeated="2">'
        '<table:table-cell office:value-type="float" office:value="7"'
        ' table:number-columns-repeated="2"><text:p>7</text:p></table:table-cell></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048573">'
        '<table:table-cell table:number-columns-repeated="1024"/>'
        "</table:table-row></table:table>"
    )
    wb = read(h.ods(table), "r.ods")
    sheet = wb.sheets[0]
    assert (wb.kind, sheet.name, sheet.rows) == ("ods", "รายงาน", (("หัว", None), (7, 7), (7, 7)))
    assert [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged] == [(1, 1, 1, 2)]


def test_huge_dimension_on_tiny_sheet_reads_the_real_cells() -> None:
    assert read(cells("", dimension="A1:XFD1048576")).sheets[0].rows == (("x", None), (None, 5))


def test_styled_empty_cell_at_xfd1048576_is_harmless() -> None:
    assert read(cells('<row r="1048576"><c r="XFD1048576" s="0"/></row>')).sheets[0].last_row == 2


def test_shared_strings_count_lie_is_rewritten_and_reads() -> None:
    wb = read(h.with_shared_strings(h.xlsx(), count=4294967295, unique=4294967295, text="ลำปาง"))
    assert wb.sheets[0].cell(1, 1) == "ลำปาง"


def test_cell_over_32767_characters_is_kept_whole() -> None:
    text = "ก" * 40_000
    assert (
        read(cells(f'<row r="3"><c r="A3" t="inlineStr"><is><t>{text}</t></is></c></row>'))
        .sheets[0]
        .cell(3, 1)
        == text
    )


def test_control_characters_come_through_raw_or_escaped() -> None:
    raw = read(cells('<row r="3"><c r="A3" t="inlineStr"><is><t>a\x01b\x0bc</t></is></c></row>'))
    escaped = read(cells('<row r="3"><c r="A3" t="inlineStr"><is><t>a_x0001_b</t></is></c></row>'))
    assert (raw.sheets[0].cell(3, 1), escaped.sheets[0].cell(3, 1)) == ("a\x01b\x0bc", "a\x01b")


def test_formula_without_cached_value_is_none_and_listed() -> None:
    sheet = read(h.xlsx({"S": [["a", "=1+1", '=A1&""']]})).sheets[0]
    assert ([sheet.cell(1, c) for c in (1, 2, 3)], sheet.uncached_formulas) == (
        ["a", None, None],
        ((1, 2), (1, 3)),
    )


def test_formula_with_cached_value_is_its_value() -> None:
    edit = {
        h.SHEET1: lambda b: b.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>").replace(
            b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>"
        )
    }
    sheet = read(h.patch_zip(h.xlsx({"S": [["a", "=1+1"]]}), edit)).sheets[0]
    assert (sheet.rows, sheet.uncached_formulas) == ((("a", 2),), ())


def test_formula_cached_as_empty_text_is_not_uncached() -> None:
    sheet = read(cells('<row r="3"><c r="A3" t="str"><f>""</f><v></v></c></row>')).sheets[0]
    assert (sheet.cell(3, 1), sheet.uncached_formulas) == (None, ())


def test_error_values_read_as_their_text() -> None:
    sheet = read(h.xlsx({"S": [["#REF!", "#N/A", "#DIV/0!", "ok"]]})).sheets[0]
    assert (sheet.rows, sheet.error_cells) == (
        (("#REF!", "#N/A", "#DIV/0!", "ok"),),
        ((1, 1), (1, 2), (1, 3)),
    )


def test_data_on_second_sheet_behind_a_hidden_one() -> None:
    wb = read(h.xlsx({"แม่แบบ": [["template"]], "ข้อมูล": [["จังหวัด"], ["น่าน"]]}, hidden=["แม่แบบ"]))
    assert [(s.name, s.hidden, s.rows) for s in wb.sheets] == [
        ("แม่แบบ", True, (("template",),)), ("ข้อมูล", False, (("จังหวัด",), ("น่าน",))),
    ]  # fmt: skip


def test_merged_cells_come_through() -> None:
    data = h.patch_zip(
        h.xlsx(),
        {
            h.SHEET1: lambda b: b.replace(
                b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:C2"/></mergeCells>'
            )
        },
    )
    merged = read(data).sheets[0].merged
    assert [(m.min_row, m.min_col, m.max_row, m.max_col) for m in merged] == [(1, 1, 2, 3)]


def test_blank_rows_and_ragged_rows_keep_their_positions() -> None:
    sheet = read(h.xlsx({"S": [["a", "b"], [], [None, None], ["c"], ["d", "e", "f", "g"]]})).sheets[0]
    assert sheet.rows == (
        ("a", "b", None, None),
        (None,) * 4,
        (None,) * 4,
        ("c", None, None, None),
        ("d", "e", "f", "g"),
    )
    assert (sheet.cell(5, 4), sheet.cell(99, 1)) == ("g", None)


def test_thai_digits_and_numbers_as_text_stay_text() -> None:
    sheet = read(h.xlsx({"S": [["๑๒๓", "00123", "1,234", 0.1]]})).sheets[0]
    assert sheet.rows == (("๑๒๓", "00123", "1,234", 0.1),)


def test_float_noise_is_left_raw() -> None:
    sheet = read(cells('<row r="3"><c r="A3"><v>0.30000000000000004</v></c></row>')).sheets[0]
    assert sheet.cell(3, 1) == 0.30000000000000004


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


# --- the two files that abort python-calamine 0.9.1 ----------------------------------------------------

ABORTERS = {
    "xfd1048576": lambda: cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    "shared_strings_count": lambda: h.with_shared_strings(h.xlsx(), unique=4294967295),
    # calamine takes the last of two r attributes, and reads lowercase references
    "second_r_attribute": lambda: cells('<row r="3"><c r="A3" r="XFD1048576"><v>1</v></c></row>'),
    "lowercase_reference": lambda: cells('<row r="3"><c r="xfd1048576"><v>1</v></c></row>'),
    # and once got past the scans (see tests/test_sheet_scan_paths.py)
    "end_tag_in_a_comment": lambda: cells(
        '<row r="3"><c r="A3"><v>1</v></c></row><!--</sheetData>-->'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    ),
    "prefixed_r": lambda: cells('<row r="1048576">' + '<c x:r="A1"><v>1</v></c>' * 16384 + "</row>"),
    "lt_in_an_attribute": lambda: cells('<row r="1048576"><c r="XFD1048576" a="<"><v>1</v></c></row>'),
}


def _run(code: str, payload: bytes) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], input=payload.hex(), capture_output=True, text=True, cwd=ROOT,
        timeout=60,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(ABORTERS))
def test_aborting_file_kills_raw_calamine_but_not_the_guarded_parser(name: str) -> None:
    payload = ABORTERS[name]()
    raw = _run(
        """
        import io, sys, python_calamine as pc
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(bytes.fromhex(sys.stdin.read())))
        book.get_sheet_by_index(0).to_python()
        """,
        payload,
    )
    assert raw.returncode in (-6, 134), raw.stderr[-500:]  # SIGABRT: Rust's allocation failure
    guarded = _run(
        """
        import sys
        from parsers import ParseError, parse_workbook
        try:
            wb = parse_workbook(bytes.fromhex(sys.stdin.read()), "x.xlsx")
            print("read", wb.sheets[0].cell(1, 1))
        except ParseError as e:
            print("refused", e.code)
        """,
        payload,
    )
    assert (guarded.returncode, guarded.stdout.split()) == (
        0,
        {
            "xfd1048576": ["refused", "file_too_large"],
            "shared_strings_count": ["read", "hello"],
            "second_r_attribute": ["refused", "file_unreadable"],
            "lowercase_reference": ["refused", "file_too_large"],
            "end_tag_in_a_comment": ["refused", "file_unreadable"],
            "prefixed_r": ["refused", "file_too_large"],
            "lt_in_an_attribute": ["refused", "file_unreadable"],
        }[name],
    )


def test_xls_shared_string_count_lie_reads() -> None:
    wb = read(h.biff8({"S": {(1, 1): 1.0}}, sst_unique=4294967295), "r.xls")
    assert wb.sheets[0].rows == ((1,),)
