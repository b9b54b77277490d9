"""Thai presentation for people: Buddhist-era dates, Thai month names, the width Thai text takes on screen,
and the number formats that show a real date cell of a workbook in the Buddhist era."""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
BUDDHIST_ERA_OFFSET = 543
# A date cell shown the way thai_date / thai_datetime write it ("28 ตุลาคม 2563 09:15 น."), by Excel and by
# LibreOffice alike: [$-107041E] is digits 01 (0-9), calendar 07 (Thai Buddhist), locale 041E (Thai), the form
# Excel itself writes for its Thai Buddhist date formats. (LibreOffice 7.4 shows the number for the
# [$-th-TH,107] form, and [$-D07041E] switches to Thai digits.)
BE_DATE_FORMAT = "[$-107041E]d mmmm yyyy"
BE_DATETIME_FORMAT = '[$-107041E]d mmmm yyyy hh:mm "น."'

# Thai marks drawn above or below the consonant before them: they take no width of their own.
_ZERO_WIDTH = str.maketrans(
    "", "", "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)


def thai_date(day: dt.date) -> str:
    """2 พฤศจิกายน 2563."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"


def thai_datetime(moment: dt.datetime) -> str:
    """2 พฤศจิกายน 2563 14:05 น. (Bangkok time; a naive moment is taken as UTC)."""
    return f"{thai_date(bangkok(moment).date())} {bangkok(moment):%H:%M} น."


def sheet_datetime(moment: dt.datetime) -> dt.datetime:
    """The moment as a spreadsheet cell holds it: Bangkok wall-clock time, naive, to the second (a naive
    moment is taken as UTC). Shown with BE_DATETIME_FORMAT, it reads as thai_datetime writes it."""
    return bangkok(moment).replace(tzinfo=None, microsecond=0)


def bangkok(moment: dt.datetime) -> dt.datetime:
    """The moment in Bangkok time; a naive moment is taken as UTC, as the ledger writes UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(BANGKOK)


def parse_iso(text: str) -> dt.datetime:
    """A ledger timestamp (ISO 8601) as an aware datetime; a naive one is taken as UTC."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def display_width(text: str) -> int:
    """Character cells `text` takes on screen: Thai upper and lower marks add nothing."""
    return len(text.translate(_ZERO_WIDTH))
