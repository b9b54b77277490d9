"""The data rows under a header: one dict of raw cells per non-blank Excel row.

A cell inside a merged range of the data area (a district merged down several rows) counts as the
range's top-left value for every row it covers. A row is blank when every cell but ลำดับ, หมายเหตุ
and จังหวัด is empty (whitespace only counts as empty); blank rows and trailing formatted-but-empty
rows are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from parsers.types import CellValue
from validators.header import Header

IGNORED_FOR_BLANK = frozenset({"seq", "remarks", "province"})
Columns = dict[str, tuple[CellValue, ...]]  # field key → the cells of that column, one per row


class Row:
    """One data row: its Excel row number and the raw cell of each form field found in the header.

    `cells` holds the fields' cells in `keys` order (the header's); `values` is the same as a dict,
    built on first use: the checks read whole columns from `cells`, and only rows that need a
    closer look (or a finding) read `values`.
    """

    __slots__ = ("_values", "cells", "keys", "number")

    def __init__(self, number: int, cells: tuple[CellValue, ...], keys: tuple[str, ...]) -> None:
        self.number, self.cells, self.keys = number, cells, keys
        self._values: dict[str, CellValue] | None = None

    @property
    def values(self) -> dict[str, CellValue]:
        """Field key → raw cell."""
        if self._values is None:
            self._values = dict(zip(self.keys, self.cells, strict=True))
        return self._values

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.values!r})"


def _merged_fill(header: Header) -> dict[tuple[int, int], CellValue]:
    """(row, col) → value for each covered, non-top-left cell of merged ranges below the header, in the
    form's columns and the sheet's rows (a range may claim far more: only what is read is filled)."""
    sheet = header.sheet
    columns = sorted(header.columns.values())
    fill: dict[tuple[int, int], CellValue] = {}
    for rng in sheet.merged:
        if rng.min_row <= header.last_row:
            continue
        value = sheet.cell(rng.min_row, rng.min_col)
        cols = [c for c in columns if rng.min_col <= c <= rng.max_col]
        for r in range(rng.min_row, min(rng.max_row, sheet.last_row) + 1):
            for c in cols:
                if (r, c) != (rng.min_row, rng.min_col):
                    fill[(r, c)] = value
    return fill


def merged_origin(header: Header, row: int, col: int) -> int:
    """The Excel row of the top-left cell of the merged range below the header that covers (row, col),
    else `row`: where a finding about what such a cell holds belongs."""
    for rng in header.sheet.merged:
        if rng.min_row > header.last_row and (row, col) in rng:
            return rng.min_row
    return row


def is_empty(value: CellValue) -> bool:
    """None, or text of whitespace only."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(header: Header) -> list[Row]:
    """The non-blank rows below the header, in sheet order."""
    sheet = header.sheet
    keys = tuple(header.columns)
    columns = tuple(header.columns.values())
    index = [c - sheet.first_col for c in columns]
    content = [i for k, i in zip(keys, index, strict=True) if k not in IGNORED_FOR_BLANK]
    if not content:
        return []
    width = max(index) + 1
    pick = _picker(index)
    pick_content = _picker(content)
    fill = _merged_fill(header)
    fill_cols = {c for _r, c in fill}
    rows: list[Row] = []
    start = max(header.last_row + 1, sheet.first_row)
    blank_width = len(content)
    whole = index == list(range(width))  # the form's columns are the sheet's, in order: no picking
    for number, held in enumerate(sheet.rows[start - sheet.first_row :], start):
        cells = held if len(held) >= width else held + (None,) * (width - len(held))
        content_values = pick_content(cells)
        # the first is usually the district: non-empty, so the row is not blank
        if is_empty(content_values[0]) and (
            content_values.count(None) == blank_width or all(map(is_empty, content_values))
        ):
            continue
        picked = cells if whole and len(cells) == width else pick(cells)
        if fill_cols:
            picked = _filled(picked, number, fill, columns)
        rows.append(Row(number, picked, keys))
    return rows


def columns_of(rows: list[Row]) -> Columns:
    """The rows' cells by field (rows read under one header), transposed at C speed."""
    if not rows:
        return {}
    return dict(zip(rows[0].keys, zip(*(r.cells for r in rows), strict=True), strict=True))


def _filled(
    picked: tuple[CellValue, ...],
    number: int,
    fill: dict[tuple[int, int], CellValue],
    columns: tuple[int, ...],
) -> tuple[CellValue, ...]:
    """`picked` with each empty cell that a merged range above covers given the range's value."""
    return tuple(
        fill.get((number, c)) if value is None and (number, c) in fill else value
        for value, c in zip(picked, columns, strict=True)
    )


def _picker(index: list[int]) -> Callable[[tuple[CellValue, ...]], tuple[CellValue, ...]]:
    """A C-speed function taking the cells at `index` out of a row, always as a tuple."""
    if len(index) == 1:
        only = index[0]
        return lambda cells: (cells[only],)
    return itemgetter(*index)
