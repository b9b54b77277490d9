"""Putting a new master workbook in place: written beside it, backed up, then os.replace'd.

The old master is copied to `<its folder>/backups/master-YYYYmmddTHHMMSS.xlsx` (Bangkok time) before it is
replaced, and only the newest N copies are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from storage.thai import bangkok

FOLDER = "backups"
PATTERN = "master-*.xlsx"


def backup_previous(target: Path, keep: int, now: dt.datetime | None = None) -> Path | None:
    """Copy `target` to `<its folder>/backups/master-YYYYmmddTHHMMSS.xlsx` (Bangkok time); keep `keep`.

    Returns the copy, or None when there is nothing to keep (`keep` < 1 or no master yet). Two rebuilds in
    the same second share a name: the later copy wins, as it is the more recent state.
    """
    if keep < 1 or not target.is_file():
        return None
    folder = target.parent / FOLDER
    folder.mkdir(exist_ok=True)
    stamp = bangkok(now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    copy = folder / f"master-{stamp}.xlsx"
    tmp = folder / f".{copy.name}.tmp"
    shutil.copy2(target, tmp)
    tmp.replace(copy)
    prune(folder, keep)
    return copy


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder` (names sort by time); return what was deleted."""
    backups = sorted(folder.glob(PATTERN))
    doomed = backups[: max(len(backups) - keep, 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def replace_atomically(
    write: Callable[[Path], object], target: Path, keep: int, now: dt.datetime | None = None
) -> Path | None:
    """`write(tmp)` to a temp file beside `target`, back up the old target, then os.replace it in.

    Readers see the old file or the new one, never half of one; on any failure the old file stays and
    the temp file is removed. The new file keeps the old one's permissions (0644 for a first one, not
    mkstemp's private 0600). Returns the backup made, if any. Raises OSError.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=target.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(target.stat().st_mode & 0o777 if target.exists() else 0o644)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        backup = backup_previous(target, keep, now)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return backup


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where a folder cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
