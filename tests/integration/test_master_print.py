"""The master as DLA staff print it: each sheet alone (a copy of the workbook keeping only that sheet),
printed to PDF by headless LibreOffice with the sheet's own print setup (tests/helpers/libreoffice.py).

Every sheet prints on A4 landscape, one page wide (the first and the last column's header on every page),
as many pages tall as its rows take (between the pages its rows fill at full size and at the smallest
scale its widths allow), with its title over page 1 and "หน้า n จาก m" under each page; a date prints in
the Buddhist era. The pages' text is read with pdfium (pypdf misses whole lines of these pages) and
compared without spaces, Thai vowel and tone marks or า, which extraction splits or reorders.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from openpyxl import load_workbook

from storage.ledger import Ledger
from storage.master import SHEETS, Master
from storage.master_sheets import PRINT_TITLES
from storage.thai import MONTHS
from tests.helpers.ledgers import DEADLINE, file_round
from tests.helpers.libreoffice import Printed, print_pdf, soffice

pytestmark = pytest.mark.servers

PROVINCES = ("สมุทรปราการ", "นนทบุรี", "ปทุมธานี")  # 160 LAOs: the data sheet runs to several pages
NOW = dt.datetime(2020, 11, 3, 1, 30, tzinfo=dt.UTC)
A4_LANDSCAPE = (841.9, 595.3)  # points
MARGINS_PT = (0.4 + 0.4) * 72, (0.8 + 0.6) * 72  # left + right, top + bottom (storage/master_layout.py)
WIDEST_PT_PER_CHAR = 12.0  # a column width unit is a digit of the default font: 14 pt digits are narrower


MARKS = re.compile("[\\s\u0e31-\u0e3a\u0e47-\u0e4e\u0e32\u0e33\x04]")  # and spaces, า, ำ


def flat(text: str) -> str:
    """Text as compared: the consonants, Latin letters and digits, in order."""
    return MARKS.sub("", text)


def page_texts(pdf: Path) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [flat(page.get_textpage().get_text_range()) for page in doc]
    finally:
        doc.close()


# the PDF, its pages' text, the sheet's rows, its visible columns' widths, its header's and rows' height
Sheet = tuple[Printed, list[str], list[tuple[object, ...]], list[float], float, float]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sheet]:
    """Each sheet's name → its PDF as LibreOffice prints it alone, its rows, the widths of its visible
    columns, and the heights of its header row and of its other rows, as openpyxl reads them."""
    soffice()
    folder = tmp_path_factory.mktemp("print")
    master = folder / "master.xlsx"
    with Ledger.open(folder / "l.db") as ledger:
        expected = file_round(ledger, PROVINCES, dt.datetime(2020, 10, 26, 1, tzinfo=dt.UTC))
        Master(master, expected, DEADLINE, backups=0).rebuild(ledger, now=NOW)
    out = {}
    for i, name in enumerate(SHEETS):
        wb = load_workbook(master)
        for other in [n for n in wb.sheetnames if n != name]:
            wb.remove(wb[other])
        wb.save(folder / f"sheet{i}.xlsx")
        ws = wb[name]
        widths = [
            d.width for d in ws.column_dimensions.values() if not d.hidden for _ in range(d.min, d.max + 1)
        ]
        heights = ws.row_dimensions[1].height, ws.sheet_format.defaultRowHeight
        rows = list(ws.iter_rows(values_only=True))
        paper = print_pdf(folder / f"sheet{i}.xlsx", folder / f"pdf{i}")
        pages = page_texts(folder / f"pdf{i}" / f"sheet{i}.pdf")
        assert len(pages) == len(paper.pages)
        out[name] = (paper, pages, rows, widths, *heights)
    return out


def page_bounds(rows: int, widths: list[float], header: float, row: float) -> tuple[int, int]:
    """The fewest and the most pages `rows` rows under a repeated header can take, one page wide: the most
    at full size (fitting the width only ever shrinks a sheet), the fewest at the smallest scale the
    column widths allow (LibreOffice may round a row a little shorter)."""
    height, width = A4_LANDSCAPE[1] - MARGINS_PT[1], A4_LANDSCAPE[0] - MARGINS_PT[0]
    smallest = min(1.0, width / (sum(widths) * WIDEST_PT_PER_CHAR))
    most = math.ceil(rows / math.floor((height - header) / row))
    fewest = math.ceil(rows / math.ceil((height / smallest - header) / (0.95 * row)))
    return max(1, fewest), max(1, most)


@pytest.mark.parametrize("name", SHEETS)
def test_each_sheet_prints_a4_landscape_one_page_wide_with_its_title_on_page_one(
    name: str, printed: dict[str, Sheet]
) -> None:
    pdf, pages, rows, widths, header, row = printed[name]
    assert pdf.landscape
    assert (round(pdf.width_pt, 1), round(pdf.height_pt, 1)) == A4_LANDSCAPE
    assert flat(PRINT_TITLES[name]) in pages[0]  # the title over the table
    assert [n for n, p in enumerate(pages, 1) if flat(f"{name} หน้า {n} จาก {len(pages)}") not in p] == []
    if name == "อ่านก่อน":
        assert len(pages) == 1  # the explanations fit one page, under the workbook's title
        assert flat("สมุดงานรวมผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563") in pages[0]
        return
    fewest, most = page_bounds(len(rows) - 1, widths, header, row)
    assert fewest <= len(pages) <= most, (len(rows) - 1, fewest, len(pages), most)
    first, last = flat(str(rows[0][0])), flat(str(rows[0][len(widths) - 1]))  # a hidden column comes last
    # one page wide: the header row, repeated, brings the first and the last column to every page
    assert [n for n, p in enumerate(pages, 1) if first not in p or last not in p] == []
    if len(rows) > 1:  # and the last row made it onto the last page
        assert flat(max((v for v in rows[-1] if isinstance(v, str)), key=len)) in pages[-1]


def test_the_data_sheet_runs_to_several_pages_and_a_date_prints_in_the_buddhist_era(
    printed: dict[str, Sheet],
) -> None:
    pages, rows = printed["ข้อมูลรวม"][1:3]
    assert len(pages) > 1 and len(rows) - 1 == 160
    pages, rows = printed["ประวัติการส่ง"][1:3]
    received = rows[1][1]
    assert isinstance(received, dt.datetime)  # a real date cell, Bangkok time
    shown = f"{received.day} {MONTHS[received.month - 1]} {received.year + 543} {received:%H:%M} น."
    assert shown == "26 ตุลาคม 2563 08:00 น."
    assert flat(shown) in pages[0] and str(received.year) not in "".join(pages)
