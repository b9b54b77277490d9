"""A report saved by LibreOffice — as xlsx, as legacy xls and as ods — is the same report: the same province,
the same LAOs recorded, no error. The report has what provinces send: a sheet per อำเภอ, merged district
cells, a total and a signature under each table, and a title naming another province (one warning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_workbook
from tests.helpers.builders import check_report, make_report
from tests.helpers.libreoffice import convert
from validators import load_form, load_registry, validate
from validators.findings import Report

pytestmark = pytest.mark.servers

PROVINCE = "ลำพูน"
TRAILER = [
    {},
    {"district": "รวม", "lao_full_name": "17 แห่ง"},
    {},
    {"executive_name": "ลงชื่อ ................................ ผู้รายงาน"},
    {"executive_name": "(นางสาววันเพ็ญ  ใจดี)"},
    {"executive_name": "ตำแหน่ง ท้องถิ่นจังหวัดลำพูน"},
]


def report_bytes() -> bytes:
    return make_report(
        PROVINCE, sheets_by_district=True, merge_districts=True, trailer_rows=TRAILER, title_province="ลำปาง"
    )


def saved_by_libreoffice(target: str, tmp_path: Path) -> tuple[str, bytes]:
    """The report converted by headless LibreOffice to `target` (xlsx, xls, ods): its file name and bytes."""
    source = tmp_path / "in" / "รายงาน ลำพูน.xlsx"
    source.parent.mkdir()
    source.write_bytes(report_bytes())
    outdir = tmp_path / "out"
    outdir.mkdir()
    convert(source, target, outdir)
    [produced] = [p for p in outdir.iterdir() if p.suffix == f".{target}"]
    return produced.name, produced.read_bytes()


def judged(name: str, payload: bytes) -> Report:
    return validate(parse_workbook(payload, name), load_registry(), load_form())


@pytest.mark.parametrize("target", ["xlsx", "xls", "ods"])
def test_a_report_saved_by_libreoffice_is_the_same_report(target: str, tmp_path: Path) -> None:
    ours = check_report(report_bytes())
    name, payload = saved_by_libreoffice(target, tmp_path)
    theirs = judged(name, payload)
    assert parse_workbook(payload, name).kind == target
    assert (theirs.province, len(theirs.records), theirs.errors) == (PROVINCE, 58, ())
    assert [r.dla_code for r in theirs.records] == [r.dla_code for r in ours.records]
    assert [(r.sheet, r.row, r.executive_name, r.issues) for r in theirs.records] == [
        (r.sheet, r.row, r.executive_name, r.issues) for r in ours.records
    ]
    assert [(f.code, f.sheet, f.row, f.column) for f in theirs.findings] == [
        (f.code, f.sheet, f.row, f.column) for f in ours.findings
    ]
    assert {f.code for f in theirs.findings} == {"province_title_mismatch"}
