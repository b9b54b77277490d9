"""Find the sheets and the header rows that match the form, wherever they are in the first rows.

A header may be one row, or two rows under merged group cells (the column's text is then the
lower cell, else the upper one, else both joined). Its texts may carry line breaks, repeated
spaces, NBSP or zero-width characters. A sheet's best candidate has the most form columns; ties go
to the higher row and the single-row reading.

A workbook may hold the form on several sheets (a sheet per อำเภอ is common). `find_headers` gives
every sheet that holds it: its header names the LAO column and at least half as many form columns
as the best sheet's (a summary or pivot sheet names few); hidden sheets count only when no visible
sheet holds the form. When no sheet's header names the LAO column, the single best header is judged
(its missing columns are the findings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.types import Sheet, Workbook
from validators.form import Form

MIN_COLUMNS = 3  # fewer matching headers than this is not a header
MAX_HEADER_CHARS = 200
LOOK_BELOW = 2  # rows read below the first header-like row, for two-row headers and better matches


@dataclass(frozen=True, slots=True)
class Header:
    """Where a sheet's header is and which Excel column holds each form field."""

    sheet: Sheet
    first_row: int
    last_row: int
    columns: dict[str, int] = field(default_factory=dict)  # field key → Excel column number
    texts: dict[str, str] = field(default_factory=dict)  # field key → header text as written

    @property
    def score(self) -> int:
        return len(self.columns)


NAME_KEY = "lao_full_name"  # a sheet holds the form only when its header names this column


def find_headers(workbook: Workbook, form: Form) -> list[Header]:
    """The header of every sheet that holds the form, in workbook order (see the module docstring);
    else the single best header of any sheet (the most form columns, then a visible sheet, then the
    earlier sheet), or [] when no sheet has a header."""
    found = [h for h in _best_per_sheet(workbook, form) if h is not None]
    if not found:
        return []
    floor = max(MIN_COLUMNS, (max(h.score for h in found) + 1) // 2)
    forms = [h for h in found if NAME_KEY in h.columns and h.score >= floor]
    visible = [h for h in forms if not h.sheet.hidden]
    if forms:
        return visible or forms
    return [max(found, key=lambda h: (h.score, int(not h.sheet.hidden)))]


def _best_per_sheet(workbook: Workbook, form: Form) -> list[Header | None]:
    """Each sheet's best header (most form columns, then the higher row), None where it has none."""
    memo: dict[str, str | None] = {}
    best: list[Header | None] = []
    for sheet in workbook.sheets:
        candidates = _candidates(sheet, form, memo)
        best.append(max(candidates, key=lambda h: (h.score, -h.first_row), default=None))
    return best


def _candidates(sheet: Sheet, form: Form, memo: dict[str, str | None]) -> list[Header]:
    """Header readings of a sheet: each single row, and each pair that beats both its rows alone."""
    last = min(form.header_search_rows, sheet.last_row)
    single: dict[int, Header | None] = {}
    found: list[Header] = []
    first_hit: int | None = None
    for row in range(sheet.first_row, last + 2):
        if first_hit is not None and row > first_hit + LOOK_BELOW:
            break  # data rows follow a header: no need to read them as headers
        single[row] = _read_header(sheet, row, 1, form, memo) if row <= last + 1 else None
        pair = row - 1
        if pair in single and pair <= last:
            both = _read_header(sheet, pair, 2, form, memo)
            alone = max(_score(single[pair]), _score(single[row]))
            if both is not None and both.score >= MIN_COLUMNS and both.score > alone:
                found.append(both)
        header = single[row]
        if row <= last and header is not None and header.score >= MIN_COLUMNS:
            found.append(header)
            first_hit = row if first_hit is None else first_hit
    return found


def _score(header: Header | None) -> int:
    return header.score if header is not None else 0


def _match(text: object, form: Form, memo: dict[str, str | None]) -> str | None:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_HEADER_CHARS:
        return None
    if text not in memo:
        memo[text] = form.match_header(text)
    return memo[text]


def _read_header(sheet: Sheet, row: int, span: int, form: Form, memo: dict[str, str | None]) -> Header | None:
    upper = sheet.row_values(row)
    if not any(isinstance(v, str) for v in upper):
        return None
    lower = sheet.row_values(row + 1) if span == 2 else ()
    columns: dict[str, int] = {}
    texts: dict[str, str] = {}
    for col in range(1, max(len(upper), len(lower)) + 1):
        top = upper[col - 1] if col <= len(upper) else None
        bottom = lower[col - 1] if col <= len(lower) else None
        candidates = [bottom, top] if span == 2 else [top]
        if span == 2 and isinstance(top, str) and isinstance(bottom, str):
            candidates.append(f"{top} {bottom}")
        for text in candidates:
            found = _match(text, form, memo)
            if found is not None and found not in columns:
                columns[found] = col
                texts[found] = str(text)
                break
    if not columns:
        return None
    return Header(sheet, row, row + span - 1, columns, texts)
