"""The guard scans what the reader reads and refuses only what is hostile: the parts producers add that no
reader opens (customXml in UTF-16 as SharePoint and OneDrive keep it, document properties, pivot caches,
charts, drawings, images, comments) are accepted, while a DTD or an entity is refused in any part, UTF-16
ones included, and a part the reader reads must still be UTF-8."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pytest

from tests.helpers import hostile as h
from tests.helpers.builders import check_report, excel_shaped, make_report
from tests.helpers.parse_outcomes import read, refused

RELS = "xl/_rels/workbook.xml.rels"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHAREPOINT = (
    '<?xml version="1.0" encoding="utf-16"?><p:properties xmlns:p="http://schemas.microsoft.com/office/2006/'
    'metadata/properties" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><documentManagement>'
    "<TaxCatchAll><Value>ผลการประเมิน ลำพูน</Value></TaxCatchAll></documentManagement></p:properties>"
)
ITEM_PROPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?><ds:datastoreItem ds:itemID="{5A9B7C2E-1D3F-4B6A}"'
    ' xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
    '<ds:schemaRef ds:uri="http://schemas.microsoft.com/office/2006/metadata/properties"/></ds:schemaRefs>'
    "</ds:datastoreItem>"
)
KSO = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.'
    'org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
    '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2"'
    ' name="KSOProductBuildVer"><vt:lpwstr>1054-12.2.0.13359</vt:lpwstr></property></Properties>'
)
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + bytes(40)

# part name → what a producer writes there; none of them is read by python-calamine
UNREAD_PARTS: dict[str, bytes] = {
    "customXml/item1.xml": SHAREPOINT.encode("utf-16"),
    "customXml/itemProps1.xml": ITEM_PROPS.encode(),
    "customXml/_rels/item1.xml.rels": (
        f'{XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/customXmlProps" Target="itemProps1.xml"/></Relationships>'
    ).encode(),
    "docProps/custom.xml": KSO.encode(),
    "xl/pivotCache/pivotCacheDefinition1.xml": (
        f'{XML}<pivotCacheDefinition {SS} r:id="rId1" refreshOnLoad="1" recordCount="2" xmlns:r="{REL}">'
        '<cacheSource type="worksheet"><worksheetSource ref="A3:R61" sheet="แบบสรุปผล"/></cacheSource>'
        '<cacheFields count="1"><cacheField name="อำเภอ" numFmtId="0"><sharedItems count="1">'
        '<s v="เมืองลำพูน"/></sharedItems></cacheField></cacheFields></pivotCacheDefinition>'
    ).encode(),
    "xl/pivotCache/pivotCacheRecords1.xml": f'{XML}<pivotCacheRecords {SS} count="2"><r><x v="0"/></r>'
    '<r><x v="0"/></r></pivotCacheRecords>'.encode(),
    "xl/pivotTables/pivotTable1.xml": f'{XML}<pivotTableDefinition {SS} name="PivotTable1" cacheId="1">'
    '<location ref="A3:B5" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
    "</pivotTableDefinition>".encode(),
    "xl/charts/chart1.xml": f'{XML}<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
    "<c:chart><c:plotArea><c:layout/></c:plotArea></c:chart></c:chartSpace>".encode(),
    "xl/drawings/drawing1.xml": f'{XML}<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
    'spreadsheetDrawing"><xdr:twoCellAnchor><xdr:from><xdr:col>1</xdr:col></xdr:from></xdr:twoCellAnchor>'
    "</xdr:wsDr>".encode(),
    "xl/media/image1.png": PNG,
    "xl/comments1.xml": f"{XML}<comments {SS}><authors><author>สถจ.ลำพูน</author></authors><commentList>"
    '<comment ref="D5" authorId="0"><text><r><t>ตรวจแล้ว</t></r></text></comment></commentList>'
    "</comments>".encode(),
    "xl/drawings/vmlDrawing1.vml": b'<xml xmlns:v="urn:schemas-microsoft-com:vml"><![if !supportLists]>'
    b'<v:shape id="_x0000_s1025" type="#_x0000_t202"/><![endif]></xml>',
    "xl/threadedComments/threadedComment1.xml": f'{XML}<ThreadedComments xmlns="http://schemas.microsoft.com/'
    'office/spreadsheetml/2018/threadedcomments"><threadedComment ref="D5" id="{1}"><text>ตรวจแล้ว</text>'
    "</threadedComment></ThreadedComments>".encode(),
    "xl/externalLinks/externalLink1.xml": f'{XML}<externalLink {SS}><externalBook xmlns:r="{REL}" r:id="x">'
    '<sheetNames><sheetName val="ทะเบียน"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1">'
    '<cell r="A1" t="s"><v>เมืองลำพูน</v></cell></row></sheetData></sheetDataSet></externalBook>'
    "</externalLink>".encode(),
    "xl/persons/person.xml": f'{XML}<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
    'threadedcomments"><person displayName="สถจ.ลำพูน" id="{2}"/></personList>'.encode(),
}
CUSTOM_XML_REL = f'<Relationship Id="rId90" Type="{REL}/customXml" Target="../customXml/item1.xml"/>'


def report_with(parts: dict[str, bytes]) -> bytes:
    """The clean ลำพูน report with `parts` added, and customXml related from the workbook as Excel does."""
    end = b"</Relationships>"
    add_rel: Callable[[bytes], bytes] = lambda b: b.replace(end, CUSTOM_XML_REL.encode() + end)  # noqa: E731
    return h.patch_zip(make_report("ลำพูน"), {**parts, RELS: add_rel})


@pytest.mark.parametrize("part", sorted(UNREAD_PARTS))
def test_a_part_no_reader_opens_is_accepted(part: str) -> None:
    report = check_report(report_with({part: UNREAD_PARTS[part]}))
    assert (report.status, len(report.records), report.findings) == ("accepted", 58, ())


def test_a_workbook_with_every_such_part_reads_as_the_plain_one() -> None:
    plain, full = read(make_report("ลำพูน")), read(report_with(UNREAD_PARTS))
    assert [(s.name, s.rows) for s in full.sheets] == [(s.name, s.rows) for s in plain.sheets]


ITEM, DECL16 = "customXml/item1.xml", '<?xml version="1.0" encoding="utf-16"?>'
LOL, XXE = h.LOL + "<a>&lol9;</a>", h.XXE + "<a>&xxe;</a>"
WIDE = "<a/>".encode("utf-16")  # harmless, but in UTF-16
# (name, parts added to a clean report, the reason it is refused)
HOSTILE: list[tuple[str, dict[str, bytes], str]] = [
    ("entities in a UTF-16 customXml part", {ITEM: (DECL16 + LOL).encode("utf-16")}, "xml_entities"),
    ("entities in a UTF-16 part without a byte order mark", {ITEM: XXE.encode("utf-16-le")}, "xml_entities"),
    ("entities in a big-endian UTF-16 part", {ITEM: XXE.encode("utf-16-be")}, "xml_entities"),
    ("entities in a UTF-32 part", {ITEM: LOL.encode("utf-32")}, "xml_entities"),
    ("entities after a UTF-16 mark in 8-bit bytes", {ITEM: b"\xff\xfe" + XXE.encode()}, "xml_entities"),
    ("a UTF-16 part that does not decode", {ITEM: SHAREPOINT.encode("utf-16")[:-1]}, "xml_encoding"),
    ("entities in a UTF-8 customXml part", {"customXml/itemProps1.xml": XXE.encode()}, "xml_entities"),
    ("entities in document properties", {"docProps/custom.xml": LOL.encode()}, "xml_entities"),
    ("entities in a pivot cache", {"xl/pivotCache/pivotCacheRecords1.xml": LOL.encode()}, "xml_entities"),
    ("a UTF-16 worksheet the workbook does not list", {"xl/worksheets/sheet9.xml": WIDE}, "xml_encoding"),
    ("UTF-16 shared strings", {"xl/sharedStrings.xml": f"<sst {SS}/>".encode("utf-16")}, "xml_encoding"),
    ("UTF-16 styles", {"xl/styles.xml": WIDE}, "xml_encoding"),
    ("UTF-16 styles in another folder", {"Book/Styles.xml": WIDE}, "xml_encoding"),
    ("UTF-16 relationships", {"xl/worksheets/_rels/sheet1.xml.rels": WIDE}, "xml_encoding"),
]


@pytest.mark.parametrize(("parts", "reason"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_entities_anywhere_and_wide_parts_the_reader_reads_are_refused(
    parts: dict[str, bytes], reason: str
) -> None:
    assert refused(h.patch_zip(make_report("ลำพูน"), parts)) == ("file_unsafe", {"reason": reason})


# --- the shapes other producers give the same report ---------------------------------------------------

SHEET, TYPES = "xl/worksheets/sheet1.xml", "[Content_Types].xml"
GOOGLE_SHEET_PR = '<sheetPr><outlinePr summaryBelow="0" summaryRight="0"/></sheetPr>'
GOOGLE_COLS = '<cols><col customWidth="1" min="1" max="18" width="14.63"/></cols>'
CT_END = b"</Types>"
ROOT_RELS_END = b"</Relationships>"


def parts_of(payload: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def google_sheets_shaped(payload: bytes) -> bytes:
    """As Google Sheets exports: shared strings, no <dimension>, its own <sheetPr> and <cols>, rows with a
    height and no spans, numbers written as 1.0, a styled empty cell closing each row, no docProps, the
    sheet related as rId4 by a relative target."""
    parts = parts_of(excel_shaped(payload))
    sheet = parts[SHEET].decode()
    sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
    sheet = re.sub(r"<sheetPr>.*?</sheetPr>", GOOGLE_SHEET_PR, sheet)
    sheet = sheet.replace("<sheetData>", GOOGLE_COLS + "<sheetData>")
    sheet = re.sub(r' spans="[^"]*" x14ac:dyDescent="[^"]*"', ' ht="15.75" customHeight="1"', sheet)
    sheet = re.sub(r'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="n"><v>([0-9]+)</v>', r"\1><v>\2.0</v>", sheet)
    sheet = re.sub(r'<row r="([0-9]+)"(.*?)</row>', r'<row r="\1"\2<c r="S\1" s="1"/></row>', sheet)
    parts[SHEET] = sheet.encode()
    for name in ("docProps/app.xml", "docProps/core.xml"):
        del parts[name]
    parts["_rels/.rels"] = re.sub(rb"<Relationship [^>]*docProps[^>]*/>", b"", parts["_rels/.rels"])
    parts[TYPES] = re.sub(rb"<Override [^>]*docProps[^>]*/>", b"", parts[TYPES])
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'r:id="rId1"', b'r:id="rId4"')
    relative = b'Target="worksheets/sheet1.xml" Id="rId4"'
    parts[RELS] = parts[RELS].replace(b'Target="/xl/worksheets/sheet1.xml" Id="rId1"', relative)
    return h.zip_of(parts)


def wps_shaped(payload: bytes) -> bytes:
    """As WPS Office saves: Excel's shape, plus docProps/custom.xml (KSOProductBuildVer) and customXml
    parts related from the package and the workbook."""
    parts = parts_of(excel_shaped(payload))
    parts.update({name: UNREAD_PARTS[name] for name in UNREAD_PARTS if name.startswith("customXml/")})
    parts["docProps/custom.xml"] = KSO.encode()
    custom = f'<Relationship Id="rId9" Type="{REL}/custom-properties" Target="docProps/custom.xml"/>'
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(ROOT_RELS_END, custom.encode() + ROOT_RELS_END)
    parts[RELS] = parts[RELS].replace(ROOT_RELS_END, CUSTOM_XML_REL.encode() + ROOT_RELS_END)
    kind = b"application/vnd.openxmlformats-officedocument.custom-properties+xml"
    override = b'<Override PartName="/docProps/custom.xml" ContentType="' + kind + b'"/>'
    parts[TYPES] = parts[TYPES].replace(CT_END, override + CT_END)
    return h.zip_of(parts)


@pytest.mark.parametrize("shape", [google_sheets_shaped, wps_shaped], ids=["google_sheets", "wps"])
@pytest.mark.parametrize("province", ["ลำพูน", "กาญจนบุรี"])
def test_a_report_saved_by_another_producer_reads_alike(
    shape: Callable[[bytes], bytes], province: str
) -> None:
    plain = make_report(province, merge_districts=True)
    theirs, ours = check_report(shape(plain)), check_report(plain)
    assert (theirs.province, theirs.findings, theirs.status) == (province, (), "accepted")
    assert theirs.records == ours.records
    assert [(s.name, s.rows, s.merged) for s in read(shape(plain)).sheets] == [
        (s.name, s.rows, s.merged) for s in read(plain).sheets
    ]
