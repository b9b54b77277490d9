"""One finding per cell and cause: broken reports never name the same (code, sheet, row, column) twice; a cell
that reads as an error value or an unsaved formula is not reported again as empty or not allowed; a merged
cell is one cell, whatever rows it covers."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from tests.helpers import hostile as h
from tests.helpers.builders import check_report, layout, located, make_report, set_cells, valid_rows
from validators import load_registry

PROVINCE = "ลำพูน"  # เมืองลำพูน: the first 17 LAOs, Excel rows 4 to 20
LAOS = load_registry().laos_in(PROVINCE)
ROWS = valid_rows(PROVINCE)
WHERE = layout()
COLS = WHERE.columns
MUEANG = {i: {"district": "อ.เมืองลำพุน"} for i in range(17)}  # misspelled in all 17 rows
BROKEN: dict[str, dict[str, object]] = {
    "cells wrong in many ways": {
        "overrides": {
            0: {"district": "เมืองลำพุน", "lao_full_name": "อบต.ไม่มีจริง", "dla_code": "12", "lao_type": "อบต."},
            1: {"district": None, "lao_full_name": None, "issue_1": "ผาน", "overall": "?"},
            2: {"lao_full_name": "อบจ.ลำพูน", "dla_code": LAOS[0].dla_code},
            3: {"district": "ลี้", "lao_type": "เทศบาลนคร"},
        }
    },
    "a duplicate row and a row of another province": {
        "rows": [*({} for _ in ROWS), ROWS[5], valid_rows("ลำปาง")[0]],
    },
    "broken rows on several sheets under another province's title": {
        "sheets_by_district": True,
        "title_province": "ลำปาง",
        "overrides": {0: {"issue_9": "x"}, 20: {"lao_full_name": ROWS[0]["lao_full_name"]}},
    },
    "a merged district cell misspelled": {"merge_districts": True, "overrides": MUEANG},
    "a trailer and broken rows": {
        "overrides": {5: {"executive_name": None}},
        "trailer_rows": [{"district": "รวม 58 แห่ง"}, {"executive_name": "ลงชื่อ ....... ผู้รายงาน"}],
    },
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_no_cell_is_reported_twice_for_one_cause(name: str) -> None:
    report = check_report(make_report(PROVINCE, **BROKEN[name]))  # type: ignore[arg-type]
    places = Counter((f.code, f.sheet, f.row, f.column) for f in report.findings)
    assert located(report)  # and every finding renders its Thai message
    assert [place for place, count in places.items() if count > 1] == []


def test_a_misspelled_district_merged_over_its_rows_is_one_finding_at_the_merged_cell() -> None:
    report = check_report(make_report(PROVINCE, merge_districts=True, overrides=MUEANG))
    district = [(f.code, f.row, f.column, f.value) for f in report.findings if f.column == COLS["district"]]
    assert district == [("district_unknown", 4, COLS["district"], "อ.เมืองลำพุน")]


# (name, the field of the cell, what is written in it (value, openpyxl type), the one finding)
UNREADABLE: list[tuple[str, str, tuple[object, str], str]] = [
    ("an error value in a choice column", "issue_3", ("#N/A", "e"), "cell_error_value"),
    ("an error value in a name column", "executive_name", ("#REF!", "e"), "cell_error_value"),
    ("an unsaved formula in a choice column", "issue_3", ("=A1", "f"), "formula_no_cached_value"),
    ("an unsaved formula in a required column", "executive_name", ("=A1", "f"), "formula_no_cached_value"),
]


@pytest.mark.parametrize(
    ("field", "written", "code"), [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE]
)
def test_an_unreadable_cell_is_reported_once_as_unreadable(
    field: str, written: tuple[object, str], code: str
) -> None:
    ref = f"{COLS[field]}{WHERE.row_of(2)}"
    report = check_report(set_cells(make_report(PROVINCE), {ref: written}))
    assert [(f.code, f.row, f.column) for f in report.findings] == [(code, WHERE.row_of(2), COLS[field])]
    assert [r.dla_code for r in report.records] == [lao.dla_code for lao in LAOS]


def test_a_merged_range_claiming_the_rest_of_the_sheet_costs_only_the_rows_there_are() -> None:
    def merge_to_the_end(sheet: bytes) -> bytes:  # A62:XFD1048576, under the last data row
        return re.sub(
            rb'<mergeCells count="(\d+)">',
            lambda m: b'<mergeCells count="%d"><mergeCell ref="A62:XFD1048576"/>' % (int(m[1]) + 1),
            sheet,
        )

    started = time.perf_counter()
    report = check_report(h.patch_zip(make_report(PROVINCE), {h.SHEET1: merge_to_the_end}))
    assert (report.status, len(report.records), report.findings) == ("accepted", 58, ())
    assert time.perf_counter() - started < 5  # filling 17 billion cells would never end
