"""Replies read as letters of the department (issue 15): addressed to the province's office, never to the
sender's display name; citing the letter; the deadline in every reply that asks for something, with one
instruction on how to send; the closing formula that fits; signed with the [contact] of the configuration.
The composed bytes are read back as a mail client shows them (tests/helpers/replies.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.entrypoints import demo
from bot.entrypoints.config import ContactSettings, load_settings
from bot.errors import ConfigError
from bot.replies.compose import FileResult, asks_for_action, compose_reply, mail_kind
from bot.replies.standing import Standing
from bot.replies.texts import CLOSING_ACTION, CLOSING_INFORM, FORMATS, KINDS
from bot.usecase.rules import Contact, Identity, Letter
from tests.helpers.replies import (
    ACCEPTED,
    CASES,
    DEADLINE,
    MAIL,
    NOW,
    OUR_ADDRESS,
    SMALL_REJECTED,
    body,
    compose,
)
from validators import load_form, load_registry
from validators.findings import Finding

ON_TIME = "ภายในวันที่ 2 พฤศจิกายน 2563"
HOW_TO_SEND = f"โดยตอบกลับอีเมลฉบับนี้ หรือส่งอีเมลฉบับใหม่ถึง {OUR_ADDRESS} พร้อมแนบ{FORMATS}"
ACTION = {"partial", "rejected", "unreadable", "duplicate", "mixed", "no_attachment", "link_only"}
SENDER = dataclasses.replace(MAIL, from_name="Somchai K.", from_address="lamphun@dla.go.th")


def letter(kind: str, sender: Identity | None = None, standing: Standing | None = None) -> str:
    results, case_standing, mail = CASES[kind]
    mail = dataclasses.replace(mail, from_name=SENDER.from_name, from_address=SENDER.from_address)
    reply = compose_reply(mail, results, sender or Identity(), NOW, standing or case_standing)
    assert reply.kind == kind
    return body(reply.raw)


def paragraph_with(text: str, needle: str) -> str:
    return next(p for p in text.split("\n\n") if needle in p)


# ------------------------------------------------------------------------------------------ salutation


@pytest.mark.parametrize("kind", ["accepted", "partial", "late", "rejected"])
def test_a_reply_about_one_province_is_addressed_to_its_office(kind: str) -> None:
    assert letter(kind).startswith("เรียน ท้องถิ่นจังหวัดกาญจนบุรี\n\n")


@pytest.mark.parametrize("kind", ["no_attachment", "conversation", "link_only", "unreadable", "duplicate"])
def test_a_reply_that_knows_no_province_is_addressed_neutrally(kind: str) -> None:
    text = letter(kind)

    assert text.startswith("เรียน ผู้ส่งรายงาน\n\n")
    assert "ขอให้จังหวัดรายงาน" in text  # the letter asked the provinces; the reply does not guess which


def test_a_reply_about_files_of_several_provinces_is_addressed_neutrally_and_names_each() -> None:
    text = letter("mixed")  # กาญจนบุรี accepted, ลำพูน rejected

    assert text.startswith("เรียน ผู้ส่งรายงาน\n\n")
    assert "\nจังหวัดกาญจนบุรี\n" in text and "\nจังหวัดลำพูน\n" in text


def test_the_province_of_a_rejected_file_is_enough_to_address_its_office() -> None:
    reply = compose_reply(SENDER, [SMALL_REJECTED], Identity(), NOW)

    assert body(reply.raw).startswith("เรียน ท้องถิ่นจังหวัดลำพูน\n")


@pytest.mark.parametrize("kind", list(CASES))
def test_no_reply_is_addressed_to_the_senders_display_name_or_address(kind: str) -> None:
    text = letter(kind)
    salutation = text.splitlines()[0]

    assert salutation in ("เรียน ท้องถิ่นจังหวัดกาญจนบุรี", "เรียน ผู้ส่งรายงาน")
    assert SENDER.from_name not in text and SENDER.from_address not in text


# ----------------------------------------------------------------------------------- letter and deadline


@pytest.mark.parametrize("kind", list(CASES))
def test_every_reply_cites_the_letter_of_the_round(kind: str) -> None:
    first = letter(kind).split("\n\n")[1]

    assert first.startswith("ตามหนังสือกรมส่งเสริมการปกครองท้องถิ่น ด่วนที่สุด ที่ มท 0810.7/ว ขอให้จังหวัดรายงาน")
    assert first.endswith(f"{ON_TIME} นั้น")
    assert "ลงวันที่" not in first  # no date is cited that the configuration does not give


@pytest.mark.parametrize("kind", sorted(ACTION))
def test_every_reply_that_asks_for_action_gives_the_deadline_and_how_to_send(kind: str) -> None:
    text = letter(kind)
    request = paragraph_with(text, HOW_TO_SEND)

    assert f"{ON_TIME} {HOW_TO_SEND}" in request
    assert text.count(HOW_TO_SEND) == 1


@pytest.mark.parametrize("kind", ["rejected", "no_attachment", "unreadable", "link_only"])
def test_after_the_deadline_an_action_reply_asks_for_it_at_once(kind: str) -> None:
    request = paragraph_with(letter(kind, standing=Standing(DEADLINE)), HOW_TO_SEND)

    assert "โดยเร็ว เนื่องจากเลยกำหนดส่งวันที่ 2 พฤศจิกายน 2563 แล้ว" in request
    assert ON_TIME not in request


@pytest.mark.parametrize("kind", ["accepted", "late", "conversation"])
def test_a_reply_that_only_informs_gives_no_instruction_to_send(kind: str) -> None:
    assert "โดยตอบกลับอีเมลฉบับนี้" not in letter(kind)


@pytest.mark.parametrize("kind", list(CASES))
def test_no_reply_says_typed_replies_go_unread_while_asking_for_a_reply(kind: str) -> None:
    text = letter(kind)

    assert "ไม่มีผู้อ่าน" not in text
    assert "ไม่สามารถตอบคำถามที่พิมพ์ในอีเมลได้ หากมีข้อสงสัย โปรดติดต่อทางโทรศัพท์" in text


# --------------------------------------------------------------------------------------------- closing


@pytest.mark.parametrize("kind", list(CASES))
def test_the_closing_formula_fits_the_kind(kind: str) -> None:
    text = letter(kind)
    closing, other = (CLOSING_ACTION, CLOSING_INFORM) if kind in ACTION else (CLOSING_INFORM, CLOSING_ACTION)

    assert f"\n\n{closing}\n\nขอแสดงความนับถือ\n" in text
    assert other not in text


def test_every_kind_is_either_an_action_or_an_acknowledgement() -> None:
    assert set(CASES) == set(KINDS)
    assert {k for k in KINDS if asks_for_action(k, CASES[k][0])} == ACTION


def test_a_duplicate_of_an_accepted_file_only_informs() -> None:
    again = FileResult("f.xlsx", "duplicate", "กาญจนบุรี", first_status="accepted")
    text = body(compose_reply(MAIL, [again], Identity(), NOW).raw)

    assert mail_kind([again]) == "duplicate" and CLOSING_INFORM in text and "โดยตอบกลับ" not in text
    assert "รายงานฉบับนี้บันทึกไว้แล้ว ไม่ต้องส่งอีก" in text


def test_a_form_header_with_a_line_break_is_quoted_on_one_line() -> None:
    header = "ชื่อ - สกุล\nผู้บริหารท้องถิ่น"  # as the form's two-line header cell holds it
    empty = Finding("required_cell_empty", sheet="แบบสรุปผล", row=9, column="F", header=header)
    rejected = FileResult("ลำพูน.xlsx", "rejected", "ลำพูน", findings=(empty,))

    text = body(compose_reply(MAIL, [rejected], Identity(), NOW).raw)

    assert "  ช่องนี้ว่าง ให้กรอก ชื่อ - สกุล ผู้บริหารท้องถิ่น\n" in text
    assert "แถว 9 คอลัมน์ F (ชื่อ - สกุล ผู้บริหารท้องถิ่น)\n" in text


# ----------------------------------------------------------------------------------- signature, config


def test_the_signature_block_has_the_letters_unit_group_and_telephone_by_default() -> None:
    text = letter("accepted")

    assert text.endswith(
        "กองพัฒนาและส่งเสริมการบริหารงานท้องถิ่น\n"
        "กลุ่มงานส่งเสริมการบริหารกิจการบ้านเมืองที่ดีท้องถิ่น\n"
        "โทร. 0 2241 9000 ต่อ 2322\n"
        f"ไปรษณีย์อิเล็กทรอนิกส์ {OUR_ADDRESS}\n\n"
        "หมายเหตุ อีเมลฉบับนี้ส่งจากระบบรับรายงานอัตโนมัติ ระบบตรวจเฉพาะไฟล์ที่แนบมา และไม่สามารถตอบคำถามที่พิมพ์ในอีเมลได้"
        " หากมีข้อสงสัย โปรดติดต่อทางโทรศัพท์ตามหมายเลขข้างต้น\n"
    )
    assert "ผู้ประสานงาน" not in text  # nobody is named unless the configuration names someone


def test_the_signature_block_and_the_letter_come_from_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[round]\nletter = "ด่วนที่สุด ที่ มท 0810.7/ว 1234"\nletter_date = 2020-08-31\n'
        '[contact]\ntelephone = "0 2241 9000 ต่อ 4105"\ncoordinator = "นางสาวสุดา ตัวอย่าง"\n'
        'coordinator_email = "suda@dla.go.th"\n',
        encoding="utf-8",
    )
    sender = load_settings(config).rules(load_registry(), load_form()).identity

    for raw in (letter("rejected", sender), letter("accepted", sender)):
        assert "ที่ มท 0810.7/ว 1234 ลงวันที่ 31 สิงหาคม 2563 ขอให้จังหวัด" in raw
        assert "\nโทร. 0 2241 9000 ต่อ 4105\n" in raw and "ต่อ 2322" not in raw
        assert "\nผู้ประสานงาน นางสาวสุดา ตัวอย่าง (suda@dla.go.th)\n" in raw
    html = body(compose_reply(MAIL, [ACCEPTED], sender, NOW, CASES["accepted"][1]).raw, "html")
    assert "ผู้ประสานงาน นางสาวสุดา ตัวอย่าง (suda@dla.go.th)" in html and "ต่อ 4105" in html


def test_the_deadline_of_the_round_is_the_one_every_reply_gives(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[round]\ndeadline = 2020-11-09\n", encoding="utf-8")
    sender = load_settings(config).rules(load_registry(), load_form()).identity

    assert sender.letter.deadline == dt.date(2020, 11, 9)
    assert "ภายในวันที่ 9 พฤศจิกายน 2563 โดยตอบกลับ" in letter("rejected", sender)


def test_contact_defaults_are_those_of_the_letter_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    assert ContactSettings().contact() == Contact()
    assert Identity().letter == Letter(deadline=dt.date(2020, 11, 2))
    config = tmp_path / "config.toml"
    config.write_text('[contact]\nphone = "1"\n', encoding="utf-8")

    with pytest.raises(ConfigError, match=r"contact\.phone: unknown key"):
        load_settings(config)


# ------------------------------------------------------------------------------------------------- html


@pytest.mark.parametrize("kind", list(CASES))
def test_the_html_alternative_is_the_same_letter(kind: str) -> None:
    html = body(compose(kind), "html")
    text = body(compose(kind))

    assert text.splitlines()[0] in html
    closing = CLOSING_ACTION if kind in ACTION else CLOSING_INFORM
    assert closing in html and "ขอแสดงความนับถือ" in html and "โทร. 0 2241 9000 ต่อ 2322" in html
    assert (ON_TIME in html) and (("โดยตอบกลับอีเมลฉบับนี้" in html) is (kind in ACTION))


# ------------------------------------------------------------------------------------------- demo data


def test_the_demo_executives_have_titles_that_fit_and_the_position_of_their_lao_type() -> None:
    registry = load_registry()
    wb = load_workbook(io.BytesIO(demo.filled_report("ชลบุรี")))  # every LAO type, เมืองพัทยา included
    ws = wb.worksheets[0]
    assert isinstance(ws, Worksheet)
    header, cols = demo._header(ws)
    women = {"วิไลวรรณ", "กัญญา", "มาลี"}
    types = {lao.full_name_th: lao.lao_type for lao in registry.laos_in("ชลบุรี")}
    positions = {
        "provincial_admin_org": "นายกองค์การบริหารส่วนจังหวัด", "city_municipality": "นายกเทศมนตรีนคร",
        "town_municipality": "นายกเทศมนตรีเมือง", "subdistrict_municipality": "นายกเทศมนตรีตำบล",
        "subdistrict_admin_org": "นายกองค์การบริหารส่วนตำบล", "special_admin_area": "นายกเมืองพัทยา",
    }  # fmt: skip
    seen = set()
    for r in range(header + 1, ws.max_row + 1):
        name = ws.cell(r, cols["name"]).value
        if not name:
            continue
        executive = str(ws.cell(r, cols["executive"]).value)
        first = re.sub("^(นางสาว|นาง|นาย)", "", executive.split(maxsplit=1)[0])
        assert executive.startswith(("นาง", "นางสาว") if first in women else "นาย"), executive
        assert ws.cell(r, cols["position"]).value == positions[types[str(name)]], name
        seen.add(types[str(name)])
    assert seen == set(positions)
