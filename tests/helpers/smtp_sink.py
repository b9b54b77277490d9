"""An in-process aiosmtpd server for the tests: it records what it receives, can refuse mail on demand and
can require AUTH. Import it from tests/helpers/servers.py."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.helpers.loopback import LoopbackServer, free_port


class ReceivedMail(NamedTuple):
    """One message as the sink received it: the envelope and the raw bytes of DATA."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.sink.refuse and self.sink.refuse_at == "rcpt":
            return self.sink.refuse_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if self.sink.refuse and self.sink.refuse_at == "data":
            return self.sink.refuse_reply
        mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        if self.sink.on_message is not None:
            try:  # before the 250: what the client saw accepted has always been filed
                self.sink.on_message(mail)
            except Exception as e:  # any failure of the hook is a temporary refusal
                self.sink.hook_errors.append(e)
                return "451 4.3.0 The test sink's on_message hook failed"
        self.sink._record(mail)
        return "250 OK: queued"


class _Controller(Controller):
    def factory(self) -> SMTP:
        # AUTH over plaintext is what loopback tests want; aiosmtpd warns about it on every connection.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return SMTP(self.handler, **self.SMTP_kwargs)  # what Controller.factory() does


class SmtpSink(LoopbackServer):
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts in `messages`.

    Set `refuse = True` to answer `refuse_reply` (default a temporary 451) at `refuse_at` ("rcpt" or
    "data"); set it back to accept again. With `auth=(user, password)` the server offers AUTH PLAIN/LOGIN
    without TLS and requires it before MAIL. `on_message(mail)` runs for each message before it is
    accepted (e.g. `ImapAccount.filer("Sent")`, to behave like Gmail); if it raises, the sink answers 451
    and keeps the exception in `hook_errors`.
    """

    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        port: int | None = None,
        on_message: Callable[[ReceivedMail], None] | None = None,
    ) -> None:
        self.port = port or free_port()  # aiosmtpd cannot take port 0
        self.auth = auth
        self.on_message = on_message
        self.hook_errors: list[Exception] = []
        self.messages: list[ReceivedMail] = []
        self.refuse = False
        self.refuse_at: Literal["rcpt", "data"] = "data"
        self.refuse_reply = "451 4.3.0 Mail refused by the test sink, try again later"
        self._arrived = threading.Condition()
        self._controller: _Controller | None = None

    def start(self) -> None:
        """Listen (again) on `port`. A stopped sink can be started again and keeps its messages."""
        if self._controller is not None:
            return
        kwargs: dict[str, Any] = {}
        if self.auth is not None:
            kwargs = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        controller = _Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; connections are then refused. Safe to call twice."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def wait_for(self, n: int, timeout: float = 5) -> list[ReceivedMail]:
        """Wait until at least `n` messages arrived and return a copy of all of them."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= n, timeout):
                raise TimeoutError(
                    f"SMTP sink got {len(self.messages)} message(s) in {timeout} s, wanted {n}"
                )
            return list(self.messages)

    def __repr__(self) -> str:
        return f"<SmtpSink {self.host}:{self.port} messages={len(self.messages)} refuse={self.refuse}>"

    def _record(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.messages.append(mail)
            self._arrived.notify_all()

    def _authenticate(
        self, server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self.auth is not None
        ok = isinstance(auth_data, LoginPassword) and self.auth == (
            auth_data.login.decode(errors="replace"),
            auth_data.password.decode(errors="replace"),
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535
