"""Stand-ins for the mailbox and the outbox when a command needs neither (reprocessing works from the
archive): nothing is built or logged in, so no password is asked for. Using one is a programming error."""

from __future__ import annotations

from collections.abc import Iterator

from bot.errors import MailboxError, SendError
from bot.usecase.ports import Envelope, InboxMessage, JunkMail


class NoInbox:
    def envelopes(self) -> Iterator[Envelope]:
        raise MailboxError("no mailbox is open: this command works from the archive")

    def fetch(self, envelope: Envelope) -> InboxMessage | None:
        raise MailboxError(f"no mailbox is open to fetch message {envelope.uid}")

    def mark_handled(self, envelope: Envelope) -> None:
        raise MailboxError(f"no mailbox is open to move message {envelope.uid}")

    def quarantine(self, envelope: Envelope) -> None:
        self.mark_handled(envelope)

    def junk(self) -> Iterator[JunkMail]:
        return iter(())

    def rescue(self, junk: JunkMail) -> None:
        self.mark_handled(junk.envelope)


class NoOutbox:
    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        raise SendError(f"no outbox is open to send {message_id} to {to_address}: give --send-replies")

    def was_sent(self, message_id: str) -> bool:
        return False
