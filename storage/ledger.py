"""The SQLite ledger: the source of truth for mails, submissions, rows, findings and replies."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from storage.chase import ChaseLedger
from storage.errors import LedgerError
from storage.ledger_base import now_iso
from storage.ledger_rows import (
    AcceptedRow,
    ArchivedMail,
    MailRow,
    MailState,
    NewSubmission,
    PendingReply,
    QueuedReply,
    ReplyState,
    SenderVerdict,
    SubmissionStatus,
    dataset_key,
)
from storage.reply_queue import ReplyQueue, insert_reply
from storage.schema import migrate
from validators.findings import LaoRecord

__all__ = [
    "AcceptedRow",
    "ArchivedMail",
    "Ledger",
    "MailRow",
    "MailState",
    "NewSubmission",
    "PendingReply",
    "QueuedReply",
    "ReplyState",
    "SenderVerdict",
    "SubmissionStatus",
    "dataset_key",
    "now_iso",
]


class Ledger(ReplyQueue, ChaseLedger):
    """One SQLite file in WAL mode. Open it with `Ledger.open(path)` as a context manager."""

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Ledger]:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        except sqlite3.Error as e:
            raise LedgerError(f"cannot open ledger {path}: {e}") from e
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn, path)
        except (sqlite3.Error, LedgerError) as e:
            conn.close()
            if isinstance(e, LedgerError):
                raise
            raise LedgerError(f"cannot open ledger {path}: {e}") from e
        try:
            yield cls(conn, path)
        finally:
            conn.close()

    # --- mails -------------------------------------------------------------------------------

    def mail_by_sha(self, sha256: str) -> MailRow | None:
        row = self.conn.execute(
            "SELECT id, sha256, message_id, state, attempts, outcome FROM mails WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return MailRow(*row) if row else None

    def mail_by_fingerprint(self, fingerprint: str) -> MailRow | None:
        """A mail already judged whose identity (not bytes) matches: the same message delivered again."""
        row = self.conn.execute(
            "SELECT id, sha256, message_id, state, attempts, outcome FROM mails "
            "WHERE fingerprint = ? AND state != 'new' ORDER BY id LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return MailRow(*row) if row else None

    def mail_by_identity(self, message_id: str, from_address: str, subject: str, size: int) -> MailRow | None:
        """A mail already handled with this Message-ID, From, Subject and size: the same message met again
        (moved back to the inbox, labelled twice), recognised from a header fetch before its body is
        downloaded. Anything less is downloaded and decided by its bytes (a different mail may reuse a
        Message-ID); a mail without a Message-ID or a size is never recognised this way."""
        if not message_id or size <= 0:
            return None
        row = self.conn.execute(
            "SELECT id, sha256, message_id, state, attempts, outcome FROM mails WHERE message_id = ? "
            "AND from_address = ? AND subject = ? AND size = ? AND state != 'new' ORDER BY id LIMIT 1",
            (message_id, from_address, subject, size),
        ).fetchone()
        return MailRow(*row) if row else None

    def mail_by_source(self, mailbox: str, uidvalidity: str, uid: str) -> MailRow | None:
        row = self.conn.execute(
            "SELECT m.id, m.sha256, m.message_id, m.state, m.attempts, m.outcome FROM mails m "
            "JOIN mail_sources s ON s.mail_id = m.id WHERE s.mailbox = ? AND s.uidvalidity = ? AND s.uid = ?",
            (mailbox, uidvalidity, uid),
        ).fetchone()
        return MailRow(*row) if row else None

    def register_mail(
        self,
        sha256: str,
        fingerprint: str,
        message_id: str,
        from_address: str,
        subject: str,
        source: tuple[str, str, str],
        *,
        thread_of: int | None = None,
        size: int | None = None,
        received_at: str | None = None,
    ) -> MailRow:
        """Record a mail (once) and its mailbox location, and count one more handling attempt.

        `thread_of`: the mail whose reply this one answers (`thread_root`), for conversations; `size`: its
        bytes (for `mail_by_identity`); `received_at`: when the server received it (ISO, UTC)."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO mails (sha256, fingerprint, message_id, from_address, subject, first_seen_at, "
                "thread_of, size, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO NOTHING",
                (
                    sha256,
                    fingerprint,
                    message_id,
                    from_address,
                    subject,
                    now_iso(),
                    thread_of,
                    size,
                    received_at,
                ),
            )
            c.execute(
                "UPDATE mails SET attempts = attempts + 1 WHERE sha256 = ? AND state = 'new'", (sha256,)
            )
            mail = self.mail_by_sha(sha256)
            if mail is None:
                raise LedgerError(f"mail {sha256} vanished inside its own transaction")
            c.execute(
                "INSERT OR IGNORE INTO mail_sources (mailbox, uidvalidity, uid, mail_id) VALUES (?, ?, ?, ?)",
                (*source, mail.id),
            )
        return mail

    def record_judgement(
        self,
        mail_id: int,
        outcome: str,
        sender: str,
        received_at: str,
        submissions: Sequence[NewSubmission],
        reply: QueuedReply | None,
        *,
        rejudge: bool = False,
    ) -> None:
        """One transaction: the submissions with their rows and findings, the outcome, the reply to send.

        `reply` is None when nothing is to be sent. A first judgement needs the mail in state new;
        `rejudge=True` (reprocessing) needs it judged or quarantined.
        """
        with self.transaction() as c:
            state = c.execute("SELECT state FROM mails WHERE id = ?", (mail_id,)).fetchone()
            allowed = ("judged", "quarantined") if rejudge else ("new",)
            if state is None or state[0] not in allowed:
                raise LedgerError(
                    f"mail id {mail_id} cannot be judged now (state {state}, rejudge={rejudge})"
                )
            for sub in submissions:
                _insert_submission(c, mail_id, sender, received_at, sub)
            if reply is not None:
                insert_reply(c, mail_id, reply)
            c.execute(
                "UPDATE mails SET state = 'judged', outcome = ?, judged_at = ? WHERE id = ?",
                (outcome, now_iso(), mail_id),
            )

    def record_without_reply(
        self, mail_id: int, outcome: Literal["suppressed", "held", "quarantined"], reason: str,
        notice: QueuedReply | None = None,
    ) -> None:  # fmt: skip
        """A mail answered by nobody: suppressed (a robot) or held (for a person), with the reason."""
        with self.transaction() as c:
            state = "judged" if outcome == "suppressed" else "quarantined"
            c.execute(
                "UPDATE mails SET state = ?, outcome = ?, reason = ?, judged_at = ? WHERE id = ?",
                (state, outcome, reason, now_iso(), mail_id),
            )
            if notice is not None:
                insert_reply(c, mail_id, notice)

    def filed_status(self, attachment_sha256: str) -> str | None:
        """The status of the first filing of this exact file (accepted/rejected), or None."""
        row = self.conn.execute(
            "SELECT status FROM submissions WHERE attachment_sha256 = ? "
            "AND status IN ('accepted', 'rejected') ORDER BY id LIMIT 1",
            (attachment_sha256,),
        ).fetchone()
        return str(row[0]) if row else None

    def change_stamp(self) -> str:
        """Changes whenever something the master shows changes (a judgement, a reply's state)."""
        mails = self.conn.execute("SELECT COUNT(*), COALESCE(MAX(judged_at), '') FROM mails").fetchone()
        subs = self.conn.execute("SELECT COUNT(*) FROM submissions").fetchone()
        sent = self.conn.execute("SELECT COUNT(*) FROM replies WHERE state = 'sent'").fetchone()
        withdrawn = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM withdrawals").fetchone()
        return f"{mails[0]}:{mails[1]}:{subs[0]}:{sent[0]}:{withdrawn[0]}"

    def mails_to_rejudge(
        self, message_id: str | None = None, *, rejected: bool = False
    ) -> list[ArchivedMail]:
        """The judged (or quarantined) mails with this Message-ID, or every judged mail rejected."""
        args: tuple[str, ...] = ()
        if message_id is not None:
            sql, args = "message_id = ? AND state IN ('judged', 'quarantined')", (message_id,)
        elif rejected:
            sql = "outcome = 'rejected' AND state = 'judged'"
        else:
            return []
        rows = self.conn.execute(
            "SELECT m.id, m.sha256, (SELECT MIN(received_at) FROM submissions s WHERE s.mail_id = m.id) "
            f"FROM mails m WHERE {sql} ORDER BY m.id",
            args,
        ).fetchall()
        return [ArchivedMail(mail_id, sha, first or now_iso()) for mail_id, sha, first in rows]

    # --- conversations ----------------------------------------------------------------------------

    def thread_root(self, answered: Sequence[str], from_address: str = "") -> int | None:
        """The first mail of the thread a mail answers: found by the Message-IDs of our replies it names,
        else (with `from_address`) the thread of our latest reply to that address."""
        base = (
            "SELECT COALESCE(m.thread_of, m.id) FROM replies r JOIN mails m ON m.id = r.mail_id "
            "WHERE r.kind != 'operator_notice' AND "
        )
        if answered:
            marks = ",".join("?" * len(answered))
            row = self.conn.execute(base + f"r.message_id IN ({marks}) ORDER BY r.id DESC LIMIT 1", answered)
            if (found := row.fetchone()) is not None:
                return int(found[0])
        if from_address:
            row = self.conn.execute(base + "lower(r.to_address) = lower(?) ORDER BY r.id DESC LIMIT 1",
                                    (from_address,))  # fmt: skip
            if (found := row.fetchone()) is not None:
                return int(found[0])
        return None

    def thread_acknowledged(self, root: int) -> bool:
        """Whether a mail of this thread was already answered as a conversation or asked for the file
        instead of a link (each at most once per thread: a quoted link must not start a ping-pong)."""
        sql = (
            "SELECT 1 FROM replies r JOIN mails m ON m.id = r.mail_id "
            "WHERE r.kind IN ('conversation', 'link_only') AND (m.thread_of = ? OR m.id = ?) LIMIT 1"
        )
        return self.conn.execute(sql, (root, root)).fetchone() is not None

    # --- a province's dataset (storage/dataset.py) ------------------------------------------------

    def accepted_rows(self, province: str | None = None) -> list[AcceptedRow]:
        """Every accepted row (of one province) by its key, in the order the mails arrived (then filing
        order): the dataset is decided on these, and only its winning records are parsed (`records`)."""
        sql = (
            "SELECT s.received_at, s.mail_id, r.submission_id, r.rowid, COALESCE(s.province, ''), r.dla_code "
            "FROM records r JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'accepted'"
        )
        args: tuple[str, ...] = ()
        if province is not None:
            sql, args = sql + " AND s.province = ?", (province,)
        order = " ORDER BY s.received_at, s.mail_id, r.submission_id, r.rowid"
        return list(map(AcceptedRow._make, self.conn.execute(sql + order, args)))

    def records(self, rowids: Collection[int]) -> dict[int, LaoRecord]:
        """The accepted records with these rowids, validated: one pass over the accepted rows, parsing
        only the ones asked for (a superseded row costs its read, never its parse)."""
        wanted = set(rowids)
        sql = (
            "SELECT r.rowid, r.data FROM records r JOIN submissions s ON s.id = r.submission_id "
            "WHERE s.status = 'accepted'"
        )
        return {rowid: LaoRecord.from_json(data) for rowid, data in self.conn.execute(sql) if rowid in wanted}

    def withdraw(self, province: str, dla_code: str, reason: str) -> int:
        """Take an LAO out of the province's dataset: its rows in every mail received until now; the number
        of accepted rows of it filed so far. A row in a later mail brings it back."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO withdrawals (province, dla_code, reason, withdrawn_at, last_mail) "
                "VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM mails))",
                (province, dla_code, reason, now_iso()),
            )
            filed = c.execute(
                "SELECT COUNT(*) FROM records r JOIN submissions s ON s.id = r.submission_id "
                "WHERE s.status = 'accepted' AND s.province = ? AND r.dla_code = ?",
                (province, dla_code),
            ).fetchone()[0]
        return int(filed)

    def withdrawals(self, province: str | None = None) -> dict[tuple[str, str], int]:
        """(province, dla_code) → the last mail id its latest withdrawal covers: rows of those mails are out
        (also when such a mail is judged again), a later mail's row brings the LAO back."""
        sql = "SELECT province, dla_code, MAX(last_mail) FROM withdrawals"
        args: tuple[str, ...] = ()
        if province is not None:
            sql, args = sql + " WHERE province = ?", (province,)
        return {(p, c): int(n) for p, c, n in self.conn.execute(sql + " GROUP BY province, dla_code", args)}

    def counts(self) -> dict[str, int]:
        """Operator figures: mails by state and replies by state (`replies_pending`: waiting to go)."""
        out = {
            f"mails_{s}": n for s, n in self.conn.execute("SELECT state, COUNT(*) FROM mails GROUP BY state")
        }
        out.update(self.reply_counts())
        return out

    def note_failure(self, source: tuple[str, str, str], error: str) -> None:
        """Record why handling the mail at this mailbox location failed (it stays new and is tried again)."""
        with self.transaction() as c:
            c.execute(
                "UPDATE mails SET last_error = ? WHERE id = (SELECT mail_id FROM mail_sources "
                "WHERE mailbox = ? AND uidvalidity = ? AND uid = ?)",
                (error[:1000], *source),
            )


def _insert_submission(
    c: sqlite3.Connection, mail_id: int, sender: str, received_at: str, sub: NewSubmission
) -> None:
    errors = sum(1 for f, _ in sub.findings if f.severity == "error")
    cur = c.execute(
        "INSERT INTO submissions (mail_id, attachment_sha256, filename, province, status, rows, "
        "expected, errors, warnings, sender, received_at, sender_verdict) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            mail_id, sub.attachment_sha256, sub.filename, sub.province, sub.status,
            len(sub.records), sub.expected, errors, len(sub.findings) - errors, sender, received_at,
            sub.sender_verdict,
        ),
    )  # fmt: skip
    sid = cur.lastrowid
    c.executemany(
        "INSERT INTO records (submission_id, data, dla_code) VALUES (?, ?, ?)",
        [(sid, r.to_json(), dataset_key(r)) for r in sub.records],
    )
    c.executemany(
        "INSERT INTO findings (submission_id, severity, code, sheet, row, col, header, value, "
        "suggestion, message, ctx) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (sid, str(f.severity), f.code, f.sheet, f.row, f.column, f.header, f.value,
             f.suggestion, msg, json.dumps(dict(f.ctx), ensure_ascii=False))
            for f, msg in sub.findings
        ],
    )  # fmt: skip
