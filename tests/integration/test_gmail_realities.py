"""Gmail as it really behaves, on real servers: a Gmail-like Dovecot (separator "/", Thai-named special-use
folders) behind a proxy that speaks X-GM-EXT-1 and counts every byte the bot downloads, and an aiosmtpd
that answers Gmail's refusal codes. Spam, mail met again, quota pauses, Sent lookups and refused logins."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.imap import ImapInbox
from bot.entrypoints.config import (
    MailboxSettings,
    OperationsSettings,
    RoundSettings,
    SendersSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import LoginBackoff, run_once
from bot.entrypoints.health import health, login_path
from bot.entrypoints.status import mail_lines
from bot.entrypoints.wiring import open_ledger
from bot.errors import LoginError
from bot.usecase.sending import Pause
from tests.helpers.bulk_mails import Mail, deliver, province_mail, report_bytes, sender_of, vary
from tests.helpers.servers import GMAIL_REPLIES, GMAIL_SPAM, GmailImapProxy, ImapAccount, SmtpSink

OPERATOR = "ops@dla.go.th"


@pytest.fixture
def settings(
    gmail_account: ImapAccount, gmail_proxy: GmailImapProxy, smtp_sink: SmtpSink, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:  # fmt: skip
    """IMAP through the Gmail proxy, SMTP to the sink (which files what it accepts in the Thai Sent)."""
    monkeypatch.setenv("TEST_IMAP_PASSWORD", gmail_account.password)
    smtp_sink.on_message = gmail_account.filer()
    return Settings(
        mailbox=MailboxSettings(
            backend="imap", host=gmail_proxy.host, port=gmail_proxy.port, security="none",
            username=gmail_account.user, password_env="TEST_IMAP_PASSWORD", idle=False,
        ),
        smtp=SmtpSettings(backend="smtp", host=smtp_sink.host, port=smtp_sink.port, security="none",
                          sent_folder="\\Sent"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date.today() + dt.timedelta(days=1)),
        operations=OperationsSettings(operator_address=OPERATOR),
        senders=SendersSettings(map={"ตาก": (sender_of("ตาก"),)}),
    )  # fmt: skip


def reports(*provinces: str, start: int = 0) -> list[Mail]:
    return [province_mail(p, vary(report_bytes(p), start + i)) for i, p in enumerate(provinces)]


def answered(sink: SmtpSink) -> list[str]:
    """The In-Reply-To of every reply the sink accepted (operator notices have none)."""
    out = []
    for mail in sink.messages:
        parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
        if parsed["In-Reply-To"]:
            out.append(str(parsed["In-Reply-To"]))
    return out


def test_a_report_gmail_filed_as_spam_is_moved_back_and_answered_while_real_spam_stays(
    gmail_account: ImapAccount, smtp_sink: SmtpSink, settings: Settings
) -> None:
    [report] = reports("กาญจนบุรี")
    listed = province_mail("ตาก", None)  # a listed province address, no file: a question, also rescued
    spam = (b"From: Prize Office <win@lottery.example>\r\nTo: localreport.dla@gmail.com\r\n"
            b"Subject: You won\r\nMessage-ID: <spam1@lottery.example>\r\n\r\nClaim now.\r\n")  # fmt: skip
    gmail_account.append(GMAIL_SPAM, [report.raw, listed.raw, spam])

    summary = run_once(settings)

    assert summary.rescued_from_spam == 2
    assert summary.outcomes == {"accepted": 1, "no_attachment": 1}
    assert sorted(answered(smtp_sink)) == sorted([report.message_id, listed.message_id])
    assert gmail_account.message_ids(GMAIL_SPAM) == ["<spam1@lottery.example>"]  # real spam left alone
    assert gmail_account.message_ids("INBOX") == []
    assert run_once(settings).rescued_from_spam == 0


def test_mail_met_again_in_the_inbox_is_recognised_from_its_headers_and_never_downloaded(
    gmail_account: ImapAccount, gmail_proxy: GmailImapProxy, smtp_sink: SmtpSink, settings: Settings
) -> None:
    mails = reports("กาญจนบุรี", "ลำพูน", "ตาก")
    deliver(gmail_account, mails)
    assert run_once(settings).handled == 3
    gmail_account.append("INBOX", [m.raw for m in mails])  # moved back by a person: new UIDs, same mail
    gmail_proxy.reset_counters()

    again = run_once(settings)

    assert (again.seen, again.skipped, again.handled) == (3, 3, 0)
    assert len(smtp_sink.messages) == 3  # nothing answered twice
    assert gmail_account.message_ids("INBOX") == []
    smallest = min(len(m.raw) for m in mails)
    assert again.bytes_downloaded < smallest / 10  # header lines only
    assert gmail_proxy.bytes_to_client < smallest  # the whole cycle, protocol included, on the wire


def test_a_quota_refusal_pauses_all_sending_and_the_paused_cycles_download_nothing(
    gmail_account: ImapAccount, gmail_proxy: GmailImapProxy, smtp_sink: SmtpSink, settings: Settings
) -> None:
    mails = reports("กาญจนบุรี", "ลำพูน", "ตาก", "น่าน")
    deliver(gmail_account, mails)
    smtp_sink.script = ["250", GMAIL_REPLIES["quota"]]

    first = run_once(settings)

    assert (first.handled, first.failed, first.replies_sent, first.replies_refused) == (4, 0, 1, 1)
    assert gmail_account.message_ids("INBOX") == []  # every handled mail left the inbox at once
    line = health(settings).line
    assert line.startswith("WARNING") and "sending paused until" in line and "5.4.5" in line
    assert any("sending paused until" in x and "quota" in x for x in mail_lines(settings))

    gmail_proxy.reset_counters()
    paused = run_once(settings)
    assert (paused.seen, paused.replies_sent, paused.bytes_downloaded) == (0, 0, 0)
    assert gmail_proxy.bytes_to_client < 4096  # login, LIST, SELECT, an empty SEARCH
    assert len(smtp_sink.messages) == 1

    with open_ledger(settings) as ledger:  # the pause is over (Gmail lifts its limit within 24 h)
        pause = Pause.load(ledger)
        assert pause is not None and pause.reason == "quota"
        Pause(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1), pause.reason, pause.count, pause.error,
              pause.since).save(ledger)  # fmt: skip
    resumed = run_once(settings)

    assert resumed.replies_sent == 3
    assert sorted(answered(smtp_sink)) == sorted(m.message_id for m in mails)  # each exactly once
    with open_ledger(settings) as ledger:
        assert Pause.load(ledger) is None
        attempts = sorted(n for (n,) in ledger.conn.execute("SELECT attempts FROM replies"))
    assert attempts == [1, 1, 1, 1]  # a quota refusal is not the reply's fault: it does not count
    assert health(settings).ok


@pytest.fixture
def missing_proxy(gmail_account: ImapAccount) -> Iterator[GmailImapProxy]:
    """A proxy whose HEADER Message-ID search finds nothing, as Gmail's word search has."""
    with GmailImapProxy(gmail_account.server, header_search_misses=True) as proxy:
        yield proxy


def test_our_reply_is_found_in_the_thai_named_sent_folder_with_x_gm_raw(
    gmail_account: ImapAccount, missing_proxy: GmailImapProxy, settings: Settings
) -> None:
    reply = b"From: localreport.dla@gmail.com\r\nMessage-ID: <r1.localreport@gmail.com>\r\n\r\nx\r\n"
    gmail_account.append(gmail_account.server.sent_folder, [reply])
    mailbox = settings.mailbox.model_copy(update={"port": missing_proxy.port})

    with ImapInbox(mailbox, lambda: gmail_account.password) as inbox:
        assert inbox.has_message_id("\\Sent", "<r1.localreport@gmail.com>")
        assert not inbox.has_message_id("\\Sent", "<other.localreport@gmail.com>")

    searches = [c for c in missing_proxy.commands if b"SEARCH" in c.upper()]
    assert searches and all(b"X-GM-RAW" in c for c in searches)


def test_a_refused_login_is_one_line_with_the_fix_and_backs_off(
    gmail_account: ImapAccount, gmail_proxy: GmailImapProxy, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "an-old-password")

    with pytest.raises(LoginError) as refused:
        run_once(settings)
    assert "AUTHENTICATIONFAILED" in str(refused.value) and "LOCALREPORT" not in refused.value.fix
    assert "TEST_IMAP_PASSWORD" in refused.value.fix
    logins = len(gmail_proxy.commands)
    with pytest.raises(LoginBackoff, match="not trying the mailbox before"):
        run_once(settings)  # within the backoff: not even a connection
    assert len(gmail_proxy.commands) == logins
    line = health(settings).line
    assert line.startswith("CRITICAL login failing since")

    monkeypatch.setenv("TEST_IMAP_PASSWORD", gmail_account.password)
    state = json.loads(login_path(settings).read_text(encoding="utf-8"))
    state["retry_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")  # the wait is over
    login_path(settings).write_text(json.dumps(state), encoding="utf-8")
    run_once(settings)
    assert not login_path(settings).exists() and health(settings).ok
