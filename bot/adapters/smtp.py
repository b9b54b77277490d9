"""SmtpOutbox: replies sent through a real SMTP server (Gmail, or the tests' aiosmtpd)."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable

from bot.adapters.oauth import xoauth2_string
from bot.entrypoints.config import SmtpSettings
from bot.errors import SendError


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
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

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
        if s.username and s.auth == "xoauth2":
            smtp.ehlo_or_helo_if_needed()
            smtp.auth("XOAUTH2", lambda challenge=None: xoauth2_string(s.username, self._credential()))
        elif s.username:
            smtp.login(s.username, self._credential())
        return smtp

    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        s = self.settings
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.sendmail(s.from_address, [to_address], raw)
        except (smtplib.SMTPException, OSError) as e:
            self._smtp = None
            raise SendError(f"SMTP {s.host}:{s.port} refused reply {message_id} to {to_address}: {e}") from e
