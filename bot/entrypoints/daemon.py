"""The long-running daemon: an APScheduler interval job that never overlaps itself; SIGTERM stops it."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.adapters.idle import IdleWatcher
from bot.adapters.judge_pool import JudgePool
from bot.entrypoints.chase import queue_digest, scheduled_reminders
from bot.entrypoints.config import Settings
from bot.entrypoints.health import (
    clear_login_failure,
    login_failing,
    record_login_failure,
    write_heartbeat,
)
from bot.entrypoints.wiring import credential, judge_pool, open_service, registry_for
from bot.errors import LoginError, MailboxError
from bot.usecase.service import CycleSummary
from storage.thai import BANGKOK
from validators import load_form

log = logging.getLogger(__name__)
BANGKOK_ZONE = "Asia/Bangkok"


class LoginBackoff(MailboxError):
    """The mailbox refused our login recently: no new try before the backoff ends."""


def run_once(
    settings: Settings, stop: Callable[[], bool] = lambda: False, pool: JudgePool | None = None
) -> CycleSummary:
    """One cycle. A refused login is recorded and retried only after a growing wait (LoginBackoff until
    then); the operator gets one line with the fix, in the log and in `health`."""
    failing = login_failing(settings)
    if failing is not None and not failing.due(dt.datetime.now(dt.UTC)):
        raise LoginBackoff(f"not trying the mailbox before {failing.retry_at}: {failing.line()}")
    try:
        with open_service(settings, pool) as service:
            if clear_login_failure(settings):
                log.warning("mailbox login works again")
            summary = service.run_cycle(stop)
            # Also after a run that died before its rebuild: the ledger's change stamp tells.
            service.master.rebuild(service.ledger, only_if_changed=True)
    except LoginError as e:  # the caller says it in one line (the daemon's log, or the command's exit line)
        record_login_failure(settings, str(e), e.fix, dt.datetime.now(dt.UTC))
        raise
    write_heartbeat(settings, summary.seen, summary.handled, summary.failed)
    log.info(
        "cycle seen=%d handled=%d skipped=%d failed=%d replies_sent=%d replies_failed=%d "
        "rescued_from_spam=%d bytes_downloaded=%d outcomes=%s",
        summary.seen, summary.handled, summary.skipped, summary.failed, summary.replies_sent,
        summary.replies_failed, summary.rescued_from_spam, summary.bytes_downloaded, summary.outcomes,
    )  # fmt: skip
    return summary


def _guarded_cycle(settings: Settings, stopping: threading.Event, pool: JudgePool) -> None:
    try:
        run_once(settings, stopping.is_set, pool)
    except LoginBackoff as e:
        log.debug("%s", e)
    except LoginError as e:  # one line with the fix; the backoff decides the next try
        state = login_failing(settings)
        retry = state.retry_at if state is not None else "the next interval"
        log.error("mailbox login refused (next try at %s): %s", retry, e)
    except Exception:  # a failed poll (server down, disk full) must not end the daemon; the next one retries
        log.exception("cycle failed; retrying at the next interval")


def run_forever(settings: Settings) -> None:
    """Poll every `schedule.interval_seconds`; a cycle still running when the next is due is not doubled."""
    (
        registry_for(settings),
        load_form(settings.round.form),
    )  # a bad reference file stops the start, in one line
    with judge_pool(settings) as pool:  # workers live as long as the daemon; connections are per cycle
        _schedule(settings, pool)


def _schedule(settings: Settings, pool: JudgePool) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    stopping = threading.Event()
    scheduler.add_job(
        _guarded_cycle,
        "interval",
        args=[settings, stopping, pool],
        seconds=settings.schedule.interval_seconds,
        max_instances=1,
        coalesce=True,
        next_run_time=dt.datetime.now(dt.UTC),
        id="poll",
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info("signal %s: finishing the mail in hand, then stopping", signal.Signals(signum).name)
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    _schedule_chase(settings, scheduler)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watcher = _start_idle(settings, scheduler) if settings.mailbox.backend == "imap" else None
    log.info("daemon started: polling every %ss", settings.schedule.interval_seconds)
    try:
        scheduler.start()
    finally:
        if watcher is not None:
            watcher.stop()
    log.info("daemon stopped")


def _schedule_chase(settings: Settings, scheduler: BlockingScheduler) -> None:
    """The deadline chase's cron jobs, at their times of day in Bangkok; each queues its mails and wakes
    the poll, which sends them with every rule of sending. Off unless switched on in the config."""
    digest = settings.digest.enabled and bool(settings.digest.recipients)
    jobs = (("reminders", settings.reminders.enabled, settings.reminders.time),
            ("digest", digest, settings.digest.time))  # fmt: skip
    for name, enabled, at in jobs:
        if enabled:
            trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=BANGKOK_ZONE)
            # Started after today's time (a deploy at 09:05): run once now too; both jobs are safe to repeat
            # (one reminder per province address per day, one digest per day).
            late = dt.datetime.now(BANGKOK).time() >= at
            scheduler.add_job(_chase_job, trigger, args=[settings, scheduler, name], id=name, max_instances=1,
                              coalesce=True, misfire_grace_time=3600,
                              **({"next_run_time": dt.datetime.now(dt.UTC)} if late else {}))  # fmt: skip
            log.info("%s scheduled daily at %s Asia/Bangkok", name, at.isoformat(timespec="minutes"))


def _chase_job(settings: Settings, scheduler: BlockingScheduler, name: str) -> None:
    now = dt.datetime.now(dt.UTC)
    try:
        queued = (
            scheduled_reminders(settings, now) if name == "reminders" else int(queue_digest(settings, now))
        )
    except Exception:  # a failed job must not end the daemon; tomorrow's runs again
        log.exception("%s job failed", name)
        return
    if queued:
        scheduler.modify_job("poll", next_run_time=dt.datetime.now(dt.UTC))


def _start_idle(settings: Settings, scheduler: BlockingScheduler) -> IdleWatcher | None:
    if not settings.mailbox.idle:
        return None

    def sweep_now() -> None:
        # The job never overlaps itself (max_instances=1, coalesce): a wake-up during a cycle is absorbed.
        scheduler.modify_job("poll", next_run_time=dt.datetime.now(dt.UTC))

    m = settings.mailbox
    watcher = IdleWatcher(m, credential(settings, m.auth, m.password_env), sweep_now)
    watcher.start()
    return watcher
