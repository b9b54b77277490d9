"""Thai text normalisation for comparing what provinces type with what the registry says.

Normalised text is only ever compared, never quoted back: findings carry the cell as found.

`clean` applies, in order: invisible characters removed (zero-width space/joiners, BOM, word joiner,
soft hyphen); NBSP, tabs, line breaks and other spaces → one space; Thai digits → Arabic; Unicode
NFC; then pythainlp's `normalize` (sara am typed as nikhahit + sara aa, tone marks in the wrong
order, doubled vowels and tone marks, spaces before marks); repeated spaces collapsed; ends trimmed.
`key` is `clean` without any space: the form in which two spellings are "the same".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pythainlp.util import normalize as thai_normalize
from pythainlp.util import thai_digit_to_arabic_digit

from parsers.types import CellValue

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_SPACES = "\u00a0\t\n\r\v\f\u2007\u202f\u3000\u2002\u2003\u2009"
_TRANSLATION = str.maketrans({**dict.fromkeys(_INVISIBLE, None), **dict.fromkeys(_SPACES, " ")})
_MULTI_SPACE = re.compile(r" {2,}")
_PLAIN = re.compile(r"[\u0e01-\u0e4c\u0e4e\u0e4fA-Za-z0-9 .\-()/]*")
_DOUBLED_MARK = re.compile(r"([\u0e30-\u0e3a\u0e47-\u0e4e\u0e40-\u0e44])\1")


def clean(text: str) -> str:
    """The normalised form of `text`, single spaces kept (see the module docstring)."""
    if _PLAIN.fullmatch(text) and not _DOUBLED_MARK.search(text) and "  " not in text:
        # Already plain (no invisible, odd-space, nikhahit, Thai digit or doubled mark): trim only.
        return text.strip()
    text = text.translate(_TRANSLATION)
    text = thai_digit_to_arabic_digit(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    text = thai_normalize(text)
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    return _MULTI_SPACE.sub(" ", text).strip()


def key(text: str) -> str:
    """`clean(text)` with every space removed: the comparison key for names and headers."""
    return clean(text).replace(" ", "")


def header_key(text: str) -> str:
    """`key(text)` without the punctuation people vary in headers: . : - ( ) * and quotes."""
    return key(text).translate(_HEADER_PUNCT)


_HEADER_PUNCT = str.maketrans(dict.fromkeys(".:-()*\"'–", None))


def cell_text(value: CellValue) -> str:
    """A cell as the sender sees it, as text: 2110101 not 2110101.0, '' for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)
