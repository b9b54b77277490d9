"""Walk the BIFF records of a legacy .xls before calamine reads it.

Finds a FILEPASS record (the workbook is encrypted), and for each worksheet the extent of its
value cells and its error cells (BOOLERR and FORMULA records with an error result), which
calamine's `to_python` turns into "".
"""

from __future__ import annotations

import struct

from parsers.errors import EncryptedFile
from parsers.limits import Limits
from parsers.xmlscan import Extent

BOF, EOF, FILEPASS, BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
NUMBER, RK, LABELSST, LABEL, RSTRING, BOOLERR, FORMULA, MULRK = (
    0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205, 0x0006, 0x00BD,
)  # fmt: skip
VALUE_RECORDS = {NUMBER, RK, LABELSST, LABEL, RSTRING, BOOLERR, FORMULA}
ERROR_TEXT = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


def scan_biff(stream: bytes, limits: Limits, filename: str = "") -> dict[str, Extent]:
    """Sheet name → extent of its value cells; raise EncryptedFile on FILEPASS, LimitExceeded on size."""
    names: dict[int, str] = {}
    extents: dict[str, Extent] = {}
    biff8 = True
    current: Extent | None = None
    part = ""
    pos = 0
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4 : pos + 4 + size]
        if kind == BOF:
            biff8 = body[:2] == b"\x00\x06"
            part = names.get(pos, f"sheet at offset {pos}")
            current = Extent() if pos in names else None
            if current is not None:
                extents[part] = current
        elif kind == FILEPASS:
            raise EncryptedFile("legacy .xls carries a FILEPASS record", filename=filename)
        elif kind == BOUNDSHEET and len(body) >= 8:
            names[struct.unpack_from("<I", body)[0]] = _sheet_name(body[6:], biff8)
        elif current is not None and kind in VALUE_RECORDS | {MULRK} and len(body) >= 6:
            row, col = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if kind == MULRK else col
            count = last - col + 1 if last >= col else 1
            current.add(row + 1, max(last, col) + 1, count, limits, filename, part)
            error = _error(kind, body)
            if error:
                current.errors[(row + 1, col + 1)] = error
        pos += 4 + size
    return extents


def _error(kind: int, body: bytes) -> str:
    if kind == BOOLERR and len(body) >= 8 and body[7] == 1:
        return ERROR_TEXT.get(body[6], "#ERROR!")
    if kind == FORMULA and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
        return ERROR_TEXT.get(body[8], "#ERROR!")
    return ""


def _sheet_name(data: bytes, biff8: bool) -> str:
    if not data:
        return ""
    count = data[0]
    if not biff8:
        return data[1 : 1 + count].decode("cp874", errors="replace")
    wide = len(data) > 1 and data[1] & 1
    raw = data[2 : 2 + count * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", errors="replace")
