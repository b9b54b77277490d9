"""SmtpOutbox: replies sent through a real SMTP server (Gmail, or the tests' aiosmtpd).

Every failure is classified for the use case (bot/usecase/sending.py) as a `SendError.kind`, and the
session is left clean for the next reply: after a refusal inside a transaction it is reset (RSET), and
after anything else (a dropped connection, a 421, an error between MAIL and DATA) it is closed and the
next reply connects anew — one refused reply never leaves the session half-open (`503 nested MAIL`).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Callable

from bot.adapters.login_hints import login_fix
from bot.adapters.oauth import forget_access_tokens, xoauth2_string
from bot.entrypoints.config import SmtpSettings
from bot.errors import LoginError, MailboxError, SendError, SendFailure

ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def classify(code: int, text: str) -> SendFailure:
    """What an SMTP reply means for sending: Gmail's daily limit (`550 5.4.5`) and throttling (`421 4.7.x`,
    `454 4.7.0`) are quota; a refused login is login; other 5xx are permanent (`5.1.x` no such address,
    `5.7.1` policy); other 4xx, and anything unknown, transient."""
    enhanced = ENHANCED.search(text)
    detail = enhanced.group(0) if enhanced else ""
    if code in (421, 454) or detail.startswith("4.7.") or detail == "5.4.5":
        return "quota"
    if code in (530, 534, 535) or detail in ("5.7.8", "5.7.9"):
        return "login"
    if 500 <= code < 600:
        return "permanent"
    return "transient"


def needs_smtputf8(*addresses: str) -> bool:
    return any(not a.isascii() for a in addresses)


class SmtpOutbox:
    """Sends through SMTP (implicit TLS, STARTTLS or plain on loopback), logging in when a username is set."""

    def __init__(
        self,
        settings: SmtpSettings,
        credential: Callable[[], str],
        sent_check: Callable[[str], bool] | None = None,
    ) -> None:
        """`credential()` gives the password, or a fresh OAuth access token when `auth = "xoauth2"`."""
        self.settings = settings
        self._credential = credential
        self._smtp: smtplib.SMTP | None = None
        self._sent_check = sent_check

    def was_sent(self, message_id: str) -> bool:
        """SMTP cannot be asked; the mailbox's Sent folder can (Gmail files what its SMTP relays there).

        Without a Sent folder to look in, the reply is sent again: at least once rather than lost.
        """
        return self._sent_check(message_id) if self._sent_check is not None else False

    def __enter__(self) -> SmtpOutbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            with contextlib.suppress(OSError):
                smtp.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconds, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        try:
            if s.username and s.auth == "xoauth2":
                smtp.ehlo_or_helo_if_needed()
                smtp.auth("XOAUTH2", lambda challenge=None: xoauth2_string(s.username, self._credential()))
            elif s.username:
                smtp.login(s.username, self._credential())
        except BaseException:
            with contextlib.suppress(OSError):
                smtp.close()
            raise
        return smtp

    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        s = self.settings
        where = f"SMTP {s.host}:{s.port} reply {message_id} to {to_address}"
        smtp = self._session(where)
        try:
            options: list[str] = []
            if needs_smtputf8(to_address, s.from_address):
                smtp.ehlo_or_helo_if_needed()
                if not smtp.has_extn("smtputf8"):
                    raise SendError(
                        f"{where}: the address needs SMTPUTF8 (RFC 6531), which this server does not offer",
                        kind="undeliverable",
                    )
                options = ["SMTPUTF8"]
            smtp.ehlo_or_helo_if_needed()
            code, said = smtp.mail(s.from_address, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, said, s.from_address)
            code, said = smtp.rcpt(to_address)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({to_address: (code, said)})
        except SendError:
            raise
        except smtplib.SMTPRecipientsRefused as e:
            code, said = next(iter(e.recipients.values()), (0, b""))
            self._after_refusal(code)
            # A refusal of this one recipient (greylisting "450 4.7.1", a policy) is about this reply; only
            # the account's own quota or a closing server pauses all sending.
            kind = classify(code, _text(said))
            kind = "transient" if kind == "quota" and code != 421 and "5.4.5" not in _text(said) else kind
            raise SendError(f"{where}: refused: {code} {_text(said)}", kind=kind, code=code) from e
        except smtplib.SMTPResponseException as e:  # MAIL refused
            self._after_refusal(e.smtp_code)
            text = _text(e.smtp_error)
            raise SendError(f"{where}: refused: {e.smtp_code} {text}", kind=classify(e.smtp_code, text),
                            code=e.smtp_code) from e  # fmt: skip
        except (smtplib.SMTPException, OSError, UnicodeError, ValueError) as e:
            self._close()  # the session's state is unknown: the next reply connects anew
            raise SendError(f"{where}: {type(e).__name__}: {e}", kind="transient") from e
        self._data(smtp, where, raw)

    def _data(self, smtp: smtplib.SMTP, where: str, raw: bytes) -> None:
        """DATA: a refusal is a refusal; a connection lost once the message went out leaves it unknown
        whether the server took it (`uncertain`: looked up in Sent before any new attempt)."""
        said: bytes | str
        try:
            code, said = smtp.data(raw)
        except smtplib.SMTPResponseException as e:
            code, said = e.smtp_code, e.smtp_error
        except (smtplib.SMTPException, OSError) as e:
            self._close()
            raise SendError(f"{where}: {type(e).__name__} during DATA: {e}", kind="uncertain") from e
        if code != 250:
            self._after_refusal(code)
            text = _text(said)
            raise SendError(f"{where}: refused: {code} {text}", kind=classify(code, text), code=code)

    def _session(self, where: str) -> smtplib.SMTP:
        """The open session if it still answers (a server drops an idle one while the judge works), else a
        new one. Not reaching the server, or the token endpoint, pauses sending (`unreachable`)."""
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self._close()
        s = self.settings
        try:
            self._smtp = self._connect()
        except smtplib.SMTPAuthenticationError as e:
            forget_access_tokens()
            text = _text(e.smtp_error)
            fix = login_fix(f"{e.smtp_code} {text}", auth=s.auth, password_env=s.password_env)
            raise SendError(f"{where}: login refused: {e.smtp_code} {text}; {fix}", kind="login",
                            code=e.smtp_code) from e  # fmt: skip
        except LoginError as e:  # an OAuth refresh refused before we ever spoke to the server
            raise SendError(f"{where}: {e}", kind="login") from e
        except smtplib.SMTPResponseException as e:  # a greeting or EHLO refused (421 busy, 554)
            text = _text(e.smtp_error)
            raise SendError(f"{where}: connecting: {e.smtp_code} {text}", kind="unreachable",
                            code=e.smtp_code) from e  # fmt: skip
        except (smtplib.SMTPException, OSError, MailboxError) as e:  # refused, DNS, TLS, token endpoint
            raise SendError(f"{where}: cannot connect: {type(e).__name__}: {e}", kind="unreachable") from e
        return self._smtp

    def _after_refusal(self, code: int) -> None:
        if code == 421:  # the server closes the connection after a 421
            self._close()
        else:
            self._reset()

    def _reset(self) -> None:
        """After a refusal the server may still be mid-transaction: RSET, or close when that fails."""
        smtp = self._smtp
        if smtp is None:
            return
        try:
            code, _ = smtp.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._close()


def _text(value: bytes | str) -> str:
    """The server's words on one line (a multi-line reply reaches smtplib joined by newlines)."""
    return " ".join((value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)).split())
