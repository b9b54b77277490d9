"""Which province a report is from: the evidence of its rows; the title and the จังหวัด column are claims.

The rows decide when they can: each row whose name cell names registry LAOs votes for their
provinces (narrowed to those whose district the row's อำเภอ cell names, when any is), and a province
that more than half of the voting rows name, and more rows than any other, is the evidence province.
The claims — a title cell above a header that says จังหวัด… (one per sheet), and the commonest value
of the จังหวัด column — are checked against it: one warning per title cell, one for the column,
never a finding per row. When the rows give no clear majority the claims decide as they always did:
the title, else the column, else the province most rows name.

`validate` first judges the rows by the claimed province; only when fewer than half of them then name
one of its LAOs does it count the evidence (so a correct report costs nothing more).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parsers.types import column_letter
from validators.findings import Finding, Severity
from validators.header import Header
from validators.lao import Lao
from validators.names import readings
from validators.normalize import cell_text, key
from validators.registry import Registry
from validators.table import Row

TITLE_WORD = "จังหวัด"
NOT_A_TITLE = ("ส่วนจังหวัด",)  # องค์การบริหารส่วนจังหวัด… is a name, not the report's province


@dataclass(frozen=True, slots=True)
class Claim:
    """A province a cell names: a title cell, or the first จังหวัด cell naming the column's commonest."""

    province: str
    sheet: str
    row: int
    column: str
    value: str
    count: int = 1  # the จังหวัด cells that name it


@dataclass(frozen=True, slots=True)
class Claims:
    """What the workbook says its province is, and the unreadable titles met on the way."""

    titles: tuple[Claim, ...] = ()
    column: Claim | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def province(self) -> str | None:
        """The claimed province: the first title's, else the column's."""
        if self.titles:
            return self.titles[0].province
        return self.column.province if self.column is not None else None

    def mismatches(self, province: str) -> list[Finding]:
        """One warning per other province a title names (at its first title: a title repeated on every
        district sheet is one disagreement), and one for the จังหวัด column."""
        first_titles: dict[str, Claim] = {}
        for claim in self.titles:
            if claim.province != province:
                first_titles.setdefault(claim.province, claim)
        found = [
            _mismatch(claim, province, code="province_title_mismatch", ctx={"title_province": claim.province})
            for claim in first_titles.values()
        ]
        column = self.column
        if column is not None and column.province != province:
            ctx: dict[str, str | int] = {"column_province": column.province, "count": column.count}
            found.append(_mismatch(column, province, code="province_column_mismatch", ctx=ctx))
        return found


def _mismatch(claim: Claim, province: str, *, code: str, ctx: dict[str, str | int]) -> Finding:
    return Finding(
        code=code, severity=Severity.WARNING, sheet=claim.sheet, row=claim.row, column=claim.column,
        value=claim.value, suggestion=province, ctx={"province": province, **ctx},
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Evidence:
    """The province the rows name most (None when no row names a LAO), and whether clearly."""

    province: str | None
    clear: bool = False


def read_claims(tables: Iterable[tuple[Header, list[Row]]], registry: Registry) -> Claims:
    """The title of each sheet, and the จังหวัด column over every sheet's rows."""
    titles: list[Claim] = []
    findings: list[Finding] = []
    cells: list[tuple[Header, Row]] = []
    for header, rows in tables:
        title = _title(header, registry)
        if isinstance(title, Claim):
            titles.append(title)
        elif title is not None:
            findings.append(title)
        if "province" in header.columns:
            cells.extend((header, row) for row in rows)
    return Claims(tuple(titles), _column(cells, registry), tuple(findings))


def _title(header: Header, registry: Registry) -> Claim | Finding | None:
    """The province the title above `header` names, a finding when it names none, else None."""
    sheet = header.sheet
    names = registry.province_names()
    for row in range(sheet.first_row, header.first_row):
        for col, value in enumerate(sheet.row_values(row), start=1):
            if not isinstance(value, str) or not value.strip():
                continue
            found = registry.resolve_province(value)
            if found is not None:
                return Claim(found, sheet.name, row, column_letter(col), value)
            text = key(value)
            start = text.find(TITLE_WORD)
            while start >= 0:
                if not any(text.endswith(w, 0, start + len(TITLE_WORD)) for w in NOT_A_TITLE):
                    rest = text[start + len(TITLE_WORD) :]
                    match = max((n for n in names if rest.startswith(n)), key=len, default=None)
                    if match is not None:
                        return Claim(names[match], sheet.name, row, column_letter(col), value)
                    if rest:
                        return Finding(
                            code="title_province_unknown", sheet=sheet.name, row=row,
                            column=column_letter(col), value=value,
                            suggestion=" / ".join(registry.closest_provinces(rest, limit=1)) or None,
                        )  # fmt: skip
                start = text.find(TITLE_WORD, start + 1)
    return None


def _column(cells: list[tuple[Header, Row]], registry: Registry) -> Claim | None:
    """The จังหวัด column's commonest province, located at the first cell that names it."""
    votes: Counter[str] = Counter()
    first: dict[str, tuple[Header, Row, str]] = {}
    for header, row in cells:
        value = row.values.get("province")
        if isinstance(value, str) and value.strip():
            found = registry.resolve_province(value)
            if found is not None:
                votes[found] += 1
                first.setdefault(found, (header, row, value))
    if not votes:
        return None
    province, count = votes.most_common(1)[0]
    header, row, value = first[province]
    letter = column_letter(header.columns["province"])
    return Claim(province, header.sheet.name, row.number, letter, value, count)


def evidence(rows: Iterable[Row], registry: Registry) -> Evidence:
    """The province the rows' LAOs belong to (see the module docstring)."""
    votes: Counter[str] = Counter()
    voters = 0
    for row in rows:
        provinces = _row_provinces(row, registry)
        if provinces:
            voters += 1
            votes.update(provinces)
    if not votes:
        return Evidence(None)
    ranked = votes.most_common(2)
    top, count = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return Evidence(top, count * 2 > voters and count > second)


def _row_provinces(row: Row, registry: Registry) -> set[str]:
    """The provinces of the LAOs a row's name cell names, narrowed by its อำเภอ cell when that helps."""
    text = cell_text(row.values.get("lao_full_name"))
    if not text.strip():
        return set()
    laos = registry.anywhere_by_full_name(text)
    if not laos:
        for reading in readings(key(text)):
            laos = registry.anywhere_by_bare_name(reading.bare) if reading.bare else ()
            if laos:
                break
    district = cell_text(row.values.get("district"))
    here = [lao for lao in laos if district and _in_district(registry, lao, district)]
    return {lao.province_th for lao in here or laos}


def _in_district(registry: Registry, lao: Lao, district: str) -> bool:
    return registry.resolve_district(lao.province_th, district) == lao.district_th


def sender_mismatch(province: str | None, sender_provinces: Sequence[str]) -> Finding | None:
    """One warning when the sender's address is listed for exactly one province and the rows name another:
    the rows decide the province; the sender list is a claim, like the title."""
    if province is None or len(sender_provinces) != 1 or sender_provinces[0] == province:
        return None
    return Finding(
        code="province_sender_mismatch", severity=Severity.WARNING,
        ctx={"province": province, "sender_province": sender_provinces[0]},
    )  # fmt: skip
