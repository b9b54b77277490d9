"""Bytes to sheets of raw cells with their Excel positions; file sniffing and size guards."""

from __future__ import annotations

from parsers.container import unpack_container
from parsers.errors import (
    EncryptedFile,
    LimitExceeded,
    NestedArchive,
    NotExcel,
    ParseError,
    UnreadableFile,
    UnsafeFile,
)
from parsers.excel import parse_workbook
from parsers.limits import DEFAULT_LIMITS, Limits
from parsers.sniff import sniff
from parsers.types import CellRange, CellValue, Sheet, Workbook, column_letter

__all__ = [
    "DEFAULT_LIMITS",
    "CellRange",
    "CellValue",
    "EncryptedFile",
    "LimitExceeded",
    "Limits",
    "NestedArchive",
    "NotExcel",
    "ParseError",
    "Sheet",
    "UnreadableFile",
    "UnsafeFile",
    "Workbook",
    "column_letter",
    "parse_workbook",
    "sniff",
    "unpack_container",
]
