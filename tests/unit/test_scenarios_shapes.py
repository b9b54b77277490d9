"""Scenarios: workbooks shaped the way provinces really fill the form — a sheet per อำเภอ, the title or
the จังหวัด column copied from a neighbour's form, another province's rows inside, totals rows and
signature blocks under the table — each from the mail to the master and the reply (issue 13)."""

from __future__ import annotations

import pytest

from parsers.types import CellValue
from storage.template import template_columns
from tests.helpers.builders import make_report
from tests.helpers.scenario_mails import Letter, outlook_thai, thunderbird
from tests.helpers.scenario_reports import (
    LAMPANG,
    LAMPHUN,
    abbreviated,
    codes,
    names_of,
    pick,
    registry,
    report,
    rows_for,
)
from tests.helpers.scenarios import Desk
from validators import load_form

pytest_plugins = ("tests.helpers.scenario_fixtures",)

ALL = codes()
SIGNATURE: list[dict[str, CellValue]] = [
    {},
    {"lao_full_name": "ลงชื่อ ........................................ ผู้รายงาน"},
    {"lao_full_name": "(นายสมชาย ใจดี)"},
    {"lao_full_name": "ท้องถิ่นจังหวัดลำพูน"},
    {"lao_full_name": "โทร. 0 5351 1234"},
]
TRAILERS: dict[str, list[dict[str, CellValue]]] = {
    "totals-and-signature": [{"seq": "รวม", "lao_full_name": "58 แห่ง"}, *SIGNATURE],
    "grand-total-in-the-name-column": [{"lao_full_name": "รวมทั้งสิ้น 58 แห่ง"}, {}, *SIGNATURE[1:3]],
    "notes": [{"seq": "หมายเหตุ: ข้อมูล ณ วันที่ 30 ตุลาคม 2563"}, {"seq": "* อปท. ที่ยุบรวมแล้วไม่ต้องรายงาน"}],
}


def test_a_workbook_with_one_sheet_per_district_files_every_lao_of_every_sheet(desk: Desk) -> None:
    payload = report(sheets_by_district=True, extra_sheets=["คำชี้แจง"])

    reply = desk.send(outlook_thai(Letter(files=(("ลำพูน แยกอำเภอ.xlsx", payload),)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted" and "จำนวน อปท. ในไฟล์นี้ 58 แห่ง" in reply.body


def test_sheets_per_district_each_closed_by_a_total_and_a_signature_are_filed_whole(desk: Desk) -> None:
    payload = report(
        sheets_by_district=True, trailer_rows=[{"seq": "รวม", "lao_full_name": "อำเภอนี้"}, *SIGNATURE]
    )

    reply = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", payload),)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted" and "ข้อสังเกต" not in reply.body


def test_a_title_naming_another_province_is_filed_under_the_province_its_rows_name_with_one_note(
    desk: Desk,
) -> None:
    reply = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", report(title_province=LAMPANG)),)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert desk.province(LAMPANG).status == "ยังไม่ส่ง" and desk.codes(LAMPANG) == set()
    assert reply.kind == "accepted"
    assert reply.count("หัวรายงานระบุจังหวัดลำปาง") == 1
    assert reply.count(LAMPANG) == 1  # that one note, no row judged against ลำปาง
    assert reply.attachments == ()


def test_a_rejected_report_under_a_wrong_title_lists_only_its_own_error_and_sends_its_own_blank_form(
    desk: Desk,
) -> None:
    wrong = pick(1, skip=3)[0]
    payload = report(title_province=LAMPANG, changes={wrong: {"lao_full_name": abbreviated(wrong)}})

    reply = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", payload),)))).reply

    assert desk.province().status == "มีข้อผิดพลาด" and desk.province(LAMPANG).status == "ยังไม่ส่ง"
    assert reply.kind == "rejected" and "พบข้อผิดพลาด 1 รายการ" in reply.body
    assert reply.count(f"ให้แก้เป็น: {names_of([wrong])[wrong]}") == 1 and reply.count("ให้แก้เป็น") == 1
    assert reply.count(LAMPANG) == 1
    assert set(reply.attachments) == {"ลำพูน - จุดที่ต้องแก้ไข.xlsx", "แบบฟอร์ม จังหวัดลำพูน.xlsx"}


def test_a_province_column_copied_from_another_province_is_one_note_not_a_finding_per_row(desk: Desk) -> None:
    columns = [c.key for c in template_columns(load_form())] + ["province"]
    payload = report(columns=columns, changes={code: {"province": LAMPANG} for code in ALL})

    reply = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", payload),)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted"
    assert reply.count("ช่องจังหวัด 58 แถวระบุจังหวัดลำปาง") == 1 and reply.count(LAMPANG) == 1


def test_rows_of_another_province_inside_the_report_are_named_once_each_and_nothing_is_filed(
    desk: Desk,
) -> None:
    strays = pick(2, LAMPANG)
    rows = rows_for() + [{**row, "seq": 59 + i} for i, row in enumerate(rows_for(strays, LAMPANG))]
    payload = make_report(LAMPHUN, rows, registry=registry())

    reply = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", payload),)))).reply

    assert reply.kind == "rejected" and "พบข้อผิดพลาด 2 รายการ" in reply.body
    assert reply.count("อปท. นี้อยู่ในจังหวัดลำปาง ไม่ใช่จังหวัดลำพูน") == 1  # the group's heading
    assert all(reply.count(f"พบ: {name}") == 1 for name in names_of(strays).values())
    assert all(reply.count(name) == 1 for name in names_of(strays).values())
    assert desk.codes() == set() and desk.province().status == "มีข้อผิดพลาด"
    assert desk.codes(LAMPANG) == set() and desk.province(LAMPANG).status == "ยังไม่ส่ง"


@pytest.mark.parametrize("trailer", TRAILERS.values(), ids=TRAILERS.keys())
def test_totals_rows_notes_and_signature_blocks_under_the_table_are_not_taken_for_laos(
    desk: Desk, trailer: list[dict[str, CellValue]]
) -> None:
    reply = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", report(trailer_rows=trailer)),)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted"
    assert "จำนวน อปท. ในไฟล์นี้ 58 แห่ง" in reply.body and "ข้อสังเกต" not in reply.body
