"""The ledger's outbox: replies and operator notices to send, each with its attempts and its final state.

A reply is written `pending` in the transaction of the judgement it answers. Each attempt is counted and
committed as `sending` before the transport is asked (after a crash we look before sending again); it then
ends `sent`, goes back to `pending` with a time for the next attempt (a transient refusal), or ends `failed`
with the reason (a permanent refusal) — in the same transaction as the operator's notice about it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from storage.ledger_base import LedgerConnection, iso, now_iso
from storage.ledger_rows import PendingReply, QueuedReply

SENDABLE = "state IN ('pending', 'sending')"


class ReplyQueue(LedgerConnection):
    """Reply rows: queue (with a judgement), attempts, results, and the times the rate limits count."""

    def pending_replies(
        self, mail_id: int | None = None, due: dt.datetime | None = None
    ) -> list[PendingReply]:
        """Replies still to send (all, or one mail's; with `due`, only those whose next attempt is due),
        found through the index on state, oldest first."""
        sql = (
            "SELECT id, mail_id, message_id, to_address, raw, state, kind, attempts FROM replies "
            f"WHERE {SENDABLE}"
        )
        args: list[object] = []
        if mail_id is not None:
            sql += " AND mail_id = ?"
            args.append(mail_id)
        if due is not None:
            sql += " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            args.append(iso(due))
        # Replies to provinces' mail first: reminders and digests never hold one back under the daily cap.
        order = " ORDER BY kind IN ('reminder', 'digest'), id"
        return [PendingReply(*r) for r in self.conn.execute(sql + order, args)]

    def mark_reply_sending(self, reply_id: int) -> None:
        """Committed before the transport is asked: the attempt counts, and after a crash we know to look
        before resending."""
        with self.transaction() as c:
            c.execute(
                f"UPDATE replies SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND {SENDABLE}",
                (reply_id,),
            )

    def mark_reply_sent(self, reply_id: int) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE replies SET state = 'sent', sent_at = ?, next_attempt_at = NULL WHERE id = ?",
                (now_iso(), reply_id),
            )

    def mark_reply_retry(self, reply_id: int, error: str, next_attempt: dt.datetime | None) -> None:
        """Not sent this time: pending again (the attempt stays counted), tried at `next_attempt` (None:
        at the next cycle; a pause of all sending is not this reply's fault)."""
        with self.transaction() as c:
            c.execute(
                "UPDATE replies SET state = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error, iso(next_attempt) if next_attempt else None, reply_id),
            )

    def mark_reply_paused(self, reply_id: int, error: str) -> None:
        """Refused for a reason that is not this reply's (the account's quota, our login, the server out of
        reach): pending again, and the attempt does not count against it."""
        with self.transaction() as c:
            c.execute(
                "UPDATE replies SET state = 'pending', attempts = MAX(attempts - 1, 0), last_error = ?, "
                "next_attempt_at = NULL WHERE id = ?",
                (error, reply_id),
            )

    def mark_reply_suppressed(self, reply_id: int, reason: str) -> None:
        """Final, never sent: no longer true or due when its turn came (a stale reminder)."""
        with self.transaction() as c:
            c.execute(
                f"UPDATE replies SET state = 'suppressed', reason = ? WHERE id = ? AND {SENDABLE}",
                (reason, reply_id),
            )

    def mark_reply_uncertain(self, reply_id: int, error: str) -> None:
        """The connection was lost after the message went out: it stays `sending`, so the next attempt
        first looks for it in the Sent folder."""
        with self.transaction() as c:
            c.execute("UPDATE replies SET last_error = ? WHERE id = ?", (error, reply_id))

    def mark_reply_failed(self, reply_id: int, reason: str, error: str, notice: QueuedReply | None) -> None:
        """Final: the server will never take this reply. `reason` is a code, `error` the server's words;
        the operator's notice (if any) is queued in the same transaction."""
        with self.transaction() as c:
            c.execute(
                "UPDATE replies SET state = 'failed', reason = ?, last_error = ?, next_attempt_at = NULL "
                "WHERE id = ?",
                (reason, error, reply_id),
            )
            if notice is not None:
                mail_id = c.execute("SELECT mail_id FROM replies WHERE id = ?", (reply_id,)).fetchone()[0]
                insert_reply(c, mail_id, notice)

    def reply_times(
        self, since: dt.datetime, to_address: str | None = None, sent_only: bool = False
    ) -> list[dt.datetime]:
        """When replies (not operator notices) were queued or sent since `since`, for the rate limits."""
        states = ("sent",) if sent_only else ("pending", "sending", "sent")
        sql = (
            "SELECT COALESCE(sent_at, created_at) FROM replies WHERE kind != 'operator_notice' "
            f"AND state IN ({','.join('?' * len(states))}) AND COALESCE(sent_at, created_at) >= ?"
        )
        args: list[object] = [*states, iso(since)]
        if to_address is not None:
            sql += " AND lower(to_address) = lower(?)"
            args.append(to_address)
        return [dt.datetime.fromisoformat(r[0]) for r in self.conn.execute(sql, args)]

    def reply_counts(self) -> dict[str, int]:
        """Replies by state (`replies_pending` counts pending and sending), for health and status."""
        out = {
            f"replies_{s}": n
            for s, n in self.conn.execute("SELECT state, COUNT(*) FROM replies GROUP BY state")
        }
        out["replies_pending"] = out.get("replies_pending", 0) + out.pop("replies_sending", 0)
        return out


def insert_reply(c: sqlite3.Connection, mail_id: int | None, r: QueuedReply) -> int:
    """Queue one mail to send; its row id. `mail_id` None: a reminder or a digest, which answers no mail."""
    cur = c.execute(
        "INSERT INTO replies (mail_id, message_id, kind, to_address, raw, created_at, state, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (mail_id, r.message_id, r.kind, r.to_address, r.raw, now_iso(), r.state, r.reason),
    )
    return int(cur.lastrowid or 0)
