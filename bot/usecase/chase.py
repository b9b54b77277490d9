"""The deadline chase: reminders to provinces that are not complete, and a daily digest for DLA staff.

Both are decided here from the ledger and the registry, counted as the master counts (storage/dataset.py),
queued in the ledger in one transaction each (storage/chase.py: at most one reminder per province address
per scheduled day, one digest per day, across restarts too), and then sent like every reply: through the
same outbox, daily cap and pauses (bot/usecase/sending.py), so a crash between send and record never
sends one twice. `due_reminder_day` says whether a moment (Bangkok) is a scheduled reminder day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage import dataset
from storage.ledger import Ledger
from storage.thai import bangkok
from validators import Registry

DONE = ("complete", "complete_late")


@dataclass(frozen=True, slots=True)
class ChaseRules:
    """From [reminders] and [digest]: which days before the deadline, who gets the digest."""

    deadline: dt.date
    days_before: tuple[int, ...] = (7, 3, 1)
    digest_recipients: tuple[str, ...] = ()
    attach_master_max_bytes: int = 5 * 2**20


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What one province is reminded of, and where it goes (no address: it cannot be reminded by mail)."""

    province: str
    status: str  # the Thai word, as the master shows it
    code: str  # complete | complete_late | partial | rejected | missing
    reported: int
    expected: int
    missing: tuple[tuple[str, str], ...]  # (อำเภอ, full LAO name), registry order
    to: tuple[str, ...]


def bangkok_day(now: dt.datetime) -> dt.date:
    return bangkok(now).date()


def due_reminder_day(now: dt.datetime, rules: ChaseRules) -> bool:
    """Whether `now` falls on a scheduled reminder day: `days_before` the deadline, in Bangkok."""
    return (rules.deadline - bangkok_day(now)).days in rules.days_before


def addresses(ledger: Ledger, province: str, sender_map: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The province's addresses on the sender list ("*@domain" entries name no one), else the addresses
    it last reported from."""
    listed = tuple(a.strip() for a in sender_map.get(province, ()) if "@" in a and not a.startswith("*@"))
    return listed or tuple(ledger.last_senders(province))


def plan_reminders(
    ledger: Ledger, registry: Registry, deadline: dt.date, sender_map: Mapping[str, Sequence[str]]
) -> list[ReminderPlan]:
    """Every province of the registry that is not complete, with what is missing, by the master's count."""
    expected = {p: len(registry.laos_in(p)) for p in registry.provinces()}
    plans = []
    for status in dataset.province_statuses(ledger, expected, deadline):
        if status.code in DONE or status.province not in expected:
            continue
        laos = {lao.dla_code: lao for lao in registry.laos_in(status.province)}
        done = dataset.completeness(ledger, status.province, list(laos))
        missing = tuple((laos[c].district_th, laos[c].full_name_th) for c in done.missing)
        plans.append(ReminderPlan(status.province, status.status, status.code, done.reported, done.expected,
                                  missing, addresses(ledger, status.province, sender_map)))  # fmt: skip
    return plans


def digest_figures(statuses: Sequence[dataset.ProvinceStatus]) -> dict[str, tuple[str, int]]:
    """province → (status code, LAOs reported): what a digest reports, and the next one compares with."""
    return {s.province: (s.code, s.reported) for s in statuses}


@dataclass(frozen=True, slots=True)
class Change:
    province: str
    before: tuple[str, int] | None  # None: not in the last digest
    now: tuple[str, int]


def changes(before: Mapping[str, tuple[str, int]], now: Mapping[str, tuple[str, int]]) -> list[Change]:
    """Provinces whose status or count changed since the last digest, in `now`'s order."""
    return [Change(p, before.get(p), v) for p, v in now.items() if before.get(p) != v]
