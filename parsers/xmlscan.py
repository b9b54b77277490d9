"""Streaming scans of the XML inside a workbook, fed chunk by chunk, before any reader parses it.

`SheetScan` walks a worksheet's `<row>`/`<c>` tags to learn the true extent of the cells that hold
something, which formula cells lack a cached value and which hold error values. `SharedStringsScan`
counts `<si>` items against the `uniqueCount` the file claims. `OdsScan` does the extent walk for ODS
`content.xml`, where rows and cells carry repeat counts. `DoctypeScan` refuses DTDs and entity
declarations anywhere. The machinery they share lives in `parsers.xmltags` with the named pattern
pieces; `DoctypeScan`, `TagScan`, `Extent` and `parse_ref` are re-exported for the callers.

A whole worksheet part (`SheetScan.scan_whole`) is measured by the cheapest of three ways that is
sound; all three give the same errors and uncached formulas, and a bound is never below the truth
(tests/unit/test_sheet_scan_paths.py holds them to that):

1. bound (`SheetScan._bound`): sheetData is plain — every cell `<c r="A1" s="1" t="s">`, no formula,
   no error value, no prefixed cell — and every reference has at most as many letters and digits as
   the `<dimension>` claims, so (for A1:R337) 999 rows × 26 columns bound the extent; taken when that
   bound is within the limits. Ordinary reports, as openpyxl and Excel write them, take it; it
   creates no Python object per cell.
2. exact (`SheetScan._exact`): sheetData is plain, but there is no dimension, a reference falls
   outside it, its bound is over the limits, or the caller asks for `exact` (`prepare_ooxml` does
   when the bounds together pass the cells limit): the references are read at C speed.
3. walk (`SheetScan._walk`): anything else (formulas, prefixed tags, other attributes, error
   values), and any part fed chunk by chunk: the tag-by-tag walk of `TagScan`.

`SheetScan` follows python-calamine 0.9.1's reading rules where they decide where a cell lands:
elements by local name, attributes `r`/`s`/`t` only unprefixed, the last of two `r` (so two are
refused), lowercase references, a new row at every `</row>`. It refuses what it cannot follow and
no spreadsheet program writes: comments, CDATA and processing instructions in a worksheet (a
`</sheetData>` inside one would end a scan early while calamine reads on) and malformed tags (a `<`
inside an attribute value). ODS content is not held to this: calamine does not abort on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import repeat

from parsers.errors import UnreadableFile
from parsers.limits import Limits, check_limit
from parsers.xmltags import (
    ATTRS,
    NAME_END,
    PREFIX,
    QNAME,
    TAG_START,
    VALUE,
    DoctypeScan,
    Extent,
    TagScan,
    attrs_of,
    int_attr,
    parse_ref,
)

__all__ = [
    "DoctypeScan",
    "Extent",
    "OdsScan",
    "SharedStringsScan",
    "SheetScan",
    "TagScan",
    "parse_ref",
]

# The pieces of a cell tag as Excel, LibreOffice and openpyxl write it.
COLUMN = rb"[A-Z]{1,3}"  # a reference's letters
ROW = rb"[0-9]{1,7}"  # a reference's digits
STYLE = rb's="[0-9]+"'
TYPE = rb't="([A-Za-z]+)"'  # the type captured

SHEET_NAMES = rb"(c|row|v|f|is|sheetData)"  # the start tags SheetScan reads
MOVING_END = rb"/(?=" + PREFIX + rb"(?:sheetData|row)[\s>])"  # the two end tags that move calamine
_SHEET_TAG_START = rb"<(" + MOVING_END + rb"|)" + PREFIX + SHEET_NAMES + rb"(?=" + NAME_END + rb")"
SHEET_TAG = re.compile(_SHEET_TAG_START + rb"(" + ATTRS + rb")>")
SHEET_TAG_START = re.compile(_SHEET_TAG_START)  # a start SHEET_TAG cannot complete is a malformed tag
QNAME_ATTR = re.compile(rb"(" + QNAME + rb")" + VALUE)
PLAIN_CELL = re.compile(rb'\s+r="(' + COLUMN + ROW + rb')"(?:\s+' + STYLE + rb")?(?:\s+" + TYPE + rb")?\s*/?")
FAST_CELL = re.compile(
    rb'<c r="(' + COLUMN + rb")(" + ROW + rb')"(?: ' + STYLE + rb")?(?: " + TYPE + rb")?(/?)>"
)
DIMENSION = re.compile(rb'<dimension\s+ref="(?:' + COLUMN + ROW + rb":)?(" + COLUMN + rb")(" + ROW + rb')"')
PREFIXED_CELL_OR_FORMULA = re.compile(rb":[cf]" + NAME_END)
FORMULA = re.compile(rb"<f" + NAME_END)
SST_TAG = re.compile(rb"<sst(" + ATTRS + rb")>")
SI_START = re.compile(rb"<si" + NAME_END)
PREFIXED_STRINGS = re.compile(rb":s(?:i|st)" + NAME_END)  # x:si, x:sst: prefixed parts take the tag walk

# A plain cell start tag, reference within `letters` letters and `digits` digits (no leading zero),
# then optionally ` s="7"` and ` t="…"` (never "e", an error value), nothing else: a second `r`
# would be the one calamine uses. `_odd_cell` finds the first "<c" that is anything else. The
# commonest shapes come first as literals (it runs once per cell; this is half the time of the
# plain "(?: s=…)?(?: t=…)?/?>" form).
PLAIN_REF = rb' r="[A-Z]{1,%d}+[1-9][0-9]{0,%d}+"'  # filled in with letters and digits - 1
CELL_TYPE = rb'"(?:[a-df-zA-Z]|e[a-zA-Z])[A-Za-z]*+"'
TYPED_END = rb" t=" + CELL_TYPE + rb"/?>"
AFTER_STYLE = rb'(?:>| t="s">|' + TYPED_END + rb"|/>)"
AFTER_REF = rb'(?:>| t="inlineStr">| t="s">| s="[0-9]++"' + AFTER_STYLE + rb"|" + TYPED_END + rb"|/>)"
ODD_CELL = rb"<c(?!" + PLAIN_REF + AFTER_REF + rb")"


@cache
def _odd_cell(letters: int, digits: int) -> re.Pattern[bytes]:
    """ODD_CELL for references of at most `letters` letters and `digits` digits."""
    return re.compile(ODD_CELL % (letters, digits - 1))


def _plain(region: bytes) -> bool:
    """True when sheetData's content `region` may take a fast path: not empty, no formula, no prefixed
    cell or formula. (`_odd_cell` then judges every cell tag.)"""
    return (
        bool(region)
        and not (b"f" in region and FORMULA.search(region) is not None)
        and not (b":" in region and PREFIXED_CELL_OR_FORMULA.search(region) is not None)
    )


@dataclass(slots=True)
class _Cell:
    row: int
    col: int
    type: bytes
    has_value_tag: bool = False
    has_formula: bool = False
    value_text: bytes = b""


class SheetScan(TagScan):
    """Extent, uncached formulas and error values of one SpreadsheetML worksheet part.

    A cell is judged when the next cell, row or the end of sheetData begins, so `</c>` need not be
    matched; a stray `<v>` or `<f>` between cells only ever makes the previous cell count.
    """

    pattern = SHEET_TAG
    starts = SHEET_TAG_START
    markup_trigger = b"sheetData"
    wants_text = frozenset({b"v"})

    def __init__(self, part: str, limits: Limits, filename: str) -> None:
        super().__init__(part, limits, filename)
        self.extent = Extent()
        self.row = 1  # the Excel row a cell without r lands on: calamine's row index + 1
        self.col = 0  # the Excel column of the last cell placed in the row
        self.cell: _Cell | None = None
        self.in_data = False

    def scan_whole(self, data: bytes, *, exact: bool = False) -> None:
        """Scan a whole (size-checked) part at once by the first sound strategy (see the module
        docstring): `_bound` (skipped with `exact`), `_exact`, else `_walk`. The fast paths measure
        sheetData alone; the tags around it still take the walk."""
        if b"sheetData" not in data:
            return  # no sheetData tag, no cell counts (styles, theme, rels, …)
        self.refuse_markup(data, 0)
        start, end = data.find(b"<sheetData>"), data.rfind(b"</sheetData>")
        region = data[start + len(b"<sheetData>") : end] if 0 <= start < end else b""
        if _plain(region):
            hint = None if exact else DIMENSION.search(data, 0, start)
            if (hint is not None and self._bound(region, len(hint[1]), len(hint[2]))) or self._exact(region):
                self._walk(data[:start], data[end:])
                return
        self._walk(data)

    def _bound(self, region: bytes, letters: int, digits: int) -> bool:
        """Strategy 1, bound: record the extent that `letters` and `digits` bound (`extent.exact` then
        False) when it is within the limits and every cell is plain and within it; else False, with
        nothing recorded."""
        rows, cols = 10**digits - 1, (26, 702, 18278)[letters - 1]
        limits = self.limits
        if rows > limits.sheet_rows or cols > limits.sheet_cols or rows * cols > limits.cells:
            return False
        if _odd_cell(letters, digits).search(region) is not None:
            return False
        if b"<c " in region:
            self.extent.add(rows, cols, rows * cols, limits, self.filename, self.part)
            self.extent.exact = False
        return True

    def _exact(self, region: bytes) -> bool:
        """Strategy 2, exact: when every cell is plain (its reference up to three letters and seven
        digits), record the extent the references give, read one by one; else False, nothing recorded."""
        if _odd_cell(3, 7).search(region) is not None:
            return False
        cells = FAST_CELL.findall(region)  # `_odd_cell` made sure every cell has this shape
        valued = [(letters, digits) for letters, digits, _, empty in cells if not empty]
        if valued:
            letters = max(map(bytes.rjust, (c for c, _ in valued), repeat(3))).lstrip()
            col = 0
            for ch in letters:
                col = col * 26 + ch - 64
            max_row = max(map(int, (d for _, d in valued)))
            self.extent.add(max_row, col, len(valued), self.limits, self.filename, self.part)
        return True

    def _walk(self, *parts: bytes) -> None:
        """Strategy 3, walk: feed `parts` as one stream, tag by tag (`on_tag`), and finish. Sound for
        any sheet; the fast paths use it for what lies around sheetData."""
        for part in parts:
            self.feed(part)
        self.finish()

    def on_tag(self, closing: bool, name: bytes, raw: bytes, self_closing: bool, text: bytes) -> None:
        if closing:
            self._close(name)
        elif name == b"sheetData":
            self.in_data = not self_closing
        elif not self.in_data:
            return
        elif name == b"c":
            self._end_cell()
            self._start_cell(raw)
        elif name == b"row":
            self._start_row(raw, self_closing)
        elif self.cell is None:
            return
        elif name == b"v":
            self.cell.has_value_tag = True
            if not self_closing:
                self.cell.value_text = text.strip()[:64]
        elif name == b"f":
            self.cell.has_formula = True
        else:  # is
            self.cell.has_value_tag = True

    def finish(self) -> None:
        super().finish()
        self._end_cell()

    def _close(self, name: bytes) -> None:
        if name == b"sheetData":
            self._end_cell()
            self.in_data = False
        elif name == b"row" and self.in_data:  # calamine moves to the next row at every </row>
            self._end_cell()
            self.row += 1
            self.col = 0

    def _start_row(self, raw: bytes, self_closing: bool) -> None:
        self._end_cell()
        r = int_attr(self._attrs(raw).get(b"r"), 0)
        if r and not self_closing:
            self.row = r
        elif r:  # <row r="9"/>: calamine skips it, or (read as <row></row>) moves past it
            self.row = max(self.row, r + 1)
        self.col = 0

    def _attrs(self, raw: bytes) -> dict[bytes, bytes]:
        """Attributes by qualified name: calamine reads r, s and t only unprefixed (x:r is not r)."""
        found = [(m[1], m[2] if m[2] is not None else m[3]) for m in QNAME_ATTR.finditer(raw)]
        attrs = dict(found)
        if len(attrs) != len(found):
            raise UnreadableFile(f"repeated attribute in {self.part!r}: {raw[:60]!r}", filename=self.filename)
        return attrs

    def _start_cell(self, raw: bytes) -> None:
        plain = PLAIN_CELL.fullmatch(raw)  # the shape Excel, LibreOffice and openpyxl write
        if plain is not None:
            pos = parse_ref(plain[1])
            if pos is not None and pos[0] >= 1:
                self.col = pos[1]
                self.cell = _Cell(row=pos[0], col=pos[1], type=plain[2] or b"n")
                return
        attrs = self._attrs(raw)
        ref = attrs.get(b"r")
        pos = parse_ref(ref) if ref is not None else (self.row, self.col + 1)
        if pos is None or pos[0] < 1:
            raise UnreadableFile(f"bad cell reference in {self.part!r}: {raw[:60]!r}", filename=self.filename)
        self.col = pos[1]
        self.cell = _Cell(row=pos[0], col=pos[1], type=attrs.get(b"t", b"n"))

    def _end_cell(self) -> None:
        cell, self.cell = self.cell, None
        if cell is None or not (cell.has_value_tag or cell.has_formula):
            return
        self.extent.add(cell.row, cell.col, 1, self.limits, self.filename, self.part)
        pos = (cell.row, cell.col)
        if cell.has_formula and not cell.value_text and cell.type not in (b"str", b"inlineStr"):
            self.extent.uncached_formulas.append(pos)
        if cell.type == b"e" and cell.value_text:
            self.extent.errors[pos] = cell.value_text.decode("utf-8", errors="replace")


class SharedStringsScan(TagScan):
    """Counts `<si>` items and reads the `uniqueCount` the `<sst>` tag claims."""

    def __init__(self, part: str, limits: Limits, filename: str) -> None:
        super().__init__(part, limits, filename)
        self.items = 0
        self.claimed: bytes | None = None

    def scan_whole(self, data: bytes) -> None:
        """Unprefixed parts are counted with C-speed searches; prefixed ones take the tag walk."""
        sst = SST_TAG.search(data)
        if sst is None or PREFIXED_STRINGS.search(data) is not None:
            self.feed(data)
            self.finish()
            return
        self.claimed = attrs_of(sst[1]).get(b"uniqueCount", b"")
        self.items = len(SI_START.findall(data))
        check_limit(self.limits, "cells", self.items, self.filename, self.part)

    def on_tag(self, closing: bool, name: bytes, raw: bytes, self_closing: bool, text: bytes) -> None:
        if closing:
            return
        if name == b"si":
            self.items += 1
            check_limit(self.limits, "cells", self.items, self.filename, self.part)
        elif name == b"sst" and self.claimed is None:
            self.claimed = attrs_of(raw).get(b"uniqueCount", b"")

    @property
    def claim_is_wrong(self) -> bool:
        """True when `uniqueCount` is present but not the real number of items."""
        return self.claimed is not None and self.claimed != b"" and self.claimed != str(self.items).encode()


class OdsScan(TagScan):
    """Extent of each `<table:table>` in an ODS content.xml, expanding row and column repeats.

    Held to the same rules as `SheetScan`: a comment holding `<table:table>` would restart the row
    count, so markup is refused, and so is a tag the pattern cannot read.
    """

    starts = TAG_START
    markup_trigger = b"table"

    def __init__(self, part: str, limits: Limits, filename: str) -> None:
        super().__init__(part, limits, filename)
        self.tables: dict[str, Extent] = {}
        self.current = Extent()
        self.row = 0
        self.repeat = 1
        self.col = 0

    def on_tag(self, closing: bool, name: bytes, raw: bytes, self_closing: bool, text: bytes) -> None:
        if name == b"table" and not closing:
            self.current = Extent()
            self.tables[attrs_of(raw).get(b"name", b"").decode("utf-8", errors="replace")] = self.current
            self.row = 0
        elif name == b"table-row":
            if not closing:
                self.repeat = int_attr(attrs_of(raw).get(b"number-rows-repeated"), 1)
                self.col = 0
            if closing or self_closing:
                self.row += self.repeat
        elif name in (b"table-cell", b"covered-table-cell") and not closing:
            attrs = attrs_of(raw)
            span = int_attr(attrs.get(b"number-columns-repeated"), 1)
            self._note_merge(attrs)
            self.col += span
            if b"value-type" in attrs or not self_closing:
                last_row = self.row + self.repeat
                self.current.add(
                    last_row, self.col, span * self.repeat, self.limits, self.filename, self.part
                )

    def _note_merge(self, attrs: dict[bytes, bytes]) -> None:
        rows = int_attr(attrs.get(b"number-rows-spanned"), 1)
        cols = int_attr(attrs.get(b"number-columns-spanned"), 1)
        if rows > 1 or cols > 1:
            r0, c0 = self.row + 1, self.col + 1
            self.current.add(r0 + rows - 1, c0 + cols - 1, 0, self.limits, self.filename, self.part)
            self.current.merged.append((r0, c0, r0 + rows - 1, c0 + cols - 1))
