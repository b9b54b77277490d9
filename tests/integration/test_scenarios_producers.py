"""Scenarios: the report a province opened and saved again in LibreOffice — as .xlsx, as legacy .xls, as
.ods — mailed in, from the mail to the master and the reply (issue 13). Needs headless LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.types import CellValue
from tests.helpers.scenario_mails import Letter, gmail_app, outlook_thai
from tests.helpers.scenario_reports import codes, halves, report, resaved
from tests.helpers.scenarios import Desk

pytest_plugins = ("tests.helpers.scenario_fixtures",)

ALL = codes()
FIRST, SECOND = halves()
# What a province's own copy carries: a sheet per อำเภอ with merged district cells, a total and a signature.
UNDER_EACH_TABLE: list[dict[str, CellValue]] = [
    {"seq": "รวม", "lao_full_name": "อำเภอนี้"},
    {},
    {"executive_name": "ลงชื่อ ................................ ผู้รายงาน"},
    {"executive_name": "(นางสาววันเพ็ญ ใจดี)"},
]


@pytest.mark.parametrize("target", ["xlsx", "xls", "ods"])
def test_the_report_resaved_by_libreoffice_in_each_format_is_filed_and_completes_the_province(
    desk: Desk, tmp_path: Path, target: str
) -> None:
    payload = report(sheets_by_district=True, merge_districts=True, trailer_rows=UNDER_EACH_TABLE)
    name, saved = resaved(payload, "รายงานผลการประเมิน ลำพูน.xlsx", target, tmp_path / "lo")

    reply = desk.send(outlook_thai(Letter(files=((name, saved),)))).reply

    assert name == f"รายงานผลการประเมิน ลำพูน.{target}"
    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted" and f"ไฟล์ {name}\n" in reply.body
    assert "จำนวน อปท. ในไฟล์นี้ 58 แห่ง" in reply.body and "ข้อสังเกต" not in reply.body


def test_halves_saved_by_libreoffice_as_xls_and_as_ods_in_two_mails_complete_the_province(
    desk: Desk, tmp_path: Path
) -> None:
    first_name, first = resaved(report(FIRST), "ลำพูน ส่วนที่ 1.xlsx", "xls", tmp_path / "lo")
    second_name, second = resaved(report(SECOND), "ลำพูน ส่วนที่ 2.xlsx", "ods", tmp_path / "lo")

    partial = desk.send(gmail_app(Letter(files=((first_name, first),)))).reply

    assert (partial.kind, desk.province().status, desk.codes()) == ("partial", "ยังไม่ครบ", FIRST)

    complete = desk.send(gmail_app(Letter(files=((second_name, second),)))).reply

    assert (complete.kind, desk.province().status, desk.codes()) == ("accepted", "ครบ", ALL)
    assert f"58 จาก 58 แห่ง (อีเมลนี้ {len(SECOND)} แห่ง)" in complete.body
