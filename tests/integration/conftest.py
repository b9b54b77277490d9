"""Fixtures for the test-owned mail servers (see tests/helpers/servers.py).

- `dovecot` (session): one Dovecot per run. A missing Dovecot skips the test, or fails it under CI.
- `imap_account` (function): a fresh user on that Dovecot, so tests never see each other's mail.
- `gmail_dovecot` (session), `gmail_account` (function): the same with the Gmail-like folder layout
  (`DovecotServer(profile="gmail")`: "/" separator, Thai-named special-use folders under `[Gmail]/`).
- `gmail_proxy` (function): a `GmailImapProxy` in front of `gmail_dovecot` (X-GM-EXT-1, byte counters).
- `smtp_sink` (function): an aiosmtpd sink on a random port.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.servers import (
    INSTALL_HINT,
    DovecotServer,
    GmailImapProxy,
    ImapAccount,
    SmtpSink,
    dovecot_available,
)


def _require_dovecot() -> None:
    if not dovecot_available():
        message = f"Dovecot (IMAP + LMTP) is not installed; run as root: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _fresh_account(server: DovecotServer, request: pytest.FixtureRequest) -> ImapAccount:
    # A test that killed the server for fault injection must not break the tests after it.
    server.start()
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    user = f"{slug}-{secrets.token_hex(3)}@example.test"
    password = secrets.token_urlsafe(12)
    server.add_user(user, password)
    return ImapAccount(user=user, password=password, host=server.host, port=server.port, server=server)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    _require_dovecot()
    with DovecotServer() as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer, request: pytest.FixtureRequest) -> ImapAccount:
    return _fresh_account(dovecot, request)


@pytest.fixture(scope="session")
def gmail_dovecot() -> Iterator[DovecotServer]:
    _require_dovecot()
    with DovecotServer(profile="gmail") as server:
        yield server


@pytest.fixture
def gmail_account(gmail_dovecot: DovecotServer, request: pytest.FixtureRequest) -> ImapAccount:
    return _fresh_account(gmail_dovecot, request)


@pytest.fixture
def gmail_proxy(gmail_dovecot: DovecotServer) -> Iterator[GmailImapProxy]:
    gmail_dovecot.start()
    with GmailImapProxy(gmail_dovecot) as proxy:
        yield proxy


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration/ needs a test-owned server: `pytest -m "not servers"` skips it."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.servers)
