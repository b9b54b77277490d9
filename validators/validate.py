"""Judge one parsed workbook: find the sheets that hold the form, the province, check every row, count
what is missing.

Every sheet whose header matches the form is judged (`header.find_headers`: a sheet per อำเภอ is
common; instructions, summaries and pivot tables are not the form); a sheet that holds only the
blank form is left out when another holds rows. Rows under a table that are totals, signatures or
notes are not rows (`trailer`). The workbook has one province, which its rows decide and its title
and จังหวัด column only claim (`province`). The Report carries the findings and records of all
sheets, and the same LAO on two sheets is a duplicate as on one.

Pure: no I/O, no logging, no clock. Findings are data (see validators.messages for the codes).
`Report.records` holds one LaoRecord per row that names exactly one registry LAO of the province,
spelled as the registry spells it; the bot files them only when the report is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.types import CellValue, Workbook, column_letter
from validators.findings import Finding, LaoRecord, Report, Severity
from validators.form import Form
from validators.header import Header, find_headers
from validators.province import Claims, evidence, read_claims
from validators.registry import Registry
from validators.rows import RowChecker
from validators.table import Columns, Row, read_rows
from validators.trailer import Split, split_trailers

MAX_MISSING_NAMES = 50


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet's form: its header, its LAO rows, and what is not part of the table."""

    header: Header
    rows: list[Row]
    columns: Columns  # the rows' cells by field
    unreadable: tuple[Finding, ...] = ()  # formulas without a result, error values, in the table

    @property
    def quiet(self) -> frozenset[tuple[int, str]]:
        """(row, column) of the cells reported as unreadable: the row checks leave them alone."""
        return frozenset((f.row or 0, f.column or "") for f in self.unreadable)


@dataclass(slots=True)
class Judged:
    """The rows of every table judged for one province."""

    findings: list[Finding]
    records: list[LaoRecord]
    seen: dict[str, int]  # dla_code → Excel row (0 for a LAO first named on an earlier sheet)


def validate(workbook: Workbook, registry: Registry, form: Form) -> Report:
    """The report on `workbook`: findings, the province, and the records of matched rows."""
    tables = _tables(workbook, registry, form)
    if not tables:
        return Report(workbook.filename, None, (Finding(code="no_header"),))
    findings = [f for table in tables for f in _missing_columns(table.header, form) + list(table.unreadable)]
    claims = read_claims(((t.header, t.rows) for t in tables), registry)
    findings += claims.findings
    first = tables[0].header
    rows = [row for table in tables for row in table.rows]
    if "lao_full_name" not in first.columns or not rows:
        if "lao_full_name" in first.columns:
            findings.append(
                Finding(code="no_data_rows", sheet=first.sheet.name, row=first.last_row + 1, column="A")
            )
        expected = _expected(registry, claims.province)
        return Report(workbook.filename, claims.province, tuple(findings), expected=expected)
    province, judged, notes = _decide(tables, rows, claims, registry, form)
    findings += notes
    if province is None and not claims.findings:
        findings.append(Finding(code="province_unknown", sheet=first.sheet.name))
    findings += judged.findings
    if province is not None:
        findings += _missing_laos(registry, province, judged.seen)
    expected = _expected(registry, province)
    return Report(workbook.filename, province, tuple(findings), tuple(judged.records), expected=expected)


def _tables(workbook: Workbook, registry: Registry, form: Form) -> list[Table]:
    """The form of every sheet that holds it; only the first when none holds rows."""
    tables = []
    for header in find_headers(workbook, form):
        split = split_trailers(read_rows(header), registry, form)
        tables.append(Table(header, split.rows, split.columns, tuple(_unreadable_cells(header, split))))
    kept: list[Table] = []
    seen: set[tuple[tuple[CellValue, ...], ...]] = set()
    for table in tables:
        # A sheet that repeats another's rows cell for cell (a copy kept for printing, "แบบสรุปผล (2)")
        # is read once: judged twice, every LAO on it would be a duplicate.
        content = tuple(row.cells for row in table.rows)
        if table.rows and content in seen:
            continue
        seen.add(content)
        kept.append(table)
    return [t for t in kept if t.rows] or kept[:1]


def _decide(
    tables: list[Table], rows: list[Row], claims: Claims, registry: Registry, form: Form
) -> tuple[str | None, Judged, list[Finding]]:
    """The province, the rows judged for it, and the warnings on claims the rows contradict.

    The claimed province is tried first; the evidence is counted only when no province is claimed or
    fewer than half of the rows then name one of its LAOs."""
    province, evidenced = claims.province, False
    if province is None:
        found = evidence(rows, registry)
        province, evidenced = found.province, found.clear
    judged = _judge(tables, registry, form, province)
    if not evidenced and claims.province is not None:
        evidenced = len(judged.records) * 2 > len(rows)
        counted = None if evidenced else evidence(rows, registry)
        if counted is not None and counted.clear and counted.province is not None:
            evidenced = True
            if counted.province != province:
                province = counted.province
                judged = _judge(tables, registry, form, province)
    if not evidenced or province is None:
        return province, judged, []
    column = claims.column
    if column is not None and column.province != province:  # one warning says it, not one per row
        judged.findings = [
            f for f in judged.findings
            if f.code != "province_mismatch" or registry.resolve_province(f.value or "") != column.province
        ]  # fmt: skip
    return province, judged, claims.mismatches(province)


def _judge(tables: list[Table], registry: Registry, form: Form, province: str | None) -> Judged:
    """Every table's rows checked for `province`; a LAO an earlier sheet named is a duplicate."""
    findings: list[Finding] = []
    records: list[LaoRecord] = []
    earlier: dict[str, tuple[str, int]] = {}
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        checker = RowChecker(table.header, registry, form, province, earlier=earlier, quiet=table.quiet)
        records += checker.check_all(table.rows, table.columns)
        findings += checker.findings
        seen = checker.seen
        if index + 1 < len(tables):
            name = table.header.sheet.name
            earlier = {**{code: (name, row) for code, row in seen.items() if row}, **earlier}
    return Judged(findings, records, seen)


def _expected(registry: Registry, province: str | None) -> int:
    return len(registry.laos_in(province)) if province else 0


def _missing_columns(header: Header, form: Form) -> list[Finding]:
    return [
        Finding(
            code="missing_column",
            sheet=header.sheet.name,
            row=header.first_row,
            ctx={"column_name": column.header},
        )
        for column in form.columns
        if column.required and column.key not in header.columns
    ]


def _unreadable_cells(header: Header, split: Split) -> list[Finding]:
    """Formula cells without a saved result, and error values (#REF!, #N/A), in the form's columns of
    the table (not in its trailers, nor below them)."""
    sheet = header.sheet
    return _cell_findings(header, split, sheet.uncached_formulas, code="formula_no_cached_value") + (
        _cell_findings(header, split, sheet.error_cells, code="cell_error_value")
    )


def _cell_findings(
    header: Header, split: Split, cells: tuple[tuple[int, int], ...], *, code: str
) -> list[Finding]:
    by_col = {col: key for key, col in header.columns.items()}
    sheet = header.sheet
    end = split.tail if split.tail is not None else sheet.last_row + 1
    found = []
    for row, col in cells:
        if header.last_row < row < end and col in by_col and row not in split.dropped:
            value = sheet.cell(row, col)
            found.append(
                Finding(
                    code=code, sheet=sheet.name, row=row, column=column_letter(col),
                    header=header.texts.get(by_col[col]), value=str(value) if value is not None else None,
                )
            )  # fmt: skip
    return found


def _missing_laos(registry: Registry, province: str, seen: dict[str, int]) -> list[Finding]:
    missing = [lao for lao in registry.laos_in(province) if lao.dla_code not in seen]
    if not missing:
        return []
    names = [f"{lao.full_name_th} ({lao.district_th})" for lao in missing[:MAX_MISSING_NAMES]]
    if len(missing) > MAX_MISSING_NAMES:
        names.append("…")
    return [
        Finding(
            code="laos_missing",
            severity=Severity.WARNING,
            ctx={"count": len(missing), "names": ", ".join(names)},
        )
    ]
