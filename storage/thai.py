"""Thai presentation of dates for people: Buddhist era, Thai month names."""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")


def thai_date(day: dt.date) -> str:
    """2 พฤศจิกายน 2563."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year + 543}"


def thai_datetime(moment: dt.datetime) -> str:
    """2 พฤศจิกายน 2563 14:05 น. (Bangkok time)."""
    local = moment.astimezone(BANGKOK) if moment.tzinfo else moment
    return f"{thai_date(local.date())} {local:%H:%M} น."


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
