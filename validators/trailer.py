"""Rows under (or inside) the table that are not LAO rows: totals, signature blocks, notes.

A row is a trailer only when nothing in its อำเภอ and LAO-name cells is registry-shaped (a district
of some province, a LAO's full or bare name, a name written with a type word such as อบต.…), it
holds no value of a choice column (ผ่าน / ไม่ผ่าน, a type word), and one of its texts has a trailer
shape: a total (รวม or รวมทั้งสิ้น alone, รวม… with a number), a signature line (ลงชื่อ …,
… ผู้รายงาน, a name in parentheses, ตำแหน่ง …, โทร. …), a note (หมายเหตุ …, ข้อมูล ณ …, *), or a
dotted line. A row right after a trailer is one too when neither its อำเภอ and name cells nor its
choice cells say otherwise (a date or a position line under a signature). Trailers are never
findings and never records; a real LAO row with a missing name keeps its district or its results,
so it stays a row. The table ends at the first trailer under its last registry-shaped row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.types import CellValue
from validators.form import Form
from validators.names import readings
from validators.normalize import key
from validators.registry import Registry
from validators.table import Columns, Row, columns_of

TOTAL = re.compile(r"รวม(?:ทั้งสิ้น|ทั้งหมด)?$")  # the whole cell (its number may be an uncached formula)
TOTAL_WORD = re.compile(r"รวม")  # a total when the row also holds a number: รวม 58 แห่ง, รวมอำเภอ… 12
SHAPES = re.compile(
    r"\(?ลงชื่อ|ลงนาม|.*ผู้(?:รายงาน|ตรวจสอบ|รับรอง|จัดทำ|บันทึก|ให้ข้อมูล|ประสานงาน)"
    r"|\(.+\)$|ตำแหน่ง|โทร|หมายเหตุ|ข้อมูลณ|ณวันที่|ที่มา|\*|[.…_\-]+$"
)
DIGIT = re.compile(r"[0-9๐-๙]")
MAX_TEXT = 300  # a longer cell is no signature line


@dataclass(frozen=True, slots=True)
class Split:
    """The rows of a table, and where what is not a LAO row lies."""

    rows: list[Row]
    columns: Columns  # the rows' cells by field
    dropped: frozenset[int] = frozenset()  # Excel rows found to be trailers
    tail: int | None = None  # the first trailer row below the last LAO row: the table ends above it


def split_trailers(rows: list[Row], registry: Registry, form: Form) -> Split:
    """`rows` without their trailers. Rows whose name cell is a registry full name cost one dict
    look-up each; only the others are read closely."""
    columns = columns_of(rows)
    known = registry.full_names().__contains__
    names = columns.get("lao_full_name")
    if names is not None and all(map(known, names)):
        return Split(rows, columns)  # every row names a LAO as the registry spells it: no trailer
    hits = list(map(known, names)) if names is not None else [False] * len(rows)
    shaped = [hit or _registry_shaped(row, registry) for hit, row in zip(hits, rows, strict=True)]
    last = max((i for i, s in enumerate(shaped) if s), default=-1)
    choices = frozenset(value for column in form.columns for value in column.choices)
    kept: list[Row] = []
    dropped: set[int] = set()
    tail: int | None = None
    run = False  # the previous row was a trailer
    for i, row in enumerate(rows):
        texts = None if shaped[i] else _texts(row)
        if texts is None or _holds_choice(row, texts, choices) or not (run or _trailer_text(row, texts)):
            kept.append(row)
            run = False
            continue
        dropped.add(row.number)
        run = True
        if i > last and tail is None:
            tail = row.number
    if not dropped:
        return Split(rows, columns)
    return Split(kept, columns_of(kept), frozenset(dropped), tail)


def _registry_shaped(row: Row, registry: Registry) -> bool:
    """Whether the row's อำเภอ or LAO-name cell reads as something the registry knows."""
    values = row.values
    district = values.get("district")
    if isinstance(district, str) and district.strip() and registry.is_district(district):
        return True
    name = values.get("lao_full_name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_TEXT:
        return False
    if registry.anywhere_by_full_name(name):
        return True
    for reading in readings(key(name)):
        if reading.bare and (reading.lao_type is not None or registry.anywhere_by_bare_name(reading.bare)):
            return True
    return False


def _texts(row: Row) -> list[str]:
    """The keys of the row's texts (a text too long for a trailer line left out)."""
    return [key(v) for v in row.cells if isinstance(v, str) and v.strip() and len(v) <= MAX_TEXT]


def _holds_choice(row: Row, texts: list[str], choices: frozenset[str]) -> bool:
    """Whether a cell of the row holds a value of a choice column (ผ่าน, a type word): a LAO row's."""
    return any(v in choices for v in row.cells if isinstance(v, str)) or any(t in choices for t in texts)


def _trailer_text(row: Row, texts: list[str]) -> bool:
    """Whether one of the row's texts is a total, a signature line or a note."""
    number = any(_is_number(v) for v in row.cells) or any(DIGIT.search(t) for t in texts)
    return any(
        SHAPES.match(t) or TOTAL.match(t) or (number and TOTAL_WORD.match(t) is not None) for t in texts
    )


def _is_number(value: CellValue) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
