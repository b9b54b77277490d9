"""Streaming scans of the XML inside a workbook, fed chunk by chunk, before any reader parses it.

`DoctypeScan` refuses DTDs and entity declarations anywhere. `SheetScan` walks a worksheet's
`<row>`/`<c>` tags to learn the true extent of the cells that hold something, which formula cells
lack a cached value and which hold error values. `SharedStringsScan` counts `<si>` items against
the `uniqueCount` the file claims. `OdsScan` does the extent walk for ODS `content.xml`, where
rows and cells carry repeat counts.

`SheetScan` follows python-calamine 0.9.1's reading rules where they decide where a cell lands:
elements by local name, attributes `r`/`s`/`t` only unprefixed, the last of two `r` (so two are
refused), lowercase references, a new row at every `</row>`. It refuses what it cannot follow and
no spreadsheet program writes: comments, CDATA and processing instructions in a worksheet (a
`</sheetData>` inside one would end a scan early while calamine reads on) and malformed tags (a `<`
inside an attribute value). ODS content is not held to this: calamine does not abort on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat

from parsers.errors import UnreadableFile, UnsafeFile
from parsers.limits import Limits, check_limit

TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>")
TAG_START = re.compile(rb"</?(?:[A-Za-z_][\w.-]*:)?[A-Za-z_]")  # a start TAG cannot complete is malformed
ATTR = re.compile(rb"(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SHEET_TAG_START = (  # start tags of interest, and the two end tags that move calamine: row, sheetData
    rb"<(/(?=(?:[A-Za-z_][\w.-]*:)?(?:sheetData|row)[\s>])|)(?:[A-Za-z_][\w.-]*:)?(c|row|v|f|is|sheetData)(?=[\s/>])"
)
SHEET_TAG = re.compile(_SHEET_TAG_START + rb"((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>")
SHEET_TAG_START = re.compile(_SHEET_TAG_START)  # a start SHEET_TAG cannot complete is a malformed tag
QNAME_ATTR = re.compile(rb"([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
PLAIN_CELL = re.compile(rb'\s+r="([A-Z]{1,3}[0-9]{1,7})"(?:\s+s="[0-9]+")?(?:\s+t="([A-Za-z]+)")?\s*/?')
FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]+")?(?: t="([A-Za-z]+)")?(/?)>')
# A plain cell start tag, reference within `letters` letters and `digits` digits (no leading zero),
# then optionally ` s="7"` and ` t="…"` (never "e", an error value), nothing else: a second `r`
# would be the one calamine uses. `_odd_cell` finds the first "<c" that is anything else. The
# commonest shapes come first as literals (it runs once per cell; this is half the time of the
# plain "(?: s=…)?(?: t=…)?/?>" form).
CELL_TYPE = rb'"(?:[a-df-zA-Z]|e[a-zA-Z])[A-Za-z]*+"'
ODD_CELL = (
    rb'<c(?! r="[A-Z]{1,%d}+[1-9][0-9]{0,%d}+"'
    rb'(?:>| t="inlineStr">| t="s">| s="[0-9]++"(?:>| t="s">| t=' + CELL_TYPE + rb"/?>|/>)"
    rb"| t=" + CELL_TYPE + rb"/?>|/>))"
)
PREFIXED_CELL_OR_FORMULA = re.compile(rb":[cf][\s/>]")
FORMULA = re.compile(rb"<f[\s/>]")
DIMENSION = re.compile(rb'<dimension\s+ref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"')
SST_TAG = re.compile(rb"<sst((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>")
SI_START = re.compile(rb"<si[\s/>]")
PREFIXED_STRINGS = re.compile(rb":s(?:i|st)[\s/>]")  # x:si, x:sst: prefixed parts take the tag walk
CELL_REF = re.compile(rb"([A-Za-z]{1,10})([0-9]{1,12})")
DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00")


@cache
def _odd_cell(letters: int, digits: int) -> re.Pattern[bytes]:
    return re.compile(ODD_CELL % (letters, digits - 1))


def _markup_at(buf: bytes, *, allow_declaration: bool) -> int:
    """Where `buf` holds "<!" or "<?" (an XML declaration at its start excepted when allowed), or -1.

    Searches for the rare "!" and "?" at C speed and looks back one byte, so a sheet without
    them costs two memchr passes."""
    skip = -1
    if allow_declaration:
        for start in (0, 3):  # after a UTF-8 byte order mark
            if buf.startswith(b"<?xml", start):
                skip = start + 1
    for mark in (b"!", b"?"):
        i = buf.find(mark)
        while i != -1:
            if i > 0 and buf[i - 1] == 0x3C and i != skip:  # "<"
                return i - 1
            i = buf.find(mark, i + 1)
    return -1


def attrs_of(raw: bytes) -> dict[bytes, bytes]:
    """Attributes by local name (the namespace prefix dropped)."""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in ATTR.finditer(raw)}


def parse_ref(ref: bytes) -> tuple[int, int] | None:
    """(row, col), both 1-based, of an A1 reference; None when it is not one."""
    m = CELL_REF.fullmatch(ref)
    if m is None:
        return None
    col = 0
    for ch in m[1].upper():
        col = col * 26 + ch - 64
    return int(m[2]), col


def _int(raw: bytes | None, default: int) -> int:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) <= 12 else default


class DoctypeScan:
    """Refuse a part that declares a DTD or an entity, or that is not in an 8-bit encoding."""

    def __init__(self, part: str, filename: str, *, xml: bool) -> None:
        self.part, self.filename, self.xml = part, filename, xml
        self.tail = b""
        self.started = False

    def feed(self, chunk: bytes) -> None:
        if self.xml and not self.started and chunk:
            self.started = True
            if chunk.startswith(UTF16_STARTS):
                raise UnsafeFile(
                    f"XML part {self.part!r} is not UTF-8", filename=self.filename, reason="xml_encoding"
                )
        window = self.tail + chunk
        if b"!" in window and b"<!" in window and DOCTYPE.search(window):
            raise UnsafeFile(
                f"part {self.part!r} declares a DTD or entities",
                filename=self.filename,
                reason="xml_entities",
            )
        self.tail = window[-32:]


class TagScan:
    """Feed bytes; calls `on_tag(closing, name, attrs, self_closing, text_after)` per complete tag.

    Only tags `pattern` matches are reported; `text_after` is filled only for names in `wants_text`.
    """

    pattern = TAG
    wants_text: frozenset[bytes] = frozenset()
    starts: re.Pattern[bytes] | None = None  # when set, every start it finds must be a complete tag
    markup_trigger: bytes | None = None  # once this is seen, comments, CDATA and PIs are refused

    def __init__(self, part: str, limits: Limits, filename: str) -> None:
        self.part, self.limits, self.filename = part, limits, filename
        self.carry = b""
        self.fed = 0  # bytes fed so far
        self.triggered = False

    def refuse_markup(self, buf: bytes, base: int) -> None:
        """Refuse a comment, CDATA section, DTD piece or processing instruction (the XML declaration at
        the part's start excepted). No spreadsheet program writes them in a sheet, and the scans do
        not understand them: a "</sheetData>" in a comment would end a scan's sheet early while
        calamine reads on."""
        at = _markup_at(buf, allow_declaration=base == 0)
        if at != -1:
            found = buf[at : at + 12]
            raise UnreadableFile(
                f"{self.part!r} holds XML markup no spreadsheet writes, at byte {base + at}: {found!r}",
                filename=self.filename,
            )

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        if self.markup_trigger is not None:
            self.triggered = self.triggered or self.markup_trigger in buf
            if self.triggered:
                self.refuse_markup(buf, self.fed - len(self.carry))
        self.fed += len(chunk)
        cut = buf.rfind(b"<")
        if cut == -1:
            self.carry = b""
            return
        on_tag, wants_text = self.on_tag, self.wants_text
        seen = 0
        for m in self.pattern.finditer(buf, 0, cut):
            name, raw = m[2], m[3]
            text = b""
            if name in wants_text:
                nxt = buf.find(b"<", m.end(), cut)
                text = buf[m.end() : nxt if nxt != -1 else cut]
            on_tag(m[1] == b"/", name, raw, raw.endswith(b"/"), text)
            seen += 1
        if self.starts is not None and len(self.starts.findall(buf, 0, cut)) != seen:
            raise UnreadableFile(  # e.g. a "<" inside an attribute value: XML forbids it, quick-xml reads on
                f"a tag in {self.part!r} is not well-formed", filename=self.filename
            )
        self.carry = buf[cut:]
        if len(self.carry) > self.limits.tag_bytes:
            if b">" not in self.carry[: self.limits.tag_bytes]:
                check_limit(self.limits, "tag_bytes", len(self.carry), self.filename, self.part)
            self.carry = self.carry[: self.limits.tag_bytes]

    def finish(self) -> None:
        self.feed(b"<")

    def scan_whole(self, data: bytes) -> None:
        """Scan a complete part; subclasses replace this with faster whole-part paths."""
        self.feed(data)
        self.finish()

    def on_tag(self, closing: bool, name: bytes, raw: bytes, self_closing: bool, text: bytes) -> None:
        raise NotImplementedError


@dataclass(slots=True)
class _Cell:
    row: int
    col: int
    type: bytes
    has_value_tag: bool = False
    has_formula: bool = False
    value_text: bytes = b""


@dataclass(slots=True)
class Extent:
    """Where the cells that hold something end, and what the scan learnt about them."""

    max_row: int = 0
    max_col: int = 0
    cells: int = 0
    uncached_formulas: list[tuple[int, int]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # ODS spans: r0, c0, r1, c1
    exact: bool = True  # False: max_row/max_col are upper bounds (see SheetScan.scan_whole)

    def add(self, row: int, col: int, count: int, limits: Limits, filename: str, part: str) -> None:
        if row > self.max_row:
            self.max_row = row
            if row > limits.sheet_rows:
                check_limit(limits, "sheet_rows", row, filename, part)
        if col > self.max_col:
            self.max_col = col
            if col > limits.sheet_cols:
                check_limit(limits, "sheet_cols", col, filename, part)
        self.cells += count
        if self.cells > limits.cells:
            check_limit(limits, "cells", self.cells, filename, part)

    @property
    def area(self) -> int:
        """Cells a reader pads from A1 to the last row and column."""
        return self.max_row * self.max_col


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
        """Scan a whole (size-checked) part at once, by the cheapest of three ways that is sound.

        A plain sheetData — every cell `<c r="A1" s="1" t="s">`, no formula, no error value, no
        prefixed cell — is measured with C-speed searches that create no object per cell. (1) Bound:
        when every reference has at most as many letters and digits as the `<dimension>` claims
        (A1:R337 → 1 letter, 3 digits), 999 rows × 26 columns bound the extent; it is kept when
        within the limits (`extent.exact` is then False). (2) Exact, with `exact` or when (1) does
        not hold: the references are read one by one. (3) Anything else takes the tag-by-tag walk.
        All three give the same errors and uncached formulas; a bound is never below the truth.
        """
        if b"sheetData" not in data:
            return  # no sheetData tag, no cell counts (styles, theme, rels, …)
        self.refuse_markup(data, 0)
        start, end = data.find(b"<sheetData>"), data.rfind(b"</sheetData>")
        region = data[start + len(b"<sheetData>") : end] if 0 <= start < end else b""
        if (
            not region
            or (b"f" in region and FORMULA.search(region) is not None)
            or (b":" in region and PREFIXED_CELL_OR_FORMULA.search(region) is not None)
        ):
            self.feed(data)
            self.finish()
            return
        hint = None if exact else DIMENSION.search(data, 0, start)
        if hint is not None and self._bound(region, len(hint[1]), len(hint[2])):
            pass
        elif _odd_cell(3, 7).search(region) is None:
            self._exact(region)
        else:
            self.feed(data)
            self.finish()
            return
        self.feed(data[:start])
        self.feed(data[end:])
        self.finish()

    def _bound(self, region: bytes, letters: int, digits: int) -> bool:
        """Record the extent bound that `letters` and `digits` give, when it is within the limits and
        every cell is plain and within it; False otherwise (nothing recorded)."""
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

    def _exact(self, region: bytes) -> None:
        cells = FAST_CELL.findall(region)  # `_odd_cell` made sure every cell has this shape
        valued = [(letters, digits) for letters, digits, _, empty in cells if not empty]
        if valued:
            letters = max(map(bytes.rjust, (c for c, _ in valued), repeat(3))).lstrip()
            col = 0
            for ch in letters:
                col = col * 26 + ch - 64
            max_row = max(map(int, (d for _, d in valued)))
            self.extent.add(max_row, col, len(valued), self.limits, self.filename, self.part)

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
        r = _int(self._attrs(raw).get(b"r"), 0)
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
                self.repeat = _int(attrs_of(raw).get(b"number-rows-repeated"), 1)
                self.col = 0
            if closing or self_closing:
                self.row += self.repeat
        elif name in (b"table-cell", b"covered-table-cell") and not closing:
            attrs = attrs_of(raw)
            span = _int(attrs.get(b"number-columns-repeated"), 1)
            self._note_merge(attrs)
            self.col += span
            if b"value-type" in attrs or not self_closing:
                last_row = self.row + self.repeat
                self.current.add(
                    last_row, self.col, span * self.repeat, self.limits, self.filename, self.part
                )

    def _note_merge(self, attrs: dict[bytes, bytes]) -> None:
        rows = _int(attrs.get(b"number-rows-spanned"), 1)
        cols = _int(attrs.get(b"number-columns-spanned"), 1)
        if rows > 1 or cols > 1:
            r0, c0 = self.row + 1, self.col + 1
            self.current.add(r0 + rows - 1, c0 + cols - 1, 0, self.limits, self.filename, self.part)
            self.current.merged.append((r0, c0, r0 + rows - 1, c0 + cols - 1))
