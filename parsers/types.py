"""The parsed shape of a workbook: sheets of raw cells addressed the way Excel shows them.

What a cell value can be, as python-calamine 0.9.1 hands it over and `parsers.excel` passes it on:

- empty cells, and cells only styled, are None (never "");
- whole numbers are int (calamine gives 5.0), other numbers float, raw: Excel's float noise such
  as 0.30000000000000004 is kept as stored; rounding is the validators' decision;
- numbers stored as text stay str ("00123", "๑๒๓", "1,234");
- dates are `date`, date-times `datetime`, times `time`, durations `timedelta`, booleans bool;
- error values are the str Excel shows ("#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?",
  "#NUM!", "#NULL!"), taken from the file itself (calamine would give ""); their positions are
  in `Sheet.error_cells`, so a typed text "#REF!" can be told apart (xlsx/xlsm and xls; an ods
  error reads as whatever text LibreOffice stored for it);
- a formula with a cached value is that value; a formula without one (files written by
  openpyxl and other generators that do not calculate) reads as None and its position is in
  `Sheet.uncached_formulas` (xlsx/xlsm only) so the reply can ask to open and save the file in
  Excel or LibreOffice. A formula whose cached result is the empty text "" is not uncached;
- text longer than Excel's 32,767 characters is kept whole (calamine does not cut it; openpyxl
  does, when writing); control characters come through as characters, whether stored raw or
  as Excel's `_x0001_` escapes (calamine decodes those) — the validators decide what to refuse.
"""

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
    uncached_formulas: tuple[tuple[int, int], ...] = ()  # (row, col) of formulas with no cached value
    error_cells: tuple[tuple[int, int], ...] = ()  # (row, col) of cells holding an error value

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
    kind: str  # "xlsx", "xlsm" (macros are never run, only the data is read), "xls", "ods"
    sheets: tuple[Sheet, ...]
