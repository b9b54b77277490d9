"""Judge one parsed workbook: find the form's header, the province, check every row, count what is missing.

Pure: no I/O, no logging, no clock. Findings are data (see validators.messages for the codes).
`Report.records` holds one LaoRecord per row that names exactly one registry LAO of the province,
spelled as the registry spells it; the bot files them only when the report is accepted.
"""

from __future__ import annotations

from parsers.types import Workbook, column_letter
from validators.findings import Finding, Report, Severity
from validators.form import Form
from validators.header import Header, find_header
from validators.province import find_province
from validators.registry import Registry
from validators.rows import RowChecker
from validators.table import read_rows

MAX_MISSING_NAMES = 50


def validate(workbook: Workbook, registry: Registry, form: Form) -> Report:
    """The report on `workbook`: findings, the province, and the records of matched rows."""
    header = find_header(workbook, form)
    if header is None:
        return Report(workbook.filename, None, (Finding(code="no_header"),))
    findings = _missing_columns(header, form) + _unreadable_cells(header)
    rows = read_rows(header)
    guess = find_province(header, rows, registry)
    province = guess.province
    findings += guess.findings
    expected = len(registry.laos_in(province)) if province else 0
    if "lao_full_name" not in header.columns:
        return Report(workbook.filename, province, tuple(findings), expected=expected)
    if not rows:
        findings.append(
            Finding(code="no_data_rows", sheet=header.sheet.name, row=header.last_row + 1, column="A")
        )
        return Report(workbook.filename, province, tuple(findings), expected=expected)
    if province is None and not guess.findings:
        findings.append(Finding(code="province_unknown", sheet=header.sheet.name))
    checker = RowChecker(header, registry, form, province)
    records = checker.check_all(rows)
    findings += checker.findings
    if province is not None:
        findings += _missing_laos(registry, province, checker.seen)
    return Report(workbook.filename, province, tuple(findings), tuple(records), expected=expected)


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


def _unreadable_cells(header: Header) -> list[Finding]:
    """Formula cells without a saved result, and error values (#REF!, #N/A), in the form's columns."""
    sheet = header.sheet
    return _cell_findings(header, sheet.uncached_formulas, code="formula_no_cached_value") + _cell_findings(
        header, sheet.error_cells, code="cell_error_value"
    )


def _cell_findings(header: Header, cells: tuple[tuple[int, int], ...], *, code: str) -> list[Finding]:
    by_col = {col: key for key, col in header.columns.items()}
    sheet = header.sheet
    found = []
    for row, col in cells:
        if row > header.last_row and col in by_col:
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
