"""Tell what an attachment is from its bytes, never from its name."""

from __future__ import annotations

import io
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(payload: bytes) -> str:
    """Return one of xlsx, xlsm, ods, zip, ole2, pdf, image, html, text, empty, unknown."""
    if not payload:
        return "empty"
    head = payload[:8]
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(payload)
    if head == OLE2_MAGIC:
        return "ole2"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        return "image"
    start = payload[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return "html"
    if b"\x00" not in payload[:4096]:
        return "text"
    return "unknown"


def _sniff_zip(payload: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mimetype:
                    return "ods"
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
        return "zip"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
    return "zip"
