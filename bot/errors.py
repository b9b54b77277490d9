"""Errors of the bot layer (English, with identifiers), under the project's root `LocalreportError`."""

from __future__ import annotations

from parsers.errors import LocalreportError


class BotError(LocalreportError):
    """Base of every error the bot layer raises on purpose."""


class ConfigError(BotError):
    """The configuration file is missing, malformed or names an unknown key."""


class UsageError(BotError):
    """A command was given something it cannot use: a missing file, an unknown province, a bad option."""


class MailboxError(BotError):
    """The mailbox could not be read or a message could not be marked handled."""


class SendError(BotError):
    """A reply could not be handed to the outbox (SMTP refused, disk full)."""
