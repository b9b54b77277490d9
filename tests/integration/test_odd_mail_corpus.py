"""The odd-mail corpus (tests/helpers/odd_mails.py) delivered over LMTP to a real Dovecot, the valid reports
placed between the odd mails, then handled by `run_once` from IMAP: replies written as files, or sent over
SMTP to a real aiosmtpd sink. Every answerable mail is answered exactly once (replies counted by
In-Reply-To), robots and held mail never; no traceback is logged, INBOX is empty afterwards and a second
cycle sends nothing more."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.adapters.judge_pool import JudgePool
from bot.entrypoints.config import MailboxSettings, RoundSettings, Settings, SmtpSettings, StorageSettings
from bot.entrypoints.daemon import run_once
from bot.usecase.incoming import parse_mail
from tests.helpers.odd_mails import UNANSWERABLE, OddMail, odd_mails
from tests.helpers.servers import ImapAccount, SmtpSink

pytest_plugins = ("tests.helpers.scenario_fixtures",)

CASES = odd_mails()
NO_REPLY = frozenset({"suppressed", "held", "quarantined", "skipped"})


def delivery_order(cases: list[OddMail]) -> list[OddMail]:
    """The valid reports each between two odd mails: odd, report, odd, report, … then the odd rest."""
    reports = [c for c in cases if c.expect == "accepted"]
    odd = [c for c in cases if c.expect != "accepted"]
    mixed = itertools.chain.from_iterable(itertools.zip_longest(odd, reports))
    return [c for c in mixed if c is not None]


def wanted_replies(cases: Iterable[OddMail]) -> collections.Counter[tuple[str, str]]:
    """(the mail's Message-ID, the outcome its reply names) for every mail a reply must answer, once each."""
    return collections.Counter(
        (parse_mail(c.raw).message_id, c.expect)
        for c in cases
        if c.expect not in NO_REPLY and c.name not in UNANSWERABLE
    )


def thread_of(raw: bytes) -> tuple[str, str]:
    """(In-Reply-To, X-Localreport-Outcome) of one reply, read from its raw header lines (UTF-8)."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8")
    parent = re.search(r"^In-Reply-To:\s*(<[^>]*>)", head, re.MULTILINE | re.IGNORECASE)
    kind = re.search(r"^X-Localreport-Outcome:\s*(\S+)", head, re.MULTILINE | re.IGNORECASE)
    return (parent.group(1) if parent else "", kind.group(1) if kind else "")


def tracebacks(records: Iterable[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.exc_info or r.exc_text]


@pytest.fixture
def imap_corpus(imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch) -> ImapAccount:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    for case in delivery_order(CASES):
        imap_account.deliver(case.raw)
    with imap_account.mailbox() as mb:
        assert len(mb.uids("ALL")) == len(CASES)  # Dovecot took every one of them
    return imap_account


def settings(account: ImapAccount, tmp_path: Path, smtp: SmtpSettings) -> Settings:
    return Settings(
        mailbox=MailboxSettings(
            backend="imap", host=account.host, port=account.port, security="none",
            username=account.user, password_env="TEST_IMAP_PASSWORD",
        ),
        smtp=smtp,
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date.today() + dt.timedelta(days=1)),
    )  # fmt: skip


def test_corpus_from_imap_with_replies_as_files(
    imap_corpus: ImapAccount, judge_workers: JudgePool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    s = settings(imap_corpus, tmp_path, SmtpSettings(path=tmp_path / "outbox"))

    first = run_once(s, pool=judge_workers)
    written = sorted((tmp_path / "outbox").glob("*.eml"))
    second = run_once(s, pool=judge_workers)

    assert (first.seen, first.failed, dict(first.outcomes)) == (
        len(CASES), 0, dict(collections.Counter(c.expect for c in CASES)),
    )  # fmt: skip
    assert collections.Counter(thread_of(p.read_bytes()) for p in written) == wanted_replies(CASES)
    assert tracebacks(caplog.records) == []
    with imap_corpus.mailbox() as mb:
        assert mb.uids("ALL") == []
    assert (second.seen, sorted((tmp_path / "outbox").glob("*.eml"))) == (0, written)


def test_corpus_from_imap_with_replies_sent_over_smtp(
    imap_corpus: ImapAccount, smtp_sink: SmtpSink, judge_workers: JudgePool, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    smtp_sink.smtputf8 = True  # as Gmail: EHLO offers SMTPUTF8 (RFC 6531), an EAI address can be answered
    smtp = SmtpSettings(backend="smtp", host=smtp_sink.host, port=smtp_sink.port, security="none")
    s = settings(imap_corpus, tmp_path, smtp)
    wanted = wanted_replies(CASES)

    first = run_once(s, pool=judge_workers)
    received = list(smtp_sink.messages)
    second = run_once(s, pool=judge_workers)

    answered = collections.Counter(thread_of(m.raw) for m in received)
    assert (first.seen, first.failed, first.replies_failed, second.seen) == (len(CASES), 0, 0, 0)
    assert len(smtp_sink.messages) == len(received)  # the second cycle sent nothing more
    assert tracebacks(caplog.records) == []
    with imap_corpus.mailbox() as mb:
        assert mb.uids("ALL") == []
    assert answered == wanted  # the EAI sender สถจ@ตัวอย่าง.ไทย too: the sink offers SMTPUTF8, as Gmail does
    [eai_reply] = [m for m in received if "สถจ@ตัวอย่าง.ไทย" in m.rcpt_tos]
    assert thread_of(eai_reply.raw) == ("<รายงาน.1@ตัวอย่าง.ไทย>", "accepted")
