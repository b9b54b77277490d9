"""FileOutbox: the embedded backend of the demo and of a first install, one .eml file per reply."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from bot.errors import SendError


class FileOutbox:
    """Writes each reply to `path/<sha1 of Message-ID>.eml`; writing the same reply twice is a no-op."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> FileOutbox:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def file_for(self, message_id: str) -> Path:
        return self.path / f"reply-{hashlib.sha1(message_id.encode()).hexdigest()[:16]}.eml"  # noqa: S324 (a name, not security)

    def was_sent(self, message_id: str) -> bool:
        return self.file_for(message_id).exists()

    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        target = self.file_for(message_id)
        if target.exists():
            return
        tmp = target.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as e:
            raise SendError(f"cannot write reply {message_id} for {to_address} to {target}: {e}") from e
