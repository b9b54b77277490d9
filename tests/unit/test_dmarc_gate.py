"""The DMARC gate (`authentication.require_dmarc`) through the real use case on the embedded backends: a
pass from our provider vouches for one From domain, so a mail naming several From mailboxes is held for a
person however its Authentication-Results read (RFC 7489 §6.6.1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.entrypoints.config import (
    AuthenticationSettings,
    MailboxSettings,
    RoundSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import run_once
from tests.helpers.builders import make_report
from tests.helpers.mails import deliver

PASS = b"Authentication-Results: mx.google.com; dmarc=pass (p=NONE) header.from=dla.go.th\r\n"


@pytest.mark.parametrize(
    ("from_header", "outcome"),
    [
        (b"From: lamphun@dla.go.th", "accepted"),
        (b"From: lamphun@dla.go.th, boss@attacker.example", "held"),
        (b"From: lamphun@dla.go.th\r\nFrom: boss@attacker.example", "held"),
        (b'From: "=?utf-8?b?4Liq4LiW4LiILiwg4LiB4Lil4Li44LmI4Lih?=" <lamphun@dla.go.th>', "accepted"),
    ],
)
def test_a_dmarc_pass_vouches_for_exactly_one_from_mailbox(
    tmp_path: Path, from_header: bytes, outcome: str
) -> None:
    settings = Settings(
        mailbox=MailboxSettings(path=tmp_path / "mailbox"), smtp=SmtpSettings(path=tmp_path / "outbox"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date(2099, 1, 1)),
        authentication=AuthenticationSettings(require_dmarc=True),
    )  # fmt: skip
    path = settings.mailbox.path / "new" / "1.mail"
    raw = deliver(settings.mailbox.path, "1.mail", make_report("ลำพูน"))
    head, _, body = raw.partition(b"\n\n")
    lines = [line for line in head.split(b"\n") if not line.startswith(b"From:")]
    path.write_bytes(PASS + from_header + b"\r\n" + b"\n".join(lines) + b"\n\n" + body)

    assert run_once(settings).outcomes == {outcome: 1}
