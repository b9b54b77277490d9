"""Every reply kind end to end: a mail delivered to Dovecot, one bot cycle, the reply caught by aiosmtpd.

Also the mail that must get no reply at all: robots, floods over the limits, senders without DMARC.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import io
import sqlite3
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.entrypoints.config import Settings
from bot.entrypoints.daemon import run_once
from bot.usecase.service import SOFT_ROBOT_SIGNALS
from tests.helpers.builders import make_report
from tests.helpers.servers import ImapAccount, SmtpSink

pytestmark = pytest.mark.servers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OURS = "Localreport.dla@gmail.com"
SENDER = "saraban@kanchanaburi.go.th"
SUBJECT = "ส่งผลการประเมินผู้บริหารท้องถิ่น ปี 2563 จังหวัดกาญจนบุรี"
FILENAME = "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี.xlsx"
GMAIL_PASS = (
    "mx.google.com; dkim=pass header.i=@kanchanaburi.go.th; "
    "dmarc=pass (p=NONE) header.from=kanchanaburi.go.th"
)


def mail(
    *attachments: tuple[str, bytes],
    sender: str = SENDER,
    top: Sequence[tuple[str, str]] = (),
    content_type: str | None = None,
) -> tuple[str, bytes]:
    """A province's mail; `top` header lines go above everything, as a receiving MTA puts its own."""
    msg = EmailMessage()
    msg["From"] = f"สถจ.กาญจนบุรี <{sender}>"
    msg["To"] = OURS
    msg["Subject"] = SUBJECT
    msg["Message-ID"] = message_id = make_msgid(domain="kanchanaburi.go.th")
    msg.set_content("เรียน สถ. ส่งรายงานตามหนังสือ มท 0810.7/ว")
    for filename, payload in attachments:
        msg.add_attachment(payload, maintype="application", subtype=XLSX.split("/")[1], filename=filename)
    if content_type:
        msg.replace_header("Content-Type", content_type)
    lines = "".join(f"{name}: {value}\r\n" for name, value in top).encode()
    return message_id, lines + msg.as_bytes(policy=email.policy.SMTP)


def settings_for(
    account: ImapAccount, sink: SmtpSink, tmp_path: Path, **sections: dict[str, Any]
) -> Settings:
    """Settings for one IMAP + SMTP cycle; extra sections (the keys issue #7 adds) merge in."""
    data: dict[str, Any] = {
        "mailbox": {
            "backend": "imap", "host": account.host, "port": account.port, "security": "none",
            "username": account.user, "password_env": "TEST_IMAP_PASSWORD",
        },
        "smtp": {
            "backend": "smtp", "host": sink.host, "port": sink.port, "security": "none", "from_address": OURS,
        },
        "storage": {"dir": tmp_path / "state", "master_workbook": tmp_path / "master.xlsx"},
        "round": {"deadline": dt.date.today() + dt.timedelta(days=1)},
    }  # fmt: skip
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return Settings.model_validate(data)


@pytest.fixture
def imap_env(imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch) -> ImapAccount:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    return imap_account


def the_reply(sink: SmtpSink) -> EmailMessage:
    [received] = sink.wait_for(1)
    assert received.rcpt_tos == [SENDER]
    msg = email.message_from_bytes(received.raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def subject_of(msg: EmailMessage) -> str:
    raw = email.message_from_bytes(msg.as_bytes())["Subject"]
    return str(email.header.make_header(email.header.decode_header(raw)))


def text_of(msg: EmailMessage, subtype: str = "plain") -> str:
    part = msg.get_body((subtype,))
    assert part is not None
    return str(part.get_content())


def assert_threaded_auto_reply(msg: EmailMessage, message_id: str, word: str) -> None:
    assert msg["In-Reply-To"] == message_id
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert subject_of(msg) == f"Re: {SUBJECT} [{word}]"
    assert text_of(msg, "html").startswith("<!DOCTYPE html>")


def answered(
    account: ImapAccount,
    sink: SmtpSink,
    tmp_path: Path,
    message: tuple[str, bytes],
    kind: str,
    word: str,
    **sections: dict[str, Any],
) -> EmailMessage:
    """Deliver `message` (Message-ID, bytes), run one cycle, check that it was judged `kind` and answered by
    a threaded auto-reply whose subject ends in [`word`], and return that reply."""
    message_id, raw = message
    account.deliver(raw)

    summary = run_once(settings_for(account, sink, tmp_path, **sections))

    assert summary.outcomes == {kind: 1}
    reply = the_reply(sink)
    assert_threaded_auto_reply(reply, message_id, word)
    return reply


# ------------------------------------------------------------------------------ kinds the service makes


def test_complete_report_is_acknowledged_with_the_province_complete_and_nothing_to_resend(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    message = mail((FILENAME, make_report("กาญจนบุรี")))

    text = text_of(answered(imap_env, smtp_sink, tmp_path, message, "accepted", "ได้รับรายงานแล้ว"))

    assert "ผลการตรวจ: ถูกต้อง รับรายงานแล้ว" in text
    assert "จำนวน อปท. ในไฟล์นี้ 122 แห่ง" in text
    assert "จังหวัดกาญจนบุรี: ได้รับข้อมูลที่ถูกต้องแล้ว 122 จาก 122 แห่ง" in text
    assert "ได้รับครบทุก อปท. ในทะเบียนแล้ว ไม่ต้องส่งใหม่" in text


def test_rejected_report_lists_each_error_with_cell_header_found_and_fix(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    report = make_report(
        "กาญจนบุรี",
        rows=[{"lao_full_name": "อบต.ท่าเสา"}, {"dla_code": "12"}],
        headers={"lao_full_name": "ชื่อ อปท."},
    )

    reply = answered(imap_env, smtp_sink, tmp_path, mail((FILENAME, report)), "rejected", "ต้องแก้ไข")

    text = text_of(reply)
    assert "■ เขียนชื่อ อปท. แบบย่อ (1 รายการ)\r\n  เขียนชื่อย่อ ให้เขียนชื่อเต็มของหน่วยงาน\r\n" in text
    assert (
        "  • แผ่นงาน แบบสรุปผล แถว 4 คอลัมน์ D (ชื่อ อปท.)\r\n"
        "    พบ: อบต.ท่าเสา\r\n"
        "    ให้แก้เป็น: องค์การบริหารส่วนตำบลท่าเสา"
    ) in text
    assert "พบ: 12" in text and "แถว 5 คอลัมน์ E (รหัส อปท.)" in text
    assert "อบต.ท่าเสา</span>" in text_of(reply, "html")


def test_rejection_returns_the_marked_workbook_and_the_blank_form(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    _, raw = mail((FILENAME, make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}])))
    imap_env.deliver(raw)

    run_once(settings_for(imap_env, smtp_sink, tmp_path))

    attachments = {p.get_filename(): p.get_content() for p in the_reply(smtp_sink).iter_attachments()}
    assert set(attachments) == {
        "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี - จุดที่ต้องแก้ไข.xlsx",
        "แบบฟอร์ม จังหวัดกาญจนบุรี.xlsx",
    }
    marked = load_workbook(io.BytesIO(attachments["ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี - จุดที่ต้องแก้ไข.xlsx"]))
    assert marked["แบบสรุปผล"]["D4"].comment is not None


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("รายงาน.xlsx", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
        ("รายงาน.xlsx", bytes(range(256)) * 8),
    ],
    ids=["pdf_named_xlsx", "random_bytes_named_xlsx"],
)
def test_unreadable_file_is_answered_with_what_to_send_instead(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path, name: str, payload: bytes
) -> None:
    text = text_of(answered(imap_env, smtp_sink, tmp_path, mail((name, payload)), "unreadable", "เปิดไฟล์ไม่ได้"))

    assert "ผลการตรวจ: เปิดไฟล์ไม่ได้" in text and "รายงาน.xlsx" in text
    assert "พร้อมแนบไฟล์ Excel (.xlsx" in text


def test_mail_without_excel_is_answered_no_attachment(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    reply = answered(imap_env, smtp_sink, tmp_path, mail(), "no_attachment", "ไม่พบไฟล์ Excel")

    assert "ไม่พบไฟล์ Excel แนบมากับอีเมล" in text_of(reply)


def test_same_report_in_a_new_mail_is_answered_already_received(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    report = make_report("กาญจนบุรี")
    settings = settings_for(imap_env, smtp_sink, tmp_path)
    imap_env.deliver(mail((FILENAME, report))[1])
    run_once(settings)
    message_id, raw = mail((FILENAME, report))  # a new Message-ID, the same file
    imap_env.deliver(raw)

    summary = run_once(settings)

    assert summary.outcomes == {"duplicate": 1}
    second = email.message_from_bytes(smtp_sink.wait_for(2)[1].raw, policy=email.policy.default)
    assert isinstance(second, EmailMessage)
    assert_threaded_auto_reply(second, message_id, "เคยได้รับแล้ว")
    assert "ได้รับไฟล์นี้แล้วก่อนหน้านี้ ไม่ได้บันทึกซ้ำ" in text_of(second)


def test_mail_with_a_good_and_a_bad_file_gets_one_reply_listing_both(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    good, bad = make_report("กาญจนบุรี"), make_report("ลำพูน", rows=[{"lao_full_name": "อบต.หนองหนาม"}])
    message = mail((FILENAME, good), ("ลำพูน.xlsx", bad))

    text = text_of(answered(imap_env, smtp_sink, tmp_path, message, "mixed", "ต้องแก้ไขบางไฟล์"))

    assert "บันทึกแล้ว 1 ไฟล์ ยังไม่รับ 1 ไฟล์" in text
    assert f"ไฟล์ {FILENAME}" in text and "ไฟล์ ลำพูน.xlsx" in text and "อบต.หนองหนาม" in text


# ------------------------------------------------------------------------------- kinds needing wiring


def test_report_after_the_deadline_is_filed_and_answered_late(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    message = mail((FILENAME, make_report("กาญจนบุรี")))
    passed = {"deadline": dt.date.today() - dt.timedelta(days=1)}

    reply = answered(imap_env, smtp_sink, tmp_path, message, "late", "ได้รับรายงานแล้ว หลังกำหนดส่ง", round=passed)

    assert "ได้รับหลังวันกำหนดส่ง" in text_of(reply)


# name → (header lines on top, From, envelope sender, the reason recorded in the ledger)
ROBOTS: dict[str, tuple[Sequence[tuple[str, str]], str, str, str]] = {
    "auto_submitted": ((("Auto-Submitted", "auto-replied"),), SENDER, SENDER, "auto_submitted"),
    "outlook_oof": ((("X-Auto-Response-Suppress", "OOF"),), SENDER, SENDER, "vendor_auto_reply"),
    "precedence_bulk": ((("Precedence", "bulk"),), SENDER, SENDER, "precedence_bulk"),
    "mailing_list": ((("List-Id", "<dla.googlegroups.com>"),), SENDER, SENDER, "mailing_list"),
    "empty_return_path": ((), SENDER, "", "empty_return_path"),
    "mailer_daemon": ((), "MAILER-DAEMON@kanchanaburi.go.th", "bounces@kanchanaburi.go.th", "mailer_daemon"),
    "postmaster": ((), "postmaster@kanchanaburi.go.th", SENDER, "mailer_daemon"),
    "own_address": ((), OURS, OURS, "own_address"),
    "delivery_report": ((), "bounces@kanchanaburi.go.th", "bounces@kanchanaburi.go.th", "delivery_report"),
}


@pytest.mark.parametrize("name", sorted(ROBOTS))
def test_robot_mail_gets_no_reply_and_the_suppression_is_recorded(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path, name: str
) -> None:
    top, sender, envelope, reason = ROBOTS[name]
    content_type = (
        'multipart/report; report-type=delivery-status; boundary="r"' if name == "delivery_report" else None
    )
    _, raw = mail((FILENAME, make_report("กาญจนบุรี")), sender=sender, top=top, content_type=content_type)
    imap_env.deliver(raw, mail_from=envelope)
    settings = settings_for(imap_env, smtp_sink, tmp_path)

    summary = run_once(settings)

    assert smtp_sink.messages == []
    assert (summary.handled, summary.failed) == (1, 0)
    # A list, bulk or out-of-office header on a mail that carries a workbook: held for a person, not dropped.
    expected = ("held", f"{reason}_with_workbook") if reason in SOFT_ROBOT_SIGNALS else ("suppressed", reason)
    with sqlite3.connect(settings.storage.dir / "ledger.sqlite3") as db:
        assert db.execute("SELECT outcome, reason FROM mails").fetchall() == [expected]
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)  # robots' files: not filed


def test_without_a_trusted_dmarc_pass_the_mail_is_held_for_a_person(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    forged = ("Authentication-Results", "mx.google.com; dmarc=fail header.from=kanchanaburi.go.th")
    forged_below = ("Authentication-Results", GMAIL_PASS)  # written by the sender, below ours: ignored
    _, raw = mail((FILENAME, make_report("กาญจนบุรี")), top=(forged, forged_below))
    imap_env.deliver(raw)
    settings = settings_for(
        imap_env, smtp_sink, tmp_path, authentication={"require_dmarc": True, "authserv_id": "mx.google.com"}
    )

    run_once(settings)

    assert smtp_sink.messages == []
    with imap_env.mailbox() as mb:
        mb.folder.set(settings.mailbox.quarantine_folder.replace("/", "."))
        assert len(mb.uids("ALL")) == 1
    with sqlite3.connect(settings.storage.dir / "ledger.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)


def test_trusted_dmarc_pass_is_answered_when_dmarc_is_required(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    message = mail((FILENAME, make_report("กาญจนบุรี")), top=(("Authentication-Results", GMAIL_PASS),))
    dmarc = {"require_dmarc": True, "authserv_id": "mx.google.com"}

    answered(imap_env, smtp_sink, tmp_path, message, "accepted", "ได้รับรายงานแล้ว", authentication=dmarc)


def test_a_flood_from_one_sender_is_answered_only_up_to_the_hourly_limit(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    for _ in range(4):
        imap_env.deliver(mail()[1])
    settings = settings_for(
        imap_env, smtp_sink, tmp_path, replies={"per_sender_per_hour": 2, "daily_cap": 100}
    )

    summary = run_once(settings)

    assert summary.handled == 4
    assert len(smtp_sink.messages) == 2
    with sqlite3.connect(settings.storage.dir / "ledger.sqlite3") as db:
        counts = db.execute("SELECT state, reason, COUNT(*) FROM replies GROUP BY 1, 2 ORDER BY 1").fetchall()
    assert counts == [("sent", None, 2), ("suppressed", "rate_limited_sender", 2)]


def test_daily_cap_holds_replies_back_for_later(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    for i in range(3):
        imap_env.deliver(mail(sender=f"province{i}@dla.go.th")[1])
    settings = settings_for(
        imap_env, smtp_sink, tmp_path, replies={"per_sender_per_hour": 10, "daily_cap": 2}
    )

    summary = run_once(settings)

    assert summary.handled == 3 and len(smtp_sink.messages) == 2
    with sqlite3.connect(settings.storage.dir / "ledger.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM replies WHERE state = 'pending'").fetchone() == (1,)


@pytest.mark.parametrize("unlisted", ["unverified", "hold"])
def test_report_from_an_address_not_listed_for_its_province(
    imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path, unlisted: str
) -> None:
    _, raw = mail((FILENAME, make_report("กาญจนบุรี")), sender="someone@gmail.com")
    imap_env.deliver(raw, mail_from="someone@gmail.com")
    senders = {"unlisted": unlisted, "map": {"กาญจนบุรี": [SENDER, "*@dla.go.th"]}}
    settings = settings_for(imap_env, smtp_sink, tmp_path, senders=senders)

    run_once(settings)

    with sqlite3.connect(settings.storage.dir / "ledger.sqlite3") as db:
        filed = db.execute("SELECT sender_verdict FROM submissions").fetchall()
    if unlisted == "hold":
        assert smtp_sink.messages == [] and filed == []
    else:
        assert filed == [("unverified",)]
        [received] = smtp_sink.wait_for(1)
        assert received.rcpt_tos == ["someone@gmail.com"]
        history = load_workbook(settings.storage.master_workbook)["ประวัติการส่ง"]  # and shown so to DLA staff
        assert [c.value for c in history[2]][-1] == "ไม่อยู่ในรายชื่อ (ยังไม่ยืนยัน)"
