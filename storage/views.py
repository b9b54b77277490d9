"""Read-only queries over the ledger that the master workbook and the status command project."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from storage.thai import parse_iso
from validators.findings import LaoRecord

STATUS_MISSING = "ยังไม่ส่ง"
STATUS_OK = "ถูกต้อง"
STATUS_ERRORS = "มีข้อผิดพลาด"
STATUS_LATE = "ส่งหลังกำหนด"


@dataclass(frozen=True, slots=True)
class ProvinceStatus:
    province: str
    status: str
    last_received: dt.datetime | None
    sender: str
    versions: int
    reported: int
    expected: int
    errors: int
    warnings: int


@dataclass(frozen=True, slots=True)
class SubmissionView:
    id: int
    received_at: dt.datetime
    province: str | None
    filename: str
    sender: str
    status: str
    rows: int
    errors: int
    warnings: int
    message_id: str
    subject: str
    reply_state: str


def submissions(conn: sqlite3.Connection) -> list[SubmissionView]:
    rows = conn.execute(
        "SELECT s.id, s.received_at, s.province, s.filename, s.sender, s.status, s.rows, s.errors, "
        "s.warnings, m.message_id, m.subject, COALESCE(r.state, 'none') FROM submissions s "
        "JOIN mails m ON m.id = s.mail_id LEFT JOIN replies r ON r.mail_id = m.id ORDER BY s.id"
    ).fetchall()
    return [SubmissionView(r[0], parse_iso(r[1]), *r[2:]) for r in rows]


def province_statuses(
    conn: sqlite3.Connection, expected: dict[str, int], deadline: dt.date
) -> list[ProvinceStatus]:
    """One line per province in `expected` (registry order): the state of its latest filing."""
    subs = [s for s in submissions(conn) if s.province and s.status in ("accepted", "rejected")]
    out = []
    deadline_end = dt.datetime.combine(
        deadline, dt.time(23, 59, 59), tzinfo=dt.timezone(dt.timedelta(hours=7))
    )
    for province, count in expected.items():
        mine = [s for s in subs if s.province == province]
        if not mine:
            out.append(ProvinceStatus(province, STATUS_MISSING, None, "", 0, 0, count, 0, 0))
            continue
        latest = mine[-1]
        accepted = [s for s in mine if s.status == "accepted"]
        if accepted:
            first_ok = accepted[0]
            status = STATUS_LATE if first_ok.received_at > deadline_end else STATUS_OK
            reported = accepted[-1].rows
        else:
            status, reported = STATUS_ERRORS, 0
        out.append(
            ProvinceStatus(
                province, status, latest.received_at, latest.sender, len(mine), reported, count,
                latest.errors, latest.warnings,
            )
        )  # fmt: skip
    return out


def latest_accepted_records(conn: sqlite3.Connection) -> list[tuple[LaoRecord, SubmissionView]]:
    """The rows of each province's latest accepted submission (earlier versions are superseded)."""
    latest: dict[str, SubmissionView] = {}
    for s in submissions(conn):
        if s.status == "accepted" and s.province:
            latest[s.province] = s
    out: list[tuple[LaoRecord, SubmissionView]] = []
    for sub in latest.values():
        for (data,) in conn.execute(
            "SELECT data FROM records WHERE submission_id = ? ORDER BY rowid", (sub.id,)
        ):
            out.append((LaoRecord.model_validate_json(data), sub))
    return out


@dataclass(frozen=True, slots=True)
class FindingView:
    province: str
    filename: str
    severity: str
    code: str
    sheet: str | None
    row: int | None
    column: str | None
    header: str | None
    value: str | None
    suggestion: str | None
    message: str
    ctx: dict[str, object]


def latest_rejected_findings(conn: sqlite3.Connection) -> list[FindingView]:
    """Findings of each province's latest submission when that submission was rejected."""
    latest: dict[str, SubmissionView] = {}
    for s in submissions(conn):
        if s.province and s.status in ("accepted", "rejected"):
            latest[s.province] = s
    out = []
    for province, sub in latest.items():
        if sub.status != "rejected":
            continue
        for r in conn.execute(
            "SELECT severity, code, sheet, row, col, header, value, suggestion, message, ctx FROM findings "
            "WHERE submission_id = ? ORDER BY rowid",
            (sub.id,),
        ):
            out.append(FindingView(province, sub.filename, *r[:9], json.loads(r[9])))
    return out
