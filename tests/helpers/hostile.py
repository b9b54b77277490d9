"""Builders of hostile and odd spreadsheet files, for the hostile-file tests and bench/bench_hostile.py.

Everything is made in memory: openpyxl for base workbooks, then zip surgery (`patch_zip`), a raw
zip writer for members whose deflate stream we craft ourselves (`raw_zip`), a minimal OLE2/CFB
writer (`cfb`), a minimal BIFF8 writer (`biff8`) and a hand-made ODS (`ods`).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import openpyxl

MIB = 1024 * 1024
SHEET1 = "xl/worksheets/sheet1.xml"
LOL = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
SST_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>{doctype}'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' count="{count}" uniqueCount="{unique}">'
    "<si><t>{text}</t></si></sst>"
)


def xlsx(
    sheets: Mapping[str, Iterable[Iterable[object]]] | None = None, *, hidden: Iterable[str] = ()
) -> bytes:
    """An openpyxl workbook: sheet name → rows (lists of values); rows start at A1."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (sheets or {"Sheet": [["x", None], [None, 5]]}).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if name in hidden:
            ws.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


Patch = bytes | Callable[[bytes], bytes] | None


def patch_zip(data: bytes, changes: Mapping[str, Patch]) -> bytes:
    """Rewrite a zip: each change replaces a member (bytes), edits it (callable) or drops it (None);
    names not yet in the zip are added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            change = changes.get(name, b"")
            body = zin.read(name)
            if name in changes and change is None:
                continue
            if callable(change):
                body = change(body)
            elif isinstance(change, bytes) and change:
                body = change
            zout.writestr(name, body)
        for name, change in changes.items():
            if name not in zin.namelist() and isinstance(change, bytes):
                zout.writestr(name, change)
    return out.getvalue()


def with_cells(xml: str, *, dimension: str | None = None) -> Callable[[bytes], bytes]:
    """An edit for sheet XML: append raw `<row>` XML before `</sheetData>` and maybe set `<dimension>`."""

    def edit(body: bytes) -> bytes:
        body = body.replace(b"</sheetData>", xml.encode() + b"</sheetData>")
        if dimension is not None:
            start = body.index(b"<dimension")
            body = (
                body[:start]
                + f'<dimension ref="{dimension}"/>'.encode()
                + body[body.index(b">", start) + 1 :]
            )
        return body

    return edit


def with_shared_strings(
    base: bytes, *, count: int = 1, unique: int = 1, doctype: str = "", text: str = "hello"
) -> bytes:
    """`base` with A1 turned into shared string 0 and an added sharedStrings.xml (its claims as given)."""
    rel = (
        '<Relationship Id="rId99" Target="sharedStrings.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    return patch_zip(
        base,
        {
            SHEET1: lambda b: b.replace(
                b'<c r="A1" t="inlineStr"><is><t>x</t></is></c>', b'<c r="A1" t="s"><v>0</v></c>'
            ),
            "xl/_rels/workbook.xml.rels": lambda b: b.replace(
                b"</Relationships>", rel.encode() + b"</Relationships>"
            ),
            "xl/sharedStrings.xml": SST_XML.format(
                doctype=doctype, count=count, unique=unique, text=text
            ).encode(),
        },
    )


# --- raw zips, for deflate streams we craft -------------------------------------------------------------


@dataclass(frozen=True)
class RawEntry:
    """One member as it goes on disk: `data` already compressed with `method`."""

    name: bytes
    data: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def deflate(body: bytes) -> RawEntry:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawEntry(b"", c.compress(body) + c.flush(), len(body), zlib.crc32(body))


def raw_zip(entries: Iterable[RawEntry]) -> bytes:
    """A zip written byte by byte, trusting each entry's declared size and CRC (no zip64)."""
    out, central = bytearray(), bytearray()
    count = 0
    for e in entries:
        fixed = struct.pack("<HHHHHIII", 20, e.flags, e.method, 0, 0x21, e.crc, len(e.data), e.size)
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fixed
            + struct.pack("<HHHHHII", len(e.name), 0, 0, 0, 0, 0, len(out))
        )
        central += e.name
        out += b"PK\x03\x04" + fixed + struct.pack("<HH", len(e.name), 0) + e.name + e.data
        count += 1
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + eocd)


def entries_of(data: bytes, skip: Iterable[str] = ()) -> list[RawEntry]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [
            RawEntry(n.encode(), e.data, e.size, e.crc)
            for n in zf.namelist()
            if n not in skip
            for e in [deflate(zf.read(n))]
        ]


@cache
def _blank_block() -> tuple[bytes, int]:
    """1 MiB of spaces as independent deflate blocks (a full flush), and its CRC."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(b" " * MIB) + c.flush(zlib.Z_FULL_FLUSH), zlib.crc32(b" " * MIB)


def bomb_member(name: str, mib: int, *, declared: int | None = None) -> RawEntry:
    """A worksheet part: an XML head, then `mib` MiB of spaces, compressed to about 1/1000 of that."""
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block, block_crc = _blank_block()
    crc = zlib.crc32(head)
    for _ in range(mib):
        crc = zlib.crc32(b" " * MIB, crc)  # honest CRC, so only our guards stop it
    del block_crc
    stream = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH) + block * mib + b"\x03\x00"
    size = len(head) + mib * MIB
    return RawEntry(name.encode(), stream, size if declared is None else declared, crc)


def zip_bomb_xlsx(mib: int = 1024, *, declared: int | None = None) -> bytes:
    """A valid xlsx whose sheet1.xml inflates to `mib` MiB (declared honestly unless `declared` is given)."""
    return raw_zip([*entries_of(xlsx(), skip=[SHEET1]), bomb_member(SHEET1, mib, declared=declared)])


def billion_laughs_xlsx(where: str = "sheet") -> bytes:
    """A valid xlsx with a 9-level entity bomb in the sheet (a `<v>`) or in sharedStrings.xml."""
    if where == "sheet":
        edit = with_cells('<row r="3"><c r="A3" t="str"><v>&lol9;</v></c></row>')
        return patch_zip(xlsx(), {SHEET1: lambda b: LOL.encode() + edit(b)})
    return with_shared_strings(xlsx(), doctype=LOL, text="&lol9;")


# --- OLE2 / CFB --------------------------------------------------------------------------------------


def cfb(streams: Mapping[str, bytes]) -> bytes:
    """A version-3 compound file holding `streams` at the root, each padded to at least 4096 bytes
    so that none lives in the mini stream."""
    sector, free, end, fat_id = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    bodies = [streams[n].ljust(4096, b"\x00") for n in names]
    dir_sectors = (len(names) + 1 + 3) // 4
    data_sectors = [-(-len(b) // sector) for b in bodies]
    n_fat = 1
    while (n_fat + dir_sectors + sum(data_sectors)) > n_fat * 128:
        n_fat += 1
    fat = [fat_id] * n_fat
    fat += [*range(n_fat + 1, n_fat + dir_sectors), end]
    starts = []
    for count in data_sectors:
        first = len(fat)
        starts.append(first)
        fat += [*range(first + 1, first + count), end]
    fat += [free] * (n_fat * 128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\x00\x00").ljust(64, b"\x00")
        return raw + struct.pack(
            "<HBBIII16sIQQIQ", len(name) * 2 + 2, kind, 1, free, right, child, b"", 0, 0, 0, start, size
        )

    dirs = entry("Root Entry", 5, 1 if names else free, free, end, 0)
    for i, (_name, body) in enumerate(zip(names, bodies, strict=True)):
        dirs += entry(names[i], 2, free, i + 2 if i + 1 < len(names) else free, starts[i], len(body))
    dirs = dirs.ljust(dir_sectors * sector, b"\x00")
    difat = list(range(n_fat)) + [free] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE, 9, 6, b"",
        0, n_fat, n_fat, 0, 4096, end, 0, end, 0,
    )  # fmt: skip
    header += struct.pack("<109I", *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return (
        header + fat_bytes + dirs + b"".join(b.ljust(-(-len(b) // sector) * sector, b"\x00") for b in bodies)
    )


def encrypted_ooxml() -> bytes:
    """What Excel writes for a password-protected xlsx: OLE2 with EncryptionInfo + EncryptedPackage."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"  # agile header; contents never read
    return cfb({"EncryptionInfo": info, "EncryptedPackage": b"\x00" * 5000, "\x06DataSpaces": b""})


# --- BIFF8 -------------------------------------------------------------------------------------------


def _rec(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xl_string(text: str, *, short: bool) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<BB" if short else "<HB", len(text), 1) + raw


def biff8(sheets: Mapping[str, Mapping[tuple[int, int], object]], *, hidden: Iterable[str] = (),
          merged: Iterable[tuple[int, int, int, int]] = (), filepass: bool = False,
          sst_unique: int | None = None) -> bytes:  # fmt: skip
    """A legacy .xls: sheet name → {(row, col) 1-based: value}; values are float, str or an error "#REF!".

    `merged` ranges (first_row, last_row, first_col, last_col, 1-based) go on the first sheet.
    """
    bof = lambda dt: _rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))  # noqa: E731
    xfs = b"".join(
        _rec(0x00E0, struct.pack("<HHH", 0, 0, 0xFFF5 if i < 15 else 1) + b"\x20" + b"\x00" * 11)
        for i in range(16)
    )
    font = _rec(
        0x0031,
        struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _xl_string("Arial", short=True),
    )
    glob_head = (
        bof(0x0005)
        + (_rec(0x002F, b"\x01\x00" + b"\x00" * 52) if filepass else b"")
        + _rec(0x0042, struct.pack("<H", 1200))
    )
    glob_head += font * 5 + xfs
    if sst_unique is not None:  # a shared-string table claiming `sst_unique` strings, holding one
        glob_head += _rec(0x00FC, struct.pack("<II", 1, sst_unique) + _xl_string("sst", short=False))
    subs = []
    for n, cells in enumerate(sheets.values()):
        body = bof(0x0010) + _rec(
            0x0200,
            struct.pack(
                "<IIHHH",
                0,
                max((r for r, _ in cells), default=0),
                0,
                max((c for _, c in cells), default=0),
                0,
            ),
        )
        for (r, c), v in cells.items():
            if isinstance(v, str) and v.startswith("#"):
                code = {"#REF!": 0x17, "#N/A": 0x2A, "#DIV/0!": 0x07}[v]
                body += _rec(0x0205, struct.pack("<HHHBB", r - 1, c - 1, 15, code, 1))
            elif isinstance(v, str):
                body += _rec(0x0204, struct.pack("<HHH", r - 1, c - 1, 15) + _xl_string(v, short=False))
            else:
                body += _rec(0x0203, struct.pack("<HHHd", r - 1, c - 1, 15, float(v)))  # type: ignore[arg-type]
        ranges = list(merged) if n == 0 else []
        if ranges:
            body += _rec(
                0x00E5,
                struct.pack("<H", len(ranges))
                + b"".join(struct.pack("<HHHH", a - 1, b - 1, c - 1, d - 1) for a, b, c, d in ranges),
            )
        subs.append(body + _rec(0x000A))
    boundsheet_len = sum(4 + 6 + 2 + 2 * len(name) for name in sheets)
    offset = len(glob_head) + boundsheet_len + 4
    boundsheets = b""
    for name, sub in zip(sheets, subs, strict=True):
        boundsheets += _rec(
            0x0085, struct.pack("<IBB", offset, 1 if name in hidden else 0, 0) + _xl_string(name, short=True)
        )
        offset += len(sub)
    return cfb({"Workbook": glob_head + boundsheets + _rec(0x000A) + b"".join(subs)})


# --- ODS ---------------------------------------------------------------------------------------------

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(tables_xml: str) -> bytes:
    """A minimal .ods around raw `<table:table>` XML (mimetype stored first, as the spec wants)."""
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
    content += f"<office:body><office:spreadsheet>{tables_xml}</office:spreadsheet></office:body>"
    content += "</office:document-content>"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_of(members: Mapping[str, bytes], *, utf8_names: bool = True, encoding: str = "utf-8") -> bytes:
    """A plain zip; with `utf8_names=False` names are written as `encoding` bytes without flag bit 11."""
    if utf8_names:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, body in members.items():
                zf.writestr(name, body)
        return out.getvalue()
    return raw_zip(
        RawEntry(name.encode(encoding), e.data, e.size, e.crc)
        for name, body in members.items()
        for e in [deflate(body)]
    )
