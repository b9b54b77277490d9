"""A report is every sheet that holds the form: a sheet per อำเภอ, the same LAO on two sheets, the sheets
that are not the form (instructions, summaries, a blank copy, a hidden template)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from parsers.types import CellValue
from tests.helpers.builders import check_report, layout, make_report, valid_rows
from validators import load_registry
from validators.findings import Report

PROVINCE = "ลำพูน"  # 58 LAOs in 8 districts: เมืองลำพูน (0-16) first, บ้านธิ (53-54), เวียงหนองล่อง (55-57)
REGISTRY = load_registry()
LAOS = REGISTRY.laos_in(PROVINCE)
ROWS = valid_rows(PROVINCE)
COLS = layout().columns
FIRST = layout().first_data_row  # every sheet's first data row


def findings(report: Report) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(f.code, f.sheet, f.row, f.column) for f in report.findings]


def with_sheet(payload: bytes, name: str, rows: list[list[CellValue]], *, hidden: bool = False) -> bytes:
    """`payload` with one more sheet holding `rows` from A1."""
    wb = load_workbook(io.BytesIO(payload))
    ws = wb.create_sheet(name)
    for row in rows:
        ws.append(row)
    ws.sheet_state = "hidden" if hidden else "visible"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def blank_form_sheet() -> list[list[CellValue]]:
    """The first rows of a one-sheet report (title and header), as a list of rows: the blank form."""
    ws = load_workbook(io.BytesIO(make_report(PROVINCE, rows=[]))).worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


CLEAN: dict[str, Callable[[], bytes]] = {
    "a sheet per district": lambda: make_report(PROVINCE, sheets_by_district=True),
    "a sheet per district after an instructions sheet": lambda: make_report(
        PROVINCE, sheets_by_district=True, extra_sheets=["คำชี้แจง"], hidden_sheets=["รายการ"]
    ),
    "a sheet per district and a summary sheet": lambda: with_sheet(
        make_report(PROVINCE, sheets_by_district=True),
        "สรุป",
        [["อำเภอ", "จำนวน อปท.", "ผ่าน", "ไม่ผ่าน"], ["เมืองลำพูน", 17, 15, 2], ["รวม", 58, 50, 8]],
    ),
    "one sheet and a blank copy of the form": lambda: with_sheet(
        make_report(PROVINCE), "แบบฟอร์มเปล่า", blank_form_sheet()
    ),
    "one sheet and a hidden template holding the form": lambda: with_sheet(
        make_report(PROVINCE), "แม่แบบ", [*blank_form_sheet(), ["1", "เมืองลำพูน"]], hidden=True
    ),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_every_sheet_holding_the_form_is_read_and_no_other(name: str) -> None:
    report = check_report(CLEAN[name]())
    assert findings(report) == []
    assert [r.dla_code for r in report.records] == [lao.dla_code for lao in LAOS]
    assert (report.province, report.status, report.expected) == (PROVINCE, "accepted", 58)


def test_each_finding_is_located_on_its_own_sheet() -> None:
    overrides = {0: {"issue_1": "ผาน"}, 54: {"lao_full_name": "อบต.ห้วยยาบ"}}  # เมืองลำพูน, บ้านธิ
    report = check_report(make_report(PROVINCE, sheets_by_district=True, overrides=overrides))
    assert findings(report) == [
        ("value_not_allowed", "อ.เมืองลำพูน", FIRST, COLS["issue_1"]),
        ("lao_name_abbreviated", "อ.บ้านธิ", FIRST + 1, COLS["lao_full_name"]),
    ]
    assert len(report.records) == 58


def test_the_same_lao_on_two_sheets_is_a_duplicate_naming_the_first_sheet_and_row() -> None:
    again = {**ROWS[1], "sheet": "อ.บ้านธิ"}  # เทศบาลเมืองลำพูน, second row of อ.เมืองลำพูน
    report = check_report(make_report(PROVINCE, rows=[*({} for _ in ROWS), again], sheets_by_district=True))
    assert findings(report) == [("lao_duplicate_other_sheet", "อ.บ้านธิ", FIRST + 2, COLS["lao_full_name"])]
    assert report.errors[0].ctx == {"first_row": FIRST + 1, "first_sheet": "อ.เมืองลำพูน"}
    codes = [lao.dla_code for lao in LAOS]
    assert [r.dla_code for r in report.records] == [*codes[:55], LAOS[1].dla_code, *codes[55:]]


def test_the_same_lao_twice_on_one_sheet_of_several_is_a_plain_duplicate() -> None:
    report = check_report(make_report(PROVINCE, rows=[*({} for _ in ROWS), ROWS[1]], sheets_by_district=True))
    assert findings(report) == [("lao_duplicate", "อ.เมืองลำพูน", FIRST + 17, COLS["lao_full_name"])]
    assert report.errors[0].ctx == {"first_row": FIRST + 1}


def test_sheets_missing_some_districts_are_complete_for_what_they_hold() -> None:
    kept = [{} if lao.district_th in ("ลี้", "บ้านธิ") else {"sheet": "ข้ามไป"} for lao in LAOS]
    payload = make_report(PROVINCE, rows=kept, sheets_by_district=True)
    wb = load_workbook(io.BytesIO(payload))
    del wb["ข้ามไป"]
    out = io.BytesIO()
    wb.save(out)
    report = check_report(out.getvalue())
    assert [f.code for f in report.findings] == ["laos_missing"]
    assert report.findings[0].ctx["count"] == 58 - 12
    kept_codes = [x.dla_code for x in LAOS if x.district_th in ("ลี้", "บ้านธิ")]
    assert [r.dla_code for r in report.records] == kept_codes
    assert report.status == "accepted"


def test_a_blank_form_alone_has_no_data_rows_on_its_first_sheet() -> None:
    report = check_report(make_report(PROVINCE, rows=[], sheets_by_district=False, extra_sheets=["คำชี้แจง"]))
    assert findings(report) == [("no_data_rows", "แบบสรุปผล", FIRST, "A")]


def test_a_copy_of_the_report_sheet_is_read_once_not_as_duplicates() -> None:
    wb = load_workbook(io.BytesIO(make_report("ลำพูน")))
    copy = wb.copy_worksheet(wb.worksheets[0])
    copy.title = "แบบสรุปผล (2)"
    out = io.BytesIO()
    wb.save(out)

    report = check_report(out.getvalue())

    assert report.status == "accepted"
    assert len(report.records) == 58
    assert [f.code for f in report.findings if f.code.startswith("lao_duplicate")] == []
