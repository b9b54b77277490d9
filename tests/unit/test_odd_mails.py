"""The odd-mail corpus (tests/helpers/odd_mails.py) on the embedded backends: every mail parses into clean
text, its odd headers read as the sender wrote them, and the real use case (Maildir in, reply files out)
ends each as a correct bot does — valid reports answered once, robots never, nothing failed."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import logging
import re
from pathlib import Path

import pytest

from bot.usecase.incoming import IncomingMail, parse_mail
from bot.usecase.policy import robot_reason
from storage.ledger import Ledger
from tests.helpers.odd_mails import EXPECTED_FACTS, EXPECTED_FILENAMES, UNANSWERABLE, OddMail, odd_mails
from tests.helpers.odd_mails_mime import OUR_ADDRESS
from tests.helpers.scenarios import Desk

pytest_plugins = ("tests.helpers.scenario_fixtures",)

CASES = odd_mails()
BY_NAME = {case.name: case for case in CASES}
NO_REPLY = frozenset({"suppressed", "held", "quarantined", "skipped"})  # outcomes that answer nobody
ARRIVAL = dt.datetime(2020, 11, 1, 2, 0, tzinfo=dt.UTC)


def texts(mail: IncomingMail) -> list[str]:
    """Every piece of text parse_mail gives: what the ledger stores, the reply quotes and the log shows."""
    return [
        mail.message_id, mail.subject, mail.from_name, mail.from_address, mail.date, mail.reply_to,
        *mail.references, *mail.other_attachments, *mail.shared_links,
        *(a.filename for a in mail.spreadsheets), *(text for header in mail.headers for text in header),
    ]  # fmt: skip


def test_the_corpus_is_big_and_varied() -> None:
    kinds = collections.Counter(case.expect for case in CASES)

    assert len(CASES) >= 60
    assert {"accepted", "no_attachment", "unreadable", "suppressed", "held", "link_only"} <= set(kinds)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_odd_mail_parses_into_clean_text(case: OddMail) -> None:
    mail = parse_mail(case.raw)

    for text in texts(mail):
        text.encode("utf-8")  # strict: no surrogate left over from an undecoded 8-bit byte
        assert not {"\x00", "\r", "\n", "\ufffd"} & set(text), f"{text[:80]!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED_FACTS))
def test_odd_headers_read_as_the_sender_wrote_them(name: str) -> None:
    mail = parse_mail(BY_NAME[name].raw)

    assert {field: getattr(mail, field) for field in EXPECTED_FACTS[name]} == EXPECTED_FACTS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_FILENAMES))
def test_workbook_names_read_as_the_province_gave_them(name: str) -> None:
    mail = parse_mail(BY_NAME[name].raw)

    assert [a.filename for a in mail.spreadsheets] == [EXPECTED_FILENAMES[name]]


def test_eai_address_stays_in_unicode_never_idna() -> None:
    mail = parse_mail(BY_NAME["eai_from_raw_utf8_headers"].raw)

    assert mail.from_address == "สถจ@ตัวอย่าง.ไทย"
    assert "xn--" not in mail.from_address and "?" not in mail.from_address


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_robots_are_told_apart_alike_from_bytes_and_from_the_parsed_mail(case: OddMail) -> None:
    from_bytes = robot_reason(case.raw, (OUR_ADDRESS,))

    assert from_bytes == robot_reason(parse_mail(case.raw), (OUR_ADDRESS,))
    assert (from_bytes is not None) == (case.expect in ("suppressed", "held"))


def _in_reply_to(reply: Path) -> tuple[str, str]:
    """(In-Reply-To, X-Localreport-Outcome) of a reply file, read from its raw header lines (UTF-8)."""
    head = reply.read_bytes().split(b"\r\n\r\n", 1)[0].decode("utf-8")
    parent = re.search(r"^In-Reply-To:\s*(<[^>]*>)", head, re.MULTILINE | re.IGNORECASE)
    kind = re.search(r"^X-Localreport-Outcome:\s*(\S+)", head, re.MULTILINE | re.IGNORECASE)
    return (parent.group(1) if parent else "", kind.group(1) if kind else "")


def test_the_corpus_through_the_use_case_ends_each_mail_as_expected(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for n, case in enumerate(CASES):
        desk.deliver(case.raw, at=ARRIVAL + dt.timedelta(seconds=n))

    first = desk.run()
    second = desk.run()

    with Ledger.open(desk.settings.storage.dir / "ledger.sqlite3") as ledger:
        rows = {case.name: ledger.mail_by_sha(hashlib.sha256(case.raw).hexdigest()) for case in CASES}
    assert {name: row.outcome if row else None for name, row in rows.items()} == {
        c.name: c.expect for c in CASES
    }
    assert (first.summary.seen, first.summary.failed, second.summary.seen) == (len(CASES), 0, 0)
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    answered = collections.Counter(_in_reply_to(reply.path) for reply in first.replies)
    wanted = collections.Counter(
        (parse_mail(c.raw).message_id, c.expect)
        for c in CASES
        if c.expect not in NO_REPLY and c.name not in UNANSWERABLE
    )
    assert answered == wanted  # each answerable mail once, with its outcome; robots and held mail never
    assert second.replies == ()
    inbox = desk.settings.mailbox.path
    assert [p.name for sub in ("new", "cur") for p in (inbox / sub).iterdir()] == []
