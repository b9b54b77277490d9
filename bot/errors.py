"""Internal errors of the bot layer (English, with identifiers)."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot layer raises on purpose."""


class ConfigError(BotError):
    """The configuration file is missing, malformed or names an unknown key."""


class MailboxError(BotError):
    """The mailbox could not be read or a message could not be marked handled."""


class SendError(BotError):
    """A reply could not be handed to the outbox (SMTP refused, disk full)."""
