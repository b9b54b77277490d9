"""Wiring: settings → adapters and the use-case context. The only place that knows every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings, secret
from bot.imap import ImapInbox
from bot.maildir import MaildirInbox
from bot.outbox import FileOutbox, SmtpOutbox
from bot.ports import Inbox, Outbox
from bot.service import Context, CycleSummary, rebuild_master, run_cycle
from storage.archive import Archive
from storage.ledger import Ledger
from validators import Registry, load_form, load_registry


def registry_for(settings: Settings) -> Registry:
    """The configured registry, else one imported into storage.dir, else the bundled one."""
    if settings.round.registry is not None:
        return load_registry(settings.round.registry)
    imported = settings.storage.dir / "registry.csv"
    return load_registry(imported if imported.exists() else None)


def make_inbox(settings: Settings) -> MaildirInbox | ImapInbox:
    m = settings.mailbox
    if m.backend == "imap":
        return ImapInbox(m, secret(m.password_env))
    return MaildirInbox(m.path, m.processed_folder)


def make_outbox(settings: Settings) -> FileOutbox | SmtpOutbox:
    s = settings.smtp
    if s.backend == "smtp":
        return SmtpOutbox(s, secret(s.password_env) if s.username else None)
    return FileOutbox(s.path)


@dataclass
class App:
    settings: Settings
    ctx: Context
    inbox: Inbox
    outbox: Outbox

    def cycle(self, stop: Callable[[], bool] = lambda: False) -> CycleSummary:
        """One poll; rebuild the master when anything changed (or when it does not exist yet)."""
        summary = run_cycle(self.inbox, self.outbox, self.ctx, stop)
        master = self.settings.storage.master_workbook
        if summary.handled or not master.exists():
            rebuild_master(self.ctx, master, self.settings.round.deadline)
        return summary


@contextmanager
def open_ledger(settings: Settings) -> Iterator[Ledger]:
    with Ledger.open(settings.storage.dir / "ledger.sqlite3") as ledger:
        yield ledger


def make_context(settings: Settings, ledger: Ledger) -> Context:
    return Context(
        ledger=ledger,
        archive=Archive(settings.storage.dir / "archive"),
        registry=registry_for(settings),
        form=load_form(settings.round.form),
        from_address=settings.smtp.from_address,
        from_name=settings.smtp.from_name,
        clock=lambda: dt.datetime.now(dt.UTC),
    )


@contextmanager
def open_app(settings: Settings) -> Iterator[App]:
    """Connect everything for one run (one cycle, or a daemon's lifetime of cycles)."""
    with ExitStack() as stack:
        ctx = make_context(settings, stack.enter_context(open_ledger(settings)))
        inbox = stack.enter_context(make_inbox(settings))
        outbox = stack.enter_context(make_outbox(settings))
        yield App(settings, ctx, inbox, outbox)


def rebuild(settings: Settings) -> Path:
    with open_ledger(settings) as ledger:
        rebuild_master(
            make_context(settings, ledger), settings.storage.master_workbook, settings.round.deadline
        )
    return settings.storage.master_workbook
