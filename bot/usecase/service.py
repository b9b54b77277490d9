"""The use case: one mail from the inbox to the ledger, the master workbook and the reply.

`MailService` is built once from its ports (inbox, outbox, judge, ledger, archive, master, clock) and its
`Rules`; `run_cycle` lists the inbox without downloading bodies, and a mail the ledger already knows (by
its mailbox UID, else by Message-ID, From, Subject and size from a header fetch) is only moved. `handle` takes
one downloaded message through these steps, each safe to repeat:

1. archive its exact bytes (content-addressed);
2. a mail the ledger already knows (by sha256, or by fingerprint when delivered anew) is only moved;
3. count the attempt, with the thread it answers (a mail that kills the process is quarantined after
   `max_attempts`);
4. the gate: robots are never answered, doubtful mail is held for a person (policy.py);
5. judge every workbook, then commit the filing and the reply to send in one transaction — the reply
   counts the province's LAOs as the master will (storage/dataset.py), and a mail without a file in a
   thread already answered as a conversation is recorded without a reply;
6. move the mail out of the inbox, then send what the ledger holds as pending (bot/usecase/sending.py):
   a sending outage or a quota pause never leaves handled mail to be fetched again.

An error while handling one mail is logged and recorded against it (`mails.last_error`), and the cycle
goes on; a refused reply is recorded against the reply. `rejudge` judges archived mail again
(reprocessing after a registry update). The master workbook is rebuilt only by
`storage.master.Master.rebuild`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.replies.compose import FileResult, Reply, answers_our_subject, compose_reply, rejection_attachments
from bot.replies.notices import OperatorMail, hold_notice, quarantine_notice
from bot.replies.standing import ProvinceProgress, Standing
from bot.replies.texts import finding_text
from bot.usecase.faults import crashpoint
from bot.usecase.incoming import Attachment, IncomingMail, parse_mail
from bot.usecase.policy import dmarc_verdict, is_late, robot_reason, sender_provinces, sender_verdict
from bot.usecase.ports import Clock, Envelope, Inbox, InboxMessage, Judge, Judgement, Outbox, Outcome
from bot.usecase.progress import Progress
from bot.usecase.rules import Rules
from bot.usecase.sending import Sender
from bot.usecase.spam import sweep_junk
from storage.archive import Archive
from storage.dataset import completeness
from storage.ledger import ArchivedMail, Ledger, MailRow, NewSubmission, QueuedReply, ReplyState, dataset_key
from storage.ledger_base import iso
from storage.master import Master
from validators.province import sender_mismatch

log = logging.getLogger(__name__)
SOFT_ROBOT_SIGNALS = frozenset({"vendor_auto_reply", "precedence_bulk", "mailing_list"})
SetAside = Literal["held", "quarantined"]


@dataclass(frozen=True, slots=True)
class MailInHand:
    """The mail being handled: where it sits in the inbox, what it says, and its row in the ledger."""

    message: InboxMessage
    mail: IncomingMail
    sha256: str
    row: MailRow
    thread_of: int | None = None  # the mail whose reply this one answers

    def log(self, level: int, outcome: str, reason: str) -> None:
        log.log(level, "uid=%s message_id=%s outcome=%s reason=%s", self.message.uid, self.mail.message_id,
                outcome, reason)  # fmt: skip


@dataclass
class CycleSummary:
    seen: int = 0
    handled: int = 0
    skipped: int = 0
    failed: int = 0
    replies_sent: int = 0
    replies_refused: int = 0  # refusals of any kind this cycle (each recorded against its reply)
    replies_failed: int = 0  # replies that ended `failed` this cycle (refused for good)
    rescued_from_spam: int = 0
    bytes_downloaded: int = 0  # header fetches and bodies
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Judged:
    """A mail's judgement: what the reply says about each file, and what the ledger files for each."""

    results: tuple[FileResult, ...] = ()
    submissions: tuple[NewSubmission, ...] = ()


NOTHING_JUDGED = Judged()  # a mail set aside before judging


class MailService:
    """The use case, built once from its ports and rules; see the module docstring for the steps."""

    def __init__(
        self, *, inbox: Inbox, outbox: Outbox, judge: Judge, ledger: Ledger, archive: Archive,
        master: Master, rules: Rules, clock: Clock = lambda: dt.datetime.now(dt.UTC),
    ) -> None:  # fmt: skip
        self.inbox, self.outbox, self.judge = inbox, outbox, judge
        self.ledger, self.archive, self.master = ledger, archive, master
        self.rules, self.clock = rules, clock
        self.sender = Sender(outbox, ledger, rules, clock)

    # ------------------------------------------------------------------------------------ the cycle

    def run_cycle(self, stop: Callable[[], bool] = lambda: False) -> CycleSummary:
        """One poll: flush replies left pending by an earlier run, bring reports back from spam, then
        handle every unhandled message. `stop` is asked before each message (SIGTERM finishes the mail in
        hand and no more). The caller then refreshes the master (`master.rebuild(ledger,
        only_if_changed=True)`)."""
        summary = CycleSummary()
        self._before_reading("sending", self.sender.send_pending)
        sweep = functools.partial(sweep_junk, self.inbox, self.rules.trust.sender_map)
        summary.rescued_from_spam = self._before_reading("the spam sweep", sweep)
        progress = Progress("mail", None)  # a backfill of a whole mailbox shows how far it got
        for envelope in self.inbox.envelopes():
            if stop():
                break
            summary.seen += 1
            summary.bytes_downloaded += len(envelope.headers)
            progress.step()
            try:
                outcome = self._handle_envelope(envelope, summary)
            except Exception as e:  # the one broad net: log, record, keep the mail for the next cycle
                summary.failed += 1
                log.error("uid=%s outcome=failed error=%s", envelope.uid, e, exc_info=True)
                with contextlib.suppress(Exception):  # the ledger may be what failed; the log line has it
                    self.ledger.note_failure(envelope.source, f"{type(e).__name__}: {e}")
                continue
            if outcome == "skipped":
                summary.skipped += 1
            else:
                summary.handled += 1
                summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
        progress.done()
        self.sender.send_pending()  # what waited behind a failed or paused send
        summary.replies_sent, summary.replies_failed, summary.replies_refused = self.sender.tally()
        return summary

    def _handle_envelope(self, envelope: Envelope, summary: CycleSummary) -> Outcome:
        """A mail the ledger knows is moved without downloading it; any other is fetched and handled."""
        known = self.ledger.mail_by_source(*envelope.source)
        if known is None and envelope.headers:
            head = parse_mail(envelope.headers, self.rules.parse)
            identity = (head.message_id, head.from_address, head.subject, envelope.size)
            known = self.ledger.mail_by_identity(*identity)
        if known is not None and known.state != "new":
            (self.inbox.quarantine if known.state == "quarantined" else self.inbox.mark_handled)(envelope)
            log.info("uid=%s outcome=skipped reason=already_%s (not downloaded)", envelope.uid, known.state)
            return "skipped"
        if (message := self.inbox.fetch(envelope)) is None:  # moved away by someone else since the listing
            return "skipped"
        summary.bytes_downloaded += len(message.raw)
        return self.handle(message)

    def _before_reading(self, what: str, step: Callable[[], int]) -> int:
        """A step before the inbox is read, whose failure must never stop the cycle: logged, counted 0."""
        try:
            return step()
        except Exception as e:
            log.error("%s failed; reading the inbox anyway: %s", what, e, exc_info=True)
            return 0

    def handle(self, message: InboxMessage) -> Outcome:
        """Handle one message end to end and return its outcome ("skipped" when already handled)."""
        started = time.perf_counter()
        sha256 = self.archive.store(message.raw)
        mail = parse_mail(message.raw, self.rules.parse)
        known = self.ledger.mail_by_sha(sha256) or self.ledger.mail_by_fingerprint(mail.fingerprint)
        if known is not None and known.state != "new":
            (self.inbox.quarantine if known.state == "quarantined" else self.inbox.mark_handled)(
                message.envelope
            )
            self.send_pending(known.id)
            log.info("uid=%s message_id=%s outcome=skipped reason=already_%s", message.uid, mail.message_id,
                     known.state)  # fmt: skip
            return "skipped"
        # The attempt is counted (and committed) before judging: a mail that kills the process is
        # quarantined after max_attempts restarts instead of crash-looping the daemon.
        by_subject = mail.from_address if answers_our_subject(mail.subject) else ""
        thread_of = self.ledger.thread_root(mail.answers, by_subject)
        row = self.ledger.register_mail(
            sha256, mail.fingerprint, mail.message_id, mail.from_address, mail.subject, message.source,
            thread_of=thread_of, size=len(message.raw), received_at=iso(message.received_at),
        )  # fmt: skip
        m = MailInHand(message, mail, sha256, row, thread_of)
        if row.attempts > self.rules.patience.max_attempts:
            return self._quarantine(m)
        crashpoint("after_archive")  # archived and its attempt counted; nothing judged yet
        outcome, judged = self._gate(m) or self._judge_file_answer(m)
        log.info(
            "uid=%s message_id=%s province=%s outcome=%s findings=%d ms=%d",
            message.uid, mail.message_id,
            ",".join(sorted({r.province for r in judged.results if r.province})) or "-",
            outcome, sum(len(r.findings) for r in judged.results), (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return outcome

    # ------------------------------------------------------------------------------ gate and judge

    def _gate(self, m: MailInHand) -> tuple[Outcome, Judged] | None:
        """Robots are never answered; doubtful mail is held for a person. None: go on and judge it."""
        robot = robot_reason(m.mail, self.rules.identity.own_addresses)
        if robot in SOFT_ROBOT_SIGNALS and m.mail.spreadsheets:
            # A list or bulk header on a mail that carries a workbook may be a province's report sent
            # through a group: never answered automatically, but kept for a person rather than dropped.
            return self._hold(m, f"{robot}_with_workbook"), NOTHING_JUDGED
        if robot is not None:  # bounces, auto-replies, ourselves: not even judged (a bounce carries our copy)
            self.ledger.record_without_reply(m.row.id, "suppressed", robot)
            self.inbox.mark_handled(m.message.envelope)
            m.log(logging.INFO, "suppressed", robot)
            return "suppressed", NOTHING_JUDGED
        authserv_id = self.rules.trust.dmarc_authserv_id
        if authserv_id is not None:
            single = m.mail.from_address if m.mail.from_count == 1 else None  # None: judged from headers
            verdict = dmarc_verdict(m.mail.headers, authserv_id, single)
            if verdict != "pass":
                return self._hold(m, f"dmarc_{verdict}"), NOTHING_JUDGED
        return None

    def _judge_file_answer(self, m: MailInHand) -> tuple[Outcome, Judged]:
        """Judge, commit the filing and the reply in one transaction, send, then move the mail."""
        judged = self.judge_mail(m.mail)
        if self.rules.trust.hold_unlisted and any(r.sender_verdict == "unverified" for r in judged.results):
            return self._hold(m, "sender_unlisted"), judged
        thread, bare = m.thread_of, not m.mail.spreadsheets and not m.mail.other_attachments
        answering = thread is not None and bare
        if bare and ((thread is not None and self.ledger.thread_acknowledged(thread))
                     or self.ledger.answers_chase(m.mail.answers)):  # fmt: skip
            # A thank-you, a question or a quoted link in a thread we already answered as a conversation,
            # or an answer to a reminder or a digest: recorded, never answered (a mail with any attachment
            # is never a conversation).
            self.ledger.record_judgement(m.row.id, "conversation", m.mail.from_address,
                                         iso(m.message.received_at), (), None)  # fmt: skip
            self.inbox.mark_handled(m.message.envelope)
            m.log(logging.INFO, "conversation", "thread_already_acknowledged")
            return "conversation", judged
        reply = self.reply_for(m.mail, judged, m.message.received_at, answering=answering)
        limited = self.sender.over_hourly_limit(reply.to_address)
        if limited:
            m.log(logging.WARNING, reply.kind, "rate_limited_sender: reply suppressed")
        self.ledger.record_judgement(
            m.row.id, reply.kind, m.mail.from_address, iso(m.message.received_at), judged.submissions,
            _queued(reply, suppressed_because="rate_limited_sender" if limited else None),
        )  # fmt: skip
        crashpoint("after_commit")
        self.inbox.mark_handled(m.message.envelope)
        crashpoint("after_move")
        self.send_pending(m.row.id)
        return reply.kind, judged

    def judge_mail(self, mail: IncomingMail, *, refile: bool = False) -> Judged:
        """Judge every spreadsheet of a mail; a file filed before is a duplicate, unless `refile`."""
        fresh = list(
            {
                a.sha256: a for a in mail.spreadsheets
                if refile or self.ledger.filed_status(a.sha256) is None
            }.values()
        )  # fmt: skip
        judged = dict(zip((a.sha256 for a in fresh), self.judge.judge_many(fresh), strict=True))
        results: list[FileResult] = []
        submissions: list[NewSubmission] = []
        for att in mail.spreadsheets:
            judgement = judged.pop(att.sha256, None)  # the same file twice in one mail: once judged
            if judgement is None:
                first = self.ledger.filed_status(att.sha256)
                results.append(FileResult(att.filename, "duplicate", first_status=first))
                submissions.append(NewSubmission(att.sha256, att.filename, None, "duplicate", 0, (), ()))
                continue
            result, submission = self._file_one(att, judgement, mail.from_address)
            results.append(result)
            submissions.append(submission)
        return Judged(tuple(results), tuple(submissions))

    def _file_one(
        self, att: Attachment, judgement: Judgement, from_address: str
    ) -> tuple[FileResult, NewSubmission]:
        """What the reply says about one judged file, and what the ledger files for it."""
        report, trust, round_ = judgement.report, self.rules.trust, self.rules.round
        mismatch = sender_mismatch(report.province, sender_provinces(from_address, trust.sender_map))
        if mismatch is not None:  # the rows decide; a sender listed for another province is one warning
            report = dataclasses.replace(report, findings=(*report.findings, mismatch))
        verdict = (
            sender_verdict(report.province, from_address, trust.sender_map)
            if trust.sender_map and report.province else None
        )  # fmt: skip
        attachments = (
            rejection_attachments(att.filename, judgement.annotated, report.province,
                                  registry=round_.registry, form=round_.form)
            if report.status == "rejected" else ()
        )  # fmt: skip
        submission = NewSubmission(
            att.sha256, att.filename, report.province, report.status, report.expected,
            [(f, finding_text(f)) for f in report.findings],
            report.records if report.status == "accepted" else (), verdict,
        )  # fmt: skip
        return FileResult.of(report, attachments, verdict), submission

    def reply_for(
        self, mail: IncomingMail, judged: Judged, received_at: dt.datetime, *, answering: bool = False
    ) -> Reply:
        """The reply to a judged mail: late when it arrived after the deadline day; with the completeness
        of each province whose files were accepted, counted as the master counts once this is filed."""
        deadline = self.rules.round.deadline
        progress = self._progress(judged)
        # Late as the master counts it: a correction of a province that was already complete before this
        # mail does not make it late (its completion is dated by when its last LAO first arrived).
        corrections_only = bool(progress) and all(p.was_complete for p in progress)
        late = deadline is not None and is_late(received_at, deadline) and not corrections_only
        standing = Standing(deadline if late else None, progress, answering)
        return compose_reply(mail, judged.results, self.rules.identity, self.clock(), standing)

    def _progress(self, judged: Judged) -> tuple[ProvinceProgress, ...]:
        adding: dict[str, set[str]] = {}
        for sub in judged.submissions:
            if sub.status == "accepted" and sub.province:
                adding.setdefault(sub.province, set()).update(map(dataset_key, sub.records))
        out = []
        for province, codes in adding.items():
            laos = {lao.dla_code: lao for lao in self.rules.round.registry.laos_in(province)}
            done = completeness(self.ledger, province, list(laos), codes)
            missing = tuple((laos[c].district_th, laos[c].full_name_th) for c in done.missing)
            out.append(
                ProvinceProgress(
                    province, done.reported, done.expected, len(codes), missing, done.was_complete
                )
            )
        return tuple(out)

    # ------------------------------------------------------------------------------ set aside

    def _hold(self, m: MailInHand, reason: str) -> Outcome:
        """Keep a mail for a person (no reply, not filed): moved to quarantine, the operator told why."""
        return self._set_aside(m, "held", reason)

    def _quarantine(self, m: MailInHand) -> Outcome:
        """Give up on a mail whose handling failed (or killed the process) too often."""
        return self._set_aside(m, "quarantined", f"failed_{m.row.attempts - 1}_times")

    def _set_aside(self, m: MailInHand, outcome: SetAside, reason: str) -> Outcome:
        """Record why no province reply goes out, tell the operator, move the mail to quarantine."""
        told, operator = None, self.rules.patience.operator_address
        if operator:
            notice = (
                hold_notice(m.mail, m.sha256, reason) if outcome == "held"
                else quarantine_notice(m.mail, m.sha256, m.row.attempts)
            )  # fmt: skip
            told = _queued(notice.to(self.rules.identity.from_address, operator, self.clock()))
        self.ledger.record_without_reply(m.row.id, outcome, reason, told)
        self.inbox.quarantine(m.message.envelope)
        self.send_pending(m.row.id)
        m.log(logging.WARNING, outcome, reason)
        return outcome

    # ------------------------------------------------------------------------------ sending

    def send_pending(self, mail_id: int | None = None) -> int:
        """Send the replies the ledger holds as pending (bot/usecase/sending.py); never raises a refusal."""
        return int(self.sender.send_pending(mail_id))

    # ------------------------------------------------------------------------------ reprocessing

    def rejudge(self, mails: Sequence[ArchivedMail], *, answer: bool = False) -> dict[str, int]:
        """Judge archived mails again with today's registry and form, file the new submissions, rebuild the
        master; with `answer`, queue and send a new reply to each."""
        outcomes: dict[str, int] = {}
        progress = Progress("reprocess", len(mails))
        for archived in mails:
            mail = parse_mail(self.archive.load(archived.sha256), self.rules.parse)
            judged = self.judge_mail(mail, refile=True)
            reply = self.reply_for(mail, judged, dt.datetime.fromisoformat(archived.received_at))
            queued = _queued(reply) if answer and reply.to_address else None
            self.ledger.record_judgement(archived.id, reply.kind, mail.from_address, archived.received_at,
                                         judged.submissions, queued, rejudge=True)  # fmt: skip
            if answer:
                self.send_pending(archived.id)
            outcomes[reply.kind] = outcomes.get(reply.kind, 0) + 1
            log.info("reprocessed mail_id=%s message_id=%s outcome=%s", archived.id, mail.message_id,
                     reply.kind)  # fmt: skip
            progress.step()
        progress.done()
        self.master.rebuild(self.ledger)
        return outcomes


def _queued(reply: Reply | OperatorMail, suppressed_because: str | None = None) -> QueuedReply | None:
    """The ledger's row for a reply; None when there is nobody to send it to."""
    if not reply.to_address:
        return None
    state: ReplyState = "suppressed" if suppressed_because else "pending"
    return QueuedReply(reply.kind, reply.message_id, reply.to_address, reply.raw, state, suppressed_because)
