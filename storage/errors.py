"""Internal errors of the storage layer (English, with identifiers)."""

from __future__ import annotations

from pathlib import Path

from parsers.errors import LocalreportError


class StorageError(LocalreportError):
    """Base of every error the storage layer raises on purpose."""


class ArchiveError(StorageError):
    """A raw mail could not be written to, or read back from, the archive."""


class LedgerError(StorageError):
    """The SQLite ledger refused an operation or holds an inconsistent state."""


class MasterError(StorageError):
    """The master workbook could not be written or put in place."""


class InstanceLockedError(StorageError):
    """Another localreport process holds the lock of this storage dir (storage/instance_lock.py)."""

    def __init__(self, dir: Path, pid: int | None, command: str) -> None:
        holder = f"localreport pid {pid} ({command or 'unknown command'})" if pid else "another localreport"
        super().__init__(f"storage dir {dir} is in use by {holder}; stop it first or wait for it to finish")
        self.dir, self.pid, self.command = dir, pid, command
