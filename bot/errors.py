"""Errors of the bot layer (English, with identifiers), under the project's root `LocalreportError`."""

from __future__ import annotations

from typing import Literal

from parsers.errors import LocalreportError

# How a send failed, as the use case acts on it (bot/adapters/smtp.py classifies the server's answer):
# transient: retry this reply later with backoff; quota: the account may send nothing for a while (Gmail's
# 550 5.4.5, 421 4.7.x, 454 4.7.0), pause all sending; permanent: the server will never take this reply
# (5.1.x no such user, 5.7.1 policy), end it and tell the operator; undeliverable: we will not try (an EAI
# address and a server without SMTPUTF8), end it and tell the operator; login: the server refused our login
# (Gmail's 534-5.7.9), pause all sending like quota and tell the operator the fix; unreachable: the server
# (or the OAuth token endpoint) cannot be reached, pause all sending; uncertain: the connection was lost once
# the message had gone out, so the server may have taken it (looked up in Sent before any new attempt).
SendFailure = Literal["transient", "quota", "permanent", "undeliverable", "login", "unreachable", "uncertain"]


class BotError(LocalreportError):
    """Base of every error the bot layer raises on purpose."""


class ConfigError(BotError):
    """The configuration file is missing, malformed or names an unknown key."""


class UsageError(BotError):
    """A command was given something it cannot use: a missing file, an unknown province, a bad option."""


class MailboxError(BotError):
    """The mailbox could not be read or a message could not be marked handled."""


class LoginError(MailboxError):
    """A mail server refused our login (IMAP or SMTP, password or OAuth); `fix` says what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}; {fix}")
        self.fix = fix


class SendError(BotError):
    """A reply could not be handed to the outbox (SMTP refused, disk full); `kind` says what to do next."""

    def __init__(self, message: str, *, kind: SendFailure = "transient", code: int | None = None) -> None:
        super().__init__(message)
        self.kind: SendFailure = kind
        self.code = code  # the SMTP reply code, when the server answered
