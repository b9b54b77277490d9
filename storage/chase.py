"""The ledger's part of the deadline chase: reminders to provinces and the daily digest to DLA staff.

A reminder is queued as a reply (kind `reminder`, answering no mail) together with its `reminders` row in
one transaction; the row's UNIQUE (province, day, address) makes a second reminder on the same scheduled
day impossible, across restarts too. A digest is queued the same way, one per day (`digests.day`), with the
figures it reported, so that the next digest can say what changed. Both then go out through the same
outbox, limits and pauses as every reply (bot/usecase/sending.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from storage.ledger_base import LedgerConnection, now_iso
from storage.ledger_rows import QueuedReply
from storage.reply_queue import insert_reply


@dataclass(frozen=True, slots=True)
class NewReminder:
    """One reminder to queue: to which province address, at which k of m, and the mail itself."""

    province: str
    to_address: str
    reported: int
    expected: int
    reply: QueuedReply


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """A reminder as the ledger holds it, for the master's history and the digest."""

    province: str
    day: str
    to_address: str
    reported: int
    expected: int
    state: str  # its reply's state
    created_at: str


@dataclass(frozen=True, slots=True)
class SetAsideMail:
    """A mail held or quarantined for a person."""

    message_id: str
    from_address: str
    subject: str
    outcome: str
    reason: str
    first_seen_at: str


class ChaseLedger(LedgerConnection):
    def queue_reminders(self, day: str, reminders: Sequence[NewReminder]) -> int:
        """Queue the reminders not yet queued for `day` (province, address), in one transaction; how many."""
        queued = 0
        with self.transaction() as c:
            for r in reminders:
                known = c.execute(
                    "SELECT 1 FROM reminders WHERE province = ? AND day = ? AND to_address = ?",
                    (r.province, day, r.to_address),
                ).fetchone()
                if known:
                    continue
                reply_id = insert_reply(c, None, r.reply)
                c.execute(
                    "INSERT INTO reminders (province, day, to_address, reply_id, reported, expected, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (r.province, day, r.to_address, reply_id, r.reported, r.expected, now_iso()),
                )
                queued += 1
        return queued

    def reminders(self, day: str | None = None) -> list[ReminderRow]:
        """Every reminder queued (on one day), oldest first, with its reply's state."""
        sql = (
            "SELECT m.province, m.day, m.to_address, m.reported, m.expected, r.state, m.created_at "
            "FROM reminders m JOIN replies r ON r.id = m.reply_id"
        )
        args: tuple[str, ...] = ()
        if day is not None:
            sql, args = sql + " WHERE m.day = ?", (day,)
        return [ReminderRow(*row) for row in self.conn.execute(sql + " ORDER BY m.id", args)]

    def queue_digest(
        self, day: str, figures: dict[str, tuple[str, int]], mails: Sequence[QueuedReply]
    ) -> bool:
        """Queue the day's digest to each recipient with the figures it reports; False if already queued."""
        with self.transaction() as c:
            if c.execute("SELECT 1 FROM digests WHERE day = ?", (day,)).fetchone():
                return False
            c.execute(
                "INSERT INTO digests (day, figures, created_at) VALUES (?, ?, ?)",
                (day, json.dumps(figures, ensure_ascii=False), now_iso()),
            )
            for mail in mails:
                insert_reply(c, None, mail)
        return True

    def last_digest(self, before: str) -> tuple[str, dict[str, tuple[str, int]]] | None:
        """The latest digest before `day` and the figures it reported (province → (status code, k))."""
        row = self.conn.execute(
            "SELECT day, figures FROM digests WHERE day < ? ORDER BY day DESC LIMIT 1", (before,)
        ).fetchone()
        if row is None:
            return None
        figures = {p: (str(v[0]), int(v[1])) for p, v in json.loads(row[1]).items()}
        return str(row[0]), figures

    def answers_chase(self, answered: Sequence[str]) -> bool:
        """Whether a mail answers one of our reminders or digests (by the Message-IDs it answers)."""
        if not answered:
            return False
        marks = ",".join("?" * len(answered))
        sql = (
            f"SELECT 1 FROM replies WHERE kind IN ('reminder', 'digest') AND message_id IN ({marks}) LIMIT 1"
        )
        return self.conn.execute(sql, list(answered)).fetchone() is not None

    def reminder_of(self, reply_id: int) -> tuple[str, str] | None:
        """(province, scheduled day) of the reminder sent as this reply, or None."""
        row = self.conn.execute(
            "SELECT province, day FROM reminders WHERE reply_id = ?", (reply_id,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def last_senders(self, province: str, limit: int = 3) -> list[str]:
        """The addresses (lower-cased) that filed an accepted report of this province, the latest first: an
        office that only forwarded a wrong file is not the province's."""
        rows = self.conn.execute(
            "SELECT lower(sender), MAX(received_at) AS last FROM submissions WHERE province = ? "
            "AND status = 'accepted' AND sender != '' GROUP BY lower(sender) ORDER BY last DESC LIMIT ?",
            (province, limit),
        )
        return [str(r[0]) for r in rows]

    def set_aside_mails(self) -> list[SetAsideMail]:
        """Mail held or quarantined for a person, oldest first."""
        rows = self.conn.execute(
            "SELECT message_id, from_address, subject, COALESCE(outcome, ''), COALESCE(reason, ''), "
            "first_seen_at FROM mails WHERE state = 'quarantined' ORDER BY id"
        )
        return [SetAsideMail(*r) for r in rows]
