"""OAuth 2.0 for Gmail (XOAUTH2): refresh token → access token, cached until shortly before it expires.

Every IMAP and SMTP connect asks `access_token`; the token endpoint is asked again only when the cached
token is within a minute of its `expires_in` (Google's last an hour). A refused refresh token is a
`LoginError` whose fix tells the operator what to do; an unreachable endpoint is a `MailboxError` (nothing
was judged, the next poll tries again).

`localreport oauth-token` obtains the refresh token once, with the installed-app flow: it prints Google's
consent URL, receives the code on a loopback port, and exchanges it.
"""

from __future__ import annotations

import base64
import http.server
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from bot.entrypoints.config import OAuthSettings, secret
from bot.errors import BotError, ConfigError, LoginError, MailboxError

AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SCOPE = "https://mail.google.com/"
EARLY_SECONDS = 60.0  # a cached token is renewed this long before it expires
REFUSED = (400, 401)  # what the token endpoint answers a bad refresh token, client or code


class OAuthError(BotError):
    """The OAuth flow failed: the token endpoint refused, could not be reached, or no code arrived."""


class OAuthLoginError(LoginError, OAuthError):
    """The token endpoint refused the refresh token or the client (HTTP 400/401): our login is refused."""


class TokenEndpointDown(MailboxError, OAuthError):
    """The token endpoint could not be reached or answered garbage: nothing was judged, try again later."""


Clock = Callable[[], float]
_cache: dict[tuple[str, str, str], tuple[str, float]] = {}  # (url, client id, refresh token) → token, until
_cache_lock = threading.Lock()  # the IDLE watcher and the poll connect from different threads


def _post(url: str, form: dict[str, str], timeout: float) -> tuple[int, dict[str, object]]:
    """The endpoint's status and JSON object; a 400/401 is returned (the caller says what it means)."""
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 (URL from our config)
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, raw = int(response.status), response.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        raise TokenEndpointDown(f"token endpoint {url} unreachable: {e}; try again later") from e
    snippet = " ".join(raw[:300].decode("utf-8", "replace").split())
    if status != 200 and status not in REFUSED:
        raise TokenEndpointDown(f"token endpoint {url} answered {status}: {snippet}; try again later")
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise TokenEndpointDown(f"token endpoint {url} answered {status} with no JSON: {snippet}") from e
    if not isinstance(body, dict):
        raise TokenEndpointDown(f"token endpoint {url} returned {type(body).__name__}, not an object")
    return status, body


def _refusal(url: str, status: int, body: dict[str, object]) -> str:
    """`token endpoint URL answered 400 invalid_grant (Token has been expired or revoked.)`, on one line."""
    error, about = body.get("error", "?"), body.get("error_description")
    return " ".join(f"token endpoint {url} answered {status} {error}{f' ({about})' if about else ''}".split())


def refresh_fix(settings: OAuthSettings) -> str:
    """What the operator does when Google refuses the refresh token."""
    return (
        'the refresh token was revoked or expired; an OAuth client left in "Testing" publishing status gets '
        "refresh tokens that die after 7 days — publish the client (or use an app password with "
        '`auth = "password"`), then run `localreport oauth-token --config …` and store the new token in '
        f"${settings.refresh_token_env}"
    )


def _client_fix(settings: OAuthSettings) -> str:
    return (
        f"the OAuth client was refused; check [oauth] client_id and the client secret in "
        f"${settings.client_secret_env} (the Desktop-app client that issued the refresh token)"
    )


def access_token(settings: OAuthSettings, timeout: float = 30.0, *, clock: Clock = time.monotonic) -> str:
    """An access token for XOAUTH2: the cached one while it has more than a minute to live, else a new one
    from the refresh token. Raises OAuthLoginError (a LoginError) when the endpoint refuses."""
    refresh = secret(settings.refresh_token_env)
    key = (settings.token_url, settings.client_id, refresh)
    with _cache_lock:  # held across the POST: two threads connecting at once cost one refresh
        cached, asked = _cache.get(key), clock()
        if cached is not None and asked < cached[1]:
            return cached[0]
        _cache.pop(key, None)
        form = {
            "grant_type": "refresh_token",
            "client_id": settings.client_id,
            "client_secret": secret(settings.client_secret_env),
            "refresh_token": refresh,
        }
        status, body = _post(settings.token_url, form, timeout)
        if status in REFUSED:
            client = body.get("error") in ("invalid_client", "unauthorized_client")
            fix = _client_fix(settings) if client else refresh_fix(settings)
            raise OAuthLoginError(_refusal(settings.token_url, status, body), fix)
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token:
            raise TokenEndpointDown(f"token endpoint {settings.token_url} returned no access_token")
        if isinstance(lifetime, int | float) and lifetime > EARLY_SECONDS:  # none given: never reused
            _cache[key] = (token, asked + lifetime - EARLY_SECONDS)
        return token


def forget_access_tokens() -> None:
    """Drop every cached access token (a server refused one before its time: the next connect refreshes)."""
    with _cache_lock:
        _cache.clear()


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
    status, body = _post(
        settings.token_url,
        {
            "grant_type": "authorization_code", "code": received["code"], "redirect_uri": redirect,
            "client_id": settings.client_id, "client_secret": secret(settings.client_secret_env),
        },
        30.0,
    )  # fmt: skip
    if status in REFUSED:
        raise OAuthError(f"{_refusal(settings.token_url, status, body)}; run `localreport oauth-token` again")
    token = body.get("refresh_token")
    if not isinstance(token, str):
        raise OAuthError("the token endpoint returned no refresh_token (was prompt=consent honoured?)")
    return token
