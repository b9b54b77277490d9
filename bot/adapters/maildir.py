"""MaildirInbox: the embedded mailbox backend (a local Maildir, as a mail server or the demo writes it)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from bot.errors import MailboxError
from bot.usecase.ports import InboxMessage


class MaildirInbox:
    """Unhandled mail lives in `path/new` and `path/cur`; handled mail is moved to the processed folder.

    The processed and quarantine folders are Maildir++ sub-folders of `path`.
    """

    def __init__(self, path: Path, processed_folder: str, quarantine_folder: str) -> None:
        self.path = path
        self.processed = _subfolder(path, processed_folder)
        self.quarantined = _subfolder(path, quarantine_folder)

    def __enter__(self) -> MaildirInbox:
        for base in (self.path, self.processed, self.quarantined):
            for sub in ("new", "cur", "tmp"):
                (base / sub).mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def messages(self) -> Iterator[InboxMessage]:
        entries = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.is_file() and not entry.name.startswith("."):
                    entries.append((entry.stat().st_mtime, sub, entry.name))
        for mtime, sub, name in sorted(entries):
            try:
                raw = (self.path / sub / name).read_bytes()
            except FileNotFoundError:  # moved away by someone else meanwhile
                continue
            yield InboxMessage(
                mailbox=str(self.path),
                uidvalidity="maildir",
                uid=name.split(":", 1)[0],
                raw=raw,
                received_at=dt.datetime.fromtimestamp(mtime, dt.UTC),
            )

    def mark_handled(self, message: InboxMessage) -> None:
        self._move(message, self.processed)

    def quarantine(self, message: InboxMessage) -> None:
        self._move(message, self.quarantined)

    def _move(self, message: InboxMessage, folder: Path) -> None:
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name.split(":", 1)[0] == message.uid:
                    target = folder / "cur" / f"{message.uid}:2,S"
                    try:
                        os.replace(entry.path, target)
                    except OSError as e:
                        raise MailboxError(
                            f"cannot move maildir message {message.uid} to {target}: {e}"
                        ) from e
                    return


def _subfolder(path: Path, name: str) -> Path:
    """Maildir++ naming: "localreport/processed" → `path/.localreport.processed`."""
    return path / ("." + name.replace("/", "."))
