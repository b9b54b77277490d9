"""What is not a LAO row is never a finding nor a record: totals, signature blocks and notes under (or inside)
the table, blank spacer rows, hidden and inserted columns. A real LAO row missing a cell stays a row."""

from __future__ import annotations

import pytest

from parsers.types import CellValue
from tests.helpers.builders import RowDict, check_report, layout, make_report, valid_rows
from validators import load_form, load_registry

PROVINCE = "ลำพูน"  # 58 LAOs: data rows 4 to 61
CODES = [lao.dla_code for lao in load_registry().laos_in(PROVINCE)]
ROWS = valid_rows(PROVINCE)
BLANK: RowDict = dict.fromkeys(ROWS[0], None)
COLS = layout().columns
END = 61  # the last data row
KEYS = [c.key for c in load_form().columns if c.in_template]
Located = tuple[str, int | None, str | None]

SIGNATURE: list[RowDict] = [
    {},
    {"executive_name": "ลงชื่อ ........................................ ผู้รายงาน"},
    {"executive_name": "(นายสมชาย  ใจดี)"},
    {"executive_name": "ตำแหน่ง ท้องถิ่นจังหวัดลำพูน"},
    {"executive_name": "โทร. ๐ ๕๓๕๑ ๑๑๑๑"},
    {"executive_name": "วันที่ 5 มิถุนายน 2563"},
]


def under(*rows: RowDict) -> dict[str, object]:
    """make_report arguments writing `rows` under the data."""
    return {"trailer_rows": list(rows)}


NAME, DISTRICT = "lao_full_name", "district"
SUBTOTAL = {**BLANK, DISTRICT: "รวมอำเภอเมืองลำพูน 17 แห่ง"}
HIDDEN = {"columns": [*KEYS, "x"], "hidden_columns": ["dla_code", "x"]}  # x: a column the form lacks
PHONE = {"columns": [*KEYS[:2], "phone", *KEYS[2:]], "headers": {"phone": "เบอร์โทรศัพท์"}}

# (name, make_report arguments): each is read as the 58 LAOs and nothing else
NOT_ROWS: list[tuple[str, dict[str, object]]] = [
    ("a total written with its count", under({DISTRICT: "รวม", NAME: "58 แห่ง"})),
    ("a total in one cell", under({}, {DISTRICT: "รวมทั้งสิ้น 58 แห่ง"})),
    ("a total with a number cell", under({"seq": "รวม", DISTRICT: "รวม", "dla_code": 58})),
    ("a total whose count is a formula", under({DISTRICT: "รวม", NAME: "=COUNTA(D4:D61)"})),
    ("a signature block", under(*SIGNATURE)),
    ("a signature across columns", under({DISTRICT: "ลงชื่อ", NAME: "......", "executive_name": "ผู้ตรวจสอบ"})),
    ("a note", under({DISTRICT: "หมายเหตุ : ข้อมูล ณ วันที่ 1 มิ.ย. 2563"}, {DISTRICT: "* อปท. ที่ยุบรวมแล้ว"})),
    ("a total, a note and a signature", under({DISTRICT: "รวม 58 แห่ง"}, {"issue_1": "หมายเหตุ"}, *SIGNATURE)),
    ("a subtotal inside the table", {"rows": [*({} for _ in ROWS[:17]), SUBTOTAL, *ROWS[17:]]}),
    ("blank spacer rows between data rows", {"rows": [*({} for _ in ROWS[:30]), BLANK, BLANK, *ROWS[30:]]}),
    ("an inserted column the form does not know", {**PHONE, "rows": [{"phone": "0 5351 1111"}] * 58}),
    ("hidden columns", {**HIDDEN, "rows": [{"x": 1}] * 58}),
]  # fmt: skip


@pytest.mark.parametrize("kwargs", [c[1] for c in NOT_ROWS], ids=[c[0] for c in NOT_ROWS])
def test_what_is_not_a_lao_row_is_neither_a_finding_nor_a_record(kwargs: dict[str, object]) -> None:
    report = check_report(make_report(PROVINCE, **kwargs))  # type: ignore[arg-type]
    assert [(f.code, f.row, f.column) for f in report.findings] == []
    assert [r.dla_code for r in report.records] == CODES
    assert report.status == "accepted"


def at(*fields: str, row: int = END + 1) -> list[Located]:
    return [(code, row, COLS[field]) for code, field in (f.split(":") for f in fields)]


# (name, rows written under the 58 LAOs, findings but laos_missing, dla codes recorded beyond the 58)
STILL_ROWS: list[tuple[str, list[RowDict], list[Located], list[str]]] = [
    (
        "a LAO row without its name",
        [{**ROWS[0], NAME: None, "dla_code": None}],
        at("required_cell_empty:lao_full_name"), [],
    ),
    (
        "a LAO row without district and name, its results filled",
        [{**ROWS[0], DISTRICT: None, NAME: None, "dla_code": None}, *SIGNATURE],
        at("required_cell_empty:district", "required_cell_empty:lao_full_name"), [],
    ),
    (
        "a row saying รวม with results filled",
        [{**ROWS[0], DISTRICT: "รวม", NAME: None, "dla_code": None}],
        at("required_cell_empty:lao_full_name", "district_unknown:district"), [],
    ),
    (
        "a LAO row under the signature",
        [*SIGNATURE, {**ROWS[0], NAME: "อบจ.ลำพูน", "dla_code": None}],
        at("lao_name_abbreviated:lao_full_name", "lao_duplicate:lao_full_name", row=END + 7), [CODES[0]],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("trailer", "expected", "more"), [c[1:] for c in STILL_ROWS], ids=[c[0] for c in STILL_ROWS]
)
def test_a_lao_row_missing_cells_is_still_judged(
    trailer: list[RowDict], expected: list[Located], more: list[str]
) -> None:
    report = check_report(make_report(PROVINCE, trailer_rows=trailer))
    assert [(f.code, f.row, f.column) for f in report.findings if f.code != "laos_missing"] == expected
    assert [r.dla_code for r in report.records] == CODES + more


def test_a_formula_without_result_in_the_table_is_still_reported() -> None:
    fields: dict[str, CellValue] = {"executive_position": '=IF(1=1,"นายก","")'}
    total: RowDict = {DISTRICT: "รวม", "dla_code": "=58"}
    report = check_report(make_report(PROVINCE, overrides={3: fields}, trailer_rows=[total]))
    assert [(f.code, f.row, f.column) for f in report.findings] == [
        ("formula_no_cached_value", 7, COLS["executive_position"])
    ]
