"""XOAUTH2: a refresh token is exchanged for an access token at a real (loopback) token endpoint, cached until
a minute before it expires; a refused refresh token is a LoginError that says what the operator does."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import ClassVar

import pytest

from bot.adapters.login_hints import login_fix
from bot.adapters.oauth import (
    OAuthError,
    TokenEndpointDown,
    access_token,
    forget_access_tokens,
    xoauth2_base64,
)
from bot.entrypoints.config import OAuthSettings
from bot.errors import LoginError, MailboxError
from tests.helpers.form_post_server import FormPostHandler, serving
from tests.helpers.loopback import LOOPBACK, free_port


class TokenEndpoint(FormPostHandler):
    """Google's answers: a token for an hour for the good refresh token, invalid_grant for a revoked one,
    invalid_client (401) for a wrong client secret; every POST is recorded."""

    requests: ClassVar[list[dict[str, str]]] = []
    issued: ClassVar[int] = 0

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        TokenEndpoint.requests.append(form)
        if form.get("client_secret") != "s3cret":
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        if form.get("refresh_token") == "good-refresh":
            TokenEndpoint.issued += 1
            return 200, {"access_token": f"ya29.fresh-{TokenEndpoint.issued}", "expires_in": 3599}
        return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def endpoint() -> Iterator[str]:
    TokenEndpoint.requests, TokenEndpoint.issued = [], 0
    forget_access_tokens()
    with serving(TokenEndpoint) as url:
        yield f"{url}/token"
    forget_access_tokens()


def settings(url: str) -> OAuthSettings:
    return OAuthSettings(
        token_url=url, client_id="cid", client_secret_env="T_SECRET", refresh_token_env="T_RT"
    )


@pytest.fixture
def good(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_SECRET", "s3cret")
    monkeypatch.setenv("T_RT", "good-refresh")


@pytest.mark.usefixtures("good")
def test_refresh_token_is_exchanged_for_access_token(endpoint: str) -> None:
    assert access_token(settings(endpoint)) == "ya29.fresh-1"
    assert TokenEndpoint.requests == [
        {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "s3cret",
         "refresh_token": "good-refresh"}
    ]  # fmt: skip


@pytest.mark.usefixtures("good")
def test_two_connects_within_the_tokens_life_cost_one_post(endpoint: str) -> None:
    clock = Clock()
    first = access_token(settings(endpoint), clock=clock)
    clock.now += 3599 - 61  # one second more than a minute before it expires
    second = access_token(settings(endpoint), clock=clock)

    assert first == second == "ya29.fresh-1"
    assert len(TokenEndpoint.requests) == 1


@pytest.mark.usefixtures("good")
def test_a_token_within_a_minute_of_expiry_is_renewed(endpoint: str) -> None:
    clock = Clock()
    access_token(settings(endpoint), clock=clock)
    clock.now += 3599 - 60

    assert access_token(settings(endpoint), clock=clock) == "ya29.fresh-2"
    assert access_token(settings(endpoint), clock=clock) == "ya29.fresh-2"
    assert len(TokenEndpoint.requests) == 2


@pytest.mark.usefixtures("good")
def test_a_new_refresh_token_is_not_served_the_old_ones_access_token(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    access_token(settings(endpoint), clock=clock)
    monkeypatch.setenv("T_RT", "revoked")

    with pytest.raises(LoginError):
        access_token(settings(endpoint), clock=clock)
    assert len(TokenEndpoint.requests) == 2


def test_revoked_refresh_token_is_a_login_error_that_says_what_to_do(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_SECRET", "s3cret")
    monkeypatch.setenv("T_RT", "revoked")

    with pytest.raises(LoginError) as caught:
        access_token(settings(endpoint))

    e = caught.value
    assert isinstance(e, MailboxError) and isinstance(e, OAuthError)
    assert "answered 400 invalid_grant (Token has been expired or revoked.)" in str(e)
    assert e.fix.startswith("the refresh token was revoked or expired; ")
    assert '"Testing" publishing status' in e.fix and "7 days" in e.fix
    assert 'auth = "password"' in e.fix and "localreport oauth-token --config" in e.fix
    assert e.fix.endswith("store the new token in $T_RT")
    assert "\n" not in str(e)


def test_a_wrong_client_secret_says_to_check_the_client(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_SECRET", "wrong")
    monkeypatch.setenv("T_RT", "good-refresh")

    with pytest.raises(LoginError, match=r"answered 401 invalid_client.*client secret in \$T_SECRET"):
        access_token(settings(endpoint))


@pytest.mark.usefixtures("good")
def test_an_unreachable_endpoint_is_a_mailbox_error_not_a_login_error() -> None:
    url = f"http://{LOOPBACK}:{free_port()}/token"
    with pytest.raises(TokenEndpointDown, match="unreachable") as caught:
        access_token(settings(url), timeout=5)
    assert isinstance(caught.value, MailboxError) and not isinstance(caught.value, LoginError)


def test_xoauth2_initial_response_has_gmail_layout() -> None:
    raw = base64.b64decode(xoauth2_base64("Localreport.dla@gmail.com", "ya29.x"))
    assert raw == b"user=Localreport.dla@gmail.com\x01auth=Bearer ya29.x\x01\x01"


# ------------------------------------------------------------------ Gmail's login refusals, for the operator

GMAIL = {  # what imaplib / imap_tools and smtplib put in their exceptions, from Gmail's real answers
    "imap app password": "Response status \"OK\" expected, but \"NO\" received. Data: [b'[ALERT] "
    "Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)']",
    "smtp app password": "(534, b'5.7.9 Application-specific password required. Learn more at\\n5.7.9  "
    "https://support.google.com/mail/?p=InvalidSecondFactor d9443c01a7336-1e0bsm12plg.42 - gsmtp')",
    "smtp app password, wire": "534-5.7.9 Application-specific password required. Learn more at\n"
    "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor",
    "imap bad credentials": "b'[AUTHENTICATIONFAILED] Invalid credentials (Failure)'",
    "smtp bad credentials": "(535, b'5.7.8 Username and Password not accepted. For more information, go to\\n"
    "5.7.8  https://support.google.com/mail/?p=BadCredentials 98e67ed59e1d1-2a1fsm12a91.22 - gsmtp')",
    "imap web login": "b'[ALERT] Please log in via your web browser: "
    "https://support.google.com/mail/accounts/answer/78754 (Failure)'",
    "imap webalert": "b'[WEBALERT https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbsQ2x] "
    "Web login required.'",
    "smtp web login": "(534, b'5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbu>\\n"
    "5.7.14 Please log in via your web browser and\\n5.7.14 then try again.\\n5.7.14  Learn more at\\n"
    "5.7.14  https://support.google.com/mail/answer/78754 a3sm1234567pfx.88 - gsmtp')",
}  # fmt: skip
EXPECTED = {
    "imap app password": "turn on 2-Step Verification",
    "smtp app password": "turn on 2-Step Verification",
    "smtp app password, wire": "turn on 2-Step Verification",
    "imap bad credentials": "is an app password, not the account's own password",
    "smtp bad credentials": "is an app password, not the account's own password",
    "imap web login": "sign in to the account once in a web browser from this machine's network",
    "imap webalert": "sign in to the account once in a web browser from this machine's network",
    "smtp web login": "sign in to the account once in a web browser from this machine's network",
}


@pytest.mark.parametrize("case", sorted(GMAIL))
def test_each_gmail_refusal_gets_its_fix_in_one_line(case: str) -> None:
    fix = login_fix(GMAIL[case], auth="password", password_env="LOCALREPORT_IMAP_PASSWORD")

    assert EXPECTED[case] in fix
    assert "\n" not in fix


def test_the_app_password_fix_names_the_variable_to_fill() -> None:
    fix = login_fix(GMAIL["imap app password"], auth="password", password_env="MY_PW")
    assert fix.endswith(
        "create an app password (Google Account → Security → App passwords) and put it in $MY_PW"
    )


def test_refused_xoauth2_credentials_say_to_run_oauth_token_again() -> None:
    fix = login_fix(GMAIL["imap bad credentials"], auth="xoauth2", password_env="UNUSED")
    assert "localreport oauth-token --config" in fix and "UNUSED" not in fix


def test_an_unknown_refusal_says_to_check_username_and_credentials() -> None:
    fix = login_fix("b'LOGIN failed.'", auth="password", password_env="MY_PW")
    assert fix == "check the username and the credentials in $MY_PW"
