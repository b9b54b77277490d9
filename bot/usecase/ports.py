"""The small ports the use case talks through, and the types that cross them; adapters implement them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.usecase.incoming import Attachment
from validators.findings import Report

Clock = Callable[[], dt.datetime]

# How the handling of one mail ended: the reply kinds (bot.replies.compose.ReplyKind), or no province reply.
Outcome = Literal[
    "accepted", "partial", "late", "rejected", "unreadable", "duplicate", "mixed", "no_attachment",
    "conversation", "link_only", "suppressed", "held", "quarantined", "skipped",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Envelope:
    """A message as listed, before its body is downloaded: where it is, and the raw header lines that
    identify it (Message-ID, From, Subject), so a mail the ledger knows is never fetched again."""

    mailbox: str
    uidvalidity: str
    uid: str
    headers: bytes = b""
    size: int = 0  # the whole message, as the server counts it

    @property
    def source(self) -> tuple[str, str, str]:
        return (self.mailbox, self.uidvalidity, self.uid)


@dataclass(frozen=True, slots=True)
class InboxMessage:
    """One message as the mailbox holds it: its envelope, its exact bytes, when the server received it."""

    envelope: Envelope
    raw: bytes
    received_at: dt.datetime

    @property
    def uid(self) -> str:
        return self.envelope.uid

    @property
    def source(self) -> tuple[str, str, str]:
        return self.envelope.source


@dataclass(frozen=True, slots=True)
class JunkMail:
    """A message in the spam folder, judged from its headers and MIME structure only (never downloaded):
    whether it carries a spreadsheet (by type or file name), and who sent it."""

    envelope: Envelope
    from_address: str
    carries_workbook: bool


class Inbox(Protocol):
    def envelopes(self) -> Iterator[Envelope]:
        """Messages not yet marked handled, oldest first, without their bodies."""
        ...

    def fetch(self, envelope: Envelope) -> InboxMessage | None:
        """The message's exact bytes; None when it is gone (moved or expunged by someone else)."""
        ...

    def mark_handled(self, envelope: Envelope) -> None:
        """Take the message out of the unhandled set (move it to the processed folder)."""
        ...

    def quarantine(self, envelope: Envelope) -> None:
        """Take the message out of the unhandled set into the quarantine folder, for a person to look at."""
        ...

    def junk(self) -> Iterator[JunkMail]:
        """What the provider filed as spam (the `\\Junk` folder), if the mailbox has one."""
        ...

    def rescue(self, junk: JunkMail) -> None:
        """Move a mail out of spam into the inbox folder (the provider learns it is not spam)."""
        ...


class Outbox(Protocol):
    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        """Hand one reply to the transport; raise SendError when it is refused."""
        ...

    def was_sent(self, message_id: str) -> bool:
        """Whether a reply with this Message-ID already reached the transport (asked after a crash)."""
        ...


@dataclass(frozen=True, slots=True)
class Judgement:
    """One attachment's report and, when asked for and the report is rejected, the workbook with its
    errors marked (None when openpyxl cannot do it, or the worker could not finish it)."""

    report: Report
    annotated: bytes | None = None


class Judge(Protocol):
    def judge_many(self, atts: Sequence[Attachment], *, annotate: bool = True) -> list[Judgement]:
        """Judge attachments (parse, guard, validate), in the order given; never raises for a bad file."""
        ...
