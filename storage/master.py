"""The master workbook DLA staff open: a projection of the ledger, rebuilt atomically, never edited.

The sheets and their Thai (storage/master_sheets.py), how they look and print (storage/master_layout.py)
and the Thai words for the ledger's codes (storage/master_labels.py) live beside this module, which owns
writing the file: always whole, from the ledger alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.indexed_list import IndexedList

from storage import dataset, master_sheets, summary, views
from storage.backups import replace_atomically
from storage.errors import MasterError
from storage.ledger import Ledger
from storage.master_layout import FONT
from storage.master_sheets import SHEET_DATA, SHEET_HISTORY, SHEET_PROVINCES, SHEETS
from storage.thai import thai_datetime

__all__ = ["MASTER_STAMP", "SHEETS", "SHEET_DATA", "SHEET_HISTORY", "SHEET_PROVINCES", "Master"]

MASTER_STAMP = "master_stamp"  # ledger meta key: the change stamp the master file was last built from


@dataclass(frozen=True, slots=True)
class Master:
    """The master workbook at `path`: the one owner of (re)writing it, always whole, from the ledger alone.

    `expected` maps each province (registry order) to its LAO count; `backups` is how many timestamped
    copies of earlier masters to keep in `<path folder>/backups` (0: none).
    """

    path: Path
    expected: Mapping[str, int]
    deadline: dt.date
    backups: int = 10

    def rebuild(
        self, ledger: Ledger, *, only_if_changed: bool = False, now: dt.datetime | None = None
    ) -> Path | None:
        """Write the whole master beside `path`, back up the old one, os.replace it in; the backup made.

        `only_if_changed`: do nothing when the ledger has not changed since the last rebuild (also one
        by a run that died before finishing) and the file is there.
        """
        stamp = ledger.change_stamp()
        if only_if_changed and stamp == ledger.meta(MASTER_STAMP) and self.path.exists():
            return None
        backup = self._write(ledger, now or dt.datetime.now(dt.UTC))
        ledger.set_meta(MASTER_STAMP, stamp)
        return backup

    def _write(self, ledger: Ledger, now: dt.datetime) -> Path | None:
        expected, deadline = dict(self.expected), self.deadline
        order = list(expected)
        statuses = dataset.province_statuses(ledger, expected, deadline)
        records = dataset.current_rows(ledger, order)
        as_of = f"ข้อมูล ณ {thai_datetime(now)}"
        wb = Workbook(write_only=True)
        _use_default_font(wb, FONT)
        master_sheets.readme_sheet(wb, deadline, now, as_of, statuses)
        master_sheets.provinces_sheet(wb, statuses, deadline, as_of)
        master_sheets.data_sheet(wb, records, as_of)
        master_sheets.history_sheet(wb, views.history(ledger), as_of)
        master_sheets.findings_sheet(wb, views.latest_rejected_findings(ledger, order), as_of)
        by_province, by_issue = summary.figures([r for r, _ in records], expected)
        master_sheets.province_figures_sheet(wb, by_province, as_of)
        master_sheets.issue_figures_sheet(wb, by_issue, as_of)
        return _save_atomically(wb, self.path, self.backups, now)


def _save_atomically(wb: Workbook, target: Path, backups: int, now: dt.datetime) -> Path | None:
    try:
        return replace_atomically(wb.save, target, backups, now)
    except OSError as e:
        raise MasterError(f"cannot write master workbook {target}: {e}") from e


def _use_default_font(wb: Workbook, font: Font) -> None:
    """Make `font` the workbook's font 0, used by every unstyled cell and by the Normal style.

    openpyxl has no public API for this; `_fonts` is the list its stylesheet writer serialises.
    """
    wb._fonts = IndexedList([font])  # type: ignore[attr-defined]
    wb._named_styles["Normal"].font = font  # type: ignore[attr-defined]
