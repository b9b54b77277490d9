"""The long-running daemon: an APScheduler interval job that never overlaps itself; SIGTERM stops it."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.adapters.idle import IdleWatcher
from bot.adapters.judge_pool import JudgePool
from bot.entrypoints.config import Settings
from bot.entrypoints.health import write_heartbeat
from bot.entrypoints.wiring import credential, judge_pool, open_service, registry_for
from bot.usecase.service import CycleSummary
from validators import load_form

log = logging.getLogger(__name__)


def run_once(
    settings: Settings, stop: Callable[[], bool] = lambda: False, pool: JudgePool | None = None
) -> CycleSummary:
    with open_service(settings, pool) as service:
        summary = service.run_cycle(stop)
        # Also after a run that died before its rebuild: the ledger's change stamp tells.
        service.master.rebuild(service.ledger, only_if_changed=True)
    write_heartbeat(settings, summary.seen, summary.handled, summary.failed)
    log.info(
        "cycle seen=%d handled=%d skipped=%d failed=%d outcomes=%s",
        summary.seen, summary.handled, summary.skipped, summary.failed, summary.outcomes,
    )  # fmt: skip
    return summary


def _guarded_cycle(settings: Settings, stopping: threading.Event, pool: JudgePool) -> None:
    try:
        run_once(settings, stopping.is_set, pool)
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
