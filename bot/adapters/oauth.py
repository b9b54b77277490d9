"""OAuth 2.0 for Gmail (XOAUTH2): refresh token → access token before every connect, stdlib only.

`localreport oauth-token` obtains the refresh token once, with the installed-app flow: it prints Google's
consent URL, receives the code on a loopback port, and exchanges it.
"""

from __future__ import annotations

import base64
import http.server
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request

from bot.entrypoints.config import OAuthSettings, secret
from bot.errors import ConfigError

AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SCOPE = "https://mail.google.com/"


class OAuthError(ConfigError):
    """The token endpoint refused the refresh token or the client (revoked, expired, wrong client)."""


def _post(url: str, form: dict[str, str], timeout: float) -> dict[str, object]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 (URL from our config)
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode("utf-8", "replace")
        raise OAuthError(f"token endpoint {url} answered {e.code}: {detail}") from e
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise OAuthError(f"token endpoint {url} unreachable or invalid: {e}") from e
    if not isinstance(body, dict):
        raise OAuthError(f"token endpoint {url} returned {type(body).__name__}, not an object")
    return body


def access_token(settings: OAuthSettings, timeout: float = 30.0) -> str:
    """A fresh access token from the refresh token (tokens expire; call before every connect)."""
    body = _post(
        settings.token_url,
        {
            "grant_type": "refresh_token",
            "client_id": settings.client_id,
            "client_secret": secret(settings.client_secret_env),
            "refresh_token": secret(settings.refresh_token_env),
        },
        timeout,
    )
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuthError(f"token endpoint {settings.token_url} returned no access_token")
    return token


def xoauth2_string(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Gmail expects it."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


def xoauth2_base64(username: str, token: str) -> str:
    return base64.b64encode(xoauth2_string(username, token).encode()).decode()


def obtain_refresh_token(settings: OAuthSettings, port: int = 0, timeout: float = 300.0) -> str:
    """Installed-app flow on a loopback redirect; prints the consent URL and returns the refresh token."""
    if not settings.client_id:
        raise ConfigError(
            "oauth.client_id is empty: create an OAuth client of type Desktop app in Google Cloud and put "
            "its id in [oauth] client_id (see README, Gmail)"
        )
    secret(settings.client_secret_env)  # checked now, not after the person has signed in
    state = secrets.token_urlsafe(16)
    received: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            if query.get("state") == state:
                received.update(query)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write("localreport: ได้รับรหัสแล้ว ปิดหน้านี้ได้ (you may close this page)".encode())

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    redirect = f"http://127.0.0.1:{server.server_port}/"
    query = urllib.parse.urlencode({
        "client_id": settings.client_id, "redirect_uri": redirect, "response_type": "code", "scope": SCOPE,
        "access_type": "offline", "prompt": "consent", "state": state,
    })  # fmt: skip
    print(f"Open this address in a browser signed in as the mailbox account:\n\n{AUTH_URL}?{query}\n")
    thread = threading.Thread(target=server.handle_request, daemon=True)
    server.timeout = timeout
    thread.start()
    thread.join(timeout)
    server.server_close()
    if "code" not in received:
        raise OAuthError(f"no authorisation code arrived on {redirect} within {timeout:.0f} s")
    body = _post(
        settings.token_url,
        {
            "grant_type": "authorization_code", "code": received["code"], "redirect_uri": redirect,
            "client_id": settings.client_id, "client_secret": secret(settings.client_secret_env),
        },
        30.0,
    )  # fmt: skip
    token = body.get("refresh_token")
    if not isinstance(token, str):
        raise OAuthError("the token endpoint returned no refresh_token (was prompt=consent honoured?)")
    return token
