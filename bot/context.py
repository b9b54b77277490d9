"""What the use case needs besides its ports, and what one poll reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.judge import Judgement
from bot.mail import Attachment
from parsers.limits import DEFAULT_LIMITS, Limits
from storage.archive import Archive
from storage.ledger import Ledger
from validators import Form, Registry


@dataclass(frozen=True)
class Context:
    """What handle_message needs besides its ports; the clock is an argument so tests can fix it."""

    ledger: Ledger
    archive: Archive
    registry: Registry
    judge: Callable[[Sequence[Attachment]], list[Judgement]]
    from_address: str
    from_name: str
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    max_attempts: int = 3
    operator_address: str = ""
    form: Form | None = None  # for the blank form attached to a rejection
    deadline: dt.date | None = None
    own_addresses: tuple[str, ...] = ()
    per_sender_per_hour: int | None = None
    daily_cap: int | None = None
    dmarc_authserv_id: str | None = None  # None: DMARC not required
    sender_map: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hold_unlisted: bool = False
    limits: Limits = DEFAULT_LIMITS  # for zip attachments unpacked while reading the mail


@dataclass
class CycleSummary:
    seen: int = 0
    handled: int = 0
    skipped: int = 0
    failed: int = 0
    replies_sent: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
