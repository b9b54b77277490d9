"""The raw-mail archive: every message stored by its sha256, fsynced, before anything judges it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from storage.errors import ArchiveError


class Archive:
    """Content-addressed store of raw messages under `root/ab/abcdef….eml`. Writing twice is harmless."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ArchiveError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.eml"

    def store(self, raw: bytes) -> str:
        """Write `raw` durably (temp file, fsync, rename, fsync dir) and return its sha256."""
        digest = hashlib.sha256(raw).hexdigest()
        target = self.path_for(digest)
        if target.exists() and target.stat().st_size == len(raw):
            return digest
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(raw)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _fsync_dir(target.parent)
        except OSError as e:
            raise ArchiveError(f"cannot archive mail {digest} under {self.root}: {e}") from e
        return digest

    def load(self, sha256: str) -> bytes:
        try:
            return self.path_for(sha256).read_bytes()
        except OSError as e:
            raise ArchiveError(f"archived mail {sha256} cannot be read: {e}") from e


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
