"""Scenarios: a province's report arriving in parts — one file, halves in one mail or two, a partial
report and its supplement, a zip, a resend, a withdrawal, lateness — each from the mail to the master
and the reply (issue 13)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.adapters.judge_pool import JudgePool
from tests.helpers.builders import layout
from tests.helpers.scenario_mails import Letter, thunderbird
from tests.helpers.scenario_reports import (
    by_district,
    codes,
    halves,
    names_of,
    pick,
    report,
    rows_for,
    zipped,
)
from tests.helpers.scenarios import Desk, ReplyView

pytest_plugins = ("tests.helpers.scenario_fixtures",)

ALL = codes()
FIRST, SECOND = halves()
BANGKOK = dt.timezone(dt.timedelta(hours=7))
DEADLINE = dt.date(2020, 11, 2)


def bangkok(month: int, day: int, hour: int = 10) -> dt.datetime:
    """A time in Thailand in 2020 (the round's deadline is 2 November)."""
    return dt.datetime(2020, month, day, hour, tzinfo=BANGKOK)


def mail(*files: tuple[str, bytes]) -> bytes:
    return thunderbird(Letter(files=files))


def missing_listed(reply: ReplyView) -> dict[str, list[str]]:
    """อำเภอ → the names the reply lists as still missing (its "  • อำเภอX: a, b" lines)."""
    return {m[1]: m[2].split(", ") for m in re.finditer(r"^  • อำเภอ(\S+): (.+)$", reply.body, re.MULTILINE)}


def test_a_whole_province_in_one_file_is_complete_and_the_reply_says_nothing_more_is_needed(
    desk: Desk,
) -> None:
    cycle = desk.send(mail(("ลำพูน.xlsx", report())))

    assert desk.codes() == ALL
    assert desk.province().status == "ครบ"
    assert (desk.province().reported, desk.province().expected, desk.province().missing) == (58, 58, 0)
    reply = cycle.reply
    assert (reply.kind, reply.word) == ("accepted", "ได้รับรายงานแล้ว")
    assert "58 จาก 58 แห่ง" in reply.body and "ไม่ต้องส่งใหม่" in reply.body
    assert reply.attachments == ()


def test_two_files_split_by_district_in_one_mail_make_the_province_complete_with_one_reply(
    desk: Desk,
) -> None:
    cycle = desk.send(mail(("ลำพูน ส่วนที่ 1.xlsx", report(FIRST)), ("ลำพูน ส่วนที่ 2.xlsx", report(SECOND))))

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    reply = cycle.reply
    assert reply.kind == "accepted"
    assert "ไฟล์ ลำพูน ส่วนที่ 1.xlsx" in reply.body and "ไฟล์ ลำพูน ส่วนที่ 2.xlsx" in reply.body
    assert f"จำนวน อปท. ในไฟล์นี้ {len(FIRST)} แห่ง" in reply.body
    assert "58 จาก 58 แห่ง (อีเมลนี้ 58 แห่ง)" in reply.body


def test_two_mails_one_half_each_leave_the_province_partial_then_complete(desk: Desk) -> None:
    first = desk.send(mail(("ลำพูน อำเภอเมือง แม่ทา บ้านโฮ่ง.xlsx", report(FIRST))))

    assert desk.codes() == FIRST
    assert (desk.province().status, desk.province().reported, desk.province().missing) == (
        "ยังไม่ครบ", len(FIRST), len(SECOND),
    )  # fmt: skip
    reply = first.reply
    assert (reply.kind, reply.word) == ("partial", "ได้รับแล้ว ยังไม่ครบ")
    assert f"{len(FIRST)} จาก 58 แห่ง" in reply.body and f"ยังขาด {len(SECOND)} แห่ง" in reply.body
    assert missing_listed(reply) == by_district(SECOND)
    assert "ไม่ต้องส่งใหม่" not in reply.body

    second = desk.send(mail(("ลำพูน ที่เหลือ.xlsx", report(SECOND))))

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert second.reply.kind == "accepted"
    assert f"58 จาก 58 แห่ง (อีเมลนี้ {len(SECOND)} แห่ง)" in second.reply.body
    assert "ไม่ต้องส่งใหม่" in second.reply.body


def test_a_partial_report_names_exactly_its_missing_laos_and_its_supplement_completes_it(desk: Desk) -> None:
    left_out = set(pick(10, skip=2))

    partial = desk.send(mail(("ลำพูน.xlsx", report(ALL - left_out)))).reply

    assert (desk.province().status, desk.province().reported, desk.province().expected) == ("ยังไม่ครบ", 48, 58)
    assert partial.kind == "partial" and "48 จาก 58 แห่ง" in partial.body and "ยังขาด 10 แห่ง" in partial.body
    assert missing_listed(partial) == by_district(left_out)
    assert all(partial.count(name) == 1 for name in names_of(left_out).values())

    supplement = desk.send(mail(("ลำพูน ส่งเพิ่มเติม 10 แห่ง.xlsx", report(left_out)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert supplement.kind == "accepted" and "58 จาก 58 แห่ง (อีเมลนี้ 10 แห่ง)" in supplement.body


def test_a_zip_holding_the_two_halves_is_unpacked_and_completes_the_province(desk: Desk) -> None:
    archive = zipped([("ลำพูน ส่วนที่ 1.xlsx", report(FIRST)), ("ลำพูน ส่วนที่ 2.xlsx", report(SECOND))])

    reply = desk.send(mail(("รายงาน ลำพูน.zip", archive))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted"
    assert "รายงาน ลำพูน.zip/ลำพูน ส่วนที่ 1.xlsx" in reply.body
    assert "รายงาน ลำพูน.zip/ลำพูน ส่วนที่ 2.xlsx" in reply.body


def test_the_same_file_sent_twice_is_answered_already_received_and_changes_nothing(desk: Desk) -> None:
    payload = report()
    desk.send(mail(("ลำพูน.xlsx", payload)))
    before = (desk.province(), desk.data())

    again = desk.send(mail(("ลำพูน (1).xlsx", payload))).reply

    assert (again.kind, again.word) == ("duplicate", "เคยได้รับแล้ว")
    assert "บันทึกไว้แล้ว ไม่ต้องส่งอีก" in again.body
    assert (desk.province(), desk.data()) == before


def test_a_resent_report_with_one_new_executive_name_replaces_that_laos_row(desk: Desk) -> None:
    changed = sorted(ALL)[7]
    desk.send(mail(("ลำพูน.xlsx", report())))
    old = desk.data()[changed]["ชื่อ - สกุล ผู้บริหารท้องถิ่น"]

    reply = desk.send(
        mail(("ลำพูน แก้ไข.xlsx", report(changes={changed: {"executive_name": "นายใหม่ มีชัย"}})))
    ).reply

    data = desk.data()
    assert old != "นายใหม่ มีชัย"
    assert data[changed]["ชื่อ - สกุล ผู้บริหารท้องถิ่น"] == "นายใหม่ มีชัย"
    assert set(data) == ALL and desk.province().status == "ครบ"
    assert (desk.province().versions, reply.kind) == (2, "accepted")


def test_a_withdrawn_lao_leaves_the_province_partial_until_a_supplement_brings_it_back(desk: Desk) -> None:
    withdrawn = pick(1, skip=4)[0]
    desk.send(mail(("ลำพูน.xlsx", report())))

    code, out = desk.cli("withdraw", "--code", withdrawn, "--reason", "หนังสือจังหวัดลำพูน ที่ ลพ 0023.3/1234")

    assert code == 0 and withdrawn in out
    assert desk.codes() == ALL - {withdrawn}
    assert (desk.province().status, desk.province().reported, desk.province().missing) == ("ยังไม่ครบ", 57, 1)
    assert (desk.status()["status"], desk.status()["reported"]) == ("partial", 57)

    reply = desk.send(mail(("ลำพูน ส่งเพิ่ม 1 แห่ง.xlsx", report({withdrawn})))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted" and "58 จาก 58 แห่ง (อีเมลนี้ 1 แห่ง)" in reply.body
    assert (desk.status()["status"], desk.status()["missing"]) == ("complete", 0)


def test_one_valid_half_and_one_half_with_errors_in_one_mail_files_the_valid_half_only(desk: Desk) -> None:
    bad_code = sorted(SECOND)[0]
    bad = report(SECOND, changes={bad_code: {"issue_3": "ผ"}})
    where = layout()
    row = where.row_of([r["dla_code"] for r in rows_for(SECOND)].index(bad_code))

    reply = desk.send(mail(("ลำพูน ส่วนที่ 1.xlsx", report(FIRST)), ("ลำพูน ส่วนที่ 2.xlsx", bad))).reply

    assert desk.codes() == FIRST
    assert (desk.province().status, desk.province().reported) == ("ยังไม่ครบ", len(FIRST))
    assert (reply.kind, reply.word) == ("mixed", "ต้องแก้ไขบางไฟล์")
    assert "บันทึกแล้ว 1 ไฟล์ ยังไม่รับ 1 ไฟล์" in reply.body
    assert f"{len(FIRST)} จาก 58 แห่ง" in reply.body
    assert f"แผ่นงาน แบบสรุปผล แถว {row} คอลัมน์ {where.columns['issue_3']} (ประเด็นที่ 3" in reply.body
    assert len(re.findall(r"^ +พบ: ผ$", reply.body, re.MULTILINE)) == 1
    assert set(reply.attachments) == {"ลำพูน ส่วนที่ 2 - จุดที่ต้องแก้ไข.xlsx", "แบบฟอร์ม จังหวัดลำพูน.xlsx"}


@pytest.mark.parametrize(
    ("day", "status", "kind"),
    [(1, "ครบ", "accepted"), (2, "ครบ", "accepted"), (3, "ครบ (ส่งหลังกำหนด)", "late")],
    ids=["day-before", "deadline-day", "day-after"],
)
def test_a_supplement_completing_the_province_is_late_only_when_it_came_after_the_deadline_day(
    tmp_path: Path, judge_workers: JudgePool, day: int, status: str, kind: str
) -> None:
    desk = Desk(tmp_path, judge_workers, deadline=DEADLINE)
    desk.send(mail(("ลำพูน ส่วนที่ 1.xlsx", report(FIRST))), at=bangkok(10, 30))

    reply = desk.send(mail(("ลำพูน ส่วนที่ 2.xlsx", report(SECOND))), at=bangkok(11, day, 23)).reply

    assert desk.province().status == status
    assert reply.kind == kind and "58 จาก 58 แห่ง" in reply.body
    assert ("หลังกำหนดส่ง" in reply.subject) is (kind == "late")


def test_a_correction_after_the_deadline_keeps_a_province_that_was_complete_on_time_on_time(
    tmp_path: Path, judge_workers: JudgePool
) -> None:
    desk = Desk(tmp_path, judge_workers, deadline=DEADLINE)
    desk.send(mail(("ลำพูน.xlsx", report())), at=bangkok(10, 30))
    assert desk.province().status == "ครบ"
    fixed = sorted(ALL)[3]
    correction = report({fixed}, changes={fixed: {"executive_name": "นางสาวแก้ว ใจงาม"}})

    reply = desk.send(mail(("ลำพูน แก้ไข.xlsx", correction)), at=bangkok(11, 9)).reply

    assert desk.data()[fixed]["ชื่อ - สกุล ผู้บริหารท้องถิ่น"] == "นางสาวแก้ว ใจงาม"
    assert desk.province().status == "ครบ"
    assert reply.kind == "accepted" and "หลังกำหนดส่ง" not in reply.subject  # the reply agrees with the master
