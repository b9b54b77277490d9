"""XOAUTH2 end to end: a refresh token is exchanged at a token endpoint, and Dovecot, checking the access
token by introspection at the same (test-served) authorisation server, lets the bot in."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.adapters.oauth import OAuthError
from bot.entrypoints.config import (
    MailboxSettings,
    OAuthSettings,
    RoundSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import run_once
from tests.helpers.builders import make_report
from tests.helpers.form_post_server import FormPostHandler, serving
from tests.helpers.servers import INSTALL_HINT, DovecotServer, SmtpSink, dovecot_available

USER = "localreport.dla@example.test"
ACCESS_TOKEN = "ya29.test-access-token"


class AuthServer(FormPostHandler):
    """/token: refresh token → access token (Google's shape); /introspect: RFC 7662 for Dovecot."""

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if self.path == "/token":
            if form.get("refresh_token") == "refresh-me" and form.get("client_secret") == "shh":
                return 200, {"access_token": ACCESS_TOKEN}
            return 400, {"error": "invalid_grant"}
        active = form.get("token") == ACCESS_TOKEN
        return 200, {"active": True, "email": USER} if active else {"active": False}


@pytest.fixture(scope="module")
def auth_server() -> Iterator[str]:
    with serving(AuthServer) as url:
        yield url


@pytest.fixture(scope="module")
def oauth_dovecot(auth_server: str) -> Iterator[DovecotServer]:
    if not dovecot_available():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"Dovecot is not installed; run: {INSTALL_HINT}"
        )
    with DovecotServer(oauth2_introspection_url=f"{auth_server}/introspect") as server:
        server.add_user(USER, "not-used-for-xoauth2")
        yield server


def test_bot_logs_in_with_xoauth2_and_handles_the_mail(
    oauth_dovecot: DovecotServer, auth_server: str, smtp_sink: SmtpSink, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("T_OAUTH_SECRET", "shh")
    monkeypatch.setenv("T_OAUTH_REFRESH", "refresh-me")
    msg = EmailMessage()
    msg["From"] = "สถจ.ระนอง <ranong@dla.go.th>"
    msg["Subject"] = "รายงาน จังหวัดระนอง"
    msg["Message-ID"] = "<oauth-1@dla.go.th>"
    msg.set_content("ส่งรายงาน")
    msg.add_attachment(
        make_report("ระนอง"), maintype="application", subtype="octet-stream", filename="ระนอง.xlsx"
    )
    oauth_dovecot.deliver(USER, msg.as_bytes())
    settings = Settings(
        mailbox=MailboxSettings(
            backend="imap", host=oauth_dovecot.host, port=oauth_dovecot.port, security="none", username=USER,
            auth="xoauth2", idle=False,
        ),
        smtp=SmtpSettings(backend="smtp", host=smtp_sink.host, port=smtp_sink.port, security="none"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date(2099, 1, 1)),
        oauth=OAuthSettings(
            token_url=f"{auth_server}/token", client_id="cid", client_secret_env="T_OAUTH_SECRET",
            refresh_token_env="T_OAUTH_REFRESH",
        ),
    )  # fmt: skip

    summary = run_once(settings)

    assert (summary.failed, summary.outcomes) == (0, {"accepted": 1})
    [reply] = smtp_sink.wait_for(1)
    assert reply.rcpt_tos == ["ranong@dla.go.th"]


def test_revoked_refresh_token_fails_the_poll_with_a_clear_error(
    oauth_dovecot: DovecotServer, auth_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_OAUTH_SECRET", "shh")
    monkeypatch.setenv("T_OAUTH_REFRESH", "revoked")
    settings = Settings(
        mailbox=MailboxSettings(
            backend="imap", host=oauth_dovecot.host, port=oauth_dovecot.port, security="none", username=USER,
            auth="xoauth2",
        ),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        oauth=OAuthSettings(
            token_url=f"{auth_server}/token", client_id="cid", client_secret_env="T_OAUTH_SECRET",
            refresh_token_env="T_OAUTH_REFRESH",
        ),
    )  # fmt: skip

    with pytest.raises(OAuthError, match="invalid_grant"):
        run_once(settings)
