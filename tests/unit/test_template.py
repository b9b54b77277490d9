"""The blank form for one province: titles, header, one pre-filled row per LAO, dropdowns, frozen header,
headings from the form definition, and a print setup that fits A4 landscape (see also
tests/integration/test_print_forms.py, which prints it with LibreOffice)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from storage.template import (
    HEADER_ROW,
    TemplateError,
    line_count,
    template_columns,
    text_width_pt,
    write_template,
)
from tests.helpers.builders import check_report, make_report
from validators.form import load_form
from validators.normalize import header_key
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


# --- headings, from the form definition -------------------------------------------------------------

ISSUE_HEADINGS = {  # DLA letter มท 0810.7/ว names issues 1, 3 (as "ITA") and 9; the others only by number
    "issue_1": "ประเด็นที่ 1\nการลดพลังงาน",
    "issue_3": "ประเด็นที่ 3\nITA",
    "issue_9": "ประเด็นที่ 9\nการบูรณาการความร่วมมือระหว่างหน่วยงาน",
    **{f"issue_{n}": f"ประเด็นที่ {n}" for n in (2, 4, 5, 6, 7, 8)},
}


def header_cells(payload: bytes) -> dict[str, str]:
    ws = load_workbook(io.BytesIO(payload)).active
    assert ws is not None
    keys = [c.key for c in template_columns(FORM)]
    return {key: str(cell.value) for key, cell in zip(keys, ws[HEADER_ROW], strict=True)}


def test_issue_headings_name_only_what_the_letter_names_with_the_number_on_its_own_line() -> None:
    headers = header_cells(write_template(PROVINCE, REGISTRY, FORM))

    assert {k: v for k, v in headers.items() if k.startswith("issue_")} == ISSUE_HEADINGS
    assert not any("ภาวะผู้นำ" in text or "กำกับดูแล" in text for text in headers.values())
    for key, text in headers.items():  # each printed heading is the form's header, line breaks aside
        assert header_key(text) == header_key(next(c.header for c in FORM.columns if c.key == key))


def test_title_and_headings_are_the_form_definitions_not_the_template_code() -> None:
    columns = tuple(
        c.model_copy(update={"header": "ประเด็นที่ 4 การทดสอบ"}) if c.key == "issue_4" else c
        for c in FORM.columns
    )
    form = FORM.model_copy(update={"title": "แบบทดสอบ ปีงบประมาณ พ.ศ. 2564", "columns": columns})

    payload = write_template(PROVINCE, REGISTRY, form)

    ws = load_workbook(io.BytesIO(payload)).active
    assert ws is not None and ws["A1"].value == "แบบทดสอบ ปีงบประมาณ พ.ศ. 2564"
    assert header_cells(payload)["issue_4"] == "ประเด็นที่ 4\nการทดสอบ"


@pytest.mark.parametrize(
    ("key", "old"),
    [
        ("issue_3", "ประเด็นที่ 3 การกำกับดูแลคุณธรรมและความโปร่งใสขององค์การ"),
        ("issue_4", "ประเด็นที่ 4 ภาวะผู้นำ"),
    ],
)
def test_reports_on_the_earlier_blank_forms_headings_are_still_read(key: str, old: str) -> None:
    report = check_report(make_report(PROVINCE, headers={key: old}))

    assert FORM.match_header(old) == key
    assert report.status == "accepted", [f.code for f in report.findings]
    assert len(report.records) == report.expected


# --- print setup ------------------------------------------------------------------------------------

LINE_PT = 1.35 * 1.25 * 14  # one line of 14 pt Thai: 1.35 times the Latin line height


def sheet(province: str = PROVINCE) -> Worksheet:
    ws = load_workbook(io.BytesIO(write_template(province, REGISTRY, FORM))).active
    assert isinstance(ws, Worksheet)
    return ws


def test_the_blank_form_prints_on_a4_landscape_one_page_wide_with_the_header_on_every_page() -> None:
    ws = sheet()

    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize or 0)) == ("landscape", 9)  # 9: A4
    assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # 0: as many pages long as needed
    assert ws.print_title_rows == "$1:$3"  # both title rows and the header
    margins = ws.page_margins
    assert 0.25 <= margins.left == margins.right <= 0.75 and 0.25 <= margins.top <= margins.bottom <= 1
    assert ws.HeaderFooter.oddFooter is not None
    assert ws.HeaderFooter.oddFooter.center.text == "หน้า &P / &N"
    assert ws.print_options.horizontalCentered


def test_rows_are_tall_enough_for_thai_marks_above_and_below_the_line() -> None:
    ws = sheet()
    default = ws.sheet_format.defaultRowHeight

    assert default >= LINE_PT and ws.sheet_format.customHeight
    assert all((ws.row_dimensions[r].height or 0) >= 16 * 1.35 * 1.25 for r in (1, 2))
    # ประเด็นที่ 9 on its line, then its name: 32 letters of bold 14 pt Sarabun (255 pt, measured)
    # in a column 20 characters (about 106 pt) wide take at least three lines
    assert (ws.row_dimensions[HEADER_ROW].height or 0) >= 4 * LINE_PT


def test_a_name_wider_than_its_column_gets_a_row_of_two_lines() -> None:
    ws = sheet("นครศรีธรรมราช")
    rows = {str(ws.cell(row=r, column=4).value): r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    long_row = rows["องค์การบริหารส่วนตำบลปากพนังฝั่งตะวันออก"]  # 257 pt in a column of about 220
    short_row = rows["เทศบาลเมืองทุ่งสง"]

    assert (ws.row_dimensions[long_row].height or 0) >= 2 * LINE_PT
    assert ws.row_dimensions[short_row].height is None  # the sheet's default: one line
    assert ws.cell(row=long_row, column=4).alignment.wrap_text


@pytest.mark.parametrize(
    ("text", "measured_pt", "bold"),
    [  # widths measured from Laksaman, the metric twin of TH SarabunPSK, at 14 pt
        ("องค์การบริหารส่วนจังหวัด", 144.4, False),
        ("องค์การบริหารส่วนตำบลปากพนังฝั่งตะวันออก", 256.6, False),
        ("เมืองนครศรีธรรมราช", 116.3, False),
        ("ประเด็นที่ 9", 67.4, True),
        ("การบูรณาการความร่วมมือระหว่างหน่วยงาน", 255.3, True),
        ("ผลการประเมินภาพรวม", 134.9, True),
        ("นายกองค์การบริหารส่วนตำบล", 169.7, False),
        ("แบบสรุปผลการประเมินผู้บริหารองค์การ (ผู้บริหารท้องถิ่น) ประจำปีงบประมาณ พ.ศ. 2563", 522.8, True),
    ],
)
def test_the_text_width_estimate_is_never_short_and_not_much_wide(
    text: str, measured_pt: float, bold: bool
) -> None:
    estimate = text_width_pt(text, 14, bold)

    assert measured_pt <= estimate <= measured_pt * 1.08


def test_line_count_wraps_only_what_does_not_fit() -> None:
    assert line_count("ไม่ผ่าน", 14) == 1
    assert line_count("ประเด็นที่ 9\nการบูรณาการความร่วมมือระหว่างหน่วยงาน", 20, bold=True) >= 4
    assert line_count("", 10) == 1
