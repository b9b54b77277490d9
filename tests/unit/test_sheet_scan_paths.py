"""The three ways `SheetScan` measures a worksheet agree: the bound and exact fast paths of
`scan_whole` against the tag-by-tag walk, on real reports, Excel-shaped XML and hostile shapes.

The walk is the reference. A fast path must give the same errors and uncached formulas, the same
refusal, and an extent never below the walk's (equal to it on the exact path).
"""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from parsers import DEFAULT_LIMITS, Limits, ParseError
from parsers.ooxml import prepare_ooxml
from parsers.xmlscan import Extent, OdsScan, SharedStringsScan, SheetScan
from tests.helpers import hostile as h
from tests.helpers.builders import make_report

HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def sheet(rows: str, dimension: str | None = "A1:C3") -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return HEAD + dim + b"<sheetData>" + rows.encode() + b"</sheetData><pageMargins/></worksheet>"


def walk(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Extent | str:
    s = SheetScan("xl/worksheets/sheet1.xml", limits, "f.xlsx")
    try:
        for i in range(0, len(data), 4096):
            s.feed(data[i : i + 4096])
        s.finish()
    except ParseError as e:
        return e.code  # which limit is named first may differ: the walk meets cells in order
    return s.extent


def whole(data: bytes, *, exact: bool, limits: Limits = DEFAULT_LIMITS) -> Extent | str:
    s = SheetScan("xl/worksheets/sheet1.xml", limits, "f.xlsx")
    try:
        s.scan_whole(data, exact=exact)
    except ParseError as e:
        return e.code
    return s.extent


def assert_agree(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[Extent | str, Extent | str]:
    """Check both fast paths against the walk; return (walk, bound-path) results."""
    ref = walk(data, limits)
    for exact in (True, False):
        got = whole(data, exact=exact, limits=limits)
        if isinstance(ref, str) or isinstance(got, str):
            assert got == ref, (exact, got, ref)
            continue
        assert (got.errors, got.uncached_formulas) == (ref.errors, ref.uncached_formulas)
        if got.exact:
            assert (got.max_row, got.max_col, got.cells) == (ref.max_row, ref.max_col, ref.cells)
        else:
            assert not exact
            assert got.max_row >= ref.max_row and got.max_col >= ref.max_col
    return ref, whole(data, exact=False, limits=limits)


def plain(ref: str, body: str = "<v>1</v>", attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs}>{body}</c>'


CASES = {
    "plain, within the dimension": sheet(
        '<row r="1">'
        + plain("A1")
        + plain("C1", attrs=' t="s"')
        + '</row><row r="3">'
        + plain("B3")
        + "</row>"
    ),
    "styled and inline-string cells": sheet(
        '<row r="2">'
        + plain("B2", "<is><t>ก</t></is>", ' s="3" t="inlineStr"')
        + plain("C2", attrs=' s="1"')
        + "</row>"
    ),
    "a cell beyond a lying dimension": sheet('<row r="1">' + plain("A1") + plain("Z9000") + "</row>"),
    "no dimension": sheet('<row r="1">' + plain("B12") + "</row>", dimension=None),
    "error value": sheet('<row r="2">' + plain("B2", "<v>#REF!</v>", ' t="e"') + "</row>"),
    "error value, single quotes": sheet('<row r="2"><c r="B2" t=\'e\'><v>#N/A</v></c></row>'),
    "formula without value": sheet('<row r="2">' + plain("B2", "<f>SUM(A1)</f><v></v>") + "</row>"),
    "prefixed cell": sheet('<row r="1"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>'),
    "prefixed cell with a lowercase ref": sheet('<row r="1"><x:c r="c3"><x:v>1</x:v></x:c></row>'),
    "second r attribute": sheet('<row r="1"><c r="A1" r="XFD1048576"><v>1</v></c></row>'),
    "lowercase reference": sheet('<row r="1"><c r="xfd1048576"><v>1</v></c></row>'),
    "row zero": sheet('<row r="1"><c r="A0"><v>1</v></c></row>'),
    "leading zero": sheet('<row r="1"><c r="A0003"><v>1</v></c></row>'),
    "cell without a reference": sheet('<row r="900000"><c><v>1</v></c></row>'),
    "attributes reordered": sheet('<row r="1"><c s="1" r="XFD3"><v>1</v></c></row>'),
    "spaced attribute": sheet('<row r="1"><c r = "XFD3"><v>1</v></c></row>'),
    "self-closing far cell (calamine skips it)": sheet(
        '<row r="1">' + plain("A1") + '<c r="XFD1048576"/></row>'
    ),
    "rich text run colours": sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><color rgb="FF0000"/></rPr><t>x</t></r></is></c>'
        "</row>"
    ),
    "Excel row attributes": sheet(
        '<row r="1" spans="1:3" x14ac:dyDescent="0.25">' + plain("A1", attrs=' s="1" t="s"') + "</row>"
    ),
    "two sheetData blocks": HEAD
    + b'<dimension ref="A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    + b'<sheetData><row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>',
    "far cell before sheetData": HEAD
    + b'<dimension ref="A1"/><sheetData x="1"><row r="7"><c r="B7"><v>1</v></c></row><sheetData>'
    + b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>',
}


FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
A1 = '<row r="1"><c r="A1"><v>1</v></c></row>'

# Shapes an independent review found that once let a far cell past a scan (calamine aborts on each):
# markup no spreadsheet writes is refused; prefixed r attributes are not r; a "<" inside an attribute
# value is a malformed tag; calamine moves to the next row at every </row>.
HIDING = {
    "end tag in a comment": sheet(A1 + "<!--</sheetData>-->" + FAR, dimension="A1:B2").replace(
        b"</sheetData><pageMargins", b"</sheetData ><pageMargins"
    ),
    "end tag in a comment, formula sheet": sheet(
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row><!--</sheetData>-->' + FAR
    ),
    "end tag in CDATA": sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</sheetData>]]></t></is></c></row>' + FAR
    ),
    "end tag in a processing instruction": sheet(A1 + "<?x </sheetData>?>" + FAR),
    "prefixed r on far cells": sheet(A1 + '<row r="1048576">' + '<c x:r="A1"><v>1</v></c>' * 300 + "</row>"),
    "prefixed r on a row": sheet(
        '<row r="20000"></row><row x:r="1">' + "<c><v>1</v></c>" * 3 + "</row>", dimension="A1:C1"
    ),
    "< in an attribute value": sheet(A1 + '<row r="1048576"><c r="XFD1048576" a="<"><v>1</v></c></row>'),
    "cell between rows after row 20000": sheet(
        '<row r="20000"><c r="A20000"><v>1</v></c></row><c><v>1</v></c>'
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_paths_agree_with_the_walk(name: str) -> None:
    assert_agree(CASES[name])


@pytest.mark.parametrize("name", sorted(HIDING))
def test_no_path_lets_a_hidden_far_cell_through(name: str) -> None:
    walked, _bound = assert_agree(HIDING[name])
    assert walked in ("file_unreadable", "file_too_large"), walked


def test_markup_outside_worksheets_and_the_xml_declaration_are_fine() -> None:
    declared = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + CASES["plain, within the dimension"]
    )
    assert isinstance(walk(declared), Extent) and isinstance(walk(b"\xef\xbb\xbf" + declared), Extent)
    theme = b"<?xml version='1.0'?><!-- a theme --><a:theme><?pi?><![CDATA[x]]></a:theme>"
    assert isinstance(whole(theme, exact=False), Extent)
    assert walk(declared.replace(b"<row", b"<?xml x?><row", 1)) == "file_unreadable"


def test_a_valueless_far_cell_is_refused_by_the_fast_paths_though_calamine_skips_it() -> None:
    data = sheet(A1 + '<row r="1048576"><c r="XFD1048576"></c></row>')
    walked = walk(data)
    assert isinstance(walked, Extent) and (walked.max_row, walked.max_col) == (1, 1)
    assert whole(data, exact=False) == whole(data, exact=True) == "file_too_large"  # conservative


def test_the_bound_path_is_taken_for_a_plain_report_and_bounds_by_the_dimension() -> None:
    ref, got = assert_agree(CASES["plain, within the dimension"])
    assert isinstance(ref, Extent) and isinstance(got, Extent)
    assert (got.exact, got.max_row, got.max_col) == (False, 9, 26)  # A1:C3 → one letter, one digit
    assert (ref.max_row, ref.max_col) == (3, 3)


def test_a_cell_beyond_the_dimension_is_measured_exactly() -> None:
    got = whole(CASES["a cell beyond a lying dimension"], exact=False)
    assert isinstance(got, Extent) and (got.exact, got.max_row, got.max_col) == (True, 9000, 26)


def test_a_bound_over_the_limits_falls_back_to_the_exact_count() -> None:
    data = sheet('<row r="1">' + plain("A1") + plain("B150") + "</row>", dimension="A1:B150")
    limits = Limits(sheet_rows=500)  # 3 digits bound 999 rows: over the limit, the truth is not
    _ref, got = assert_agree(data, limits)
    assert isinstance(got, Extent) and (got.exact, got.max_row) == (True, 150)


def test_the_cells_limit_is_judged_exactly_when_bounds_overshoot_it() -> None:
    payload = h.xlsx({"S": [[f"r{r}c{c}" for c in range(10)] for r in range(120)]})  # A1:J120
    prepared = prepare_ooxml(payload, Limits(cells=3_000), "f.xlsx")  # bound 999 × 26 > 3,000
    assert prepared.extents["S"].exact and prepared.extents["S"].area == 1_200
    with pytest.raises(ParseError) as caught:
        prepare_ooxml(payload, Limits(cells=1_000), "f.xlsx")
    assert dict(caught.value.ctx)["value"] == 1_200


@pytest.mark.parametrize("province", ["นครราชสีมา", "ระนอง"])
def test_generated_reports_take_the_bound_path(province: str) -> None:
    payload = make_report(province)
    data = zipfile.ZipFile(io.BytesIO(payload)).read("xl/worksheets/sheet1.xml")
    _ref, got = assert_agree(data)
    assert isinstance(got, Extent) and not got.exact


def test_random_plain_sheets_never_bound_below_the_truth() -> None:
    rng = random.Random(2563)  # noqa: S311 (cell references, not secrets)
    numbers = [1, 9, 10, 99, 100, 999, 1000, 20000, 1048576]
    letters = ["A", "Q", "Z", "AA", "XF", "XFD", "ZZZ"]
    for _ in range(300):
        refs = {f"{rng.choice(letters)}{rng.choice(numbers)}" for _ in range(5)}
        rows = "".join(f'<row r="1">{plain(ref)}</row>' for ref in sorted(refs))
        dimension = rng.choice(["A1:B2", "A1:Z999", "A1:AA10000", None])
        assert_agree(sheet(rows, dimension))


SST_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@pytest.mark.parametrize(
    "xml",
    [
        b"<sst "
        + SST_NS
        + b' count="3" uniqueCount="2"><si><t>a</t></si><si><t xml:space="preserve"> b</t></si></sst>',
        b'<x:sst xmlns:x="m" uniqueCount="9"><x:si><x:t>a</x:t></x:si><x:si><x:t>b</x:t></x:si></x:sst>',
        b'<sst xmlns:x="m" uniqueCount="1"><si><t>a</t></si><x:si><x:t>b</x:t></x:si></sst>',
        b"<sst " + SST_NS + b' uniqueCount="4294967295"><si><t>a</t></si></sst>',
    ],
    ids=["plain", "prefixed", "mixed", "count-lie"],
)
def test_shared_strings_whole_scan_agrees_with_the_walk(xml: bytes) -> None:
    walked = SharedStringsScan("xl/sharedStrings.xml", DEFAULT_LIMITS, "f.xlsx")
    for i in range(0, len(xml), 7):
        walked.feed(xml[i : i + 7])
    walked.finish()
    whole = SharedStringsScan("xl/sharedStrings.xml", DEFAULT_LIMITS, "f.xlsx")
    whole.scan_whole(xml)
    assert (whole.items, whole.claimed, whole.claim_is_wrong) == (
        walked.items, walked.claimed, walked.claim_is_wrong,
    )  # fmt: skip
    assert whole.items == 2 or xml.endswith(b"<si><t>a</t></si></sst>")


def test_ods_table_start_in_a_comment_is_refused_not_a_restarted_row_count() -> None:
    rows = (
        '<table:table-row table:number-rows-repeated="15000">'
        '<table:table-cell office:value-type="float"/></table:table-row>'
    )
    content = f'<table:table table:name="T">{rows}<!-- <table:table table:name="U"> -->{rows}</table:table>'
    scan = OdsScan("content.xml", DEFAULT_LIMITS, "f.ods")
    with pytest.raises(ParseError) as caught:
        scan.feed(b'<?xml version="1.0" encoding="UTF-8"?>' + content.encode())
        scan.finish()
    assert caught.value.code == "file_unreadable"
    plain = OdsScan("content.xml", DEFAULT_LIMITS, "f.ods")
    with pytest.raises(ParseError) as caught:  # without the comment: 30,000 rows, over the limit
        plain.feed(content.replace('<!-- <table:table table:name="U"> -->', "").encode())
        plain.finish()
    assert caught.value.code == "file_too_large"
