"""The deadline chase on real servers (Dovecot in, aiosmtpd out) with a controllable clock: reminders go
out on the scheduled days only, never to a complete province, never twice on one day (a restart
included), and the daily digest reports the figures the master shows."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import signal
from email.message import EmailMessage
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.entrypoints.chase import queue_digest, queue_reminders, scheduled_reminders
from bot.entrypoints.config import (
    DigestSettings,
    MailboxSettings,
    RemindersSettings,
    RoundSettings,
    SendersSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
    load_settings,
)
from bot.entrypoints.daemon import run_once
from bot.entrypoints.wiring import open_service
from storage.thai import BANGKOK
from tests.helpers.builders import make_report
from tests.helpers.bulk_mails import province_mail, sender_of
from tests.helpers.faultkit import DaemonRig
from tests.helpers.servers import ImapAccount, SmtpSink
from validators import load_registry

DEADLINE = dt.date(2020, 11, 2)
TAK = "saraban@tak.go.th"
STAFF = "staff@dla.go.th"
LAMPHUN = len(load_registry().laos_in("ลำพูน"))


@pytest.fixture
def settings(
    imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    return Settings(
        mailbox=MailboxSettings(
            backend="imap", host=imap_account.host, port=imap_account.port, security="none",
            username=imap_account.user, password_env="TEST_IMAP_PASSWORD", idle=False,
        ),
        smtp=SmtpSettings(backend="smtp", host=smtp_sink.host, port=smtp_sink.port, security="none"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=DEADLINE),
        senders=SendersSettings(map={"ตาก": (TAK, "*@tak.go.th")}),
        reminders=RemindersSettings(enabled=True, days_before=(7, 3, 1)),
        digest=DigestSettings(enabled=True, recipients=(STAFF,)),
    )  # fmt: skip


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=BANGKOK)


def cycle_on(settings: Settings, now: dt.datetime) -> None:
    """One poll whose clock says `now` (sending checks that a reminder's day is today), then the master."""
    with open_service(settings, clock=lambda: now) as service:
        service.run_cycle()
        service.master.rebuild(service.ledger, only_if_changed=True)


def chase_mails(sink: SmtpSink, kind: str) -> list[EmailMessage]:
    out = []
    for mail in sink.messages:
        msg = email.message_from_bytes(mail.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if msg["X-Localreport-Outcome"] == kind:
            out.append(msg)
    return out


def text_of(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def test_reminders_go_on_the_scheduled_days_only_never_twice_and_never_to_a_complete_province(
    imap_account: ImapAccount, smtp_sink: SmtpSink, settings: Settings
) -> None:
    imap_account.deliver(province_mail("กาญจนบุรี", make_report("กาญจนบุรี")).raw)  # complete
    imap_account.deliver(province_mail("ลำพูน", make_report("ลำพูน", rows=[{}] * 10)).raw)  # 10 of 59
    run_once(settings)
    answered = len(smtp_sink.messages)

    sent_on: dict[int, list[str]] = {}
    for before in range(9, -2, -1):
        day = DEADLINE - dt.timedelta(days=before)
        scheduled_reminders(settings, at(day))
        scheduled_reminders(settings, at(day, 15))  # a restart later the same day: nothing twice
        count = len(chase_mails(smtp_sink, "reminder"))
        cycle_on(settings, at(day, 10))  # the poll that sends them, that day
        sent_on[before] = [str(m["To"]) for m in chase_mails(smtp_sink, "reminder")[count:]]
        if before == 7:  # ลำพูน completes after its first reminder
            imap_account.deliver(province_mail("ลำพูน", make_report("ลำพูน")).raw)
            run_once(settings)

    assert {b for b, to in sent_on.items() if to} == {7, 3, 1}
    assert sorted(sent_on[7]) == sorted([sender_of("ลำพูน"), TAK])  # the partial one and the listed one
    assert sent_on[3] == sent_on[1] == [TAK]  # ลำพูน is complete now; กาญจนบุรี never gets one
    history = load_workbook(settings.storage.master_workbook, read_only=True)["ประวัติการส่ง"]
    reminded = [r for r in history.iter_rows(min_row=2, values_only=True) if "แจ้งเตือน" in str(r[5])]
    assert len(reminded) == 4 and {r[2] for r in reminded} == {"ลำพูน", "ตาก"}  # in the master's history
    assert len(smtp_sink.messages) == answered + 1 + 4  # the second ลำพูน reply, four reminders

    [first] = [m for m in chase_mails(smtp_sink, "reminder") if str(m["To"]) == sender_of("ลำพูน")]
    text = text_of(first)
    assert "เรียน ท้องถิ่นจังหวัดลำพูน" in text and "2 พฤศจิกายน 2563" in text
    assert f"10 จาก {LAMPHUN} แห่ง" in text and "อำเภอ" in text
    assert "จึงเรียนมาเพื่อโปรดดำเนินการ" in text
    assert [p.get_filename() for p in first.iter_attachments()] == ["แบบฟอร์ม จังหวัดลำพูน.xlsx"]
    assert first["Auto-Submitted"] == "auto-generated"


def test_the_digest_reports_what_the_master_shows_and_what_changed_once_a_day(
    imap_account: ImapAccount, smtp_sink: SmtpSink, settings: Settings
) -> None:
    imap_account.deliver(province_mail("กาญจนบุรี", make_report("กาญจนบุรี")).raw)
    imap_account.deliver(province_mail("ลำพูน", make_report("ลำพูน", rows=[{}] * 10)).raw)
    run_once(settings)

    assert queue_digest(settings, at(DEADLINE - dt.timedelta(days=2), 8))
    assert not queue_digest(settings, at(DEADLINE - dt.timedelta(days=2), 20))  # once a day
    run_once(settings)
    [first] = chase_mails(smtp_sink, "digest")
    assert str(first["To"]) == STAFF
    master = master_counts(settings)
    text = text_of(first)
    for word, count in master.items():
        assert f"  {word}: {count}\n" in text, (word, count, text)
    assert "สรุปฉบับแรก" in text
    assert next(str(p.get_filename()) for p in first.iter_attachments()).endswith(".xlsx")

    imap_account.deliver(province_mail("ลำพูน", make_report("ลำพูน")).raw)
    run_once(settings)
    assert queue_digest(settings, at(DEADLINE - dt.timedelta(days=1), 8))
    run_once(settings)
    second = chase_mails(smtp_sink, "digest")[1]
    # the mails arrive today, years after the 2563 deadline: complete, and late
    assert f"ลำพูน: ยังไม่ครบ 10 แห่ง → ครบ (ส่งหลังกำหนด) {LAMPHUN} แห่ง" in text_of(second)


def master_counts(settings: Settings) -> dict[str, int]:
    """How many provinces the master's first sheet lists under each status word."""
    wb = load_workbook(settings.storage.master_workbook, read_only=True)
    words = ("ครบ", "ครบ (ส่งหลังกำหนด)", "ยังไม่ครบ", "มีข้อผิดพลาด", "ยังไม่ส่ง")
    for ws in wb.worksheets:
        rows = [r for r in ws.iter_rows(values_only=True)]
        column = next((i for r in rows[:3] for i, v in enumerate(r) if str(v).startswith("สถานะ")), None)
        if column is None:
            continue
        statuses = [r[column] for r in rows if len(r) > column and r[column] in words]
        if len(statuses) >= 70:  # the per-province sheet: one line per province
            return {w: statuses.count(w) for w in words}
    raise AssertionError("no sheet of the master lists a status per province")


def test_a_crash_between_send_and_record_never_sends_a_reminder_twice(
    imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """The reminder reaches the server, the process is killed before the ledger says so: the next run
    finds it in Sent (where Gmail files what it relays) and does not send it again."""
    smtp_sink.on_message = imap_account.filer()
    rig = DaemonRig(imap_account, smtp_sink, tmp_path / "daemon", sent_folder="\\Sent")
    rig.write_config()
    for province in ("ลำพูน", "น่าน"):
        imap_account.deliver(province_mail(province, make_report(province, rows=[{}] * 5)).raw)
    assert rig.run() == 0, rig.log_tail()
    assert queue_reminders(load_settings(rig.config), dt.datetime.now(dt.UTC)) == 2

    assert rig.run(crash_at="after_smtp_accept:1") == -signal.SIGKILL
    assert rig.run() == 0, rig.log_tail()

    sent = sorted(str(m["To"]) for m in chase_mails(smtp_sink, "reminder"))
    assert sent == sorted([sender_of("ลำพูน"), sender_of("น่าน")])  # each exactly once
    assert "already reached the server before a crash" in rig.log_tail(200)
