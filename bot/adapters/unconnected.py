"""Stand-ins for the mailbox and the outbox when a command needs neither (reprocessing works from the
archive): nothing is built or logged in, so no password is asked for. Using one is a programming error."""

from __future__ import annotations

from collections.abc import Iterator

from bot.errors import MailboxError, SendError
from bot.usecase.ports import InboxMessage


class NoInbox:
    def messages(self) -> Iterator[InboxMessage]:
        raise MailboxError("no mailbox is open: this command works from the archive")

    def mark_handled(self, message: InboxMessage) -> None:
        raise MailboxError(f"no mailbox is open to move uid {message.uid}")

    def quarantine(self, message: InboxMessage) -> None:
        raise MailboxError(f"no mailbox is open to move uid {message.uid}")


class NoOutbox:
    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        raise SendError(f"no outbox is open to send {message_id} to {to_address}: give --send-replies")

    def was_sent(self, message_id: str) -> bool:
        return False
