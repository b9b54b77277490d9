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
class InboxMessage:
    """One message as the mailbox holds it: where it is, its exact bytes, when the server received it."""

    mailbox: str
    uidvalidity: str
    uid: str
    raw: bytes
    received_at: dt.datetime

    @property
    def source(self) -> tuple[str, str, str]:
        return (self.mailbox, self.uidvalidity, self.uid)


class Inbox(Protocol):
    def messages(self) -> Iterator[InboxMessage]:
        """Messages not yet marked handled, oldest first."""
        ...

    def mark_handled(self, message: InboxMessage) -> None:
        """Take the message out of the unhandled set (move it to the processed folder)."""
        ...

    def quarantine(self, message: InboxMessage) -> None:
        """Take the message out of the unhandled set into the quarantine folder, for a person to look at."""
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
