"""Fixtures for the test-owned mail servers (see tests/helpers/servers.py).

- `dovecot` (session): one Dovecot per run. A missing Dovecot skips the test, or fails it under CI.
- `imap_account` (function): a fresh user on that Dovecot, so tests never see each other's mail.
- `smtp_sink` (function): an aiosmtpd sink on a random port.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.servers import INSTALL_HINT, DovecotServer, ImapAccount, SmtpSink, dovecot_available


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if not dovecot_available():
        message = f"Dovecot (IMAP + LMTP) is not installed; run as root: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with DovecotServer() as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer, request: pytest.FixtureRequest) -> ImapAccount:
    # A test that killed the server for fault injection must not break the tests after it.
    dovecot.start()
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    user = f"{slug}-{secrets.token_hex(3)}@example.test"
    password = secrets.token_urlsafe(12)
    dovecot.add_user(user, password)
    return ImapAccount(user=user, password=password, host=dovecot.host, port=dovecot.port, server=dovecot)


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
