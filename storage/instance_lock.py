"""One localreport process per storage dir: an exclusive `flock` on `dir/localreport.lock`.

Two processes writing the same ledger, archive and master workbook would each be correct alone and wrong
together (a rebuild replacing the master while the daemon files a report into it). So every command that
writes the storage dir (`run`, `reprocess`, `rebuild`, `withdraw`, `registry import --config`) holds this
lock for as long as it runs; the read-only ones (`status`, `health`, `check`) never ask for it.

The lock belongs to the open file, not to the file's existence: the kernel drops it when the holder exits,
however it exits (SIGKILL, power loss), so a lock file left behind never blocks anyone. Its content — the
holder's pid and command — is only there to be named in the error a second instance prints. Two
`instance_lock` calls in one process conflict too (flock locks belong to the open file description).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from storage.errors import InstanceLockedError, StorageError

LOCK_NAME = "localreport.lock"


@contextlib.contextmanager
def instance_lock(dir: Path, command: str) -> Iterator[Path]:
    """Hold the storage dir `dir` for this process (creating `dir` if missing); yields the lock file's path.

    Raises InstanceLockedError, naming the holder's pid and command, when another process holds it.
    """
    path = dir / LOCK_NAME
    try:
        dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise StorageError(
            f"cannot create the lock file {path}: {e.strerror or e}; check that storage.dir is a folder this "
            "user may write"
        ) from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InstanceLockedError(dir, *_holder(fd)) from None
        _write(fd, f"{os.getpid()}\n{command}\n")
        try:
            yield path
        finally:
            _write(fd, "")  # a clean exit leaves an empty file; a killed holder leaves its (harmless) pid
    finally:
        os.close(fd)  # releases the lock


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode(), 0)  # unbuffered: the next reader sees it at once


def _holder(fd: int) -> tuple[int | None, str]:
    """The pid and command the holder wrote; (None, "") when it has not written them yet."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return None, ""
    pid, _, command = text.partition("\n")
    return (int(pid) if pid.strip().isdigit() else None), " ".join(command.split())
