"""Cells a reader cannot vouch for: formulas without a saved result, and error values."""

from __future__ import annotations

from tests.helpers.builders import check_report, layout, located, make_report, set_cells


def test_formula_without_saved_result_asks_to_open_and_save() -> None:
    where = layout()
    cell = f"{where.columns['issue_2']}{where.row_of(3)}"
    # openpyxl, like many exporters, writes formulas without their results.
    report = check_report(set_cells(make_report("ตาก"), {cell: ('=IF(1=1,"ผ่าน","ไม่ผ่าน")', "f")}))
    assert ("formula_no_cached_value", where.row_of(3), where.columns["issue_2"], None) in located(report)
    assert report.status == "rejected"


def test_error_value_is_reported_with_what_the_sheet_shows() -> None:
    where = layout()
    cell = f"{where.columns['executive_position']}{where.row_of(0)}"
    report = check_report(set_cells(make_report("ตาก"), {cell: ("#REF!", "e")}))
    [finding] = [f for f in report.findings if f.code == "cell_error_value"]
    assert (finding.row, finding.column, finding.value) == (
        where.row_of(0),
        where.columns["executive_position"],
        "#REF!",
    )
