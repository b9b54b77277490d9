"""The province's workbook handed back with each erroneous cell filled and a Thai comment naming the fix."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.worksheet import Worksheet

from bot.replies import markup as annotate
from bot.replies.markup import ERROR_FILL, WARNING_FILL, annotate_workbook, cell_comment
from tests.helpers.builders import check_report, comment_marks, make_report
from validators.findings import Finding, Severity


def finding(
    code: str, row: int | None, column: str | None, sheet: str | None = "แบบสรุปผล", **kw: object
) -> Finding:
    return Finding(code=code, sheet=sheet, row=row, column=column, **kw)  # type: ignore[arg-type]


def reopen(payload: bytes) -> Workbook:
    return load_workbook(io.BytesIO(payload))


marks = comment_marks


def test_each_erroneous_cell_is_filled_and_commented_with_the_fix() -> None:
    payload = make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}, {"dla_code": "12"}])
    report = check_report(payload)

    annotated = annotate_workbook(payload, report.findings, cell_comment)

    assert annotated is not None
    found = marks(annotated)
    assert found["D4"] == (
        "FFC7CE",
        "เขียนชื่อย่อ ให้เขียนชื่อเต็มของหน่วยงาน\nพบ: อบต.ท่าเสา\nให้แก้เป็น: "
        + next(str(f.suggestion) for f in report.findings if f.code == "lao_name_abbreviated"),
    )
    assert found["E5"][0] == "FFC7CE" and "ให้แก้เป็น: 4710102" in found["E5"][1]
    assert {(f.column, f.row) for f in report.findings if f.row} == {(k[0], int(k[1:])) for k in found}


def test_the_rest_of_the_workbook_is_left_as_it_was() -> None:
    payload = make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}, {}])

    annotated = annotate_workbook(payload, [finding("lao_name_abbreviated", 4, "D")])

    assert annotated is not None
    before, after = reopen(payload)["แบบสรุปผล"], reopen(annotated)["แบบสรุปผล"]
    assert [[c.value for c in r] for r in before.iter_rows()] == [
        [c.value for c in r] for r in after.iter_rows()
    ]
    assert after["D5"].comment is None and after["D5"].fill.fill_type is None
    assert len(after.data_validations.dataValidation) == len(before.data_validations.dataValidation)


def test_warning_cells_are_yellow_and_an_error_on_the_same_cell_wins() -> None:
    payload = make_report("กาญจนบุรี", rows=[{}, {}])
    findings = [
        finding("lao_type_changed", 4, "D", severity=Severity.WARNING, suggestion="เทศบาลตำบลลาดหญ้า"),
        finding("lao_type_changed", 5, "D", severity=Severity.WARNING),
        finding("lao_name_abbreviated", 5, "D", value="ทต.ลาดหญ้า"),
    ]

    annotated = annotate_workbook(payload, findings, cell_comment)

    assert annotated is not None
    found = marks(annotated)
    assert found["D4"][0] == WARNING_FILL.fgColor.rgb[-6:]
    assert found["D5"][0] == ERROR_FILL.fgColor.rgb[-6:]
    assert found["D5"][1].count("\n\n") == 1  # both findings on one comment


def test_finding_inside_a_merged_cell_marks_its_top_left_cell() -> None:
    payload = make_report("กาญจนบุรี", rows=[{}, {}, {}], merge_districts=True)

    annotated = annotate_workbook(payload, [finding("district_unknown", 5, "B", ctx={"province": "กาญจนบุรี"})])

    assert annotated is not None
    assert set(marks(annotated)) == {"B4"}


def test_row_without_column_marks_column_a_and_unknown_sheets_are_skipped() -> None:
    payload = make_report("กาญจนบุรี", rows=[{}, {}])

    annotated = annotate_workbook(
        payload,
        [finding("lao_duplicate", 5, None, ctx={"first_row": 4}), finding("no_header", 4, "A", sheet="อื่น")],
    )

    assert annotated is not None
    assert set(marks(annotated)) == {"A5"}


def test_the_annotated_workbook_opens_on_the_marked_sheet() -> None:
    payload = make_report("กาญจนบุรี", rows=[{}], extra_sheets=["คำชี้แจง"])

    annotated = annotate_workbook(payload, [finding("lao_name_abbreviated", 4, "D")])

    assert annotated is not None
    wb = reopen(annotated)
    assert wb.active is not None and wb.active.title == "แบบสรุปผล"
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [False, True]


def test_file_level_findings_alone_give_no_workbook() -> None:
    payload = make_report("กาญจนบุรี", rows=[{}])

    assert (
        annotate_workbook(
            payload, [finding("no_header", None, None), finding("province_unknown", None, None)]
        )
        is None
    )


@pytest.mark.parametrize(
    "payload",
    [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000),  # .xls (OLE2)
        b"PK\x03\x04 not really a zip",
        b"%PDF-1.4 a pdf named .xlsx",
        b"",
    ],
    ids=["xls", "broken_zip", "pdf", "empty"],
)
def test_files_openpyxl_cannot_edit_give_none(payload: bytes) -> None:
    assert annotate_workbook(payload, [finding("lao_name_abbreviated", 4, "D")]) is None


def test_ods_gives_none() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert annotate_workbook(out.getvalue(), [finding("lao_name_abbreviated", 4, "D")]) is None


def test_workbook_over_the_size_guard_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = make_report("กาญจนบุรี", rows=[{}])
    monkeypatch.setattr(annotate, "MAX_UNCOMPRESSED_BYTES", 1000)

    assert (
        annotate_workbook(payload, [finding("lao_name_abbreviated", 4, "D")], max_uncompressed_bytes=1000)
        is None
    )


# --- print setup of the marked sheets ---------------------------------------------------------------


def footer(ws: Worksheet) -> HeaderFooterItem:
    item = ws.HeaderFooter.oddFooter
    assert item is not None
    return item


def with_print_setup(payload: bytes, sheet: str, **setup: object) -> bytes:
    """`payload` with a province's own print setup on `sheet` (portrait letter, say, and a footer)."""
    wb = reopen(payload)
    ws = wb[sheet]
    for name, value in setup.items():
        if name == "footer":
            footer(ws).left.text = str(value)
        elif name == "title_rows":
            ws.print_title_rows = str(value)
        else:
            setattr(ws.page_setup, name, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_marked_sheet_prints_a4_landscape_one_page_wide_with_title_and_header_on_every_page() -> None:
    payload = make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}, {"dla_code": "12"}])

    annotated = annotate_workbook(payload, check_report(payload).findings, cell_comment)

    assert annotated is not None
    ws = reopen(annotated)["แบบสรุปผล"]
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize or 0)) == ("landscape", 9)
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"  # two title rows and the header, found from the findings
    assert footer(ws).center.text == "หน้า &P / &N"


def test_a_two_row_header_is_repeated_down_to_its_lower_row() -> None:
    payload = make_report("กาญจนบุรี", rows=[{"issue_2": "ผ"}, {"lao_full_name": "อบต.ท่าเสา"}],
                          header_style="two_row_merged")  # fmt: skip

    annotated = annotate_workbook(payload, check_report(payload).findings, cell_comment)

    assert annotated is not None
    assert reopen(annotated)["แบบสรุปผล"].print_title_rows == "$1:$4"


def test_the_provinces_own_print_setup_is_kept_on_other_sheets_and_its_titles_and_footer_on_this() -> None:
    payload = make_report("กาญจนบุรี", rows=[{}, {}], extra_sheets=["คำชี้แจง"])
    payload = with_print_setup(payload, "คำชี้แจง", orientation="portrait", paperSize=1, fitToHeight=3)
    payload = with_print_setup(payload, "แบบสรุปผล", title_rows="3:3", footer="พิมพ์โดย สถจ.")

    annotated = annotate_workbook(payload, [finding("lao_name_abbreviated", 4, "D", header="ชื่อ")])

    assert annotated is not None
    other, marked = reopen(annotated)["คำชี้แจง"], reopen(annotated)["แบบสรุปผล"]
    assert (other.page_setup.orientation, other.page_setup.paperSize, other.page_setup.fitToHeight) == (
        "portrait", 1, 3)  # fmt: skip
    assert marked.page_setup.orientation == "landscape"
    assert marked.print_title_rows == "$3:$3"
    assert footer(marked).left.text == "พิมพ์โดย สถจ." and not footer(marked).center.text


@pytest.mark.parametrize(
    "odd",
    [
        finding("lao_name_abbreviated", 4, "D", header="ไม่มีหัวตารางนี้"),  # header text not in the sheet
        finding("lao_name_abbreviated", 4, "D", header=None),
        finding("lao_name_abbreviated", 4, "XFE", header="ประเภท อปท."),  # beyond Excel's last column
    ],
    ids=["unknown_header", "no_header", "bad_column"],
)
def test_a_header_not_found_still_prints_landscape_without_repeated_rows(odd: Finding) -> None:
    payload = make_report("กาญจนบุรี", rows=[{}, {}])

    annotated = annotate_workbook(payload, [odd, finding("lao_duplicate", 5, "D")])

    assert annotated is not None
    ws = reopen(annotated)["แบบสรุปผล"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows is None
