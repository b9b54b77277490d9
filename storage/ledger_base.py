"""The connection every part of the ledger shares, and its one way to write: `transaction()`."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def iso(when: dt.datetime) -> str:
    """The ledger's one time format: ISO 8601 in UTC to the second (compared as text)."""
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


class LedgerConnection:
    """One SQLite connection in autocommit mode; writes go through `transaction()` (BEGIN IMMEDIATE)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                      (key, value, value))  # fmt: skip

    def set_metas(self, values: dict[str, str | None]) -> None:
        """Several meta keys in one transaction; None deletes a key."""
        with self.transaction() as c:
            for key, value in values.items():
                if value is None:
                    c.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    c.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = ?", (key, value, value))  # fmt: skip
