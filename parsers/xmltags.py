"""What the XML scans of `parsers.xmlscan` share: the named pattern pieces and the tag machinery.

Every pattern the scans use is composed of the pieces below, each written once:

- `NAME_START`, `NAME`: an XML name without its namespace prefix (the scans match local names);
- `PREFIX`: an optional `x:` in front of a name; `QNAME`: a name with its prefix kept;
- `NAME_END`: what may follow a tag's name (space, `/` or `>`);
- `ATTRS`: a tag's raw attributes up to its `>` (a quoted value may hold `>`, never `<`);
- `VALUE`: `="…"` or `='…'` after an attribute's name, the text in one of two groups.

`TagScan` feeds a part chunk by chunk and reports each complete tag; `DoctypeScan` refuses DTDs and
entities (in wide-encoded parts too); `Extent` is what a scan learns about where a sheet's cells end.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from parsers.errors import UnreadableFile, UnsafeFile
from parsers.limits import Limits, check_limit

NAME_START = rb"[A-Za-z_]"
NAME = NAME_START + rb"[\w.-]*"
PREFIX = rb"(?:" + NAME + rb":)?"
QNAME = NAME + rb"(?::" + NAME + rb")?"
NAME_END = rb"[\s/>]"
ATTRS = rb"(?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*"
VALUE = rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"

TAG = re.compile(rb"<(/?)" + PREFIX + rb"(" + NAME + rb")(" + ATTRS + rb")>")
TAG_START = re.compile(rb"</?" + PREFIX + NAME_START)  # a start TAG cannot complete is malformed
ATTR = re.compile(PREFIX + rb"(" + NAME + rb")" + VALUE)
CELL_REF = re.compile(rb"([A-Za-z]{1,10})([0-9]{1,12})")  # as calamine reads one: any case, any length
DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00")  # UTF-16 or UTF-32


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


def int_attr(raw: bytes | None, default: int) -> int:
    """A count attribute's value; `default` when it is absent or not a plain number of ≤ 12 digits."""
    return int(raw) if raw is not None and raw.isdigit() and len(raw) <= 12 else default


class DoctypeScan:
    """Refuse a part that declares a DTD or an entity, anywhere in its bytes.

    An XML part in a 16- or 32-bit encoding (a byte order mark, or "<" next to a zero byte) hides
    such declarations from a byte scan. When `wide` is False (a part the reader reads: python-calamine
    reads such a part as empty or not at all) it is refused; else (a part nobody reads, such as the
    UTF-16 `customXml/item1.xml` of files kept on SharePoint) it is decoded as it streams and its text
    searched too, and a part that does not decode is refused. The bytes are searched either way.
    """

    def __init__(self, part: str, filename: str, *, xml: bool, wide: bool = False) -> None:
        self.part, self.filename, self.xml, self.wide = part, filename, xml, wide
        self.tail = b""
        self.started = False
        self.decoder: codecs.IncrementalDecoder | None = None
        self.text_tail = b""

    def feed(self, chunk: bytes) -> None:
        if self.xml and not self.started and chunk:
            self.started = True
            if chunk.startswith(WIDE_STARTS):
                if not self.wide:
                    raise UnsafeFile(
                        f"XML part {self.part!r} is not UTF-8", filename=self.filename, reason="xml_encoding"
                    )
                self.decoder = codecs.getincrementaldecoder(_wide_codec(chunk))()
        self.tail = self._search(self.tail, chunk)
        if self.decoder is not None:
            self.text_tail = self._search(self.text_tail, self._decode(self.decoder, chunk, final=False))

    def close(self) -> None:
        """The part has ended: a wide part must decode to its last byte."""
        if self.decoder is not None:
            self.text_tail = self._search(self.text_tail, self._decode(self.decoder, b"", final=True))

    def _decode(self, decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool) -> bytes:
        try:
            return decoder.decode(chunk, final).encode("utf-8", errors="replace")
        except UnicodeDecodeError as e:
            raise UnsafeFile(
                f"XML part {self.part!r} does not decode as it says: {e}",
                filename=self.filename,
                reason="xml_encoding",
            ) from e

    def _search(self, tail: bytes, chunk: bytes) -> bytes:
        """Refuse when `tail` + `chunk` holds a declaration; the new tail."""
        window = tail + chunk
        if b"!" in window and b"<!" in window and DOCTYPE.search(window):
            raise UnsafeFile(
                f"part {self.part!r} declares a DTD or entities",
                filename=self.filename,
                reason="xml_entities",
            )
        return window[-32:]


def _wide_codec(head: bytes) -> str:
    """The codec of a part that starts with `head`, one of WIDE_STARTS."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    return "utf-16-be" if head.startswith(b"\x00<") else "utf-32-be"


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
class Extent:
    """Where the cells that hold something end, and what the scan learnt about them."""

    max_row: int = 0
    max_col: int = 0
    cells: int = 0
    uncached_formulas: list[tuple[int, int]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # ODS spans: r0, c0, r1, c1
    exact: bool = True  # False: max_row/max_col are upper bounds (see xmlscan.SheetScan.scan_whole)

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
