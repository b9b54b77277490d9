"""Near-real-time wake-ups: an IMAP IDLE watcher beside the periodic sweep.

The watcher keeps its own connection, waits in IDLE (re-issued every `IDLE_SECONDS`, well inside the
29 minutes RFC 2177 allows), reconnects every `RECONNECT_SECONDS` and after any error with exponential
backoff. Any response at all only means "go look": it calls `on_news`, which runs a sweep now. A missed
notification costs nothing but latency, because the interval sweep still runs.
"""

from __future__ import annotations

import imaplib
import logging
import socket
import threading
import time
from collections.abc import Callable

import imap_tools

from bot.adapters.imap import ImapInbox
from bot.entrypoints.config import MailboxSettings
from bot.errors import LoginError

log = logging.getLogger(__name__)

IDLE_SECONDS = 9 * 60
RECONNECT_SECONDS = 25 * 60
BACKOFF_START, BACKOFF_MAX = 1.0, 300.0
LOGIN_BACKOFF_MAX = 30 * 60.0  # a refused login: Gmail locks out an account that retries every few seconds
NETWORK_ERRORS = (
    imaplib.IMAP4.error,
    imaplib.IMAP4.abort,
    imap_tools.MailboxLoginError,
    imap_tools.MailboxLogoutError,
    imap_tools.errors.UnexpectedCommandStatusError,
    ConnectionError,
    TimeoutError,
    socket.error,
)


class IdleWatcher(threading.Thread):
    """A daemon thread that calls `on_news()` whenever the folder changes. Stop it with `stop()`."""

    def __init__(
        self,
        settings: MailboxSettings,
        credential: Callable[[], str],
        on_news: Callable[[], None],
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        super().__init__(name="imap-idle", daemon=True)
        self.settings = settings
        self._credential = credential
        self.on_news = on_news
        self.idle_seconds = idle_seconds
        self._stopping = threading.Event()
        self.connected = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        backoff = BACKOFF_START
        while not self._stopping.is_set():
            try:
                self._watch()
                backoff = BACKOFF_START
            except Exception as e:  # the watcher must outlive any server trouble; the sweep covers the gap
                self.connected.clear()
                login = isinstance(e, LoginError)
                backoff = max(backoff, 60.0) if login else backoff
                log.warning("IMAP IDLE %s (%s); reconnecting in %.0f s",
                            "login refused" if login else "connection lost", e, backoff)  # fmt: skip
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, LOGIN_BACKOFF_MAX if login else BACKOFF_MAX)

    def _watch(self) -> None:
        """One connection's life: IDLE in slices until it is time to reconnect or to stop."""
        started = time.monotonic()
        with ImapInbox(self.settings, self._credential) as inbox:
            self.connected.set()
            box = inbox.box
            while not self._stopping.is_set() and time.monotonic() - started < RECONNECT_SECONDS:
                responses = box.idle.wait(timeout=self.idle_seconds)
                if responses:
                    log.debug("IDLE: %d response(s); sweeping now", len(responses))
                    self.on_news()
        self.connected.clear()
