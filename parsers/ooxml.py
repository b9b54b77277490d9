"""Guard an xlsx/xlsm package before python-calamine opens it, and learn what calamine hides.

Every member is inflated once, in chunks, through `zipguard.iter_member` and the scans of
`xmlscan`: DTDs and entities are refused in every part, whoever reads it (a part in UTF-16 is
decoded to be searched, and refused only when python-calamine would read it: `read_by_reader`);
each worksheet's real extent is checked against the limits (calamine 0.9.1 aborts the process
building a dense range up to a far cell), and a `sharedStrings.xml` whose `uniqueCount` lies is
rewritten with the real count (calamine 0.9.1 reserves memory for the claimed count and aborts on
4294967295).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from parsers.errors import UnreadableFile, UnsafeFile
from parsers.limits import Limits, check_limit
from parsers.xmlscan import DoctypeScan, Extent, SharedStringsScan, SheetScan, TagScan
from parsers.zipguard import Member, iter_member, open_members, read_member

META_PART_BYTES = 10 * 1024 * 1024
READER_PARTS = frozenset({"workbook.xml", "sharedstrings.xml", "styles.xml"})  # names as calamine lowers them
READER_FOLDERS = ("worksheets", "tables")
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SST_COUNT = re.compile(rb"(<(?:\w+:)?sst\b[^>]*?\buniqueCount\s*=\s*)([\"'])[^\"']*\2")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A package calamine may open, and the per-sheet facts the scans learnt, keyed by sheet name."""

    payload: bytes
    extents: dict[str, Extent]


WHOLE_PART_BYTES = 16 * 1024 * 1024  # parts up to this size are scanned in one piece (fast paths)


def prepare_ooxml(payload: bytes, limits: Limits, filename: str = "", *, exact: bool = False) -> Prepared:
    """Scan an xlsx/xlsm package; raise a ParseError on any breach, else return what calamine may read.

    Sheets may be measured by an upper bound of their extent (`SheetScan.scan_whole`); when the
    bounds together pass the cells limit, the package is measured again exactly before refusing.
    """
    members = open_members(payload, limits, filename)
    by_name = {m.name: m for m in members}
    sheet_parts = _sheet_parts(payload, by_name, filename)
    extents: dict[str, Extent] = {}
    fixes: dict[str, bytes] = {}
    for m in members:
        sheet_scan, strings_scan = _scan_member(payload, m, m.name in sheet_parts, limits, filename, exact)
        if sheet_scan.extent.cells:
            extents[m.name] = sheet_scan.extent
        if strings_scan is not None and strings_scan.claim_is_wrong:
            fixes[m.name] = _fix_shared_strings(read_member(payload, m, filename), strings_scan.items)
    check_limit(limits, "sheets", len(sheet_parts), filename)
    area = sum(e.area for e in extents.values())
    if area > limits.cells and not all(e.exact for e in extents.values()):
        return prepare_ooxml(payload, limits, filename, exact=True)
    check_limit(limits, "cells", area, filename)
    if fixes:
        payload = _rezip(payload, members, fixes, filename)
    named = {sheet_parts[part]: ext for part, ext in extents.items() if part in sheet_parts}
    return Prepared(payload=payload, extents=named)


def _scan_member(
    payload: bytes, m: Member, is_sheet: bool, limits: Limits, filename: str, exact: bool
) -> tuple[SheetScan, SharedStringsScan | None]:
    """Inflate one member once and run the scans it needs; raise a ParseError on any breach.

    Every member gets the sheet scan (it only counts inside <sheetData>), so a worksheet that
    calamine finds by a path we resolve differently is still measured.
    """
    lower = m.name.lower()
    sheet = SheetScan(m.name, limits, filename)
    strings = SharedStringsScan(m.name, limits, filename) if lower.endswith("sharedstrings.xml") else None
    scans: list[TagScan] = [sheet] if strings is None else [sheet, strings]
    xml = lower.endswith((".xml", ".rels")) or is_sheet
    doctype = DoctypeScan(m.name, filename, xml=xml, wide=not (is_sheet or read_by_reader(m.name)))
    if m.file_size <= WHOLE_PART_BYTES:  # zipguard refuses a member that inflates past its size
        data = b"".join(iter_member(payload, m, filename))
        doctype.feed(data)
        sheet.scan_whole(data, exact=exact)
        if strings is not None:
            strings.scan_whole(data)
    else:
        for chunk in iter_member(payload, m, filename):
            doctype.feed(chunk)
            for scan in scans:
                scan.feed(chunk)
        for scan in scans:
            scan.finish()
    doctype.close()
    return sheet, strings


def read_by_reader(name: str) -> bool:
    """Whether python-calamine may read the part as a workbook, its relationships, shared strings,
    styles, a worksheet or a table, wherever its folder (calamine finds the workbook's folder by
    `_rels/.rels`, and part names without regard to case or slash direction). Such a part must be
    UTF-8; every other part (customXml, docProps, pivot caches, charts, drawings, comments, …) is read
    by no one and may be in any encoding the XML standard allows."""
    lower = name.replace("\\", "/").lower()
    folder, _, base = lower.rpartition("/")
    return (
        base in READER_PARTS
        or base.endswith(".rels")
        or any(f"/{part}/" in f"/{folder}/" for part in READER_FOLDERS)
    )


def _sheet_parts(payload: bytes, by_name: dict[str, Member], filename: str) -> dict[str, str]:
    """Worksheet part name → sheet name, from xl/workbook.xml and its relationships."""
    workbook = _meta_xml(payload, by_name, "xl/workbook.xml", filename)
    rels = _meta_xml(payload, by_name, "xl/_rels/workbook.xml.rels", filename)
    if workbook is None or rels is None:
        return {}
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id", "")] = posixpath.normpath(part)
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        part = targets.get(sheet.get(f"{NS_REL}id", ""))
        if part is not None:
            parts[part] = sheet.get("name", "")
    return parts


def _meta_xml(payload: bytes, by_name: dict[str, Member], name: str, filename: str) -> SafeET.Element | None:
    member = by_name.get(name)
    if member is None:
        return None
    if member.file_size > META_PART_BYTES:
        raise UnreadableFile(f"{name} is {member.file_size} bytes, too big to be real", filename=filename)
    data = read_member(payload, member, filename)
    DoctypeScan(name, filename, xml=True).feed(data)
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as e:
        raise UnsafeFile(f"{name} declares entities", filename=filename, reason="xml_entities") from e
    except SafeET.ParseError as e:
        raise UnreadableFile(f"{name} is not well-formed XML: {e}", filename=filename) from e


def _fix_shared_strings(data: bytes, items: int) -> bytes:
    return SST_COUNT.sub(lambda m: m[1] + m[2] + str(items).encode() + m[2], data, count=1)


def _rezip(payload: bytes, members: list[Member], fixes: dict[str, bytes], filename: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in members:
            data = fixes[m.name] if m.name in fixes else read_member(payload, m, filename)
            zf.writestr(m.name, data)
    return out.getvalue()
