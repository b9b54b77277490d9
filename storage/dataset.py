"""A province's report is its LAOs, wherever they arrived: the current dataset and its completeness.

The dataset of a province is the union of the rows of its accepted submissions, by LAO (รหัส อปท.), the
latest accepted row of each LAO winning — across the files of one mail, the sheets of one workbook and
successive mails. The ledger keeps every version; nothing is lost by sending in parts. A row leaves the
dataset only when it is withdrawn explicitly (`Ledger.withdraw`, the `localreport withdraw` command), and a
later accepted row of the same LAO brings it back.

Completeness is a state: ครบ (every LAO of the registry reported), ยังไม่ครบ (k of m), ยังไม่ส่ง (nothing
filed, or all of it withdrawn), มีข้อผิดพลาด (only rejected files so far). A province that became complete
after the deadline day (Bangkok) is ครบ (ส่งหลังกำหนด). The master's first sheets, `localreport status` and
the replies all count through this module, so a count in a reply is the count in the master.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from storage.ledger import AcceptedRow, Ledger
from storage.thai import bangkok
from storage.views import FILED, SubmissionView, submissions
from validators.findings import LaoRecord

STATUS_COMPLETE = "ครบ"
STATUS_COMPLETE_LATE = "ครบ (ส่งหลังกำหนด)"
STATUS_PARTIAL = "ยังไม่ครบ"
STATUS_ERRORS = "มีข้อผิดพลาด"
STATUS_MISSING = "ยังไม่ส่ง"
StatusCode = Literal["complete", "complete_late", "partial", "rejected", "missing"]
# Stable English codes for machines (`localreport status --json`), keyed by the Thai word people see.
STATUS_CODES: dict[str, StatusCode] = {
    STATUS_COMPLETE: "complete", STATUS_COMPLETE_LATE: "complete_late", STATUS_PARTIAL: "partial",
    STATUS_ERRORS: "rejected", STATUS_MISSING: "missing",
}  # fmt: skip

Row = tuple[LaoRecord, SubmissionView]


@dataclass(frozen=True, slots=True)
class ProvinceStatus:
    province: str
    status: str  # one of the five STATUS_* words
    last_received: dt.datetime | None
    sender: str
    versions: int  # accepted + rejected filings; duplicates and unreadable files are not versions
    reported: int  # LAOs in the current dataset (k)
    expected: int  # LAOs the registry lists (m)
    errors: int  # of the latest version
    warnings: int  # of the latest version

    @property
    def code(self) -> StatusCode:
        return STATUS_CODES[self.status]

    @property
    def missing_count(self) -> int:
        return max(0, self.expected - self.reported)


def current_rows(ledger: Ledger, order: Sequence[str] = ()) -> list[Row]:
    """Every province's current dataset: provinces in `order` first (then by name), LAOs in the order
    their current rows arrived."""
    by_province = _datasets(ledger)
    rank = {p: i for i, p in enumerate(order)}
    provinces = sorted(by_province, key=lambda p: (rank.get(p, len(rank)), p))
    return [row for p in provinces for row in by_province[p].values()]


def reported_codes(ledger: Ledger, province: str) -> set[str]:
    """The รหัส อปท. in the province's current dataset."""
    return set(_current_keys(ledger, province)[0].get(province, {}))


def province_statuses(ledger: Ledger, expected: Mapping[str, int], deadline: dt.date) -> list[ProvinceStatus]:
    """One line per province of `expected` (in its order), then any other province that filed."""
    filed: dict[str, list[SubmissionView]] = {}
    by_id: dict[int, SubmissionView] = {}
    for s in submissions(ledger):
        by_id[s.id] = s
        if s.province and s.status in FILED:
            filed.setdefault(s.province, []).append(s)
    current, first = _current_keys(ledger)  # counts and dates only: no record is read
    return [
        _status(province, filed.get(province, []), current.get(province, {}), expected.get(province, 0),
                deadline, {code: by_id[k.submission_id] for code, k in first.get(province, {}).items()})
        for province in [*expected, *(p for p in filed if p not in expected)]
    ]  # fmt: skip


def state_word(reported: int, expected: int, *, late: bool = False) -> str:
    """ครบ (or ครบ ส่งหลังกำหนด), ยังไม่ครบ or ยังไม่ส่ง for k of m LAOs."""
    if reported == 0:
        return STATUS_MISSING
    if reported >= expected > 0:
        return STATUS_COMPLETE_LATE if late else STATUS_COMPLETE
    return STATUS_PARTIAL


def _status(
    province: str, mine: list[SubmissionView], rows: Mapping[str, AcceptedRow], expected: int,
    deadline: dt.date, first: Mapping[str, SubmissionView],
) -> ProvinceStatus:  # fmt: skip
    if not mine:
        return ProvinceStatus(province, STATUS_MISSING, None, "", 0, len(rows), expected, 0, 0)
    latest = mine[-1]
    if rows:
        # Complete since the last of its LAOs first arrived: a later correction of a row does not make a
        # province that was complete on time late.
        completed = max(first[code].received_at for code in rows)
        status = state_word(len(rows), expected, late=bangkok(completed).date() > deadline)
    elif any(s.status == "accepted" for s in mine):
        status = STATUS_MISSING  # everything it sent was withdrawn
    else:
        status = STATUS_ERRORS
    return ProvinceStatus(
        province, status, latest.received_at, latest.sender, len(mine), len(rows), expected,
        latest.errors, latest.warnings,
    )  # fmt: skip


Keys = dict[str, dict[str, AcceptedRow]]  # province → dla_code → the key of a row


def _current_keys(ledger: Ledger, province: str | None = None) -> tuple[Keys, Keys]:
    """The key of each LAO's current row, and of the row that first brought it since its last withdrawal.

    Rows count in the order the mails arrived (then filing order), so re-judging an old mail never
    overrides a newer row; a withdrawal takes out the LAO's rows of every mail received until then.
    Only the keys are read (records.dla_code), never the records.
    """
    withdrawn = ledger.withdrawals(province)
    current: Keys = {}
    first: Keys = {}
    for key in ledger.accepted_rows(province):
        if key.mail_id <= withdrawn.get((key.province, key.code), 0):
            continue
        rows = current.setdefault(key.province, {})
        rows.pop(key.code, None)  # re-inserted: the dataset lists LAOs in the order of their current rows
        rows[key.code] = key
        first.setdefault(key.province, {}).setdefault(key.code, key)
    return current, first


def _datasets(ledger: Ledger, province: str | None = None) -> dict[str, dict[str, Row]]:
    """province → dla_code → its current row: the record (parsed) and the submission that filed it."""
    current, _first = _current_keys(ledger, province)
    subs = {s.id: s for s in submissions(ledger)}
    records = ledger.records([k.rowid for rows in current.values() for k in rows.values()])
    return {
        prov: {code: (records[k.rowid], subs[k.submission_id]) for code, k in rows.items()}
        for prov, rows in current.items()
    }


def missing_laos(expected_codes: Sequence[str], reported: Collection[str]) -> list[str]:
    """The registry's codes (in its order) not in `reported`."""
    return [c for c in expected_codes if c not in reported]


@dataclass(frozen=True, slots=True)
class Completeness:
    """k of m: the LAOs of a province's dataset against its registry list, and the ones still missing."""

    province: str
    reported: int
    expected: int
    missing: tuple[str, ...]  # รหัส อปท., registry order
    was_complete: bool = False  # before the rows being added: they then only correct it


def completeness(
    ledger: Ledger, province: str, registry_codes: Sequence[str], adding: Collection[str] = ()
) -> Completeness:
    """The province's completeness once the codes `adding` (rows about to be filed) join its dataset."""
    before = reported_codes(ledger, province)
    have = before | set(adding)
    was_complete = bool(registry_codes) and not missing_laos(registry_codes, before)
    missing = tuple(missing_laos(registry_codes, have))
    return Completeness(province, len(have), len(registry_codes), missing, was_complete)
