"""Bytes to sheets of raw cells with their Excel positions; file sniffing and size guards."""

from __future__ import annotations

from parsers.errors import ParseError
from parsers.excel import parse_workbook
from parsers.types import CellRange, CellValue, Sheet, Workbook, column_letter

__all__ = [
    "CellRange",
    "CellValue",
    "ParseError",
    "Sheet",
    "Workbook",
    "column_letter",
    "parse_workbook",
]
