"""The files that abort python-calamine 0.9.1, replayed in subprocesses: raw calamine dies of SIGABRT, the
guarded parser refuses or reads each one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.helpers import ROOT
from tests.helpers import hostile as h
from tests.helpers.parse_outcomes import cells

ABORTERS = {
    "xfd1048576": lambda: cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    "shared_strings_count": lambda: h.with_shared_strings(h.xlsx(), unique=4294967295),
    # calamine takes the last of two r attributes, and reads lowercase references
    "second_r_attribute": lambda: cells('<row r="3"><c r="A3" r="XFD1048576"><v>1</v></c></row>'),
    "lowercase_reference": lambda: cells('<row r="3"><c r="xfd1048576"><v>1</v></c></row>'),
    # and once got past the scans (see tests/unit/test_sheet_scan_paths.py)
    "end_tag_in_a_comment": lambda: cells(
        '<row r="3"><c r="A3"><v>1</v></c></row><!--</sheetData>-->'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    ),
    "prefixed_r": lambda: cells('<row r="1048576">' + '<c x:r="A1"><v>1</v></c>' * 16384 + "</row>"),
    "lt_in_an_attribute": lambda: cells('<row r="1048576"><c r="XFD1048576" a="<"><v>1</v></c></row>'),
}


def _run(code: str, payload: bytes) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], input=payload.hex(), capture_output=True, text=True, cwd=ROOT,
        timeout=60,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(ABORTERS))
def test_aborting_file_kills_raw_calamine_but_not_the_guarded_parser(name: str) -> None:
    payload = ABORTERS[name]()
    raw = _run(
        """
        import io, sys, python_calamine as pc
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(bytes.fromhex(sys.stdin.read())))
        book.get_sheet_by_index(0).to_python()
        """,
        payload,
    )
    assert raw.returncode in (-6, 134), raw.stderr[-500:]  # SIGABRT: Rust's allocation failure
    guarded = _run(
        """
        import sys
        from parsers import ParseError, parse_workbook
        try:
            wb = parse_workbook(bytes.fromhex(sys.stdin.read()), "x.xlsx")
            print("read", wb.sheets[0].cell(1, 1))
        except ParseError as e:
            print("refused", e.code)
        """,
        payload,
    )
    assert (guarded.returncode, guarded.stdout.split()) == (
        0,
        {
            "xfd1048576": ["refused", "file_too_large"],
            "shared_strings_count": ["read", "hello"],
            "second_r_attribute": ["refused", "file_unreadable"],
            "lowercase_reference": ["refused", "file_too_large"],
            "end_tag_in_a_comment": ["refused", "file_unreadable"],
            "prefixed_r": ["refused", "file_too_large"],
            "lt_in_an_attribute": ["refused", "file_unreadable"],
        }[name],
    )
