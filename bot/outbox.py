"""Outboxes: FileOutbox (the embedded backend: one .eml per reply) and SmtpOutbox (a real SMTP server)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import smtplib
import ssl
from collections.abc import Callable
from pathlib import Path

from bot.config import SmtpSettings
from bot.errors import SendError
from bot.oauth import xoauth2_string


class FileOutbox:
    """Writes each reply to `path/<sha1 of Message-ID>.eml`; writing the same reply twice is a no-op."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> FileOutbox:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def file_for(self, message_id: str) -> Path:
        return self.path / f"reply-{hashlib.sha1(message_id.encode()).hexdigest()[:16]}.eml"  # noqa: S324 (a name, not security)

    def was_sent(self, message_id: str) -> bool:
        return self.file_for(message_id).exists()

    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        target = self.file_for(message_id)
        if target.exists():
            return
        tmp = target.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as e:
            raise SendError(f"cannot write reply {message_id} for {to_address} to {target}: {e}") from e


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
