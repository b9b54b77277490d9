"""Guard an OpenDocument spreadsheet before python-calamine opens it.

Same zip guards as xlsx; every member is checked for DTDs and entities, and content.xml's row and
column repeats are expanded (by arithmetic, not by building them) to find each table's extent.
"""

from __future__ import annotations

from parsers.limits import Limits, check_limit
from parsers.ooxml import Prepared
from parsers.xmlscan import DoctypeScan, Extent, OdsScan
from parsers.zipguard import iter_member, open_members


def prepare_ods(payload: bytes, limits: Limits, filename: str = "") -> Prepared:
    """Scan an .ods package; raise a ParseError on any breach, else return it with per-table extents."""
    extents: dict[str, Extent] = {}
    for m in open_members(payload, limits, filename):
        is_xml = m.name.lower().endswith((".xml", ".rdf"))
        doctype = DoctypeScan(m.name, filename, xml=is_xml)
        scan = OdsScan(m.name, limits, filename) if is_xml else None
        for chunk in iter_member(payload, m, filename):
            doctype.feed(chunk)
            if scan is not None:
                scan.feed(chunk)
        if scan is not None:
            scan.finish()
            extents.update(scan.tables)
    check_limit(limits, "sheets", len(extents), filename)
    check_limit(limits, "cells", sum(e.area for e in extents.values()), filename)
    return Prepared(payload=payload, extents=extents)
