"""Wiring: settings → adapters and the use-case context. The only place that knows every backend."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings, secret
from bot.context import Context, CycleSummary
from bot.imap import ImapInbox
from bot.judge import JudgeLimits, Judgement, JudgePool
from bot.mail import Attachment
from bot.maildir import MaildirInbox
from bot.oauth import access_token
from bot.outbox import FileOutbox, SmtpOutbox
from bot.ports import Inbox, Outbox
from bot.service import rebuild_master, run_cycle
from storage.archive import Archive
from storage.ledger import Ledger
from validators import Registry, load_form, load_registry


def credential(settings: Settings, auth: str, password_env: str) -> Callable[[], str]:
    """Password from the environment, or a fresh OAuth access token at every connect."""
    if auth == "xoauth2":
        return functools.partial(access_token, settings.oauth)
    password = secret(password_env)  # read (and checked) once, at start
    return lambda: password


def make_inbox(settings: Settings) -> MaildirInbox | ImapInbox:
    m = settings.mailbox
    if m.backend == "imap":
        return ImapInbox(m, credential(settings, m.auth, m.password_env))
    return MaildirInbox(m.path, m.processed_folder, m.quarantine_folder)


def make_outbox(settings: Settings, inbox: Inbox | None) -> FileOutbox | SmtpOutbox:
    s = settings.smtp
    if s.backend == "smtp":
        sent_check = None
        if s.sent_folder and isinstance(inbox, ImapInbox):
            imap = inbox
            sent_check = functools.partial(imap.has_message_id, s.sent_folder)
        cred = credential(settings, s.auth, s.password_env) if s.username else (lambda: "")
        return SmtpOutbox(s, cred, sent_check)
    return FileOutbox(s.path)


@dataclass
class App:
    settings: Settings
    ctx: Context
    inbox: Inbox
    outbox: Outbox

    def cycle(self, stop: Callable[[], bool] = lambda: False) -> CycleSummary:
        """One poll; rebuild the master when the ledger changed since it was last built (also by a run
        that died before its rebuild) or when the file is missing."""
        summary = run_cycle(self.inbox, self.outbox, self.ctx, stop)
        ledger = self.ctx.ledger
        stamp = ledger.change_stamp()
        if stamp != ledger.meta("master_stamp") or not self.settings.storage.master_workbook.exists():
            rebuild_master_for(self.settings, ledger, self.ctx.registry)
            ledger.set_meta("master_stamp", stamp)
        return summary


@contextmanager
def open_ledger(settings: Settings) -> Iterator[Ledger]:
    with Ledger.open(settings.storage.dir / "ledger.sqlite3") as ledger:
        yield ledger


def registry_path(settings: Settings) -> Path | None:
    """The configured registry, else one imported into storage.dir, else None (the bundled one)."""
    if settings.round.registry is not None:
        return settings.round.registry
    imported = settings.storage.dir / "registry.csv"
    return imported if imported.exists() else None


def registry_for(settings: Settings) -> Registry:
    return load_registry(registry_path(settings))


def judge_limits(settings: Settings) -> JudgeLimits:
    lim = settings.limits
    return JudgeLimits(
        lim.seconds_per_attachment, lim.worker_memory_mib * 1024 * 1024, lim.workers, lim.parser_limits()
    )


def make_context(
    settings: Settings, ledger: Ledger, judge: Callable[[Sequence[Attachment]], list[Judgement]]
) -> Context:
    return Context(
        ledger=ledger,
        archive=Archive(settings.storage.dir / "archive"),
        registry=registry_for(settings),
        judge=judge,
        from_address=settings.smtp.from_address,
        from_name=settings.smtp.from_name,
        clock=lambda: dt.datetime.now(dt.UTC),
        max_attempts=settings.operations.max_attempts,
        operator_address=settings.operations.operator_address,
        form=load_form(settings.round.form),
        deadline=settings.round.deadline,
        own_addresses=tuple(
            a
            for a in (settings.smtp.from_address, settings.mailbox.username, *settings.replies.own_addresses)
            if a
        ),
        per_sender_per_hour=settings.replies.per_sender_per_hour,
        daily_cap=settings.replies.daily_cap,
        dmarc_authserv_id=settings.authentication.authserv_id
        if settings.authentication.require_dmarc
        else None,
        sender_map={k: tuple(v) for k, v in settings.senders.map.items()},
        hold_unlisted=settings.senders.unlisted == "hold",
        limits=settings.limits.parser_limits(),
    )


def judge_pool(settings: Settings) -> JudgePool:
    """The worker pool as configured; enter it to start the workers."""
    return JudgePool(registry_path(settings), settings.round.form, judge_limits(settings))


@contextmanager
def open_app(settings: Settings, pool: JudgePool | None = None) -> Iterator[App]:
    """Connect everything for one cycle; a daemon passes its long-lived judge `pool` in."""
    with ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(judge_pool(settings))
        ctx = make_context(settings, stack.enter_context(open_ledger(settings)), pool.judge_many)
        inbox = make_inbox(settings)
        stack.enter_context(inbox)
        outbox = make_outbox(settings, inbox)
        stack.enter_context(outbox)
        yield App(settings, ctx, inbox, outbox)


def rebuild_master_for(settings: Settings, ledger: Ledger, registry: Registry | None = None) -> Path:
    s = settings.storage
    registry = registry or registry_for(settings)
    rebuild_master(ledger, registry, s.master_workbook, settings.round.deadline, s.master_backups)
    return s.master_workbook


def rebuild(settings: Settings) -> Path:
    with open_ledger(settings) as ledger:
        return rebuild_master_for(settings, ledger)
