"""What the use case decides by: plain values made from the settings sections (see
`bot.entrypoints.config.Settings.rules`), so the use case never reads the configuration itself.

Each rule group comes from one section: `Identity` from [smtp] (and the addresses of [mailbox] and [replies],
its `Letter` from [round], its `Contact` from [contact]), `RoundRules` from [round], `ReplyLimits` from
[replies], `Trust` from [authentication] and [senders], `Patience` from [operations], the parser `Limits`
from [limits].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from parsers.limits import DEFAULT_LIMITS, Limits
from validators import Form, Registry

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)  # Gmail counts its sending limit over a rolling day


def _within(times: Iterable[dt.datetime], window: dt.timedelta, now: dt.datetime) -> int:
    start = now - window
    return sum(1 for t in times if start < t <= now)


@dataclass(frozen=True, slots=True)
class ReplyLimits:
    """Two separate checks: replies to one address per hour, and all replies per rolling day.

    Each takes the times replies were sent or queued (the ledger may hand over older ones: they are
    ignored). None disables that limit.
    """

    per_sender_per_hour: int | None = None
    daily_cap: int | None = None

    def sender_over_hourly_limit(self, to_sender: Iterable[dt.datetime], now: dt.datetime) -> bool:
        """One more reply to this address would exceed its hourly limit (reason `rate_limited_sender`)."""
        limit = self.per_sender_per_hour
        return limit is not None and _within(to_sender, HOUR, now) >= limit

    def daily_cap_reached(self, sent: Iterable[dt.datetime], now: dt.datetime) -> bool:
        """The rolling 24-hour cap, kept below Gmail's own sending limit, is reached (`daily_cap`)."""
        cap = self.daily_cap
        return cap is not None and _within(sent, DAY, now) >= cap


@dataclass(frozen=True, slots=True)
class Letter:
    """The department's letter the replies answer to ([round]): every reply cites it, and every reply that
    asks for something gives its deadline."""

    reference: str = "ด่วนที่สุด ที่ มท 0810.7/ว"  # as the letter is cited: urgency and number
    dated: dt.date | None = None  # the letter's date; None: not cited (never guessed)
    deadline: dt.date | None = dt.date(2020, 11, 2)


@dataclass(frozen=True, slots=True)
class Contact:
    """The signature block of every reply ([contact]): the unit that owns the round and whom to call.
    The defaults are those the letter gives; no coordinator is named unless configured."""

    unit: str = "กองพัฒนาและส่งเสริมการบริหารงานท้องถิ่น"
    group: str = "กลุ่มงานส่งเสริมการบริหารกิจการบ้านเมืองที่ดีท้องถิ่น"
    telephone: str = "0 2241 9000 ต่อ 2322"
    coordinator: str = ""  # a person's title and name, e.g. "นางสาว…"; empty: no coordinator line
    coordinator_email: str = ""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who we are: the From of our replies, every address whose mail is our own (never answered), the
    letter the replies answer to and the contact they are signed with."""

    from_address: str = "Localreport.dla@gmail.com"
    from_name: str = "ระบบรับรายงาน สถ."
    own_addresses: tuple[str, ...] = ()
    letter: Letter = Letter()
    contact: Contact = Contact()


@dataclass(frozen=True, slots=True)
class Trust:
    """Whom to believe: DMARC as our provider saw it (None: not required), and the province address list."""

    dmarc_authserv_id: str | None = None
    sender_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hold_unlisted: bool = False  # a sender not on its province's list is held for a person


@dataclass(frozen=True, slots=True)
class Patience:
    """How often a mail may fail before it is set aside, and who is told."""

    max_attempts: int = 3
    operator_address: str = ""


@dataclass(frozen=True, slots=True)
class RoundRules:
    """The reporting round: its deadline, and the registry and form that a rejection's blank form uses."""

    registry: Registry
    form: Form
    deadline: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the use case decides by (bot.entrypoints.config.Settings.rules makes it)."""

    round: RoundRules
    identity: Identity = Identity()
    limits: ReplyLimits = ReplyLimits()
    trust: Trust = Trust()
    patience: Patience = Patience()
    parse: Limits = DEFAULT_LIMITS  # for zip attachments unpacked while reading the mail
