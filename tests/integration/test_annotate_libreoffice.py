"""LibreOffice reads the comments of the marked-up workbook we send back, and keeps them and its print setup
on a round trip (how it prints: tests/integration/test_print_forms.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.replies.markup import annotate_workbook, cell_comment
from tests.helpers.builders import check_report, comment_marks, make_report
from tests.helpers.libreoffice import convert


@pytest.fixture
def annotated_file(tmp_path: Path) -> Path:
    payload = make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}, {"dla_code": "12"}])
    annotated = annotate_workbook(payload, check_report(payload).findings, cell_comment)
    assert annotated is not None
    path = tmp_path / "in" / "annotated.xlsx"
    path.parent.mkdir()
    path.write_bytes(annotated)
    return path


def test_libreoffice_reads_the_comments_of_the_annotated_workbook(
    annotated_file: Path, tmp_path: Path
) -> None:
    convert(annotated_file, "ods", tmp_path)

    with zipfile.ZipFile(tmp_path / "annotated.ods") as zf:
        content = zf.read("content.xml").decode("utf-8")
    assert content.count("<office:annotation") == len(comment_marks(annotated_file.read_bytes())) >= 2
    assert "เขียนชื่อย่อ ให้เขียนชื่อเต็มของหน่วยงาน" in content and "ให้แก้เป็น: 4710102" in content


def test_libreoffice_round_trip_keeps_comments_on_the_same_cells(
    annotated_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()

    convert(annotated_file, "xlsx", out)

    assert comment_marks((out / "annotated.xlsx").read_bytes()) == comment_marks(annotated_file.read_bytes())


def test_libreoffice_round_trip_keeps_the_print_setup(annotated_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()

    convert(annotated_file, "xlsx", out)

    ws = load_workbook(out / "annotated.xlsx")["แบบสรุปผล"]
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize or 0)) == ("landscape", 9)
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$3"
