"""MaildirInbox: the embedded mailbox backend (a local Maildir, as a mail server or the demo writes it)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from bot.errors import MailboxError
from bot.usecase.ports import Envelope, InboxMessage, JunkMail

HEADER_LIMIT = 64 * 1024  # the header block read to identify a message (a Received chain may be long)


class MaildirInbox:
    """Unhandled mail lives in `path/new` and `path/cur`; handled mail is moved to the processed folder.

    The processed and quarantine folders are Maildir++ sub-folders of `path`. A local Maildir has no spam
    folder of a provider: `junk()` is empty.
    """

    def __init__(self, path: Path, processed_folder: str, quarantine_folder: str) -> None:
        self.path = path
        self.processed = _subfolder(path, processed_folder)
        self.quarantined = _subfolder(path, quarantine_folder)
        self._listed: dict[str, tuple[Path, dt.datetime]] = {}  # uid → (file, received) from envelopes()

    def __enter__(self) -> MaildirInbox:
        for base in (self.path, self.processed, self.quarantined):
            for sub in ("new", "cur", "tmp"):
                (base / sub).mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def envelopes(self) -> Iterator[Envelope]:
        entries = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.is_file() and not entry.name.startswith("."):
                    stat = entry.stat()
                    entries.append((stat.st_mtime, sub, entry.name, stat.st_size))
        for mtime, sub, name, size in sorted(entries):
            try:
                with open(self.path / sub / name, "rb") as fh:
                    head = fh.read(HEADER_LIMIT)
            except FileNotFoundError:  # moved away by someone else meanwhile
                continue
            uid = name.split(":", 1)[0]
            self._listed[uid] = (self.path / sub / name, dt.datetime.fromtimestamp(mtime, dt.UTC))
            yield Envelope(str(self.path), "maildir", uid, _header_block(head), size)

    def fetch(self, envelope: Envelope) -> InboxMessage | None:
        path = self._find(envelope.uid)
        if path is None:
            return None
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        listed = self._listed.get(envelope.uid)
        received = listed[1] if listed else dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        return InboxMessage(envelope, raw, received)

    def mark_handled(self, envelope: Envelope) -> None:
        self._move(envelope, self.processed)

    def quarantine(self, envelope: Envelope) -> None:
        self._move(envelope, self.quarantined)

    def junk(self) -> Iterator[JunkMail]:
        return iter(())

    def rescue(self, junk: JunkMail) -> None:
        raise MailboxError("a local Maildir has no spam folder to rescue mail from")

    def _find(self, uid: str) -> Path | None:
        """The message's file: where envelopes() listed it, else (moved meanwhile) a scan of new/ and cur/."""
        listed = self._listed.get(uid)
        if listed is not None and listed[0].exists():
            return listed[0]
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name.split(":", 1)[0] == uid:
                    return Path(entry.path)
        return None

    def _move(self, envelope: Envelope, folder: Path) -> None:
        path = self._find(envelope.uid)
        if path is None:
            return
        target = folder / "cur" / f"{envelope.uid}:2,S"
        try:
            os.replace(path, target)
        except OSError as e:
            raise MailboxError(f"cannot move maildir message {envelope.uid} to {target}: {e}") from e


def _header_block(head: bytes) -> bytes:
    """The header lines of a message (up to the blank line), or all that was read."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = head.find(sep)
        if end != -1:
            return head[: end + len(sep)]
    return head


def _subfolder(path: Path, name: str) -> Path:
    """Maildir++ naming: "localreport/processed" → `path/.localreport.processed`."""
    return path / ("." + name.replace("/", "."))
