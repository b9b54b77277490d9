"""Wiring: settings → adapters and the use case. The only place that knows every backend."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bot.adapters.files import FileOutbox
from bot.adapters.imap import ImapInbox
from bot.adapters.judge_pool import JudgeLimits, JudgePool
from bot.adapters.maildir import MaildirInbox
from bot.adapters.oauth import access_token
from bot.adapters.smtp import SmtpOutbox
from bot.adapters.unconnected import NoInbox, NoOutbox
from bot.entrypoints.config import Settings, secret
from bot.usecase.ports import Clock, Inbox, Outbox
from bot.usecase.service import MailService
from storage.archive import Archive
from storage.ledger import Ledger
from storage.master import Master
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
    """The configured outbox; with SMTP and an IMAP inbox, our Sent folder answers "was it sent?"."""
    s = settings.smtp
    if s.backend == "smtp":
        sent_check = None
        if s.sent_folder and isinstance(inbox, ImapInbox):
            sent_check = functools.partial(inbox.has_message_id, s.sent_folder)
        cred = credential(settings, s.auth, s.password_env) if s.username else (lambda: "")
        return SmtpOutbox(s, cred, sent_check)
    return FileOutbox(s.path)


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


def master_for(settings: Settings, registry: Registry) -> Master:
    """The master workbook as configured: every province of the registry, in its order."""
    s = settings.storage
    expected = {p: len(registry.laos_in(p)) for p in registry.provinces()}
    return Master(s.master_workbook, expected, settings.round.deadline, s.master_backups)


def judge_pool(settings: Settings) -> JudgePool:
    """The worker pool as configured; enter it to start the workers."""
    lim = settings.limits
    limits = JudgeLimits(
        lim.seconds_per_attachment, lim.worker_memory_mib * 1024 * 1024, lim.workers, lim.parser_limits()
    )
    return JudgePool(registry_path(settings), settings.round.form, limits)


@contextmanager
def open_service(
    settings: Settings, pool: JudgePool | None = None, *, inbox: bool = True, outbox: bool = True,
    clock: Clock | None = None,
) -> Iterator[MailService]:  # fmt: skip
    """The use case with its ports connected for one cycle; a daemon passes its long-lived judge `pool`.

    Reprocessing works from the archive: `inbox=False` builds no inbox at all (no password is asked for),
    `outbox=False` no outbox either (the service then sends nothing). `clock`: the service's time (tests of
    the deadline chase run days in minutes); by default the real one.
    """
    registry, form = registry_for(settings), load_form(settings.round.form)  # a bad file fails here, first
    with ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(judge_pool(settings))
        the_inbox: Inbox = NoInbox()
        if inbox:
            mailbox = make_inbox(settings)
            stack.enter_context(mailbox)
            the_inbox = mailbox
        the_outbox: Outbox = NoOutbox()
        if outbox:
            transport = make_outbox(settings, the_inbox if inbox else None)
            stack.enter_context(transport)
            the_outbox = transport
        yield MailService(
            inbox=the_inbox, outbox=the_outbox, judge=pool, ledger=stack.enter_context(open_ledger(settings)),
            archive=Archive(settings.storage.dir / "archive"), master=master_for(settings, registry),
            rules=settings.rules(registry, form), **({"clock": clock} if clock is not None else {}),
        )  # fmt: skip


def rebuild(settings: Settings) -> Path:
    """`localreport rebuild`: the master workbook regenerated from the ledger alone."""
    master = master_for(settings, registry_for(settings))
    with open_ledger(settings) as ledger:
        master.rebuild(ledger)
    return master.path
