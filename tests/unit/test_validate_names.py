"""The LAO name column: full names as DLA writes them, and every way provinces write them otherwise."""

from __future__ import annotations

import pytest

from parsers.types import CellValue
from tests.helpers.builders import check_report, layout, located, make_report
from validators.findings import Report, Severity

PROVINCE = "กาญจนบุรี"
THA_SAO_SAI_YOK = "6710203"  # องค์การบริหารส่วนตำบลท่าเสา, อำเภอไทรโยค, index 18, Excel row 22
THA_SAO_THA_MAKA = "6710518"  # องค์การบริหารส่วนตำบลท่าเสา, อำเภอท่ามะกา, index 57, Excel row 61
KO_SAMRONG = "6710108"  # องค์การบริหารส่วนตำบลเกาะสำโรง, อำเภอเมืองกาญจนบุรี, index 7, Excel row 11
THA_MAKHAM = "5710103"  # เทศบาลตำบลท่ามะขาม, อำเภอเมืองกาญจนบุรี, index 2, Excel row 6
FULL = "องค์การบริหารส่วนตำบลท่าเสา"
LAYOUT = layout()
NAME = LAYOUT.columns["lao_full_name"]
DISTRICT = LAYOUT.columns["district"]


def plant(target: str, fields: dict[str, CellValue]) -> Report:
    """The complete, valid report of the province with `fields` written in the row of LAO `target`."""
    return check_report(make_report(PROVINCE, overrides={target: fields}))


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("อบต.ท่าเสา", "lao_name_abbreviated"),
        ("อบต. ท่าเสา", "lao_name_abbreviated"),
        ("อบต ท่าเสา", "lao_name_abbreviated"),
        ("อบตท่าเสา", "lao_name_abbreviated"),
        ("อ.บ.ต.ท่าเสา", "lao_name_abbreviated"),
        ("องค์กรบริหารส่วนตำบลท่าเสา", "lao_name_type_misspelled"),
        ("ท่าเสา", "lao_name_missing_type"),
        ("องค์การบริหารส่วนตำบลท่าเสา อ.ไทรโยค", "lao_name_with_place"),
        ("องค์การบริหารส่วนตำบลท่าเสา อำเภอไทรโยค", "lao_name_with_place"),
        ("องค์การบริหารส่วนตำบลท่าเสา จ.กาญจนบุรี", "lao_name_with_place"),
        ("องค์การบริหารส่วนตำบลท่าเสา จังหวัดกาญจนบุรี", "lao_name_with_place"),
    ],
)
def test_misspelled_sao_name_is_an_error_suggesting_the_full_name(written: str, code: str) -> None:
    report = plant(THA_SAO_SAI_YOK, {"lao_full_name": written})
    assert located(report) == [(code, 22, NAME, FULL)]
    assert report.status == "rejected"
    assert report.records[18].lao_full_name == FULL  # matched all the same, spelled officially


@pytest.mark.parametrize(
    ("dla_code", "written", "official"),
    [
        (THA_MAKHAM, "ทต.ท่ามะขาม", "เทศบาลตำบลท่ามะขาม"),
        (THA_MAKHAM, "ท.ต.ท่ามะขาม", "เทศบาลตำบลท่ามะขาม"),
        (THA_MAKHAM, "เทศบาลต.ท่ามะขาม", "เทศบาลตำบลท่ามะขาม"),
        ("4710102", "ทม.กาญจนบุรี", "เทศบาลเมืองกาญจนบุรี"),
        ("2710101", "อบจ.กาญจนบุรี", "องค์การบริหารส่วนจังหวัดกาญจนบุรี"),
        ("2710101", "องค์กรบริหารส่วนจังหวัดกาญจนบุรี", "องค์การบริหารส่วนจังหวัดกาญจนบุรี"),
    ],
)
def test_abbreviated_municipality_and_pao_names_suggest_the_full_name(
    dla_code: str, written: str, official: str
) -> None:
    report = plant(dla_code, {"lao_full_name": written})
    [(code, _row, column, suggestion)] = located(report)
    assert code in {"lao_name_abbreviated", "lao_name_type_misspelled"}
    assert (column, suggestion) == (NAME, official)


@pytest.mark.parametrize(
    ("code", "suggestion"), [(THA_SAO_SAI_YOK, FULL), (None, None)], ids=["with_code", "without_code"]
)
def test_type_word_alone_suggests_the_name_of_the_rows_dla_code_if_it_has_one(
    code: str | None, suggestion: str | None
) -> None:
    report = plant(THA_SAO_SAI_YOK, {"lao_full_name": "องค์การบริหารส่วนตำบล", "dla_code": code})
    assert located(report) == [("lao_name_type_only", 22, NAME, suggestion)]


def test_unknown_name_suggests_close_names_of_the_district() -> None:
    report = plant(THA_SAO_SAI_YOK, {"lao_full_name": "องค์การบริหารส่วนตำบลท่าเสร", "dla_code": None})
    [(code, row, column, suggestion)] = located(report)
    assert (code, row, column) == ("lao_not_found", 22, NAME)
    assert suggestion is not None and suggestion.split(" / ")[0] == FULL


def test_unknown_name_with_a_valid_code_suggests_that_codes_name() -> None:
    report = plant(THA_SAO_SAI_YOK, {"lao_full_name": "องค์การบริหารส่วนตำบลท่าเสร"})
    assert located(report) == [("lao_not_found", 22, NAME, FULL)]


def test_name_found_only_in_another_province_names_that_province() -> None:
    report = plant(THA_SAO_SAI_YOK, {"lao_full_name": "เทศบาลตำบลหาดท่าเสา", "dla_code": None})
    assert located(report) == [("lao_other_province", 22, NAME, None)]
    assert report.errors[0].ctx == {"province": "ชัยนาท", "report_province": PROVINCE}


def test_name_in_another_district_names_the_right_district() -> None:
    report = plant(KO_SAMRONG, {"district": "ไทรโยค"})
    assert located(report) == [("lao_wrong_district", 11, DISTRICT, "เมืองกาญจนบุรี")]


def test_name_repeated_in_two_districts_is_matched_by_the_rows_district() -> None:
    report = check_report(make_report(PROVINCE))
    by_code = {r.dla_code: r for r in report.records}
    assert by_code[THA_SAO_SAI_YOK].district == "ไทรโยค"
    assert by_code[THA_SAO_THA_MAKA].district == "ท่ามะกา"
    assert by_code[THA_SAO_SAI_YOK].lao_full_name == by_code[THA_SAO_THA_MAKA].lao_full_name == FULL


def test_repeated_name_in_a_district_that_has_neither_lists_both_districts() -> None:
    report = plant(THA_SAO_SAI_YOK, {"district": "เมืองกาญจนบุรี", "dla_code": None})
    assert located(report) == [("lao_wrong_district", 22, DISTRICT, "ไทรโยค / ท่ามะกา")]


def test_older_type_after_an_fy2563_upgrade_is_only_a_warning() -> None:
    report = plant(
        THA_MAKHAM, {"lao_full_name": "องค์การบริหารส่วนตำบลท่ามะขาม", "lao_type": "องค์การบริหารส่วนตำบล"}
    )
    assert located(report) == [("lao_type_changed", 6, NAME, "เทศบาลตำบลท่ามะขาม")]
    assert report.findings[0].severity is Severity.WARNING
    assert report.status == "accepted"
    assert report.records[2].lao_full_name == "เทศบาลตำบลท่ามะขาม"
    assert report.records[2].lao_type == "เทศบาลตำบล"


@pytest.mark.parametrize(
    "written",
    [
        "องค์การบริหารส่วนตําบลท่าเสา",  # sara am typed as nikhahit + sara aa
        "องค์การบริหารส่วนตำบล\u200bท่าเสา",  # zero-width space
        "องค์การบริหารส่วนตำบล\u00a0ท่าเสา",  # NBSP
        "\ufeffองค์การบริหารส่วนตำบลท่าเสา\u2060",  # BOM, word joiner
        "องค์การบริหารส่วนตำบลท่าเสา\n",
        "  องค์การบริหารส่วนตำบล  ท่าเสา ",
        "องค์การบริหารส่วนตำบลท่่าเสา",  # doubled tone mark
        "องค์การบริหารส่วนตำบลท่าาเสา",  # doubled vowel
    ],
)
def test_look_alike_full_names_are_accepted_and_stored_officially(written: str) -> None:
    report = plant(THA_SAO_SAI_YOK, {"lao_full_name": written})
    assert located(report) == []
    assert report.records[18].lao_full_name == FULL


def test_thai_digits_in_a_name_are_accepted() -> None:
    report = check_report(
        make_report("ประจวบคีรีขันธ์", overrides={"5770104": {"lao_full_name": "เทศบาลตำบลกม.๕"}})
    )
    assert located(report) == []
