"""Where a mail leaves the province, beyond its files: the view the reply renders of each province's
completeness (counted by storage/dataset.py, as in the master), of lateness and of the conversation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_MISSING_SHOWN = 60  # names listed in a mail; the rest are counted (the blank form lists them all)


@dataclass(frozen=True, slots=True)
class ProvinceProgress:
    """k of m for one province once this mail is filed, with the LAOs still missing by อำเภอ."""

    province: str
    reported: int  # LAOs of its dataset, this mail's included (the master's count)
    expected: int  # LAOs the registry lists
    added: int  # LAOs this mail's accepted files hold
    missing: tuple[tuple[str, str], ...] = ()  # (อำเภอ, LAO full name), registry order
    was_complete: bool = False  # before this mail: then it only corrects rows

    @property
    def complete(self) -> bool:
        return self.expected > 0 and not self.missing


@dataclass(frozen=True, slots=True)
class Standing:
    """What the reply says beyond the files of the mail."""

    late_after: dt.date | None = None  # the deadline, when the mail came after it
    provinces: tuple[ProvinceProgress, ...] = ()  # of the provinces whose files were accepted
    answering: bool = False  # a mail without a workbook that answers one of our replies

    @property
    def late(self) -> bool:
        return self.late_after is not None

    @property
    def incomplete(self) -> bool:
        """Some province of an accepted file still lacks LAOs."""
        return any(not p.complete for p in self.provinces)


NOTHING_MORE = Standing()  # on time, no province's completeness known, not a conversation


def province_views(provinces: Sequence[ProvinceProgress]) -> list[dict[str, Any]]:
    """The template's view: counts, and missing LAOs grouped by อำเภอ (at most MAX_MISSING_SHOWN names)."""
    views = []
    for p in provinces:
        by_district: dict[str, list[str]] = {}
        for district, name in p.missing[:MAX_MISSING_SHOWN]:
            by_district.setdefault(district, []).append(name)
        views.append({
            "province": p.province, "reported": p.reported, "expected": p.expected, "added": p.added,
            "complete": p.complete, "missing_count": len(p.missing),
            "missing": [{"district": d, "names": names} for d, names in by_district.items()],
            "missing_more": max(0, len(p.missing) - MAX_MISSING_SHOWN),
        })  # fmt: skip
    return views
