"""XOAUTH2: a refresh token is exchanged for an access token at a real (loopback) token endpoint."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import ClassVar

import pytest

from bot.adapters.oauth import OAuthError, access_token, xoauth2_base64
from bot.entrypoints.config import OAuthSettings
from tests.helpers.form_post_server import FormPostHandler, serving


class TokenEndpoint(FormPostHandler):
    requests: ClassVar[list[dict[str, str]]] = []

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        TokenEndpoint.requests.append(form)
        if form.get("refresh_token") == "good-refresh" and form.get("client_secret") == "s3cret":
            return 200, {"access_token": "ya29.fresh", "expires_in": 3599}
        return 400, {"error": "invalid_grant"}


@pytest.fixture
def endpoint() -> Iterator[str]:
    TokenEndpoint.requests = []
    with serving(TokenEndpoint) as url:
        yield f"{url}/token"


def settings(url: str) -> OAuthSettings:
    return OAuthSettings(
        token_url=url, client_id="cid", client_secret_env="T_SECRET", refresh_token_env="T_RT"
    )


def test_refresh_token_is_exchanged_for_access_token(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_SECRET", "s3cret")
    monkeypatch.setenv("T_RT", "good-refresh")
    assert access_token(settings(endpoint)) == "ya29.fresh"
    assert TokenEndpoint.requests == [
        {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "s3cret",
         "refresh_token": "good-refresh"}
    ]  # fmt: skip


def test_revoked_refresh_token_is_a_clear_error(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_SECRET", "s3cret")
    monkeypatch.setenv("T_RT", "revoked")
    with pytest.raises(OAuthError, match=r"answered 400.*invalid_grant"):
        access_token(settings(endpoint))


def test_xoauth2_initial_response_has_gmail_layout() -> None:
    raw = base64.b64decode(xoauth2_base64("Localreport.dla@gmail.com", "ya29.x"))
    assert raw == b"user=Localreport.dla@gmail.com\x01auth=Bearer ya29.x\x01\x01"
