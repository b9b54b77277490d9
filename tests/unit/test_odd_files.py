"""Odd files that must read: each case is built here and the shape it parses to asserted. Renamed formats,
xlsm and ods, huge dimensions and far styled cells, count lies, long and control-character text, formulas
with and without a cached value, error values, hidden sheets, merged cells, ragged rows, numbers as text.
"""

from __future__ import annotations

from tests.helpers import hostile as h
from tests.helpers.parse_outcomes import cells, read


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


def test_xls_shared_string_count_lie_reads() -> None:
    wb = read(h.biff8({"S": {(1, 1): 1.0}}, sst_unique=4294967295), "r.xls")
    assert wb.sheets[0].rows == ((1,),)
