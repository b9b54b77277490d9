"""The checks of single cells of a LAO row: the จังหวัด cell, the type column and รหัส อปท.

A mixin of `validators.rows.RowChecker`, which owns the state these read and the `_finding` that
reports; apart so that each module stays short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from validators.findings import Finding
from validators.form import Form
from validators.lao import LAO_TYPES, Lao
from validators.names import NameMatch, readings
from validators.normalize import cell_text, key
from validators.registry import Registry
from validators.table import Row

TYPE_BY_WORD = {word: t for t, (_th, word, _abbr) in LAO_TYPES.items()}


class CellChecks:
    """Checks of the จังหวัด, ประเภท and รหัส cells of one row, reported through `_finding`."""

    registry: Registry
    form: Form
    province: str | None
    _type_choices: Mapping[str, str]
    _finding: Callable[..., Finding | None]  # (row, field, *, code, suggestion, ctx, severity)

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
