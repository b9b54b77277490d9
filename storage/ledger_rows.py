"""The values the ledger reads and writes (storage/ledger.py): mails, submissions, replies, and the
Literal types of their states, which mypy checks wherever they are used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from validators.findings import Finding, LaoRecord

MailState = Literal["new", "judged", "quarantined"]
# sending: an attempt may have reached the server; failed: final, the server will never take it (`reason`)
ReplyState = Literal["pending", "sending", "sent", "suppressed", "failed"]
SubmissionStatus = Literal["accepted", "rejected", "unreadable", "duplicate"]
SenderVerdict = Literal["verified", "unverified", "unknown_province"]  # see bot/usecase/policy.py


@dataclass(frozen=True, slots=True)
class MailRow:
    id: int
    sha256: str
    message_id: str
    state: MailState
    attempts: int
    outcome: str | None


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """Everything filed for one attachment, written in the mail's single transaction."""

    attachment_sha256: str
    filename: str
    province: str | None
    status: SubmissionStatus
    expected: int
    findings: Sequence[tuple[Finding, str]]  # (finding, Thai message)
    records: Sequence[LaoRecord]
    sender_verdict: SenderVerdict | None = None


@dataclass(frozen=True, slots=True)
class PendingReply:
    id: int
    mail_id: int | None  # None: a reminder or a digest, which answers no mail
    message_id: str
    to_address: str
    raw: bytes
    state: ReplyState  # pending, or sending: an earlier attempt may have reached the server
    kind: str = ""
    attempts: int = 0  # attempts made so far (each counted when it starts)


@dataclass(frozen=True, slots=True)
class QueuedReply:
    """A mail to send, written in the same transaction as the judgement it answers."""

    kind: str  # a reply kind, or operator_notice
    message_id: str
    to_address: str
    raw: bytes
    state: ReplyState = "pending"  # suppressed: recorded, never sent (`reason` says why)
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ArchivedMail:
    """A judged mail to judge again from the archive: its id, its bytes' sha256, when it first arrived."""

    id: int
    sha256: str
    received_at: str


class AcceptedRow(NamedTuple):
    """The key of one accepted row: when the mail that brought it arrived, which mail, submission and row,
    its province and its รหัส อปท. (a tuple: thousands are read for every reply)."""

    received_at: str  # ISO, UTC: compared as text (one format)
    mail_id: int
    submission_id: int
    rowid: int
    province: str
    code: str


def dataset_key(record: LaoRecord) -> str:
    """The key a row is counted by in its province's dataset: its รหัส อปท., else its name."""
    return record.dla_code or record.lao_full_name
