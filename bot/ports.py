"""The small ports the use case talks through; adapters implement them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


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
