"""Tell what an attachment is from its bytes, never from its name."""

from __future__ import annotations

import io
import zipfile

from parsers.errors import ParseError
from parsers.ole2 import MAGIC as OLE2_MAGIC
from parsers.ole2 import Ole2

ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_KINDS = frozenset({"xlsx", "xlsm", "xls", "ods"})
OLE2_KINDS = (("EncryptedPackage", "encrypted"), ("Workbook", "xls"), ("Book", "xls"),
              ("WordDocument", "doc"), ("PowerPoint Document", "ppt"))  # fmt: skip


def sniff(payload: bytes) -> str:
    """Name the kind of file the bytes are.

    One of: xlsx, xlsm, xls, ods (readable spreadsheets); encrypted (a password-protected OOXML
    workbook in an OLE2 container); xlsb, ole2 (an OLE2 file we cannot place), doc, ppt, zip
    (any other zip), broken_zip (zip magic but no readable directory: usually a truncated
    xlsx), pdf, image, html, text, empty, unknown.
    """
    if not payload:
        return "empty"
    head = payload[:8]
    if head.startswith((ZIP_MAGIC, b"PK\x05\x06")):
        return _sniff_zip(payload)
    if head == OLE2_MAGIC:
        return _sniff_ole2(payload)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")):
        return "image"
    start = payload[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")):
        return "html"
    if b"\x00" not in payload[:4096]:
        return "text"
    return "unknown"


def _sniff_zip(payload: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mimetype = fh.read(100)  # bounded: never inflate a whole member just to look
                if b"opendocument.spreadsheet" in mimetype:
                    return "ods"
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        return "broken_zip"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" in names:
        return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
    return "zip"


def _sniff_ole2(payload: bytes) -> str:
    try:
        ole = Ole2(payload)
    except ParseError:
        return "ole2"
    for stream, kind in OLE2_KINDS:
        if ole.has(stream):
            return kind
    return "ole2"
