"""Size and shape limits checked before any reader sees an attachment's contents."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.errors import LimitExceeded

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one attachment; the defaults fit a 334-row province report many times over.

    Every breach raises `LimitExceeded` (code `file_too_large`) with ctx `limit` (the field name),
    `value` (what the file has) and `maximum`.
    """

    attachment_bytes: int = 20 * MIB
    zip_entries: int = 500
    total_uncompressed_bytes: int = 200 * MIB
    entry_ratio: int = 100  # uncompressed / compressed, judged only for entries over ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MIB
    sheets: int = 100
    sheet_rows: int = 20_000
    sheet_cols: int = 200
    cells: int = 2_000_000  # padded from A1, summed over all sheets; also caps shared strings
    tag_bytes: int = 1 * MIB  # one XML start tag (its attributes) may not be longer than this


DEFAULT_LIMITS = Limits()


def check_limit(limits: Limits, name: str, value: int, filename: str = "", part: str = "") -> None:
    """Raise LimitExceeded when `value` is over the limit called `name` (a `Limits` field)."""
    maximum: int = getattr(limits, name)
    if value > maximum:
        where = f" in {part}" if part else ""
        ctx: dict[str, str | int] = {"limit": name, "value": value, "maximum": maximum}
        if part:
            ctx["part"] = part
        raise LimitExceeded(
            f"{name} is {value}{where}, over the limit of {maximum}", filename=filename, **ctx
        )
