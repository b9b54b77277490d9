"""What the SMTP server says, and what the bot does about it, on a real aiosmtpd answering Gmail's own
refusals: an internationalised (EAI) address with and without SMTPUTF8, a recipient refused for good, a
refused login. One refused reply never stops the others, nor the reading of the mailbox."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
from pathlib import Path

import pytest

from bot.entrypoints.config import (
    MailboxSettings,
    OperationsSettings,
    RoundSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import run_once
from bot.entrypoints.health import health
from bot.entrypoints.wiring import open_ledger
from bot.usecase.sending import Pause
from tests.helpers.bulk_mails import province_mail, report_bytes, sender_of, vary
from tests.helpers.servers import GMAIL_REPLIES, ImapAccount, SmtpSink

OPERATOR = "ops@dla.go.th"
EAI = "สถจ@ตัวอย่าง.ไทย"


def settings_for(account: ImapAccount, sink: SmtpSink, tmp_path: Path, **smtp: str) -> Settings:
    return Settings(
        mailbox=MailboxSettings(backend="imap", host=account.host, port=account.port, security="none",
                                username=account.user, password_env="TEST_IMAP_PASSWORD", idle=False),
        smtp=SmtpSettings(backend="smtp", host=sink.host, port=sink.port, security="none", **smtp),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date.today() + dt.timedelta(days=1)),
        operations=OperationsSettings(operator_address=OPERATOR),
    )  # fmt: skip


@pytest.fixture
def account(imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch) -> ImapAccount:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    return imap_account


def eai_report() -> tuple[str, bytes]:
    """A valid report from an internationalised address, headers in raw UTF-8 (RFC 6532), as Gmail
    accepts and delivers them."""
    mail = province_mail("ลำพูน", vary(report_bytes("ลำพูน"), 7))
    raw = mail.raw.replace(f"<{sender_of('ลำพูน')}>".encode(), f"<{EAI}>".encode())
    head, _, body = raw.partition(b"\n\n")
    lines = [b"From: =?utf-8?b?4Liq4LiW4LiILuC4peC4s+C4nuC4ueC4mQ==?= <" + EAI.encode() + b">"
             if line.startswith(b"From:") else line for line in head.split(b"\n")]  # fmt: skip
    return mail.message_id, b"\n".join(lines) + b"\n\n" + body


def replies(sink: SmtpSink) -> dict[str, list[str]]:
    """In-Reply-To → the recipients of each reply the sink accepted; operator notices under ""."""
    out: dict[str, list[str]] = {}
    for mail in sink.messages:
        parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
        out.setdefault(str(parsed["In-Reply-To"] or ""), []).extend(mail.rcpt_tos)
    return out


def reply_rows(settings: Settings) -> list[tuple[str, str, int, str | None]]:
    with open_ledger(settings) as ledger:
        sql = "SELECT to_address, state, attempts, reason FROM replies ORDER BY id"
        return list(ledger.conn.execute(sql))


def test_a_report_from_a_thai_address_is_answered_to_that_exact_address_with_smtputf8(
    account: ImapAccount, tmp_path: Path
) -> None:
    message_id, raw = eai_report()
    account.deliver(raw)
    with SmtpSink(smtputf8=True) as sink:
        summary = run_once(settings_for(account, sink, tmp_path))
        [received] = sink.wait_for(1)

    assert summary.outcomes == {"accepted": 1}
    assert received.rcpt_tos == [EAI]
    reply = email.message_from_string(received.raw.decode("utf-8"), policy=email.policy.default)  # RFC 6532
    assert reply["To"].addresses[0].addr_spec == EAI and reply["In-Reply-To"] == message_id


def test_without_smtputf8_the_thai_address_is_recorded_undeliverable_and_every_other_reply_goes(
    account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The regression: a refused EAI send once left the session half-open (`503 nested MAIL command`),
    every later reply failed and the cycle ended in a traceback, run after run."""
    eai_id, raw = eai_report()
    account.deliver(raw)
    others = [province_mail(p, vary(report_bytes(p), 3)) for p in ("กาญจนบุรี", "ตาก")]
    for mail in others:
        account.deliver(mail.raw)
    settings = settings_for(account, smtp_sink, tmp_path)

    with caplog.at_level(logging.INFO):
        first = run_once(settings)
        second = run_once(settings)

    assert (first.handled, first.failed, first.replies_failed) == (3, 0, 1)
    got = replies(smtp_sink)
    assert sorted(k for k in got if k) == sorted(m.message_id for m in others)  # each answered once
    assert got[""] == [OPERATOR] and eai_id not in got  # the operator is told, nothing to a mangled address
    assert all(EAI.encode() not in m.raw or OPERATOR in m.rcpt_tos for m in smtp_sink.messages)
    assert [(r[0], r[1], r[3]) for r in reply_rows(settings) if r[0] == EAI] == [
        (EAI, "failed", "smtputf8_unsupported")
    ]
    assert (second.seen, second.replies_sent) == (0, 0)  # final: never tried again
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert account.message_ids("INBOX") == []


def test_a_recipient_refused_for_good_ends_that_reply_and_the_operator_is_told_once(
    account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    gone = province_mail("น่าน", vary(report_bytes("น่าน"), 4))
    fine = province_mail("ตาก", vary(report_bytes("ตาก"), 5))
    for mail in (gone, fine):
        account.deliver(mail.raw)
    smtp_sink.refuse_rcpt = {sender_of("น่าน"): GMAIL_REPLIES["no_such_user"]}
    settings = settings_for(account, smtp_sink, tmp_path)

    run_once(settings)
    run_once(settings)

    got = replies(smtp_sink)
    assert got == {fine.message_id: [sender_of("ตาก")], "": [OPERATOR]}
    notice = next(m for m in smtp_sink.messages if m.rcpt_tos == [OPERATOR])
    assert b"5.1.1" in notice.raw and sender_of("น่าน").encode() in notice.raw
    rows = {r[0]: r[1:] for r in reply_rows(settings)}
    assert rows[sender_of("น่าน")] == ("failed", 1, "refused_permanently")


def test_a_refused_smtp_login_pauses_sending_with_the_fix_and_the_mail_is_still_read(
    account: ImapAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "the-account-password")
    mail = province_mail("ตาก", vary(report_bytes("ตาก"), 6))
    account.deliver(mail.raw)
    with SmtpSink(auth_refusal=GMAIL_REPLIES["auth_app_password"]) as sink:
        settings = settings_for(account, sink, tmp_path, username="localreport.dla@gmail.com",
                                password_env="TEST_SMTP_PASSWORD")  # fmt: skip
        summary = run_once(settings)

    assert (summary.handled, summary.replies_sent) == (1, 0)
    assert account.message_ids("INBOX") == []
    with open_ledger(settings) as ledger:
        pause = Pause.load(ledger)
    assert pause is not None and pause.reason == "login"
    assert "5.7.9" in pause.error and "app password" in pause.error.lower()
    assert "sending paused until" in health(settings).line


def test_one_recipient_greylisted_waits_alone_while_the_other_replies_go(
    account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    grey = province_mail("น่าน", vary(report_bytes("น่าน"), 8))
    fine = province_mail("ตาก", vary(report_bytes("ตาก"), 9))
    for mail in (grey, fine):
        account.deliver(mail.raw)
    smtp_sink.refuse_rcpt = {sender_of("น่าน"): "450 4.7.1 <x>: Recipient address rejected: Greylisted"}
    settings = settings_for(account, smtp_sink, tmp_path)

    first = run_once(settings)

    assert (first.replies_sent, first.replies_refused) == (1, 1)
    with open_ledger(settings) as ledger:
        assert Pause.load(ledger) is None  # a refusal of one recipient is not the account's quota
    smtp_sink.refuse_rcpt = {}
    run_once(settings)  # its first retry is at the next cycle
    assert sorted(k for k in replies(smtp_sink) if k) == sorted([grey.message_id, fine.message_id])
