"""The data rows under a header: one dict of raw cells per non-blank Excel row.

A cell inside a merged range of the data area (a district merged down several rows) counts as the
range's top-left value for every row it covers. A row is blank when every cell but ลำดับ, หมายเหตุ
and จังหวัด is empty (whitespace only counts as empty); blank rows and trailing formatted-but-empty
rows are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.types import CellValue
from validators.header import Header

IGNORED_FOR_BLANK = frozenset({"seq", "remarks", "province"})


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its Excel row number and the raw cell of each form field found in the header."""

    number: int
    values: dict[str, CellValue]


def _merged_fill(header: Header) -> dict[tuple[int, int], CellValue]:
    """(row, col) → value for each covered, non-top-left cell of merged ranges below the header."""
    sheet = header.sheet
    fill: dict[tuple[int, int], CellValue] = {}
    for rng in sheet.merged:
        if rng.min_row <= header.last_row:
            continue
        value = sheet.cell(rng.min_row, rng.min_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    fill[(r, c)] = value
    return fill


def _is_empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(header: Header) -> list[Row]:
    """The non-blank rows below the header, in sheet order."""
    sheet = header.sheet
    keys = list(header.columns)
    index = [header.columns[k] - sheet.first_col for k in keys]
    content = [i for k, i in zip(keys, index, strict=True) if k not in IGNORED_FOR_BLANK]
    width = max(index) + 1
    fill = _merged_fill(header)
    fill_cols = {c for _r, c in fill}
    rows: list[Row] = []
    start = max(header.last_row + 1, sheet.first_row)
    for number, held in enumerate(sheet.rows[start - sheet.first_row :], start=start):
        cells = held if len(held) >= width else held + (None,) * (width - len(held))
        if not any(cells[i] is not None for i in content) or all(_is_empty(cells[i]) for i in content):
            continue
        values = dict(zip(keys, [cells[i] for i in index], strict=True))
        if fill_cols:
            for k, c in header.columns.items():
                if values[k] is None and (number, c) in fill:
                    values[k] = fill[(number, c)]
        rows.append(Row(number, values))
    return rows
