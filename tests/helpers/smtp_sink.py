"""An in-process aiosmtpd server for the tests: it records what it receives, can refuse mail on demand (with
Gmail's own replies in `GMAIL_REPLIES`) and can require AUTH. Import it from tests/helpers/servers.py."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any, AnyStr, Literal, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.helpers.loopback import LoopbackServer, free_port

RefusalStage = Literal["mail", "rcpt", "data"]

# What Gmail's SMTP answers, as it words them (support.google.com/a/answer/3726730 and real sessions): a
# multi-line reply repeats the code with "-" on every line but the last; "- gsmtp" ends the last line.
GMAIL_REPLIES: dict[str, str] = {
    "quota": (
        "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail\r\n"
        "550-5.4.5 sending limits go to\r\n"
        "550 5.4.5  https://support.google.com/a/answer/166852 x1sm4211851pfb.27 - gsmtp"
    ),
    "throttled": (
        "421-4.7.0 Try again later, closing connection. For more information, go to\r\n"
        "421 4.7.0  https://support.google.com/a/answer/3221692 x1sm4211851pfb.27 - gsmtp"
    ),
    "temporary": "454 4.7.0 Cannot authenticate due to temporary system problem. Try again later. - gsmtp",
    "no_such_user": (
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
        "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
        "550-5.1.1 unnecessary spaces. For more information, go to\r\n"
        "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser x1sm4211851pfb.27 - gsmtp"
    ),
    "policy": (
        "550-5.7.1 The user or domain that you are sending to (or from) has a policy that\r\n"
        "550 5.7.1 prohibited the mail that you sent. x1sm4211851pfb.27 - gsmtp"
    ),
    "auth_app_password": (
        "534-5.7.9 Application-specific password required. For more information, go to\r\n"
        "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x1sm4211851pfb.27 - gsmtp"
    ),
    "busy": "451 4.3.0 Mail server temporarily rejected message. x1sm4211851pfb.27 - gsmtp",
}

_NO_SMTPUTF8 = "555 5.5.4 Unsupported option: SMTPUTF8"
_NON_ASCII = "553 5.6.7 Non-ASCII addresses not permitted for that {} (RFC 6531)"


class ReceivedMail(NamedTuple):
    """One message as the sink received it: the envelope and the raw bytes of DATA."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_EHLO(
        self, server: SMTP, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # aiosmtpd always runs with SMTPUTF8 on, so that it can read a UTF-8 address and refuse it the way a
        # real server does (553 5.6.7); off, it would answer "500 Error: strict ASCII mode" to the line.
        session.host_name = hostname  # what aiosmtpd does itself when the handler has no EHLO hook
        if self.sink.smtputf8:
            return responses
        return [r for r in responses if r[4:].upper() != "SMTPUTF8"]

    async def handle_MAIL(
        self, server: SMTP, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        smtputf8 = "SMTPUTF8" in mail_options
        if smtputf8 and not self.sink.smtputf8:
            return self.sink._refused(address, _NO_SMTPUTF8)
        if not smtputf8 and not address.isascii():
            return self.sink._refused(address, _NON_ASCII.format("sender"))
        if reply := self.sink._stage_reply("mail", envelope):
            return self.sink._refused(address, reply)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not address.isascii() and not envelope.smtp_utf8:
            return self.sink._refused(address, _NON_ASCII.format("recipient"))
        refusals = {a.lower(): reply for a, reply in self.sink.refuse_rcpt.items()}
        if reply := refusals.get(address.lower()) or self.sink._stage_reply("rcpt", envelope):
            return self.sink._refused(address, reply)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if reply := self.sink._stage_reply("data", envelope):
            return self.sink._refused(", ".join(envelope.rcpt_tos), reply)
        mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        if self.sink.on_message is not None:
            try:  # before the 250: what the client saw accepted has always been filed
                self.sink.on_message(mail)
            except Exception as e:  # any failure of the hook is a temporary refusal
                self.sink.hook_errors.append(e)
                return "451 4.3.0 The test sink's on_message hook failed"
        self.sink._record(mail)
        return "250 OK: queued"


class _SinkSMTP(SMTP):
    async def push(self, status: AnyStr) -> None:
        """Send a reply; after a 421 close the connection, as RFC 5321 4.2.2 says and Gmail does."""
        await super().push(status)
        head = status[:3]
        if head in ("421", b"421") and self.transport is not None:
            self.transport.close()


class _Controller(Controller):
    def factory(self) -> SMTP:
        # AUTH over plaintext is what loopback tests want; aiosmtpd warns about it on every connection.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return _SinkSMTP(self.handler, **self.SMTP_kwargs)  # what Controller.factory() does


class SmtpSink(LoopbackServer):
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts in `messages`.

    Refusing on demand, checked in this order (each refusal is kept in `refusals` as (address, reply): the
    sender at MAIL, the recipient at RCPT, the recipients joined by ", " at DATA, the login at AUTH):

    - `refuse_rcpt = {"a@x": reply}`: that recipient (any case) is answered `reply` at RCPT;
    - `script = [reply, ...]`: each transaction takes the next reply at `refuse_at` ("mail", "rcpt" or
      "data"); a 2xx entry (e.g. "250") lets that one through, so `["250", "250", GMAIL_REPLIES["quota"]]`
      refuses the 3rd message only. An empty script falls back to:
    - `refuse = True`: `refuse_reply` (default a temporary 451) at `refuse_at`; set it back to accept again.

    Any 421 reply also closes the connection, as Gmail does. A reply may be multi-line: "550-a\\r\\n550 b".
    `smtputf8` says whether EHLO advertises SMTPUTF8; either way a non-ASCII address without the SMTPUTF8
    parameter on MAIL gets 553 5.6.7, and the parameter itself 555 5.5.4 when not advertised.

    With `auth=(user, password)` the server offers AUTH PLAIN/LOGIN without TLS and requires it before MAIL;
    `auth_refusal` (e.g. `GMAIL_REPLIES["auth_app_password"]`) answers every AUTH with that reply instead
    (given alone, it also makes the sink offer and require AUTH). `on_message(mail)` runs for each message
    before it is accepted (e.g. `ImapAccount.filer()`, to behave like Gmail); if it raises, the sink answers
    451 and keeps the exception in `hook_errors`.
    """

    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        port: int | None = None,
        on_message: Callable[[ReceivedMail], None] | None = None,
        smtputf8: bool = False,
        auth_refusal: str | None = None,
    ) -> None:
        self.port = port or free_port()  # aiosmtpd cannot take port 0
        self.auth = auth
        self.auth_refusal = auth_refusal
        self.smtputf8 = smtputf8
        self.on_message = on_message
        self.hook_errors: list[Exception] = []
        self.messages: list[ReceivedMail] = []
        self.refusals: list[tuple[str, str]] = []
        self.refuse = False
        self.refuse_at: RefusalStage = "data"
        self.refuse_reply = "451 4.3.0 Mail refused by the test sink, try again later"
        self.refuse_rcpt: dict[str, str] = {}
        self.script: list[str] = []
        self._arrived = threading.Condition()
        self._controller: _Controller | None = None

    def start(self) -> None:
        """Listen (again) on `port`. A stopped sink can be started again and keeps its messages."""
        if self._controller is not None:
            return
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": True}  # EHLO advertises it only with `smtputf8`
        if self.auth is not None or self.auth_refusal is not None:
            kwargs |= {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
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
        return (
            f"<SmtpSink {self.host}:{self.port} messages={len(self.messages)} "
            f"refusals={len(self.refusals)} refuse={self.refuse}>"
        )

    def _record(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.messages.append(mail)
            self._arrived.notify_all()

    def _refused(self, address: str, reply: str) -> str:
        self.refusals.append((address, reply))
        return reply

    def _stage_reply(self, stage: RefusalStage, envelope: Any) -> str | None:
        """The refusal this transaction gets at `stage`, or None to go on normally. At RCPT the answer is
        kept on the envelope, so that every recipient of one message gets the same one; a refused MAIL or
        DATA ends the attempt, and the next MAIL or DATA takes the next answer."""
        if stage != self.refuse_at:
            return None
        reply: str | None = getattr(envelope, "sink_reply", None) if stage == "rcpt" else None
        if reply is None:
            reply = self.script.pop(0) if self.script else self.refuse_reply if self.refuse else "250"
            if stage == "rcpt":
                envelope.sink_reply = reply
        return None if reply.startswith("2") else reply

    def _authenticate(
        self, server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        login, password = "", ""
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode(errors="replace")
            password = auth_data.password.decode(errors="replace")
        if self.auth_refusal is not None:
            return AuthResult(success=False, handled=False, message=self._refused(login, self.auth_refusal))
        return AuthResult(success=self.auth == (login, password), handled=False)  # False: aiosmtpd says 535
