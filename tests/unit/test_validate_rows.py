"""Row rules: districts, the type column, รหัส อปท., issue values, empty cells, duplicates, completeness."""

from __future__ import annotations

import pytest

from parsers.types import CellValue
from tests.helpers.builders import check_report, layout, located, make_report, valid_rows
from validators.findings import Report, Severity

PROVINCE = "กาญจนบุรี"
THA_SAO = "6710203"  # องค์การบริหารส่วนตำบลท่าเสา, อำเภอไทรโยค, Excel row 22
ROW = 22
COLS = layout().columns


def plant(fields: dict[str, CellValue], target: str = THA_SAO) -> Report:
    return check_report(make_report(PROVINCE, overrides={target: fields}))


@pytest.mark.parametrize(
    "district",
    ["ไทรโยค", "อ.ไทรโยค", "อำเภอไทรโยค", "อำเภอ ไทรโยค", " ไทรโยค\u00a0", "ไทร\u200bโยค"],
)
def test_district_variants_are_accepted(district: str) -> None:
    assert located(plant({"district": district})) == []


@pytest.mark.parametrize("district", ["เมือง", "อ.เมือง", "อำเภอเมือง", "อำเภอเมืองกาญจนบุรี", "เมืองกาญจนบุรี"])
def test_capital_district_may_be_written_as_amphoe_mueang(district: str) -> None:
    assert located(plant({"district": district}, target="6710108")) == []


@pytest.mark.parametrize(
    ("district", "suggestion"),
    [("ไทรโยคค", "ไทรโยค"), ("อ.ไทยโยค", "ไทรโยค")],
)
def test_misspelled_district_suggests_close_districts(district: str, suggestion: str) -> None:
    [(code, row, column, suggested)] = located(plant({"district": district}))
    assert (code, row, column) == ("district_unknown", ROW, COLS["district"])
    assert suggested is not None and suggested.split(" / ")[0] == suggestion


def test_district_of_another_province_is_unknown_here() -> None:
    [(code, row, column, _)] = located(plant({"district": "บางบัวทอง"}))
    assert (code, row, column) == ("district_unknown", ROW, COLS["district"])


@pytest.mark.parametrize(
    ("written", "code", "suggestion"),
    [
        ("อบต.", "lao_type_abbreviated", "องค์การบริหารส่วนตำบล"),
        ("อบต", "lao_type_abbreviated", "องค์การบริหารส่วนตำบล"),
        ("อ.บ.ต.", "lao_type_abbreviated", "องค์การบริหารส่วนตำบล"),
        ("องค์กรบริหารส่วนตำบล", "lao_type_invalid", "องค์การบริหารส่วนตำบล"),
        ("เทศบาล", "lao_type_invalid", None),
        ("ตำบล", "lao_type_invalid", None),
        ("เทศบาลตำบล", "lao_type_mismatch", "องค์การบริหารส่วนตำบล"),
    ],
)
def test_type_column_must_be_a_full_type_word_agreeing_with_the_name(
    written: str, code: str, suggestion: str | None
) -> None:
    assert located(plant({"lao_type": written})) == [(code, ROW, COLS["lao_type"], suggestion)]


@pytest.mark.parametrize("written", [" องค์การบริหารส่วนตำบล ", "องค์การบริหารส่วนตําบล", None])
def test_type_column_look_alikes_and_blanks_are_accepted(written: str | None) -> None:
    assert located(plant({"lao_type": written})) == []


@pytest.mark.parametrize("code", ["6710203", 6710203, "06710203", "๖๗๑๐๒๐๓", " 6710203 ", None])
def test_dla_code_as_text_number_padded_or_thai_digits_is_accepted(code: CellValue) -> None:
    assert located(plant({"dla_code": code})) == []


@pytest.mark.parametrize(
    ("code", "finding", "suggestion"),
    [
        ("671020", "dla_code_invalid", THA_SAO),
        ("67102034", "dla_code_invalid", THA_SAO),
        ("รหัส", "dla_code_invalid", THA_SAO),
        ("6710518", "dla_code_mismatch", THA_SAO),
        (6710518, "dla_code_mismatch", THA_SAO),
    ],
)
def test_dla_code_must_be_the_rows_lao(code: CellValue, finding: str, suggestion: str) -> None:
    assert located(plant({"dla_code": code})) == [(finding, ROW, COLS["dla_code"], suggestion)]


@pytest.mark.parametrize(
    "value", ["ผ่าน", "ไม่ผ่าน", "ผ่านเกณฑ์", "ไม่ผ่านเกณฑ์", " ผ่าน ", "ไม่\u200bผ่าน", "ไม่ผ่าน\n", "ไม่  ผ่าน"]
)
def test_issue_values_and_their_look_alikes_are_accepted(value: str) -> None:
    report = plant({"issue_1": value})
    assert located(report) == []
    assert report.records[18].issues[0] in {"ผ่าน", "ไม่ผ่าน"}


@pytest.mark.parametrize("value", ["ผาน", "ผ่านน", "✓", "x", 1, "ดี"])
def test_other_issue_values_are_errors(value: CellValue) -> None:
    report = plant({"issue_9": value})
    assert located(report) == [("value_not_allowed", ROW, COLS["issue_9"], None)]
    assert report.errors[0].ctx == {"allowed": "ผ่าน / ไม่ผ่าน"}


def test_overall_result_is_checked_when_filled_and_optional_when_empty() -> None:
    assert located(plant({"overall": None})) == []
    assert located(plant({"overall": "ดีมาก"})) == [("value_not_allowed", ROW, COLS["overall"], None)]


@pytest.mark.parametrize(
    "field", ["district", "lao_full_name", "executive_name", "executive_position", "issue_1", "issue_5"]
)
@pytest.mark.parametrize("empty", [None, "   "])
def test_empty_required_cell_is_an_error_at_that_cell(field: str, empty: str | None) -> None:
    found = located(plant({field: empty}))
    assert ("required_cell_empty", ROW, COLS[field], None) in found


def test_records_keep_the_issue_results_in_order() -> None:
    fields: dict[str, CellValue] = {f"issue_{i}": "ผ่าน" for i in range(1, 10)}
    fields.update(issue_3="ไม่ผ่านเกณฑ์", overall="ไม่ผ่าน", executive_name="นาย\u00a0สมชาย  ใจดี")
    record = plant(fields).records[18]
    assert record.issues == ("ผ่าน", "ผ่าน", "ไม่ผ่าน", *("ผ่าน",) * 6)
    assert (record.overall, record.executive_name) == ("ไม่ผ่าน", "นาย สมชาย ใจดี")
    assert (record.dla_code, record.lao_type, record.district) == (THA_SAO, "องค์การบริหารส่วนตำบล", "ไทรโยค")


def test_same_lao_twice_is_an_error_on_the_later_row_naming_the_earlier() -> None:
    rows = valid_rows(PROVINCE)
    report = check_report(make_report(PROVINCE, rows=[*({} for _ in rows), rows[18]]))
    last = 4 + len(rows)
    assert located(report) == [("lao_duplicate", last, COLS["lao_full_name"], None)]
    assert report.errors[0].ctx == {"first_row": ROW}


def test_blank_rows_and_trailing_formatted_rows_are_ignored() -> None:
    rows = valid_rows(PROVINCE)
    blank: dict[str, CellValue] = dict.fromkeys(rows[0], None)
    numbered_only: dict[str, CellValue] = {**blank, "seq": 999}
    planted = [*({} for _ in rows[:10]), blank, numbered_only, {**blank, "remarks": "  "}, *rows[10:]]
    report = check_report(make_report(PROVINCE, rows=planted, trailing_formatted_rows=30))
    assert located(report, keep_missing=True) == []
    assert len(report.records) == report.expected == len(rows)


def test_district_merged_over_several_rows_counts_for_each_row() -> None:
    report = check_report(make_report(PROVINCE, merge_districts=True))
    assert located(report, keep_missing=True) == []
    assert {r.district for r in report.records[:12]} == {"เมืองกาญจนบุรี"}


def test_missing_laos_give_one_warning_that_counts_and_names_them() -> None:
    rows = valid_rows(PROVINCE)
    report = check_report(make_report(PROVINCE, rows=[{} for _ in rows[:-2]]))
    [warning] = report.findings
    assert (warning.code, warning.severity, warning.row) == ("laos_missing", Severity.WARNING, None)
    assert warning.ctx["count"] == 2
    assert str(rows[-1]["lao_full_name"]) in str(warning.ctx["names"])
    assert report.status == "accepted"
