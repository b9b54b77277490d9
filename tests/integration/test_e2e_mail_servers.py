"""One province e-mail end to end on real servers: Dovecot (IMAP in) and aiosmtpd (SMTP out)."""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.entrypoints.config import MailboxSettings, RoundSettings, Settings, SmtpSettings, StorageSettings
from bot.entrypoints.daemon import run_once
from tests.helpers.builders import make_report
from tests.helpers.servers import ImapAccount, SmtpSink

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SUBJECT = "ส่งผลการประเมินผู้บริหารท้องถิ่น ปี 2563 จังหวัดกาญจนบุรี"
FILENAME = "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี.xlsx"


def province_mail(report: bytes, *, sender: str = "kanchanaburi@dla.go.th") -> tuple[str, bytes]:
    msg = EmailMessage()
    msg["From"] = f"สถจ.กาญจนบุรี <{sender}>"
    msg["To"] = "Localreport.dla@gmail.com"
    msg["Subject"] = SUBJECT
    msg["Message-ID"] = message_id = make_msgid(domain="dla.go.th")
    msg["References"] = "<earlier@dla.go.th>"
    msg.set_content("เรียน สถ. ส่งรายงานตามหนังสือ มท 0810.7/ว")
    msg.add_attachment(report, maintype=XLSX[0], subtype=XLSX[1], filename=FILENAME)
    return message_id, msg.as_bytes()


@pytest.fixture
def imap_env(imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch) -> ImapAccount:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    return imap_account


@pytest.fixture
def settings(imap_env: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path) -> Settings:
    """One IMAP + SMTP cycle against this test's account and sink; ledger and master under tmp_path."""
    return Settings(
        mailbox=MailboxSettings(
            backend="imap", host=imap_env.host, port=imap_env.port, security="none",
            username=imap_env.user, password_env="TEST_IMAP_PASSWORD",
        ),
        smtp=SmtpSettings(backend="smtp", host=smtp_sink.host, port=smtp_sink.port, security="none"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date.today() + dt.timedelta(days=1)),  # mail arrives "today": on time
    )  # fmt: skip


def test_valid_report_is_filed_in_master_and_acknowledged_in_thread(
    imap_env: ImapAccount, smtp_sink: SmtpSink, settings: Settings
) -> None:
    message_id, raw = province_mail(make_report("กาญจนบุรี"))
    imap_env.deliver(raw)

    summary = run_once(settings)

    assert (summary.handled, summary.failed, summary.outcomes) == (1, 0, {"accepted": 1})
    [received] = smtp_sink.wait_for(1)
    assert received.rcpt_tos == ["kanchanaburi@dla.go.th"]
    reply = email.message_from_bytes(received.raw, policy=email.policy.default)
    assert reply["In-Reply-To"] == message_id
    assert reply["References"].split() == ["<earlier@dla.go.th>", message_id]
    assert reply["Auto-Submitted"] == "auto-replied"
    subject = str(email.header.make_header(email.header.decode_header(reply["Subject"])))
    assert subject == f"Re: {SUBJECT} [ได้รับรายงานแล้ว]"
    body = reply.get_body(("plain",)).get_content()
    assert FILENAME in body and "ผลการตรวจ: ถูกต้อง" in body

    master = load_workbook(settings.storage.master_workbook, read_only=True)
    summary_rows = list(master["สรุปรายจังหวัด"].iter_rows(values_only=True))
    assert ("กาญจนบุรี", "ครบ") in {row[:2] for row in summary_rows}
    data = [row for row in master["ข้อมูลรวม"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert {row[0] for row in data} == {"กาญจนบุรี"}
    assert "องค์การบริหารส่วนตำบลท่าเสา" in {row[3] for row in data}
    assert len(data) == 122  # every LAO of กาญจนบุรี in the registry

    with imap_env.mailbox() as mb:
        assert mb.uids("ALL") == []  # moved out of INBOX …
        mb.folder.set(settings.mailbox.processed_folder.replace("/", "."))  # Dovecot's separator
        [kept] = list(mb.fetch(mark_seen=False))
        assert kept.subject.replace(" ", "") == SUBJECT.replace(" ", "")  # … into the processed folder


def test_second_run_over_same_mailbox_files_and_answers_nothing_twice(
    imap_env: ImapAccount, smtp_sink: SmtpSink, settings: Settings
) -> None:
    _, raw = province_mail(make_report("กาญจนบุรี", rows=[{"lao_full_name": "อบต.ท่าเสา"}]))
    imap_env.deliver(raw)
    first = run_once(settings)
    imap_env.deliver(raw)  # the very same message delivered again (a resend, a restored backup)

    second = run_once(settings)

    assert first.outcomes == {"rejected": 1}
    assert (second.handled, second.skipped) == (0, 1)
    assert len(smtp_sink.wait_for(1)) == 1
    with imap_env.mailbox() as mb:
        assert mb.uids("ALL") == []


def test_reply_waits_in_ledger_while_smtp_refuses_and_goes_out_next_cycle(
    imap_env: ImapAccount, smtp_sink: SmtpSink, settings: Settings
) -> None:
    imap_env.deliver(province_mail(make_report("กาญจนบุรี"))[1])
    smtp_sink.refuse = True

    first = run_once(settings)
    smtp_sink.refuse = False
    second = run_once(settings)

    # Judged and committed, the reply pending with its refusal recorded, the mail out of the inbox at once:
    # a sending outage never leaves handled mail to be downloaded again.
    assert (first.failed, first.handled, first.replies_sent) == (0, 1, 0)
    assert (second.replies_sent, second.seen) == (1, 0)
    assert len(smtp_sink.wait_for(1)) == 1
