"""Check one data row against the registry and the form; turn a matched row into a LaoRecord.

Each check reads the raw cell, compares normalised text, and quotes the cell back as found.
The common case — every cell already the official spelling — costs only dict look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping

from parsers.types import CellValue, column_letter
from validators.findings import Finding, LaoRecord, Severity
from validators.form import Column, Form
from validators.header import Header
from validators.lao import LAO_TYPES, Lao
from validators.names import NameMatch, in_district, match_name, readings
from validators.normalize import cell_text, clean, key
from validators.registry import Registry
from validators.table import Row, is_empty

TYPE_BY_WORD = {word: t for t, (_th, word, _abbr) in LAO_TYPES.items()}
SPECIAL_KEYS = frozenset({"seq", "district", "lao_type", "lao_full_name", "dla_code", "province"})


def _all_filled(values: tuple[CellValue, ...]) -> bool:
    """True when no value is empty; a C-speed pass for the usual all-text column, else False
    (the caller then judges cell by cell)."""
    if None in values or "" in values:  # the parser never gives "", but a Sheet may be built by hand
        return False
    try:
        return not any(map(str.isspace, values))  # type: ignore[arg-type]
    except TypeError:  # a number or a date: not text
        return False


def _text(value: CellValue) -> str:
    """A free-text cell as the master stores it: normalised, '' when empty."""
    return "" if value is None else clean(cell_text(value))


class RowChecker:
    """Checks the rows of one sheet for one province; collects findings; remembers LAOs seen."""

    def __init__(self, header: Header, registry: Registry, form: Form, province: str | None) -> None:
        self.header = header
        self._sheet = header.sheet.name
        self.registry = registry
        self.form = form
        self.province = province
        self.findings: list[Finding] = []
        self.seen: dict[str, int] = {}  # dla_code → first Excel row
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
    ) -> Finding:
        finding = Finding(
            code=code,
            severity=severity,
            sheet=self._sheet,
            row=row.number,
            column=self._letters.get(field),
            header=self.header.texts.get(field),
            value=cell_text(row.values.get(field)),
            suggestion=suggestion,
            ctx=ctx or {},
        )
        self.findings.append(finding)
        return finding

    def check_all(self, rows: list[Row]) -> list[LaoRecord]:
        """Check every row; return the records of rows that name exactly one LAO of the province.

        Required and choice cells are checked column by column (a C-speed dict look-up per cell);
        only the cells that miss go through normalisation and become findings.
        """
        if not rows:
            return []
        columns = dict(zip(rows[0].keys, zip(*(r.cells for r in rows), strict=True), strict=True))
        for field in self._required_plain:
            if _all_filled(columns[field]):
                continue
            for row in rows:
                if is_empty(row.values[field]):
                    self._finding(row, field, code="required_cell_empty")
        chosen: dict[str, list[str]] = {}
        for column in self._choices:
            found = list(map(column.choices.get, columns[column.key]))
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
        columns: dict[str, tuple[CellValue, ...]],
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
        """The registry checks of one row; its record when it names exactly one LAO of the province."""
        values = row.values
        if self.province is None:
            return None
        get = values.get
        if get("province") is not None and not is_empty(values["province"]):
            self._check_province_cell(row)
        district = self._districts.get(get("district"))  # type: ignore[arg-type]
        exact = self._full.get(get("lao_full_name"))  # type: ignore[arg-type]
        match: NameMatch | None = None
        if (
            district is not None
            and exact is not None
            and len(exact) == 1
            and exact[0].district_th == district
        ):
            lao: Lao | None = exact[0]  # the common case: both cells spelled officially
        else:
            match = self._name(row, self._district(row))
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
        first = self.seen.setdefault(lao.dla_code, row.number)
        if first != row.number:
            self._finding(row, "lao_full_name", code="lao_duplicate", ctx={"first_row": first})
        return self._record(
            row, lao, get("executive_name"), get("executive_position"), get("remarks"), issues, overall
        )

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
        place a record is built, for the inlined rows of `_records` and for `check`."""
        text = self._text
        return LaoRecord(
            sheet=self._sheet,
            row=row.number,
            province=lao.province_th,
            district=lao.district_th,
            dla_code=lao.dla_code,
            lao_full_name=lao.full_name_th,
            lao_type=lao.type_th,
            executive_name=text(executive_name),
            executive_position=text(executive_position),
            issues=issues,
            overall=overall,
            remarks="" if remarks is None else text(remarks),  # usually empty: spare the call
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

    def _check_province_cell(self, row: Row) -> None:
        text = cell_text(row.values["province"])
        found = self.registry.resolve_province(text)
        if found is None:
            suggestion = " / ".join(self.registry.closest_provinces(text, limit=1)) or None
            self._finding(row, "province", code="province_invalid", suggestion=suggestion)
        elif found != self.province and self.province is not None:
            self._finding(
                row,
                "province",
                code="province_mismatch",
                suggestion=self.province,
                ctx={"province": self.province},
            )

    def _district(self, row: Row) -> str | None:
        value = row.values.get("district")
        if is_empty(value) or self.province is None:
            return None
        text = cell_text(value)
        found = self.registry.resolve_district(self.province, text)
        if found is None:
            close = self.registry.closest_districts(self.province, text)
            self._finding(
                row,
                "district",
                code="district_unknown",
                suggestion=" / ".join(close) or None,
                ctx={"province": self.province},
            )
        return found

    def _name(self, row: Row, district: str | None) -> NameMatch:
        value = row.values.get("lao_full_name")
        if is_empty(value) or self.province is None:
            return NameMatch()
        province = self.province
        text = cell_text(value)
        match = match_name(self.registry, province, district, text)
        if match.code == "lao_not_found":
            self._not_found(row, match, district)
            return match
        if match.code == "lao_name_type_only":
            by_code = self._lao_from_code(row)
            self._finding(
                row, "lao_full_name", code=match.code, suggestion=by_code.full_name_th if by_code else None
            )
            return match
        if match.code is not None:
            severity = Severity.WARNING if match.code == "lao_type_changed" else Severity.ERROR
            names = " / ".join(lao.full_name_th for lao in match.laos)
            self._finding(row, "lao_full_name", code=match.code, suggestion=names, severity=severity)
        if match.wrong_district and district is not None:
            places = " / ".join(dict.fromkeys(lao.district_th for lao in match.laos))
            self._finding(
                row,
                "district",
                code="lao_wrong_district",
                suggestion=places,
                ctx={"lao": match.laos[0].full_name_th},
            )
        return match

    def _not_found(self, row: Row, match: NameMatch, district: str | None) -> None:
        province = self.province or ""
        if match.elsewhere:
            where = " / ".join(dict.fromkeys(lao.province_th for lao in match.elsewhere))
            self._finding(
                row,
                "lao_full_name",
                code="lao_other_province",
                ctx={"province": where, "report_province": province},
            )
            return
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

    def _lao_from_code(self, row: Row) -> Lao | None:
        text = key(cell_text(row.values.get("dla_code")))
        lao = self.registry.lao_by_code(text) if text.isdigit() else None
        return lao if lao is not None and lao.province_th == self.province else None

    def _lao_type(self, row: Row, match: NameMatch) -> None:
        text = cell_text(row.values["lao_type"])
        word = self._type_choices.get(text) or self._type_choices.get(key(text))
        if word is None:
            reading = readings(key(text))[0]
            if reading.lao_type is not None and not reading.bare:
                full = LAO_TYPES[reading.lao_type][1]
                code = "lao_type_abbreviated" if reading.written == "abbreviated" else "lao_type_invalid"
                self._finding(
                    row, "lao_type", code=code, suggestion=full, ctx={"allowed": self._allowed_types()}
                )
            else:
                self._finding(
                    row, "lao_type", code="lao_type_invalid", ctx={"allowed": self._allowed_types()}
                )
            return
        lao = match.lao
        said = TYPE_BY_WORD.get(word)
        if lao is None or said is None or said in (lao.lao_type, match.written_type):
            return
        expected = match.written_type or lao.lao_type
        self._finding(row, "lao_type", code="lao_type_mismatch", suggestion=LAO_TYPES[expected][1])

    def _allowed_types(self) -> str:
        column = self.form.column("lao_type")
        return " / ".join(column.allowed) if column else ""

    def _dla_code(self, row: Row, lao: Lao | None) -> None:
        text = key(cell_text(row.values["dla_code"]))
        valid = text.isdigit() and (len(text) == 7 or (len(text) == 8 and text.startswith("0")))
        if not valid:
            self._finding(row, "dla_code", code="dla_code_invalid", suggestion=lao.dla_code if lao else None)
        elif lao is not None and text[-7:] != lao.dla_code:
            self._finding(row, "dla_code", code="dla_code_mismatch", suggestion=lao.dla_code)
