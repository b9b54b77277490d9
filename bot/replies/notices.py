"""Mail to the operator (in English: the operator reads logs too) when a mail is held or quarantined."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.replies.mime import new_message, wire_bytes
from bot.usecase.incoming import IncomingMail

HOLD_EXPLANATIONS: Mapping[str, str] = {
    "dmarc_fail": "its Authentication-Results (from our provider) show a DMARC failure for the From domain",
    "dmarc_none": "no trusted Authentication-Results header shows a DMARC pass for the From domain",
    "sender_unlisted": "the sender is not on the configured address list of the report's province",
}


@dataclass(frozen=True, slots=True)
class OperatorMail:
    """A notice as bytes, ready to queue in the ledger beside the province replies."""

    kind: ClassVar[Literal["operator_notice"]] = "operator_notice"
    message_id: str
    to_address: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Notice:
    subject: str
    body: str

    def to(self, from_address: str, to_address: str, now: dt.datetime) -> OperatorMail:
        """The notice as an auto-generated mail, never threaded to the province's mail."""
        msg = new_message(from_address, to_address, self.subject, now, "localreport-operator")
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
        msg.set_content(self.body)
        return OperatorMail(str(msg["Message-ID"]), to_address, wire_bytes(msg, to_address))


def _about(mail: IncomingMail, sha256: str) -> str:
    return (
        f"Message-ID: {mail.message_id or '(none)'}\nFrom: {mail.from_address}\nSubject: {mail.subject}\n"
        f"Archived as sha256 {sha256}\n"
    )


def quarantine_notice(mail: IncomingMail, sha256: str, attempts: int) -> Notice:
    """A mail whose handling failed (or killed the process) `attempts - 1` times was set aside."""
    return Notice(
        f"[localreport] mail quarantined after {attempts - 1} failed attempts",
        f"A mail failed {attempts - 1} times and was moved to the quarantine folder.\n\n"
        f"{_about(mail, sha256)}\n"
        "See the daemon log for the errors; `localreport reprocess --message-id …` re-judges it once the "
        "cause is fixed.\n",
    )


def hold_notice(mail: IncomingMail, sha256: str, reason: str) -> Notice:
    """A mail was held (not answered, not filed) for a person, and why."""
    why = HOLD_EXPLANATIONS.get(reason, reason)
    return Notice(
        f"[localreport] mail held for a person: {reason}",
        f"A mail was held without a reply and without filing because {why}.\n\n{_about(mail, sha256)}\n"
        "Check it by hand; `localreport reprocess --message-id …` judges it once it is trusted.\n",
    )


SEND_FAILURE_EXPLANATIONS: Mapping[str, str] = {
    "refused_permanently": "the mail server refused it for good (no such address, or a policy refusal)",
    "smtputf8_unsupported": (
        "the address is internationalised (Thai letters) and our SMTP server does not offer SMTPUTF8, so it "
        "cannot carry it; the reply was not sent to a mangled address"
    ),
    "gave_up": "the server refused it temporarily too many times",
}


def send_failure_notice(to_address: str, message_id: str, reason: str, error: str) -> Notice:
    """A reply to a province will never be delivered: who it was for, why, and what a person can do."""
    why = SEND_FAILURE_EXPLANATIONS.get(reason, reason)
    return Notice(
        f"[localreport] reply not delivered: {reason}",
        f"The reply {message_id} to {to_address} was not delivered because {why}.\n\n"
        f"The server said: {error}\n\n"
        "The report itself is filed as judged; tell the province by telephone or from another address. "
        "`localreport status` lists replies that failed.\n",
    )
