"""The blank form for one province: titles, header, one pre-filled row per LAO, dropdowns, frozen header."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from storage.template import TemplateError, write_template
from tests.helpers.builders import check_report
from validators.form import load_form
from validators.registry import load_registry

REGISTRY = load_registry()
FORM = load_form()
PROVINCE = "กาญจนบุรี"


def test_template_has_titles_header_and_one_row_per_lao() -> None:
    ws = load_workbook(io.BytesIO(write_template(PROVINCE, REGISTRY, FORM))).active
    assert ws is not None
    assert ws["A1"].value == "แบบสรุปผลการประเมินผู้บริหารองค์การ (ผู้บริหารท้องถิ่น) ประจำปีงบประมาณ พ.ศ. 2563"
    assert ws["A2"].value == "จังหวัดกาญจนบุรี"
    headers = [c.value for c in ws[3]]
    assert headers[:5] == ["ลำดับ", "อำเภอ", "ประเภท อปท.", FORM.columns[3].header, "รหัส อปท."]
    laos = REGISTRY.laos_in(PROVINCE)
    assert ws.max_row == 3 + len(laos)
    assert [c.value for c in ws[22]][:5] == [
        19,
        "ไทรโยค",
        "องค์การบริหารส่วนตำบล",
        "องค์การบริหารส่วนตำบลท่าเสา",
        "6710203",
    ]
    assert ws.freeze_panes == "A4"


def test_template_has_dropdowns_on_type_issue_and_overall_columns() -> None:
    ws = load_workbook(io.BytesIO(write_template(PROVINCE, REGISTRY, FORM))).active
    assert ws is not None
    ranges = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    last = 3 + len(REGISTRY.laos_in(PROVINCE))
    assert ranges[f"C4:C{last}"].startswith('"องค์การบริหารส่วนจังหวัด,')
    for letter in "HIJKLMNOPQ":  # issue_1 … issue_9, overall
        assert ranges[f"{letter}4:{letter}{last}"] == '"ผ่าน,ไม่ผ่าน"'


def test_blank_template_is_recognised_and_only_asks_for_the_unfilled_cells() -> None:
    report = check_report(write_template(PROVINCE, REGISTRY, FORM))
    assert report.province == PROVINCE
    assert {f.code for f in report.findings} == {"required_cell_empty"}
    assert {f.column for f in report.findings} == set("FGHIJKLMNOP")
    assert len(report.records) == report.expected


def test_template_of_an_unknown_province_is_refused() -> None:
    with pytest.raises(TemplateError):
        write_template("กรุงเทพมหานคร", REGISTRY, FORM)
