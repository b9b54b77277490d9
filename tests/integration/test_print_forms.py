"""The blank form and the marked-up workbook as a province prints them: headless LibreOffice prints each to
PDF (tests/helpers/libreoffice.py) and the pages' text is read back.

Each must come out on A4 landscape, one page wide (every page shows the left-hand codes and the
right-hand issue columns), with the title and the header on every page, every LAO once and in order,
page numbers in the footer, and as many pages as the sheet's own geometry allows: `page_bounds`
packs the rows into pages at the largest and the smallest scale "one page wide" can give.

LibreOffice's PDF keeps a cell's whole text even where the cell cuts it off, so the text of a page
cannot show that a heading is whole; `libreoffice_row_heights` asks LibreOffice itself how tall each
row must be to show all of its text, and no row of ours may be shorter.
"""

from __future__ import annotations

import io
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.replies.markup import annotate_workbook
from storage.template import HEADER_ROW, template_columns, write_template
from tests.helpers.builders import check_report, make_report, valid_rows
from tests.helpers.libreoffice import Printed, convert, print_pdf
from validators.form import load_form
from validators.registry import load_registry

REGISTRY = load_registry()
FORM = load_form()
A4_LONG, A4_SHORT = 841.89, 595.28  # points
# What a column `width` unit is in points: 5.25 in Excel (7 px); in LibreOffice the digit width of the
# default font, from 5.25 (Calibri or Carlito) to 7 (DejaVu Sans, where neither is installed), plus slack.
UNIT_PT = (5.25, 7.2)
CELL_PADDING_PT = 3.75
EXCEL_DEFAULT_WIDTH = 8.43
# pypdf's Thai text drops, doubles or garbles (as U+0003) vowels and tone marks: compare consonants,
# digits and Latin only
_GARBLED = re.compile(r"[\s\x00-\x1f\u0e30-\u0e3a\u0e47-\u0e4e]")


def flat(text: str) -> str:
    return _GARBLED.sub("", text)


@dataclass(frozen=True)
class Case:
    name: str
    province: str
    payload: bytes
    title_rows: int


def filled_blank_form(province: str) -> bytes:
    """The province's blank form filled in as a province does, with two mistakes the judge rejects."""
    wb = load_workbook(io.BytesIO(write_template(province, REGISTRY, FORM)))
    ws = wb.active
    assert ws is not None
    letters = {c.key: get_column_letter(i) for i, c in enumerate(template_columns(FORM), 1)}
    typed = ("executive_name", "executive_position", *FORM.issue_keys, "overall")
    for offset, row in enumerate(valid_rows(province, REGISTRY)):
        for key in typed:
            ws[f"{letters[key]}{HEADER_ROW + 1 + offset}"] = row[key]
    ws[f"{letters['lao_full_name']}{HEADER_ROW + 2}"] = "ทม.ลำพูน"
    ws[f"{letters['issue_3']}{HEADER_ROW + 5}"] = "ผ"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def marked_up(payload: bytes) -> bytes:
    report = check_report(payload)
    assert report.status == "rejected"
    annotated = annotate_workbook(payload, report.findings)
    assert annotated is not None
    return annotated


CASES = {
    "blank_small": lambda: Case("blank_small", "ลำพูน", write_template("ลำพูน", REGISTRY, FORM), 3),
    "blank_large": lambda: Case("blank_large", "นครราชสีมา", write_template("นครราชสีมา", REGISTRY, FORM), 3),
    "marked_blank_form": lambda: Case("marked_blank_form", "ลำพูน", marked_up(filled_blank_form("ลำพูน")), 3),
    "marked_own_layout": lambda: Case(  # a province's own sheet: no widths, no heights, no print setup
        "marked_own_layout", "นครราชสีมา",
        marked_up(make_report("นครราชสีมา", overrides={0: {"lao_full_name": "อบจ.นครราชสีมา"}})), 3),
}  # fmt: skip
OUR_ROWS = ["blank_large", "blank_small", "marked_blank_form"]  # the province's own layout has its own rows


def page_bounds(ws: Worksheet, title_rows: int) -> tuple[int, int]:
    """The fewest and the most pages `ws` can print on, fitted one A4 landscape page wide."""
    margins = ws.page_margins
    body_width = A4_LONG - (margins.left + margins.right) * 72
    body_height = A4_SHORT - (margins.top + margins.bottom) * 72
    default = ws.sheet_format.defaultRowHeight or 15
    heights = [ws.row_dimensions[r].height or default for r in range(1, ws.max_row + 1)]
    widths = []
    for index in range(1, ws.max_column + 1):
        dimension = ws.column_dimensions.get(get_column_letter(index))
        widths.append(
            dimension.width if dimension is not None and dimension.customWidth else EXCEL_DEFAULT_WIDTH
        )

    def pages(unit: float) -> int:
        scale = min(1.0, body_width / sum(w * unit + CELL_PADDING_PT for w in widths))
        room = body_height / scale - sum(heights[:title_rows])
        count, used = 1, 0.0
        for height in heights[title_rows:]:
            if used and used + height > room:
                count, used = count + 1, 0.0
            used += height
        return count

    return pages(UNIT_PT[1]), pages(UNIT_PT[0])


def libreoffice_row_heights(source: Path, outdir: Path) -> list[float]:
    """The height LibreOffice gives each row of the form's sheet when it sizes the rows to their text."""
    outdir.mkdir()
    convert(source, "fods", outdir)
    text = (outdir / f"{source.stem}.fods").read_text(encoding="utf-8")
    text = re.sub(r'style:row-height="[^"]*"', "", text).replace(
        'style:use-optimal-row-height="false"', 'style:use-optimal-row-height="true"'
    )
    optimal = outdir / f"optimal-{source.stem}.fods"
    optimal.write_text(text, encoding="utf-8")
    convert(optimal, "xlsx", outdir)
    ws = load_workbook(outdir / f"{optimal.stem}.xlsx")[FORM.sheet_name]
    return [ws.row_dimensions[r].height or 0.0 for r in range(1, ws.max_row + 1)]


@pytest.fixture(scope="module", params=sorted(CASES))
def case_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, Path]:
    case = CASES[request.param]()
    source = tmp_path_factory.mktemp(case.name) / f"{case.name}.xlsx"
    source.write_bytes(case.payload)
    return case, source


@pytest.fixture(scope="module")
def printed(case_file: tuple[Case, Path]) -> tuple[Case, Printed]:
    case, source = case_file
    started = time.monotonic()
    result = print_pdf(source, source.parent / "pdf")
    print(f"{case.name}: {len(result.pages)} pages in {time.monotonic() - started:.1f} s")
    return case, result


def sheet_of(case: Case) -> Worksheet:
    ws = load_workbook(io.BytesIO(case.payload))[FORM.sheet_name]
    assert isinstance(ws, Worksheet)
    return ws


def test_it_prints_on_a4_landscape(printed: tuple[Case, Printed]) -> None:
    _case, result = printed

    assert result.landscape
    assert (round(result.width_pt), round(result.height_pt)) == (round(A4_LONG), round(A4_SHORT))


def test_every_page_is_one_page_wide_with_the_title_the_header_and_its_number(
    printed: tuple[Case, Printed],
) -> None:
    case, result = printed
    total = len(result.pages)
    marks = [flat(t) for t in ("แบบสรุปผล", f"จังหวัด{case.province}", "ลำดับ", "ประเด็นที่ 1", "ประเด็นที่ 9")]

    for number, text in enumerate(result.pages, start=1):
        page = flat(text)
        assert all(mark in page for mark in marks), (number, text[:300])
        assert flat(f"หน้า {number} / {total}") in page


def test_page_one_shows_the_title_and_the_issue_headings_whole(printed: tuple[Case, Printed]) -> None:
    _case, result = printed
    first = flat(result.pages[0])

    assert flat("แบบสรุปผลการประเมินผู้บริหารองค์การ") in first and flat("พ.ศ. 2563") in first
    for column in FORM.columns:
        if column.key.startswith("issue_"):
            assert flat(column.header) in first, column.header  # that no row cuts it: the last test


def test_every_lao_is_printed_once_in_order(printed: tuple[Case, Printed]) -> None:
    case, result = printed
    codes = [code for text in result.pages for code in re.findall(r"(?<!\d)\d{7}(?!\d)", text)]

    assert codes == [lao.dla_code for lao in REGISTRY.laos_in(case.province)]


def test_the_page_count_is_within_what_the_rows_need(printed: tuple[Case, Printed]) -> None:
    case, result = printed
    ws = sheet_of(case)
    assert ws.print_title_rows == f"$1:${case.title_rows}"
    fewest, most = page_bounds(ws, case.title_rows)
    rows = len(REGISTRY.laos_in(case.province))
    print(f"{case.name}: {len(result.pages)} pages, bounds {max(1, fewest - 1)}..{most + 1}")
    assert max(1, fewest - 1) <= len(result.pages) <= most + 1, (rows, fewest, most)
    assert len(result.pages) <= math.ceil(rows / 20) + 1  # at least 20 LAOs on a page


@pytest.mark.parametrize("case_file", OUR_ROWS, indirect=True)
def test_no_row_is_shorter_than_libreoffice_needs_to_show_its_text_whole(
    case_file: tuple[Case, Path],
) -> None:
    case, source = case_file
    ws = sheet_of(case)
    ours = [ws.row_dimensions[r].height or ws.sheet_format.defaultRowHeight for r in range(1, ws.max_row + 1)]

    needed = libreoffice_row_heights(source, source.parent / "optimal")

    short = [
        (r, mine, lo) for r, (mine, lo) in enumerate(zip(ours, needed, strict=True), 1) if mine < lo - 0.1
    ]
    assert short == [], "row, our height, LibreOffice's (pt)"
    assert needed[HEADER_ROW - 1] > 2 * needed[HEADER_ROW]  # the headings really wrap: the check has teeth
