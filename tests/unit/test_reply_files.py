"""Reply attachments: Thai file names with an ASCII fallback, the marked workbook and the blank form that a
rejection sends back, and the size budget that leaves attachments out."""

from __future__ import annotations

import email
import email.utils
import re
import urllib.parse
from email.message import Message
from typing import Any

import pytest

from bot.replies import compose as compose_module
from bot.replies.compose import FileResult, compose_reply, rejection_attachments
from bot.replies.markup import annotate_workbook, cell_comment
from bot.replies.mime import ReplyAttachment, content_disposition
from bot.usecase.rules import Identity
from tests.helpers.builders import check_report, make_report
from tests.helpers.replies import BAD_CODES, MAIL, NOW, OUR_ADDRESS, body, compose, decoded, parsed
from validators import load_form, load_registry


def attachment_parts(raw: bytes) -> list[Message]:
    return [p for p in email.message_from_bytes(raw).walk() if p.get_content_maintype() == "application"]


def test_thai_attachment_names_come_with_an_ascii_fallback() -> None:
    raw = compose("rejected")

    names = []
    for part in attachment_parts(raw):
        params: list[tuple[str, Any]] = part.get_params(header="content-disposition") or []
        rfc2231 = next(
            v for k, v in params if k == "filename" and isinstance(v, tuple)
        )  # (charset, lang, text)
        name = part.get_param("name")  # RFC 2047 words, as clients that read only name= decode them
        assert isinstance(name, str)
        names.append((email.utils.collapse_rfc2231_value(rfc2231), decoded(name)))
    thai = [
        "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี - จุดที่ต้องแก้ไข.xlsx",
        "แบบฟอร์ม จังหวัดกาญจนบุรี.xlsx",
    ]
    assert names == [(n, n) for n in thai]
    assert b"filename*0*=UTF-8''%E0%B8" in raw
    assert b'filename="report-errors.xlsx"' in raw and b'filename="blank-form.xlsx"' in raw
    # a modern parser prefers the Thai name
    assert [p.get_filename() for p in parsed(raw).iter_attachments()] == [n for n, _ in names]
    assert [p.get_content() for p in parsed(raw).iter_attachments()] == [b"PK1", b"PK2"]


def test_short_thai_name_uses_a_single_rfc2231_parameter() -> None:
    value = content_disposition("ผล.xlsx", "report-errors.xlsx")

    assert (
        value
        == "attachment;\r\n filename*=UTF-8''%E0%B8%9C%E0%B8%A5.xlsx;\r\n filename=\"report-errors.xlsx\""
    )


def test_continuations_never_split_a_thai_character() -> None:
    value = content_disposition("ก" * 40 + ".xlsx", "x.xlsx")

    segments = re.findall(r"filename\*\d+\*=(?:UTF-8'')?([^;\r\n]+)", value)
    assert len(segments) > 1
    assert "".join(urllib.parse.unquote_to_bytes(s).decode("utf-8") for s in segments) == "ก" * 40 + ".xlsx"


def test_blank_form_is_attached_once_for_two_files_of_one_province() -> None:
    blank = ReplyAttachment("blank_form", "แบบฟอร์ม จังหวัดลำพูน.xlsx", b"PK")
    files = [
        FileResult(
            f"{name}.xlsx",
            "rejected",
            "ลำพูน",
            findings=(BAD_CODES[0],),
            attachments=(ReplyAttachment("annotated", f"{name} - x.xlsx", name.upper().encode()), blank),
        )
        for name in ("a", "b")
    ]

    raw = compose_reply(MAIL, files, Identity(OUR_ADDRESS, "x"), NOW).raw

    assert [p.get_param("filename", header="content-disposition") for p in attachment_parts(raw)] == [
        "report-errors-1.xlsx",
        "blank-form.xlsx",
        "report-errors-2.xlsx",
    ]


def test_attachments_over_the_size_budget_are_left_out_and_not_mentioned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compose_module, "MAX_ATTACHMENT_BYTES", 2)
    raw = compose("rejected")

    assert [p.get_param("name") for p in attachment_parts(raw)] == []
    assert "แบบฟอร์ม จังหวัดกาญจนบุรี.xlsx" not in body(raw)


def test_rejection_attachments_are_the_marked_workbook_and_the_blank_form() -> None:
    payload = make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}])
    report = check_report(payload)

    atts = rejection_attachments(
        "C:\\งาน\\ผลการประเมิน.xlsx",
        annotate_workbook(payload, report.findings, cell_comment),
        report.province,
        registry=load_registry(),
        form=load_form(),
    )

    assert [(a.kind, a.filename) for a in atts] == [
        ("annotated", "ผลการประเมิน - จุดที่ต้องแก้ไข.xlsx"),
        ("blank_form", "แบบฟอร์ม จังหวัดกาญจนบุรี.xlsx"),
    ]
    assert all(a.payload.startswith(b"PK\x03\x04") for a in atts)


def test_rejection_of_an_xls_or_unknown_province_sends_what_it_can() -> None:
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
    marked = annotate_workbook(xls, BAD_CODES, cell_comment)  # openpyxl cannot: None

    assert marked is None
    assert [
        a.kind
        for a in rejection_attachments("a.xls", marked, "กาญจนบุรี", registry=load_registry(), form=load_form())
    ] == ["blank_form"]
    assert (
        rejection_attachments("a.xls", marked, "แอตแลนติส", registry=load_registry(), form=load_form()) == ()
    )
    assert rejection_attachments("a.xls", marked, None) == ()
