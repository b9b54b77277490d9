"""Scenarios: the same report through the mail clients provinces use, forwarded, answered in a thread,
beside a PDF cover letter, or not attached at all — each from the mail to the master and the reply
(issue 13)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers.scenario_mails import (
    SUBJECT,
    Letter,
    Sender,
    answering,
    forwarded,
    gmail_app,
    outlook_thai,
    thunderbird,
    webmail,
)
from tests.helpers.scenario_reports import abbreviated, codes, cover_letter_pdf, names_of, pick, report
from tests.helpers.scenarios import Desk

pytest_plugins = ("tests.helpers.scenario_fixtures",)

ALL = codes()
THAI_NAME = "ผลการประเมินผู้บริหารท้องถิ่น ปีงบประมาณ 2563 จังหวัดลำพูน (ฉบับสมบูรณ์).xlsx"
SHEETS_LINK = "https://docs.google.com/spreadsheets/d/1qLp0rT_lamphun2563/edit?usp=sharing"
Client = Callable[[Letter], bytes]


@pytest.mark.parametrize("client", [thunderbird, outlook_thai, gmail_app, webmail], ids=lambda c: c.__name__)
def test_a_report_from_each_mail_client_is_filed_and_answered_with_its_thai_names_intact(
    desk: Desk, client: Client
) -> None:
    reply = desk.send(client(Letter(files=((THAI_NAME, report()),)))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted"
    assert reply.subject == f"Re: {SUBJECT} [ได้รับรายงานแล้ว]"
    assert reply.body.startswith("เรียน ท้องถิ่นจังหวัดลำพูน\n")
    assert f"ไฟล์ {THAI_NAME}\n" in reply.body
    assert reply.to == "lamphun@dla.go.th"


def test_an_outlook_report_with_an_error_comes_back_marked_under_its_thai_name(desk: Desk) -> None:
    wrong = pick(1, skip=3)[0]
    payload = report(changes={wrong: {"lao_full_name": abbreviated(wrong)}})

    reply = desk.send(outlook_thai(Letter(files=((THAI_NAME, payload),)))).reply

    assert desk.codes() == set() and desk.province().status == "มีข้อผิดพลาด"
    assert (reply.kind, reply.word) == ("rejected", "ต้องแก้ไข")
    assert (
        f"พบ: {abbreviated(wrong)}\n" in reply.body and f"ให้แก้เป็น: {names_of([wrong])[wrong]}\n" in reply.body
    )
    assert set(reply.attachments) == {
        THAI_NAME.removesuffix(".xlsx") + " - จุดที่ต้องแก้ไข.xlsx", "แบบฟอร์ม จังหวัดลำพูน.xlsx",
    }  # fmt: skip


def test_a_correction_sent_as_a_reply_to_our_rejection_is_filed_and_answered_in_the_thread(
    desk: Desk,
) -> None:
    wrong = pick(1, skip=3)[0]
    rejection = desk.send(
        gmail_app(Letter(files=(("ลำพูน.xlsx", report(changes={wrong: {"issue_1": "ผ่าน."}})),)))
    ).reply
    assert rejection.kind == "rejected" and desk.province().status == "มีข้อผิดพลาด"

    correction = answering(rejection, [("ลำพูน แก้ไขแล้ว.xlsx", report())])
    reply = desk.send(outlook_thai(correction)).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted"
    assert reply.subject == f"Re: {SUBJECT} [ได้รับรายงานแล้ว]"
    assert reply.in_reply_to == correction.message_id
    assert rejection.message_id in reply.references
    assert desk.province().versions == 2


def test_a_report_forwarded_as_an_attached_message_is_filed_and_the_forwarder_answered(desk: Desk) -> None:
    original = gmail_app(
        Letter(files=((THAI_NAME, report()),), sender=Sender("สมชาย ใจดี", "somchai.lp@gmail.com"))
    )
    note = Letter(subject=f"Fwd: {SUBJECT}", body="ส่งต่อรายงานของจังหวัดลำพูนครับ\n")

    reply = desk.send(forwarded(original, note)).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted" and f"ไฟล์ {THAI_NAME}\n" in reply.body
    assert reply.to == "lamphun@dla.go.th"


def test_a_thank_you_in_our_thread_is_answered_once_and_a_second_one_not_at_all(desk: Desk) -> None:
    ack = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", report()),)))).reply
    before = (desk.province(), desk.data())

    first = desk.send(outlook_thai(answering(ack, body="ได้รับแล้ว ขอบคุณครับ\n")))

    assert first.summary.outcomes == {"conversation": 1}
    assert (first.reply.kind, first.reply.word) == ("conversation", "ได้รับข้อความแล้ว")
    assert "ไม่พบไฟล์ Excel" not in first.reply.subject + first.reply.body

    second = desk.send(gmail_app(answering(first.reply, body="ขอบคุณมากครับ\n")))

    assert second.summary.outcomes == {"conversation": 1}
    assert second.replies == ()
    assert (desk.province(), desk.data()) == before


def test_after_a_thank_you_a_pdf_sent_in_the_same_thread_is_still_answered(desk: Desk) -> None:
    ack = desk.send(thunderbird(Letter(files=(("ลำพูน.xlsx", report()),)))).reply
    thanks = desk.send(outlook_thai(answering(ack, body="ขอบคุณครับ\n"))).reply

    pdf = desk.send(gmail_app(answering(thanks, files=(("รายงาน.pdf", cover_letter_pdf()),), body="ส่งครับ\n")))

    assert (pdf.reply.kind, pdf.reply.word) == ("no_attachment", "ไม่พบไฟล์ Excel")


def test_a_reply_quoting_our_link_request_is_not_asked_again(desk: Desk) -> None:
    link = "https://docs.google.com/spreadsheets/d/1AbC/edit"
    asked = desk.send(gmail_app(Letter(files=(), body=f"ไฟล์อยู่ที่ {link}\n"))).reply
    assert asked.kind == "link_only"

    quoted = desk.send(gmail_app(answering(asked, body=f"รับทราบครับ\n> ไฟล์อยู่ที่ {link}\n")))

    assert quoted.summary.outcomes == {"conversation": 1} and quoted.replies == ()


def test_a_pdf_cover_letter_beside_the_workbook_is_acknowledged_and_the_report_filed(desk: Desk) -> None:
    files = (("หนังสือนำส่ง สถจ.ลำพูน.pdf", cover_letter_pdf()), ("ลำพูน.xlsx", report()))

    reply = desk.send(outlook_thai(Letter(files=files))).reply

    assert desk.codes() == ALL and desk.province().status == "ครบ"
    assert reply.kind == "accepted"
    assert reply.count("เอกสารอื่นที่แนบมา (เช่น หนังสือนำส่ง): หนังสือนำส่ง สถจ.ลำพูน.pdf ได้รับและเก็บไว้") == 1


def test_a_pdf_alone_is_answered_no_excel_file_and_nothing_is_filed(desk: Desk) -> None:
    reply = desk.send(gmail_app(Letter(files=(("รายงานผลการประเมิน ลำพูน.pdf", cover_letter_pdf()),)))).reply

    assert (reply.kind, reply.word) == ("no_attachment", "ไม่พบไฟล์ Excel")
    assert "ไฟล์ที่แนบมา: รายงานผลการประเมิน ลำพูน.pdf" in reply.body
    assert desk.codes() == set() and desk.province().status == "ยังไม่ส่ง"


def test_only_a_google_sheets_link_is_answered_with_a_request_for_the_file_and_nothing_is_filed(
    desk: Desk,
) -> None:
    body = f"เรียน กรมฯ\n\nขอส่งรายงานตามลิงก์นี้ครับ\n{SHEETS_LINK}\n"

    reply = desk.send(gmail_app(Letter(body=body))).reply

    assert (reply.kind, reply.word) == ("link_only", "กรุณาแนบไฟล์ ไม่เปิดลิงก์")
    assert SHEETS_LINK in reply.body
    assert desk.codes() == set() and desk.province().status == "ยังไม่ส่ง"


def test_a_workbook_attached_beside_a_drive_link_is_filed_and_the_link_left_alone(desk: Desk) -> None:
    body = f"แนบไฟล์มาพร้อมนี้ (สำเนาใน Google Sheets: {SHEETS_LINK})\n"

    reply = desk.send(gmail_app(Letter(files=(("ลำพูน.xlsx", report()),), body=body))).reply

    assert desk.codes() == ALL and reply.kind == "accepted"
    assert SHEETS_LINK not in reply.body


def test_a_webmail_signature_logo_is_not_acknowledged_as_an_attached_document(desk: Desk) -> None:
    reply = desk.send(webmail(Letter(files=(("ลำพูน.xlsx", report()),)))).reply

    assert reply.kind == "accepted"
    assert "logo.png" not in reply.body
