"""The report form as data: title, columns, header variants and allowed values (forms/<round>.toml).

Field keys the validator knows: seq, district, lao_type, lao_full_name, dla_code, executive_name,
executive_position, issue_<n>, overall, remarks, province. A new round adds or renames columns in
TOML; a column with `allowed` values is checked as a choice whatever its key.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from validators.errors import ReferenceDataError
from validators.normalize import header_key, key

FORMS_DIR = Path(__file__).parent / "forms"
DEFAULT_FORM = FORMS_DIR / "fy2563.toml"
REQUIRED_KEYS = ("district", "lao_full_name")
_ISSUE = re.compile(r"issue_(\d+)")


class FormError(ReferenceDataError):
    """A form TOML file is unreadable or inconsistent."""


class Column(BaseModel):
    """One column of the form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    header: str
    headers: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    required: bool = True
    allowed: tuple[str, ...] = ()
    aliases: dict[str, str] = Field(default_factory=dict)
    width: float = 14
    in_template: bool = True

    def matches(self, text_key: str) -> bool:
        """Whether a header, already through `header_key`, names this column."""
        if text_key in self._exact:
            return True
        for prefix in self._prefixes:
            if text_key.startswith(prefix):
                rest = text_key[len(prefix) :]
                if not rest[:1].isdigit():
                    return True
        return False

    @functools.cached_property
    def _exact(self) -> frozenset[str]:
        return frozenset(header_key(h) for h in (self.header, *self.headers))

    @functools.cached_property
    def _prefixes(self) -> tuple[str, ...]:
        return tuple(header_key(p) for p in self.prefixes)

    @functools.cached_property
    def choices(self) -> dict[str, str]:
        """Accepted value (raw and normalised key) → allowed value."""
        found: dict[str, str] = {}
        for value in self.allowed:
            found[value] = value
            found[key(value)] = value
        for alias, value in self.aliases.items():
            found[alias] = value
            found[key(alias)] = value
        return found


class Group(BaseModel):
    """A label printed in a merged cell above several columns in a two-row header."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    header: str
    columns: tuple[str, ...]


class Form(BaseModel):
    """One round's form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    round: str
    title: str
    province_title: str = "จังหวัด{province}"
    header_search_rows: int = 15
    sheet_name: str = "แบบสรุปผล"
    columns: tuple[Column, ...]
    groups: tuple[Group, ...] = ()

    def column(self, field_key: str) -> Column | None:
        """The column with this field key, if the form has it."""
        return next((c for c in self.columns if c.key == field_key), None)

    def match_header(self, text: str) -> str | None:
        """The field key a header cell names, or None; `text` as written in the cell."""
        text_key = header_key(text)
        found = self._exact_headers.get(text_key)
        if found is not None:
            return found
        if not text_key.startswith(self._any_prefix):  # one C call rejects most cells (data rows)
            return None
        return next((c.key for c in self.columns if c.prefixes and c.matches(text_key)), None)

    @functools.cached_property
    def _any_prefix(self) -> tuple[str, ...]:
        # a key no column's prefix starts can match only exactly, and every exact header is in
        # _exact_headers: so this rejection never changes an answer
        return tuple(p for c in self.columns for p in c._prefixes)

    @functools.cached_property
    def _exact_headers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for column in self.columns:
            for text in (column.header, *column.headers):
                found.setdefault(header_key(text), column.key)
        return found

    @property
    def issue_keys(self) -> tuple[str, ...]:
        """issue_1 … issue_n in the form's order."""
        return tuple(c.key for c in self.columns if _ISSUE.fullmatch(c.key))


def load_form(path: Path | None = None) -> Form:
    """The form in `path`, or the bundled FY2563 form when None (cached)."""
    return _load(path or DEFAULT_FORM)


@functools.cache
def _load(path: Path) -> Form:
    try:
        with path.open("rb") as f:
            form = Form.model_validate(tomllib.load(f))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as e:
        raise FormError(f"cannot load form {path}: {e}") from e
    keys = [c.key for c in form.columns]
    if len(set(keys)) != len(keys):
        raise FormError(f"form {path} repeats a column key: {keys}")
    missing = [k for k in REQUIRED_KEYS if k not in keys]
    if missing:
        raise FormError(f"form {path} lacks the columns {missing}")
    return form
