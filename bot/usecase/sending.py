"""Sending what the ledger holds as pending, and what a refusal means for the rest.

Every attempt is counted and committed before the transport is asked. What the transport says decides:

- accepted: the reply is `sent`;
- quota or throttling (Gmail's `550 5.4.5` daily limit, `421 4.7.x`, `454 4.7.0`), a refused login or a
  server out of reach: not the reply's fault — it stays pending, the attempt does not count against it,
  and *all* sending pauses until a retry time that grows with
  each pause in a row (`PAUSES`); the pause is kept in the ledger (`Pause`), shown by `health` and
  `status`, and ends at the first reply accepted after it;
- a permanent refusal (`5.1.x` no such address, `5.7.1` policy) or an address the server cannot carry
  (EAI without SMTPUTF8): the reply ends `failed` with why, and the operator is told once;
- a reminder whose turn comes after its scheduled day, or after its province completed, is not sent
  (`suppressed`, with why);
- a connection lost once the message went out: the reply stays `sending` and is looked up in the Sent
  folder before any new attempt;
- anything else is transient: this reply is tried again at the next cycle, then with its own backoff,
  and the next one goes; after
  `MAX_ATTEMPTS` attempts it ends `failed` (`gave_up`).

Nothing here ever raises for a refusal: one reply or one mail never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.errors import MailboxError, SendError
from bot.replies.notices import send_failure_notice
from bot.usecase.chase import bangkok_day
from bot.usecase.faults import crashpoint
from bot.usecase.ports import Clock, Outbox
from bot.usecase.rules import Rules
from storage import dataset
from storage.ledger import Ledger, PendingReply, QueuedReply

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10  # transient refusals of one reply before it ends `failed`


@dataclass(frozen=True, slots=True)
class Backoff:
    first: dt.timedelta
    cap: dt.timedelta

    def after(self, times: int) -> dt.timedelta:
        """The wait after the `times`-th failure in a row: first, doubled each time, at most cap (none
        before the first failure)."""
        if times <= 0:
            return dt.timedelta(0)
        wait = self.first
        for _ in range(times - 1):  # doubled step by step: 2 ** times overflows a timedelta after days
            if wait >= self.cap:
                break
            wait *= 2
        return min(wait, self.cap)


MINUTE = dt.timedelta(minutes=1)
PAUSES = {
    "quota": Backoff(60 * MINUTE, 24 * 60 * MINUTE),  # Gmail lifts its daily limit within 24 h
    "throttled": Backoff(5 * MINUTE, 60 * MINUTE),
    "login": Backoff(MINUTE, 30 * MINUTE),
    "unreachable": Backoff(MINUTE, 30 * MINUTE),
}
RETRY = Backoff(MINUTE, 60 * MINUTE)  # one reply's transient refusals


@dataclass(frozen=True, slots=True)
class Pause:
    """All sending paused until `until`, because of `reason` (quota | throttled | login); `count` pauses in
    a row; `error` the server's words. Kept in the ledger's meta table."""

    until: dt.datetime
    reason: str
    count: int
    error: str
    since: dt.datetime

    KEYS = ("sending_paused_until", "sending_pause_reason", "sending_pauses", "sending_pause_error",
            "sending_paused_since")  # fmt: skip

    @classmethod
    def load(cls, ledger: Ledger) -> Pause | None:
        until, reason, count, error, since = (ledger.meta(k) for k in cls.KEYS)
        if not until or not reason:
            return None
        return cls(dt.datetime.fromisoformat(until), reason, int(count or 1), error or "",
                   dt.datetime.fromisoformat(since or until))  # fmt: skip

    def save(self, ledger: Ledger) -> None:
        values = (self.until.isoformat(timespec="seconds"), self.reason, str(self.count), self.error,
                  self.since.isoformat(timespec="seconds"))  # fmt: skip
        ledger.set_metas(dict(zip(self.KEYS, values, strict=True)))

    @classmethod
    def clear(cls, ledger: Ledger) -> None:
        ledger.set_metas(dict.fromkeys(cls.KEYS))


def pause_kind(error: SendError) -> str | None:
    """quota | throttled | login | unreachable for a refusal that pauses all sending; None for one reply's."""
    if error.kind in ("login", "unreachable"):
        return error.kind
    if error.kind == "quota":
        return "quota" if "5.4.5" in str(error) else "throttled"
    return None


class Sender:
    """Drains the ledger's pending replies through the outbox, within the daily cap and any pause."""

    def __init__(self, outbox: Outbox, ledger: Ledger, rules: Rules, clock: Clock) -> None:
        self.outbox, self.ledger, self.rules, self.clock = outbox, ledger, rules, clock
        self.failed = 0  # replies that ended `failed` through this sender (a cycle's figures)
        self.refused = 0  # refusals of any kind
        self.sent = 0  # replies the transport accepted
        self._tried: set[int] = set()  # a reply is tried at most once per cycle (a service is one cycle)

    def tally(self) -> tuple[int, int, int]:
        """(accepted, failed for good, refused) through this sender: a cycle's figures."""
        return self.sent, self.failed, self.refused

    def send_pending(self, mail_id: int | None = None) -> int:
        """Send the replies that are due (all, or one mail's); never twice (an uncertain one is looked up
        first). Returns how many the transport accepted. An operator's notice queued by a failure goes
        out in the same call."""
        pause = Pause.load(self.ledger)
        if pause is not None and pause.until > self.clock():
            log.info("sending paused until %s (%s); replies wait in the ledger", pause.until.isoformat(),
                     pause.reason)  # fmt: skip
            return 0
        had_pause = pause is not None  # an ended pause: cleared at the first reply accepted
        sent, failed_before = 0, self.failed
        for pending in self.ledger.pending_replies(mail_id, due=self.clock()):
            if self._daily_cap_reached():
                log.warning("daily cap of %s replies reached; the rest wait in the ledger",
                            self.rules.limits.daily_cap)  # fmt: skip
                return sent
            if pending.id in self._tried or (pending.state == "sending" and self._already_sent(pending)):
                continue
            if pending.kind == "reminder" and (stale := self._stale_reminder(pending)) is not None:
                self.ledger.mark_reply_suppressed(pending.id, stale)
                log.info("reminder %s to %s not sent: %s", pending.message_id, pending.to_address, stale)
                continue
            self._tried.add(pending.id)
            self.ledger.mark_reply_sending(pending.id)
            try:
                self.outbox.send(pending.message_id, pending.to_address, pending.raw)
            except SendError as e:
                if self._refused(pending, e):
                    return sent  # all sending paused
                continue
            crashpoint("after_smtp_accept")
            self.ledger.mark_reply_sent(pending.id)
            sent += 1
            self.sent += 1
            if had_pause:
                had_pause = False
                Pause.clear(self.ledger)  # the server takes mail again: the next pause starts short
                log.warning("sending resumed: the server accepted a reply")
        if self.failed > failed_before and self.rules.patience.operator_address:
            sent += self.send_pending(mail_id)  # the notices about replies that failed for good
        return sent

    def _stale_reminder(self, pending: PendingReply) -> str | None:
        """Why a reminder held back (a pause, the daily cap, retries) is no longer true when its turn comes:
        its scheduled day has passed, or its province completed meanwhile. None: send it."""
        found = self.ledger.reminder_of(pending.id)
        if found is None:
            return None
        province, day = found
        if bangkok_day(self.clock()).isoformat() != day:
            return "reminder_day_passed"
        codes = [lao.dla_code for lao in self.rules.round.registry.laos_in(province)]
        if codes and not dataset.completeness(self.ledger, province, codes).missing:
            return "province_complete"
        return None

    def _already_sent(self, pending: PendingReply) -> bool:
        """After a crash mid-send: the transport is asked whether the reply reached it (Sent folder)."""
        try:
            found = self.outbox.was_sent(pending.message_id)
        except MailboxError as e:  # cannot look now: sending blindly could send twice, so wait
            log.warning(
                "cannot look up reply %s in Sent (%s); trying again next cycle", pending.message_id, e
            )
            return True
        if found:
            log.info("reply %s already reached the server before a crash; not sending again",
                     pending.message_id)  # fmt: skip
            self.ledger.mark_reply_sent(pending.id)
        return found

    def _refused(self, pending: PendingReply, error: SendError) -> bool:
        """Record a refusal against its reply; True when it pauses all sending."""
        self.refused += 1
        text = str(error)
        kind = pause_kind(error)
        if kind is not None:
            self.ledger.mark_reply_paused(pending.id, text)
            self._pause(kind, text)
            return True
        attempts = pending.attempts + 1
        if error.kind == "uncertain" and attempts < MAX_ATTEMPTS:
            self.ledger.mark_reply_uncertain(pending.id, text)
            log.warning("reply %s to %s: connection lost after sending (attempt %d); it is looked up in Sent "
                        "before any new attempt: %s", pending.message_id, pending.to_address, attempts,
                        text)  # fmt: skip
            return False
        if error.kind in ("permanent", "undeliverable") or attempts >= MAX_ATTEMPTS:
            reason = {"permanent": "refused_permanently", "undeliverable": "smtputf8_unsupported"}.get(
                error.kind, "gave_up"
            )
            self._fail(pending, reason, text)
            return False
        wait = RETRY.after(attempts - 1)  # the first retry at the next cycle, then 1, 2, 4 … minutes
        self.ledger.mark_reply_retry(pending.id, text, self.clock() + wait)
        log.warning("reply %s to %s refused (attempt %d), retrying in %s: %s", pending.message_id,
                    pending.to_address, attempts, wait, text)  # fmt: skip
        return False

    def _fail(self, pending: PendingReply, reason: str, text: str) -> None:
        operator = self.rules.patience.operator_address
        notice = None
        if operator and pending.kind != "operator_notice":  # a notice that fails is not noticed again
            mail = send_failure_notice(pending.to_address, pending.message_id, reason, text).to(
                self.rules.identity.from_address, operator, self.clock()
            )
            notice = QueuedReply(mail.kind, mail.message_id, mail.to_address, mail.raw)
        self.ledger.mark_reply_failed(pending.id, reason, text, notice)
        self.failed += 1
        log.error("reply %s to %s failed for good (%s): %s", pending.message_id, pending.to_address, reason,
                  text)  # fmt: skip

    def _pause(self, kind: str, text: str) -> None:
        now = self.clock()
        before = Pause.load(self.ledger)
        count = before.count + 1 if before is not None and before.reason == kind else 1
        since = before.since if before is not None else now
        pause = Pause(now + PAUSES[kind].after(count), kind, count, text, since)
        pause.save(self.ledger)
        log.error("all sending paused until %s (%s, pause %d in a row): %s", pause.until.isoformat(), kind,
                  count, text)  # fmt: skip

    def over_hourly_limit(self, to_address: str) -> bool:
        """One more reply to this address would exceed `replies.per_sender_per_hour`."""
        if not to_address or self.rules.limits.per_sender_per_hour is None:
            return False
        now = self.clock()
        recent = self.ledger.reply_times(now - dt.timedelta(hours=1), to_address=to_address)
        return self.rules.limits.sender_over_hourly_limit(recent, now)

    def _daily_cap_reached(self) -> bool:
        if self.rules.limits.daily_cap is None:
            return False
        now = self.clock()
        sent = self.ledger.reply_times(now - dt.timedelta(days=1), sent_only=True)
        return self.rules.limits.daily_cap_reached(sent, now)
