"""Which province a report is from: the title (จังหวัด…), else the จังหวัด column, else where its LAOs are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from parsers.types import column_letter
from validators.findings import Finding
from validators.header import Header
from validators.names import readings
from validators.normalize import cell_text, key
from validators.registry import Registry
from validators.table import Row

TITLE_WORD = "จังหวัด"
NOT_A_TITLE = ("ส่วนจังหวัด",)  # องค์การบริหารส่วนจังหวัด… is a name, not the report's province


@dataclass(frozen=True, slots=True)
class ProvinceGuess:
    """The report's province (None when nothing says), how it was found, and findings on the way."""

    province: str | None
    source: str  # title, column, laos, none
    findings: tuple[Finding, ...] = ()


def _from_title(header: Header, registry: Registry) -> ProvinceGuess | None:
    sheet = header.sheet
    names = registry.province_names()
    for row in range(sheet.first_row, header.first_row):
        for col, value in enumerate(sheet.row_values(row), start=1):
            if not isinstance(value, str) or not value.strip():
                continue
            found = registry.resolve_province(value)
            if found is not None:
                return ProvinceGuess(found, "title")
            text = key(value)
            start = text.find(TITLE_WORD)
            while start >= 0:
                if not any(text.endswith(w, 0, start + len(TITLE_WORD)) for w in NOT_A_TITLE):
                    rest = text[start + len(TITLE_WORD) :]
                    match = max((n for n in names if rest.startswith(n)), key=len, default=None)
                    if match is not None:
                        return ProvinceGuess(names[match], "title")
                    if rest:
                        bad = Finding(
                            code="title_province_unknown",
                            sheet=sheet.name,
                            row=row,
                            column=column_letter(col),
                            value=value,
                            suggestion=" / ".join(registry.closest_provinces(rest, limit=1)) or None,
                        )
                        return ProvinceGuess(None, "none", (bad,))
                start = text.find(TITLE_WORD, start + 1)
    return None


def _from_column(rows: list[Row], registry: Registry) -> str | None:
    votes = Counter(
        registry.resolve_province(value)
        for row in rows
        if isinstance(value := row.values.get("province"), str) and value.strip()
    )
    votes.pop(None, None)
    return votes.most_common(1)[0][0] if votes else None


def _from_laos(rows: list[Row], registry: Registry) -> str | None:
    votes: Counter[str] = Counter()
    for row in rows:
        text = cell_text(row.values.get("lao_full_name"))
        if not text.strip():
            continue
        laos = registry.anywhere_by_full_name(text)
        if not laos:
            for reading in readings(key(text)):
                laos = registry.anywhere_by_bare_name(reading.bare) if reading.bare else ()
                if laos:
                    break
        votes.update({lao.province_th for lao in laos})
    return votes.most_common(1)[0][0] if votes else None


def find_province(header: Header, rows: list[Row], registry: Registry) -> ProvinceGuess:
    """The report's province from the title, else the จังหวัด column, else its LAOs' province."""
    title = _from_title(header, registry)
    if title is not None and title.province is not None:
        return title
    findings = title.findings if title is not None else ()
    column = _from_column(rows, registry)
    if column is not None:
        return ProvinceGuess(column, "column", findings)
    inferred = _from_laos(rows, registry)
    if inferred is not None:
        return ProvinceGuess(inferred, "laos", findings)
    return ProvinceGuess(None, "none", findings)
