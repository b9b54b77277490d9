"""Names every client shows right (bot/replies/mime.py): our Thai display name as ONE encoded word, and a
Thai attachment name both in RFC 2231 `filename*` and in RFC 2047 `name=`; each read back with Python's
modern parser (email.policy.default) and its legacy one (compat32 + decode_header), as mail clients of
both kinds do."""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import email.utils
import re

import pytest

from bot.replies.mime import ReplyAttachment, attachment_part, from_header, new_message, wire_bytes

NAMES = ["ระบบรับรายงาน สถ.", "สถ.", "กรมส่งเสริมการปกครองท้องถิ่น กองพัฒนาและส่งเสริมการบริหารงานท้องถิ่น"]
FILES = [
    "แบบฟอร์ม จังหวัดกาญจนบุรี.xlsx",
    "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดพระนครศรีอยุธยา - จุดที่ต้องแก้ไข (ฉบับที่ 2).xlsx",
]


def legacy(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


def reply_bytes(name: str, attachment: str | None = None) -> bytes:
    msg = new_message(email.utils.formataddr((name, "Localreport.dla@gmail.com")), "lamphun@dla.go.th",
                      "เรื่อง", dt.datetime(2020, 10, 28, tzinfo=dt.UTC), "t")  # fmt: skip
    msg.set_content("x")
    if attachment is not None:
        msg.make_mixed()
        msg.attach(
            attachment_part(ReplyAttachment("blank_form", attachment, b"PK\x03\x04"), "blank-form.xlsx")
        )
    return wire_bytes(msg, "lamphun@dla.go.th")


@pytest.mark.parametrize("name", NAMES)
def test_the_display_name_is_one_encoded_word_and_reads_back_exactly(name: str) -> None:
    raw = reply_bytes(name)
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    from_line = re.search(r"^From: (.*(?:\r\n .*)*)", head, re.MULTILINE)
    assert from_line is not None
    assert len(re.findall(r"=\?utf-8\?b\?", from_line.group(1))) == 1

    modern = email.message_from_bytes(raw, policy=email.policy.default)
    assert modern["From"].addresses[0].display_name == name
    assert email.utils.parseaddr(legacy(email.message_from_bytes(raw)["From"])) == (
        name, "Localreport.dla@gmail.com"
    )  # fmt: skip


def test_an_ascii_display_name_stays_plain() -> None:
    assert from_header("Localreport", "a@b.th") == "Localreport <a@b.th>"


@pytest.mark.parametrize("filename", FILES)
def test_a_thai_attachment_name_is_in_filename_star_and_in_an_rfc2047_name(filename: str) -> None:
    raw = reply_bytes("สถ.", filename)

    modern = email.message_from_bytes(raw, policy=email.policy.default)
    [part] = list(modern.iter_attachments())  # type: ignore[attr-defined]
    assert part.get_filename() == filename  # RFC 2231 filename*, as modern clients read it
    assert part["Content-Type"].params["name"] == filename  # name=, decoded by the modern parser

    old = next(p for p in email.message_from_bytes(raw).walk() if p.get_content_maintype() == "application")
    name = old.get_param("name")
    assert isinstance(name, str) and legacy(name) == filename  # what a client reading only name= shows
    assert old.get_param("filename", header="Content-Disposition") == "blank-form.xlsx"  # ASCII fallback
    head = raw.split(b"\r\n\r\n", 2)[0]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")) and head.isascii()
