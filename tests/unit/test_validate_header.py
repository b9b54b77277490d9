"""Finding the form: the header row anywhere in the first 15 rows, one or two rows, any column order,
header texts with line breaks and invisible characters, the right sheet among several; the province."""

from __future__ import annotations

import pytest

from tests.helpers import hostile as h
from tests.helpers.builders import check_report, layout, located, make_report, valid_rows
from validators.form import load_form

PROVINCE = "กาญจนบุรี"
FORM = load_form()


def assert_clean(payload: bytes) -> None:
    report = check_report(payload)
    assert located(report, keep_missing=True) == []
    assert report.province == PROVINCE
    assert len(report.records) == report.expected


@pytest.mark.parametrize("header_row", [1, 2, 3, 7, 15])
@pytest.mark.parametrize("header_style", ["single", "two_row_merged"])
def test_header_is_found_in_any_of_the_first_rows(header_row: int, header_style: str) -> None:
    assert_clean(make_report(PROVINCE, header_row=header_row, header_style=header_style))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "headers",
    [
        {"lao_full_name": "ประเภทของ\nองค์กรปกครองส่วนท้องถิ่น\n(ชื่อเต็มของหน่วยงาน)"},
        {"lao_full_name": "ชื่อเต็มของหน่วยงาน"},
        {"lao_full_name": "ชื่อ อปท."},
        {"lao_full_name": "ชื่อองค์กรปกครองส่วนท้องถิ่น"},
        {"lao_full_name": "ประเภทขององค์กรปกครองส่วนท้องถิ่น"},
        {"district": "อำเภอ\u200b", "dla_code": "รหัส\u00a0อปท.", "lao_type": "ประเภท  อปท"},
        {"executive_name": "ชื่อ-สกุล\nผู้บริหารท้องถิ่น", "executive_position": " ตำแหน่ง "},
        {f"issue_{i}": f"ประเด็นที่ {i}" for i in range(1, 10)},
        {"issue_1": "ประเด็นที่ ๑\nการลดพลังงาน", "issue_4": "ประเด็นที่4 ภาวะผู้นำ", "overall": "ภาพรวม"},
        {"seq": "ลำดับที่", "remarks": "หมายเหตุ\n"},
    ],
)
def test_header_variants_are_recognised(headers: dict[str, str]) -> None:
    assert_clean(make_report(PROVINCE, headers=headers))


def test_columns_may_come_in_any_order() -> None:
    keys = [c.key for c in FORM.columns if c.in_template]
    assert_clean(make_report(PROVINCE, columns=list(reversed(keys))))


def test_optional_columns_may_be_left_out() -> None:
    keys = [c.key for c in FORM.columns if c.required]
    assert_clean(make_report(PROVINCE, columns=keys))


def test_data_on_a_later_sheet_with_hidden_sheets_is_found() -> None:
    payload = make_report(PROVINCE, sheet_name="ข้อมูล", extra_sheets=["คำชี้แจง"], hidden_sheets=["รายการ"])
    assert_clean(payload)
    report = check_report(
        make_report(PROVINCE, sheet_name="ข้อมูล", extra_sheets=["คำชี้แจง"], overrides={0: {"issue_1": "?"}})
    )
    assert [f.sheet for f in report.errors] == ["ข้อมูล"]


def test_findings_point_at_cells_of_a_two_row_header_layout() -> None:
    cols = layout(header_style="two_row_merged").columns
    payload = make_report(PROVINCE, header_style="two_row_merged", overrides={0: {"issue_2": "ผาน"}})
    assert located(check_report(payload)) == [("value_not_allowed", 5, cols["issue_2"], None)]


def test_workbook_without_the_form_has_no_header() -> None:
    report = check_report(h.xlsx({"Sheet": [["รายงานอื่น", "ข้อมูล"], ["ก", 1]]}))
    assert located(report) == [("no_header", None, None, None)]
    assert report.status == "rejected"


def test_two_matching_headers_are_not_enough_for_a_header() -> None:
    report = check_report(make_report(PROVINCE, columns=["seq", "remarks"]))
    assert [f.code for f in report.findings] == ["no_header"]


@pytest.mark.parametrize("missing", ["executive_position", "issue_7", "district"])
def test_missing_required_column_is_named_at_the_header_row(missing: str) -> None:
    keys = [c.key for c in FORM.columns if c.in_template and c.key != missing]
    report = check_report(make_report(PROVINCE, columns=keys))
    column = FORM.column(missing)
    assert column is not None
    errors = [(f.code, f.row, f.column, dict(f.ctx)) for f in report.errors]
    assert errors == [("missing_column", 3, None, {"column_name": column.header})]


def test_missing_name_column_stops_row_checks() -> None:
    keys = [c.key for c in FORM.columns if c.in_template and c.key != "lao_full_name"]
    report = check_report(make_report(PROVINCE, columns=keys))
    assert [f.code for f in report.findings] == ["missing_column"]
    assert report.records == ()


def test_header_without_data_rows_is_an_error() -> None:
    report = check_report(make_report(PROVINCE, rows=[]))
    assert located(report) == [("no_data_rows", 4, "A", None)]


# --- the report's province -------------------------------------------------------------------


def test_province_comes_from_the_title() -> None:
    report = check_report(make_report(PROVINCE))
    assert (report.province, report.expected) == (PROVINCE, 122)


def test_province_is_inferred_from_the_laos_when_nothing_says() -> None:
    assert_clean(make_report(PROVINCE, title_province=""))


def test_province_column_names_the_province_when_the_title_does_not() -> None:
    keys = [c.key for c in FORM.columns if c.in_template] + ["province"]
    rows = [{"province": "จ.กาญจนบุรี"} for _ in valid_rows(PROVINCE)]
    assert_clean(make_report(PROVINCE, rows=rows, columns=keys, title_province=""))


def test_province_column_disagreeing_with_the_report_is_an_error() -> None:
    keys = [c.key for c in FORM.columns if c.in_template] + ["province"]
    cols = layout(keys).columns
    rows = [{"province": PROVINCE} for _ in valid_rows(PROVINCE)]
    rows[5] = {"province": "ราชบุรี"}
    rows[6] = {"province": "กาญจนบรี"}
    report = check_report(make_report(PROVINCE, rows=rows, columns=keys))
    assert located(report) == [
        ("province_mismatch", 9, cols["province"], PROVINCE),
        ("province_invalid", 10, cols["province"], PROVINCE),
    ]


def test_unknown_province_in_the_title_is_an_error_and_the_laos_decide() -> None:
    report = check_report(make_report(PROVINCE, title_province="กาญจนบรี"))
    assert located(report) == [("title_province_unknown", 2, "A", PROVINCE)]
    assert report.province == PROVINCE


def test_lao_of_another_province_in_the_file_is_one_error_naming_its_province() -> None:
    ratchaburi = valid_rows("ราชบุรี")[0]  # องค์การบริหารส่วนจังหวัดราชบุรี, อำเภอเมืองราชบุรี
    report = check_report(make_report(PROVINCE, overrides={5: ratchaburi}))
    cols = layout().columns
    assert located(report) == [("lao_other_province", 9, cols["lao_full_name"], None)]
    assert report.errors[0].ctx == {"province": "ราชบุรี", "report_province": PROVINCE}
