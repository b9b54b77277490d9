"""IMAP IDLE wakes the daemon within seconds of a delivery, and survives a server restart."""

from __future__ import annotations

import threading
import time
from email.message import EmailMessage

from bot.adapters.idle import IdleWatcher
from bot.entrypoints.config import MailboxSettings
from tests.helpers.servers import DovecotServer, ImapAccount


def small_mail(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "tak@dla.go.th"
    msg["Subject"] = f"ทดสอบ {n}"
    msg.set_content("x")
    return msg.as_bytes()


def watcher_for(account: ImapAccount) -> tuple[IdleWatcher, threading.Event]:
    woke = threading.Event()
    settings = MailboxSettings(
        backend="imap", host=account.host, port=account.port, security="none", username=account.user,
        timeout_seconds=10,
    )  # fmt: skip
    watcher = IdleWatcher(settings, lambda: account.password, woke.set, idle_seconds=2)
    return watcher, woke


def test_delivery_wakes_the_watcher_within_seconds(imap_account: ImapAccount) -> None:
    watcher, woke = watcher_for(imap_account)
    watcher.start()
    try:
        assert watcher.connected.wait(5)
        started = time.monotonic()
        imap_account.deliver(small_mail(1))
        assert woke.wait(5)
        assert time.monotonic() - started < 3
    finally:
        watcher.stop()
        watcher.join(10)
    assert not watcher.is_alive()


def test_watcher_reconnects_after_the_server_restarts(
    imap_account: ImapAccount, dovecot: DovecotServer
) -> None:
    watcher, woke = watcher_for(imap_account)
    watcher.start()
    try:
        assert watcher.connected.wait(5)
        dovecot.restart()
        time.sleep(0.2)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not woke.is_set():
            if watcher.connected.wait(0.5):
                imap_account.deliver(small_mail(2))
                woke.wait(4)
        assert woke.is_set()
    finally:
        watcher.stop()
        watcher.join(15)
