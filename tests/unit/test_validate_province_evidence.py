"""The province is what the rows' LAOs say; the title and the จังหวัด column are claims checked against it,
one warning each, never a finding per row; rows of another province are named as such, once each."""

from __future__ import annotations

import pytest

from parsers.types import CellValue
from tests.helpers import builders
from tests.helpers.builders import RowDict, check_report, layout, make_report, valid_rows
from validators import load_form, load_registry
from validators.findings import Report, Severity

LAMPHUN, LAMPANG = "ลำพูน", "ลำปาง"  # 58 and 103 LAOs; no full name in common
REGISTRY = load_registry()
LAMPHUN_CODES = [lao.dla_code for lao in REGISTRY.laos_in(LAMPHUN)]
ROWS = valid_rows(LAMPHUN)
OTHERS = valid_rows(LAMPANG)
COLS = layout().columns
WITH_PROVINCE = [c.key for c in load_form().columns if c.in_template] + ["province"]
PROVINCE_COL = layout(WITH_PROVINCE).columns["province"]
NAME = COLS["lao_full_name"]
CLAIM_CODES = ("province_title_mismatch", "province_column_mismatch")  # warnings: the rows decide

Located = tuple[str, int | None, str | None]


def located(report: Report) -> list[Located]:
    builders.located(report, keep_missing=True)  # every finding renders its Thai message
    return [(f.code, f.row, f.column) for f in report.findings if f.code != "laos_missing"]


def codes(report: Report) -> list[str]:
    return [r.dla_code for r in report.records]


def lamphun_then(others: list[RowDict]) -> list[RowDict]:
    """Every ลำพูน row, then `others` (whole rows of another province)."""
    return [*({} for _ in ROWS), *others]


# (name, make_report arguments, the province, findings but laos_missing, dla codes of the records)
CASES: list[tuple[str, dict[str, object], str, list[Located], list[str]]] = [
    (
        "a title naming another province is one warning at the title cell",
        {"title_province": LAMPANG},
        LAMPHUN, [("province_title_mismatch", 2, "A")], LAMPHUN_CODES,
    ),
    (
        "a whole title cell naming another province is one warning too",
        {"title": f"รายงานผลการประเมิน อำเภอเมือง จังหวัด{LAMPANG}"},
        LAMPHUN, [("province_title_mismatch", 2, "A")], LAMPHUN_CODES,
    ),
    (
        "a partial report under another province's title is judged by its rows",
        {"rows": [{} for _ in range(5)], "title_province": LAMPANG},
        LAMPHUN, [("province_title_mismatch", 2, "A")], LAMPHUN_CODES[:5],
    ),
    (
        "a sheet per district under another province's title warns once, at the first title",
        {"sheets_by_district": True, "title_province": LAMPANG, "rows": [{} for _ in range(20)]},
        LAMPHUN, [("province_title_mismatch", 2, "A")], LAMPHUN_CODES[:20],
    ),
    (
        "a province column naming another province in every row is one warning at its first cell",
        {"columns": WITH_PROVINCE, "rows": [{"province": f"จ.{LAMPANG}"} for _ in ROWS]},
        LAMPHUN, [("province_column_mismatch", 4, PROVINCE_COL)], LAMPHUN_CODES,
    ),
    (
        "a province column and a title both naming another province are one warning each",
        {"columns": WITH_PROVINCE, "rows": [{"province": LAMPANG} for _ in ROWS], "title_province": LAMPANG},
        LAMPHUN, [("province_title_mismatch", 2, "A"), ("province_column_mismatch", 4, PROVINCE_COL)],
        LAMPHUN_CODES,
    ),
    (
        "a province cell naming another province in one row is an error in that row",
        {"columns": WITH_PROVINCE, "rows": [{"province": LAMPHUN}] * 5 + [{"province": LAMPANG}]},
        LAMPHUN, [("province_mismatch", 9, PROVINCE_COL)], LAMPHUN_CODES[:6],
    ),
    (
        "rows of another province are one error each, naming their province",
        {"rows": lamphun_then(OTHERS[:3])},
        LAMPHUN, [("lao_other_province", 62 + i, NAME) for i in range(3)], LAMPHUN_CODES,
    ),
    (
        "rows of another province under its title are one error each, the title one warning",
        {"rows": lamphun_then(OTHERS[:3]), "title_province": LAMPANG},
        LAMPHUN,
        [("province_title_mismatch", 2, "A"), *(("lao_other_province", 62 + i, NAME) for i in range(3))],
        LAMPHUN_CODES,
    ),
    (
        "without a clear majority of rows the title decides",
        {"rows": [{}, {}, {}, *OTHERS[:3]], "title_province": LAMPANG},
        LAMPANG, [("lao_other_province", 4 + i, NAME) for i in range(3)], [r["dla_code"] for r in OTHERS[:3]],
    ),
    (
        "without a clear majority of rows the title decides either way",
        {"rows": [{}, {}, {}, *OTHERS[:3]]},
        LAMPHUN, [("lao_other_province", 7 + i, NAME) for i in range(3)], LAMPHUN_CODES[:3],
    ),
    (
        "without a title the rows decide",
        {"title_province": ""},
        LAMPHUN, [], LAMPHUN_CODES,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "province", "expected", "records"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_rows_decide_the_province_and_claims_are_checked(
    kwargs: dict[str, object], province: str, expected: list[Located], records: list[str]
) -> None:
    report = check_report(make_report(LAMPHUN, **kwargs))  # type: ignore[arg-type]
    assert (report.province, located(report), codes(report)) == (province, expected, records)
    assert report.expected == len(REGISTRY.laos_in(province))
    assert all(f.severity is Severity.WARNING for f in report.findings if f.code in CLAIM_CODES)


def test_the_title_warning_names_both_provinces_and_suggests_the_rows_province() -> None:
    report = check_report(make_report(LAMPHUN, title_province=LAMPANG))
    [warning] = report.findings
    found = (warning.severity, warning.value, warning.suggestion)
    assert found == (Severity.WARNING, f"จังหวัด{LAMPANG}", LAMPHUN)
    assert warning.ctx == {"province": LAMPHUN, "title_province": LAMPANG}
    assert report.status == "accepted"


def test_the_column_warning_counts_the_cells_naming_the_other_province() -> None:
    rows = [{"province": LAMPANG} for _ in ROWS[:50]] + [{"province": LAMPHUN} for _ in ROWS[50:]]
    report = check_report(make_report(LAMPHUN, columns=WITH_PROVINCE, rows=rows))
    [warning] = report.findings
    assert (warning.code, warning.ctx) == (
        "province_column_mismatch", {"province": LAMPHUN, "column_province": LAMPANG, "count": 50},
    )  # fmt: skip


def test_a_missing_laos_warning_lists_the_rows_province_not_the_titles() -> None:
    report = check_report(make_report(LAMPHUN, rows=[{} for _ in range(50)], title_province=LAMPANG))
    missing = report.findings[-1]
    assert (missing.code, missing.ctx["count"]) == ("laos_missing", 8)
    assert all(REGISTRY.laos_in(LAMPHUN)[i].full_name_th in str(missing.ctx["names"]) for i in range(50, 58))


@pytest.mark.parametrize(
    ("district", "province"),
    [("โพทะเล", "พิจิตร"), ("อ.กระทุ่มแบน", "สมุทรสาคร")],
)
def test_a_name_of_both_provinces_under_the_other_provinces_district_is_that_provinces_lao(
    district: CellValue, province: str
) -> None:
    fields: dict[str, CellValue] = {"district": district, "lao_full_name": "องค์การบริหารส่วนตำบลท่าเสา"}
    report = check_report(make_report("กาญจนบุรี", overrides={"6710203": {**fields, "dla_code": None}}))
    assert [(f.code, f.row, f.column) for f in report.errors] == [("lao_other_province", 22, NAME)]
    assert report.errors[0].ctx == {"province": province, "report_province": "กาญจนบุรี"}
