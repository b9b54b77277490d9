"""Internal errors of the storage layer (English, with identifiers)."""

from __future__ import annotations

from parsers.errors import LocalreportError


class StorageError(LocalreportError):
    """Base of every error the storage layer raises on purpose."""


class ArchiveError(StorageError):
    """A raw mail could not be written to, or read back from, the archive."""


class LedgerError(StorageError):
    """The SQLite ledger refused an operation or holds an inconsistent state."""


class MasterError(StorageError):
    """The master workbook could not be written or put in place."""
