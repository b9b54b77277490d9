"""The parsed shape of a workbook: sheets of raw cells addressed the way Excel shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CellValue = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


def column_letter(col: int) -> str:
    """Excel's column letters for a 1-based column number: 1 → A, 27 → AA."""
    if col < 1:
        raise ValueError(f"column numbers start at 1, got {col}")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, slots=True)
class CellRange:
    """An inclusive, 1-based rectangle of cells, as in Excel's A1:C2."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def __contains__(self, pos: object) -> bool:
        if not isinstance(pos, tuple) or len(pos) != 2:
            return False
        row, col = pos
        return bool(self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col)


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet's cells. `rows[0][0]` is the cell at Excel (`first_row`, `first_col`).

    Rows may be ragged; a missing or empty cell reads as None (never "").
    """

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    first_row: int = 1
    first_col: int = 1
    hidden: bool = False
    merged: tuple[CellRange, ...] = field(default=())

    @property
    def last_row(self) -> int:
        """Excel row number of the last row held (first_row - 1 when the sheet is empty)."""
        return self.first_row + len(self.rows) - 1

    def cell(self, row: int, col: int) -> CellValue:
        """The value at Excel row `row`, column `col` (both 1-based), or None."""
        r, c = row - self.first_row, col - self.first_col
        if r < 0 or c < 0 or r >= len(self.rows):
            return None
        values = self.rows[r]
        return values[c] if c < len(values) else None

    def row_values(self, row: int) -> tuple[CellValue, ...]:
        """The values of Excel row `row`, starting at column 1 (padded with None on the left)."""
        r = row - self.first_row
        if r < 0 or r >= len(self.rows):
            return ()
        return (None,) * (self.first_col - 1) + self.rows[r]


@dataclass(frozen=True, slots=True)
class Workbook:
    """Every sheet of one attachment, in workbook order, with the detected file kind."""

    filename: str
    kind: str  # "xlsx", "xlsm", "xls", "ods"
    sheets: tuple[Sheet, ...]
