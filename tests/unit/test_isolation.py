"""One mail that breaks the bot never stops the others: its error is recorded against it in the ledger,
it stays in the inbox for the next cycle, and after `operations.max_attempts` it is set aside for a person.
The judge is wrapped by a stand-in of our own port that fails for one mail; everything else is real
(Maildir in, reply files out, SQLite ledger)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot.entrypoints.config import (
    MailboxSettings,
    OperationsSettings,
    RoundSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.wiring import open_ledger, open_service
from bot.usecase.incoming import Attachment
from bot.usecase.ports import Judge, Judgement
from tests.helpers.builders import make_report
from tests.helpers.mails import deliver


class BreaksOn:
    """Judges as the real pool does, except that it raises for a workbook with these bytes."""

    def __init__(self, inner: Judge, poison: bytes) -> None:
        self.inner, self.poison = inner, poison

    def judge_many(self, atts: Sequence[Attachment], *, annotate: bool = True) -> list[Judgement]:
        if any(a.payload == self.poison for a in atts):
            raise RuntimeError("the judge worker died on this workbook")
        return self.inner.judge_many(atts, annotate=annotate)


def cycle(settings: Settings, poison: bytes) -> tuple[int, int, dict[str, int]]:
    with open_service(settings) as service:
        service.judge = BreaksOn(service.judge, poison)
        summary = service.run_cycle()
    return summary.failed, summary.handled, summary.outcomes


def test_a_mail_that_breaks_the_judge_is_recorded_and_retried_while_the_others_are_answered(
    tmp_path: Path,
) -> None:
    settings = Settings(
        mailbox=MailboxSettings(path=tmp_path / "mailbox"), smtp=SmtpSettings(path=tmp_path / "outbox"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date(2099, 1, 1)),
        operations=OperationsSettings(max_attempts=2, operator_address="ops@dla.go.th"),
    )  # fmt: skip
    poison = make_report("ลำพูน", rows=[{"executive_name": "นายพิษ ร้ายกาจ"}])
    deliver(settings.mailbox.path, "1.fine", make_report("ลำพูน"))
    deliver(settings.mailbox.path, "2.poison", poison)
    deliver(settings.mailbox.path, "3.fine", make_report("ลำพูน", rows=[{"executive_name": "นายดี มีสุข"}]))

    assert cycle(settings, poison) == (1, 2, {"accepted": 2})
    with open_ledger(settings) as ledger:
        [(state, attempts, error)] = ledger.conn.execute(
            "SELECT state, attempts, last_error FROM mails WHERE outcome IS NULL"
        ).fetchall()
    assert (state, attempts) == ("new", 1)
    assert error == "RuntimeError: the judge worker died on this workbook"
    assert len(list((settings.mailbox.path / "new").iterdir())) == 1  # kept for the next cycle
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2

    assert cycle(settings, poison) == (1, 0, {})  # the second attempt fails the same way
    assert cycle(settings, poison) == (0, 1, {"quarantined": 1})  # then it is set aside, the operator told
    assert list((settings.mailbox.path / "new").iterdir()) == []
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_a_different_mail_reusing_a_message_id_is_downloaded_and_judged_not_skipped(tmp_path: Path) -> None:
    """Known before download needs the same Message-ID, From, Subject *and size*: a second mail that reuses
    the first one's identity (a client that resends with the same Message-ID) is judged on its bytes."""
    settings = Settings(
        mailbox=MailboxSettings(path=tmp_path / "mailbox"), smtp=SmtpSettings(path=tmp_path / "outbox"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date(2099, 1, 1)),
    )  # fmt: skip
    question = deliver(settings.mailbox.path, "1.question", None)
    with open_service(settings) as service:
        assert service.run_cycle().outcomes == {"no_attachment": 1}
    message_id = question.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip()
    report = deliver(settings.mailbox.path, "2.report", make_report("ลำพูน"))
    old_id = report.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip()
    (settings.mailbox.path / "new" / "2.report").write_bytes(report.replace(old_id, message_id))

    with open_service(settings) as service:
        assert service.run_cycle().outcomes == {"accepted": 1}
