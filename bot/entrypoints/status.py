"""`localreport status`: the per-province table of the master's first sheet, for the operator's terminal."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from bot.entrypoints.config import Settings
from bot.entrypoints.health import login_failing
from bot.entrypoints.wiring import open_ledger, registry_for
from bot.usecase.sending import Pause
from storage import dataset
from storage.thai import bangkok, display_width, thai_date, thai_datetime

HEADERS = ("จังหวัด", "สถานะ", "ส่งล่าสุดเมื่อ", "ครั้ง", "อปท.", "ผิด", "สังเกต", "ผู้ส่ง")
NUMERIC = {3, 4, 5, 6}  # right-aligned columns


def province_statuses(settings: Settings) -> list[dataset.ProvinceStatus]:
    """The status of every province of the configured registry, read from the ledger."""
    registry = registry_for(settings)
    expected = {p: len(registry.laos_in(p)) for p in registry.provinces()}
    with open_ledger(settings) as ledger:
        return dataset.province_statuses(ledger, expected, settings.round.deadline)


def status_json(settings: Settings) -> list[dict[str, object]]:
    """One object per province: `status` is complete | complete_late | partial | rejected | missing,
    `status_th` the Thai word; `reported` of `expected` LAOs (`missing` = the difference)."""
    return [
        {
            "province": s.province,
            "status": s.code,
            "status_th": s.status,
            "last_received": bangkok(s.last_received).isoformat() if s.last_received else None,
            "sender": s.sender,
            "versions": s.versions,
            "reported": s.reported,
            "expected": s.expected,
            "missing": s.missing_count,
            "errors": s.errors,
            "warnings": s.warnings,
        }
        for s in province_statuses(settings)
    ]


def status_lines(settings: Settings) -> list[str]:
    """An aligned table (Thai marks take no width), then a one-line count per status."""
    statuses = province_statuses(settings)
    rows = [
        (s.province, s.status, thai_datetime(s.last_received) if s.last_received else "-",
         str(s.versions), f"{s.reported}/{s.expected}", str(s.errors), str(s.warnings), s.sender or "-")
        for s in statuses
    ]  # fmt: skip
    counts = Counter(s.status for s in statuses)
    summary = " · ".join(f"{word} {counts[word]}" for word in dataset.STATUS_CODES)
    return [
        *_aligned([HEADERS, *rows]),
        "",
        f"กำหนดส่ง {thai_date(settings.round.deadline)} · {len(statuses)} จังหวัด · {summary}",
        *mail_lines(settings),
    ]


def mail_lines(settings: Settings) -> list[str]:
    """The state of the mail itself, for the operator (in English, as the logs): a sending pause, replies
    waiting or failed, a failing login. Nothing when all is well."""
    with open_ledger(settings) as ledger:
        pause, counts = Pause.load(ledger), ledger.counts()
    lines = []
    if pause is not None and pause.until > dt.datetime.now(dt.UTC):
        until, since = bangkok(pause.until).isoformat(), bangkok(pause.since).isoformat()
        lines.append(f"sending paused until {until} ({pause.reason}, pause {pause.count} in a row since "
                     f"{since}): {pause.error}")  # fmt: skip
    waiting, failed = counts.get("replies_pending", 0), counts.get("replies_failed", 0)
    if waiting or failed:
        lines.append(f"replies waiting: {waiting} · replies failed for good: {failed} (the operator was "
                     "told of each by mail)")  # fmt: skip
    login = login_failing(settings)
    if login is not None:
        lines.append(f"mailbox {login.line()}")
    return ["", *lines] if lines else []


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, (text, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - display_width(text))
            cells.append(pad + text if i in NUMERIC else text + pad)
        lines.append("  ".join(cells).rstrip())
    return lines
