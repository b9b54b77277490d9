"""The inlined common row of `RowChecker._records` reaches the verdict `RowChecker.check` reaches.

Each report is validated twice: as the bot does, and with every row sent through `check`. The
findings (in order) and the records must be equal, for clean reports and for every kind of row the
inlined path must hand over: names repeated in two districts, wrong district, type and code cells
that disagree, a duplicate LAO, a province column, empty and whitespace cells.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from parsers.types import CellValue
from tests.helpers.builders import check_report, make_report
from validators import load_registry
from validators.findings import LaoRecord
from validators.rows import RowChecker
from validators.table import Row

ALL_COLUMNS = [
    "seq", "district", "lao_type", "lao_full_name", "dla_code", "executive_name", "executive_position",
    *(f"issue_{n}" for n in range(1, 10)), "overall", "remarks", "province",
]  # fmt: skip

CASES: dict[str, Callable[[], bytes]] = {
    "clean, names repeated in two districts": lambda: make_report("กาญจนบุรี"),
    "clean, largest province": lambda: make_report("นครราชสีมา"),
    "clean, with the province column": lambda: make_report("ระนอง", columns=ALL_COLUMNS),
    "planted errors": lambda: make_report(
        "กาญจนบุรี",
        overrides={
            "6710203": {"district": "ท่ามะกา"},  # ท่าเสา of ไทรโยค said to be in ท่ามะกา (which has one too)
            "6710518": {"lao_type": "เทศบาลตำบล"},
            2: {"dla_code": "1234567"},
            3: {"lao_full_name": "อบต.ท่าเสา"},
            4: {"district": "เมืองกาญจนบุรี "},
            5: {"executive_name": "  ", "remarks": "ไม่มี"},
            6: {"lao_type": "อบต."},
            7: {"dla_code": "0" + "6710203"},
            8: {"district": None},
        },
    ),
    "a whole row twice": lambda: make_report("ระนอง", overrides={3: _same_as(0)}),
    "a unique name under another district": lambda: make_report(
        "ระนอง", overrides={4: {"district": "กะเปอร์"}}
    ),
    "a duplicate row and a wrong province cell": lambda: make_report(
        "ระนอง",
        columns=ALL_COLUMNS,
        rows=[{}, {}, {"province": "ชุมพร"}, {"province": " "}],
        overrides={1: {"lao_full_name": "องค์การบริหารส่วนจังหวัดระนอง", "district": "เมืองระนอง"}},
    ),
}


def _same_as(index: int) -> dict[str, CellValue]:
    """The cells naming the province's `index`-th LAO exactly as a clean report writes them."""
    lao = load_registry().laos_in("ระนอง")[index]
    return {
        "district": lao.district_th, "lao_type": lao.type_word, "lao_full_name": lao.full_name_th,
        "dla_code": lao.dla_code,
    }  # fmt: skip


def _every_row_through_check(
    self: RowChecker,
    rows: list[Row],
    columns: dict[str, tuple[CellValue, ...]],
    issues: list[tuple[str, ...]],
    overall: list[str],
) -> list[LaoRecord]:
    records = []
    for i, row in enumerate(rows):
        record = self.check(row, issues[i] if issues else (), overall[i])
        if record is not None:
            records.append(record)
    return records


@pytest.mark.parametrize("name", sorted(CASES))
def test_inlined_rows_reach_the_verdict_of_check(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = CASES[name]()
    fast = check_report(payload)
    monkeypatch.setattr(RowChecker, "_records", _every_row_through_check)
    slow = check_report(payload)
    assert fast.findings == slow.findings
    assert fast.records == slow.records
    assert fast.records  # the comparison is about rows that were filed
    if name.startswith("clean"):
        assert fast.status == "accepted" and len(fast.records) == fast.expected
    else:
        assert fast.errors


def test_records_are_built_in_the_order_of_their_fields() -> None:
    """RowChecker._record builds a LaoRecord positionally (a third of the time keywords take)."""
    assert [f.name for f in dataclasses.fields(LaoRecord)] == [
        "sheet", "row", "province", "district", "dla_code", "lao_full_name", "lao_type", "executive_name",
        "executive_position", "issues", "overall", "remarks",
    ]  # fmt: skip
    lao = load_registry().laos_in("ระนอง")[2]
    record = check_report(make_report("ระนอง", overrides={2: {"remarks": " ยุบรวม "}})).records[2]
    assert (record.sheet, record.row, record.province, record.district) == (
        "แบบสรุปผล", 6, "ระนอง", lao.district_th,
    )  # fmt: skip
    named = (record.dla_code, record.lao_full_name, record.lao_type)
    assert named == (lao.dla_code, lao.full_name_th, lao.type_th)
    assert (len(record.issues), record.remarks) == (9, "ยุบรวม")
