"""Check one data row against the registry and the form; turn a matched row into a LaoRecord.

Each check reads the raw cell, compares normalised text, and quotes the cell back as found.
The common case — every cell already the official spelling — costs only dict look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from parsers.types import CellValue, column_letter
from validators.cells import CellChecks
from validators.findings import Finding, LaoRecord, Severity
from validators.form import Column, Form
from validators.header import Header
from validators.lao import Lao
from validators.names import NameMatch, elsewhere, in_district, match_name
from validators.normalize import cell_text, clean, key
from validators.registry import Registry
from validators.table import Columns, Row, columns_of, is_empty, merged_origin

SPECIAL_KEYS = frozenset({"seq", "district", "lao_type", "lao_full_name", "dla_code", "province"})
# Findings about what a cell holds, whatever the rest of its row: in a merged cell they are one finding,
# at the merged range's top-left cell, however many rows the range covers.
CELL_CAUSES = frozenset({
    "required_cell_empty", "value_not_allowed", "district_unknown", "province_invalid", "province_mismatch",
    "lao_type_invalid", "lao_type_abbreviated",
})  # fmt: skip


def _all_filled(values: tuple[CellValue, ...]) -> bool:
    """True when no value is empty; a C-speed pass for the usual all-text column, else False
    (the caller then judges cell by cell)."""
    if None in values or "" in values:  # the parser never gives "", but a Sheet may be built by hand
        return False
    try:
        return not any(map(str.isspace, values))  # type: ignore[arg-type]
    except TypeError:  # a number or a date: not text
        return False


@dataclass(frozen=True, slots=True)
class RowReading:
    """What a row's อำเภอ and name cells name in the report's province."""

    district: str | None  # the official district, None when the cell is empty or names none
    unknown: bool  # the อำเภอ cell is filled but names no district of the province
    match: NameMatch


def _text(value: CellValue) -> str:
    """A free-text cell as the master stores it: normalised, '' when empty."""
    return "" if value is None else clean(cell_text(value))


class RowChecker(CellChecks):
    """Checks the rows of one sheet for one province; collects findings; remembers LAOs seen."""

    def __init__(
        self,
        header: Header,
        registry: Registry,
        form: Form,
        province: str | None,
        *,
        earlier: Mapping[str, tuple[str, int]] | None = None,
        quiet: frozenset[tuple[int, str]] = frozenset(),
    ) -> None:
        """`earlier`: dla_code → (sheet, Excel row) of the LAOs earlier sheets named (a LAO named again
        here is a duplicate); `quiet`: (Excel row, column letter) of cells already reported for what
        they hold (an error value, a formula without a result), so no row check reports them again."""
        self.header = header
        self._sheet = header.sheet.name
        self.registry = registry
        self.form = form
        self.province = province
        self.findings: list[Finding] = []
        self._earlier = earlier or {}
        self._quiet = quiet
        # dla_code → first Excel row here; 0 for the LAOs of earlier sheets
        self.seen: dict[str, int] = dict.fromkeys(self._earlier, 0)
        self._merged_reported: set[tuple[str, int, str]] = set()
        self._letters = {k: column_letter(c) for k, c in header.columns.items()}
        present = [c for c in form.columns if c.key in header.columns]
        self._choices = [c for c in present if c.allowed and c.key not in SPECIAL_KEYS]
        choice_keys = {c.key for c in self._choices}
        self._required_plain = [c.key for c in present if c.required and c.key not in choice_keys]
        self._issue_keys = form.issue_keys
        self._districts = registry.district_index(province) if province else {}
        self._full = registry.full_name_index(province) if province else {}
        type_column = form.column("lao_type")
        self._type_choices = type_column.choices if type_column else {}
        self._cleaned: dict[str, str] = {}

    def _finding(
        self,
        row: Row,
        field: str,
        *,
        code: str,
        suggestion: str | None = None,
        ctx: Mapping[str, str | int] | None = None,
        severity: Severity = Severity.ERROR,
    ) -> Finding | None:
        """Report a finding on the row's cell of `field`, unless that cell is quiet or is a merged cell
        already reported for the same cause; the finding, None when not reported."""
        number = row.number
        if self.header.sheet.merged and code in CELL_CAUSES and field in self.header.columns:
            number = merged_origin(self.header, number, self.header.columns[field])
            if (code, number, field) in self._merged_reported:
                return None
            self._merged_reported.add((code, number, field))
        finding = Finding(
            code=code,
            severity=severity,
            sheet=self._sheet,
            row=number,
            column=self._letters.get(field),
            header=self.header.texts.get(field),
            value=cell_text(row.values.get(field)),
            suggestion=suggestion,
            ctx=ctx or {},
        )
        if self._quiet and (number, finding.column) in self._quiet:
            return None
        self.findings.append(finding)
        return finding

    def check_all(self, rows: list[Row], columns: Columns | None = None) -> list[LaoRecord]:
        """Check every row; return the records of rows that name exactly one LAO of the province.

        Required and choice cells are checked column by column (a C-speed dict look-up per cell);
        only the cells that miss go through normalisation and become findings. `columns` are the
        rows' cells by field (`table.columns_of`), when the caller has them already.
        """
        if not rows:
            return []
        if columns is None:
            columns = columns_of(rows)
        for field in self._required_plain:
            if _all_filled(columns[field]):
                continue
            for row in rows:
                if is_empty(row.values[field]):
                    self._finding(row, field, code="required_cell_empty")
        chosen: dict[str, list[str]] = {}
        for column in self._choices:
            found = list(map(column.choices.get, columns[column.key]))  # type: ignore[arg-type]
            if None in found:
                for i, hit in enumerate(found):
                    if hit is None:
                        found[i] = self._choice(rows[i], column)
            chosen[column.key] = found  # type: ignore[assignment]
        empty = [""] * len(rows)
        issues = list(zip(*(chosen.get(k, empty) for k in self._issue_keys), strict=True))
        overall = chosen.get("overall", empty)
        if self.province is None:
            return []
        return self._records(rows, columns, issues, overall)

    def _records(
        self,
        rows: list[Row],
        columns: Columns,
        issues: list[tuple[str, ...]],
        overall: list[str],
    ) -> list[LaoRecord]:
        """`check` of every row, with the commonest case inlined: the name cell is the official full
        name of exactly one LAO of the row's (officially spelled) district — the name may repeat in
        other districts — the type and code cells are empty or right, there is no province cell and
        the LAO was not seen before. Any other row takes `check`, which reaches the same verdict on
        the inlined case."""
        nothing = (None,) * len(rows)
        laos = map(self._full.get, columns.get("lao_full_name", nothing))  # type: ignore[arg-type]
        districts = map(self._districts.get, columns.get("district", nothing))  # type: ignore[arg-type]
        types, codes = columns.get("lao_type", nothing), columns.get("dla_code", nothing)
        province_cells = columns.get("province", nothing)
        names, positions = columns.get("executive_name", nothing), columns.get("executive_position", nothing)
        remarks = columns.get("remarks", nothing)
        seen, record_of = self.seen, self._record
        records: list[LaoRecord] = []
        for i, (row, exact, district) in enumerate(zip(rows, laos, districts, strict=True)):
            if exact is None or district is None:
                lao = None
            elif len(exact) == 1:
                lao = exact[0] if exact[0].district_th == district else None
            else:  # the name repeats in the province: the row's district may single one out
                here = in_district(exact, district)
                lao = here[0] if len(here) == 1 else None
            if (
                lao is None
                or province_cells[i] is not None
                or (types[i] is not None and types[i] != lao.type_word)
                or (codes[i] is not None and codes[i] != lao.dla_code)
                or lao.dla_code in seen
            ):
                record = self.check(row, issues[i] if issues else (), overall[i])
                if record is not None:
                    records.append(record)
                continue
            seen[lao.dla_code] = row.number
            records.append(
                record_of(
                    row, lao, names[i], positions[i], remarks[i], issues[i] if issues else (), overall[i]
                )
            )
        return records

    def check(self, row: Row, issues: tuple[str, ...] = (), overall: str = "") -> LaoRecord | None:
        """The registry checks of one row; its record when it names exactly one LAO of the province.

        A row naming a LAO of another province gets that one finding and no other."""
        values = row.values
        if self.province is None:
            return None
        get = values.get
        district = self._districts.get(get("district"))  # type: ignore[arg-type]
        exact = self._full.get(get("lao_full_name"))  # type: ignore[arg-type]
        # the common case: both cells spelled officially, naming one LAO
        lao = exact[0] if exact is not None and len(exact) == 1 and exact[0].district_th == district else None
        reading = None if lao is not None else self._read(row)
        if reading is not None and self._other_province(row, reading):
            return None
        if get("province") is not None and not is_empty(values["province"]):
            self._check_province_cell(row)
        match: NameMatch | None = None
        if reading is not None:
            match = self._report(row, reading)
            lao = match.lao
        said = get("lao_type")
        if said is not None and (lao is None or said != lao.type_word) and not is_empty(said):
            if match is None and lao is not None:  # the fast path above found the LAO
                match = NameMatch((lao,), None, lao.lao_type)
            self._lao_type(row, match or NameMatch())
        code = get("dla_code")
        if code is not None and (lao is None or code != lao.dla_code) and not is_empty(code):
            self._dla_code(row, lao)
        if lao is None:
            return None
        self._note_seen(row, lao)
        return self._record(
            row, lao, get("executive_name"), get("executive_position"), get("remarks"), issues, overall
        )

    def _note_seen(self, row: Row, lao: Lao) -> None:
        """Remember the row's LAO; report it when this sheet or an earlier one named it before."""
        first = self.seen.setdefault(lao.dla_code, row.number)
        if first == 0:
            sheet, at = self._earlier[lao.dla_code]
            self._finding(
                row, "lao_full_name", code="lao_duplicate_other_sheet",
                ctx={"first_row": at, "first_sheet": sheet},
            )  # fmt: skip
        elif first != row.number:
            self._finding(row, "lao_full_name", code="lao_duplicate", ctx={"first_row": first})

    def _record(
        self,
        row: Row,
        lao: Lao,
        executive_name: CellValue,
        executive_position: CellValue,
        remarks: CellValue,
        issues: tuple[str, ...],
        overall: str,
    ) -> LaoRecord:
        """The record of a row that names `lao`, its free-text cells as the master stores them. The one
        place a record is built, for the inlined rows of `_records` and for `check`: positionally, in
        the order of LaoRecord's fields (a third of the time keywords take; a test holds the order)."""
        text = self._text
        return LaoRecord(
            self._sheet,  # sheet
            row.number,  # row
            lao.province_th,  # province
            lao.district_th,  # district
            lao.dla_code,  # dla_code
            lao.full_name_th,  # lao_full_name
            lao.type_th,  # lao_type
            text(executive_name),  # executive_name
            text(executive_position),  # executive_position
            issues,  # issues
            overall,  # overall
            "" if remarks is None else text(remarks),  # remarks: usually empty, spare the call
        )

    def _text(self, value: CellValue) -> str:
        """A free-text cell as the master stores it: normalised, '' when empty (memoised per sheet:
        positions and remarks repeat)."""
        if value.__class__ is not str:  # 1, 1.0 and True are one dict key; only text is memoised
            return "" if value is None else _text(value)
        found = self._cleaned.get(value)
        if found is None:
            found = self._cleaned[value] = _text(value)
        return found

    def _choice(self, row: Row, column: Column) -> str:
        """The allowed value a choice cell holds, slow path: normalise, else report it."""
        value = row.values[column.key]
        if is_empty(value):
            if column.required:
                self._finding(row, column.key, code="required_cell_empty")
            return ""
        found = column.choices.get(key(cell_text(value)))
        if found is None:
            self._finding(
                row, column.key, code="value_not_allowed", ctx={"allowed": " / ".join(column.allowed)}
            )
            return ""
        return found

    def _read(self, row: Row) -> RowReading:
        """What the row's อำเภอ and name cells name in the province, reporting nothing yet."""
        province = self.province or ""
        value = row.values.get("district")
        district = None if is_empty(value) else self.registry.resolve_district(province, cell_text(value))
        unknown = district is None and not is_empty(value)
        name = row.values.get("lao_full_name")
        if is_empty(name):
            return RowReading(district, unknown, NameMatch())
        return RowReading(district, unknown, match_name(self.registry, province, district, cell_text(name)))

    def _other_province(self, row: Row, reading: RowReading) -> bool:
        """Report, once, a row whose LAO belongs to another province: its name is no LAO of the
        province but one elsewhere, or its อำเภอ is no district here and it names, with its name, a
        LAO of another province. True when reported."""
        match, there = reading.match, tuple[Lao, ...]()
        if match.code == "lao_not_found" and match.elsewhere:
            there = match.elsewhere
        elif reading.unknown:
            there = self._elsewhere_in_district(row)
        if not there:
            return False
        where = " / ".join(dict.fromkeys(lao.province_th for lao in there))
        report_province = self.province or ""
        self._finding(
            row, "lao_full_name", code="lao_other_province",
            ctx={"province": where, "report_province": report_province},
        )  # fmt: skip
        return True

    def _elsewhere_in_district(self, row: Row) -> tuple[Lao, ...]:
        """LAOs of other provinces the name cell names whose district the อำเภอ cell names."""
        name = row.values.get("lao_full_name")
        if is_empty(name):
            return ()
        place = cell_text(row.values.get("district"))
        resolve = self.registry.resolve_district
        found = elsewhere(self.registry, self.province or "", cell_text(name))
        return tuple(lao for lao in found if resolve(lao.province_th, place) == lao.district_th)

    def _report(self, row: Row, reading: RowReading) -> NameMatch:
        """Report what `_read` found wrong in the อำเภอ and name cells."""
        if reading.unknown:
            text = cell_text(row.values.get("district"))
            close = " / ".join(self.registry.closest_districts(self.province or "", text)) or None
            here = self.province or ""
            self._finding(row, "district", code="district_unknown", suggestion=close, ctx={"province": here})
        match, district = reading.match, reading.district
        if match.code == "lao_not_found":
            self._not_found(row, district)
        elif match.code == "lao_name_type_only":
            by_code = self._lao_from_code(row)
            self._finding(
                row, "lao_full_name", code=match.code, suggestion=by_code.full_name_th if by_code else None
            )
        elif match.code is not None:
            severity = Severity.WARNING if match.code == "lao_type_changed" else Severity.ERROR
            names = " / ".join(lao.full_name_th for lao in match.laos)
            self._finding(row, "lao_full_name", code=match.code, suggestion=names, severity=severity)
        if match.wrong_district and district is not None:
            places = " / ".join(dict.fromkeys(lao.district_th for lao in match.laos))
            lao = match.laos[0].full_name_th
            self._finding(row, "district", code="lao_wrong_district", suggestion=places, ctx={"lao": lao})
        return match

    def _not_found(self, row: Row, district: str | None) -> None:
        province = self.province or ""
        by_code = self._lao_from_code(row)
        text = cell_text(row.values.get("lao_full_name"))
        close = [by_code.full_name_th] if by_code else self.registry.closest_names(province, district, text)
        self._finding(
            row,
            "lao_full_name",
            code="lao_not_found",
            suggestion=" / ".join(close) or None,
            ctx={"province": province},
        )
