"""State outlives releases: a ledger written by an earlier release opens, is stamped with the current
schema version, and everything the operator does with it still works.

tests/fixtures/release-0.1.0/ holds the storage folder (ledger and raw-mail archive) that release 0.1.0
(commit b553368) wrote for `localreport demo`: กาญจนบุรี accepted, ลำพูน rejected, ตาก without a file.
One value was rewritten since: the demo's absolute Maildir path in `mail_sources` is now `demo/mailbox`
(no file of the repository names a path of one machine); schema, version and every other row are as written.

tests/fixtures/release-afe8122/ holds what the previous release (commit afe8122, ledger schema 2) wrote for
`localreport demo` followed by `localreport withdraw` of one LAO of กาญจนบุรี, with the same one rewrite.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.entrypoints.cli import EXIT_USAGE, main
from storage.dataset import reported_codes
from storage.errors import LedgerError
from storage.ledger import Ledger
from storage.schema import SCHEMA_VERSION
from tests.helpers import ROOT

RELEASE_0_1_0 = ROOT / "tests" / "fixtures" / "release-0.1.0"
PREVIOUS = ROOT / "tests" / "fixtures" / "release-afe8122"


@pytest.fixture
def old_state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    shutil.copytree(RELEASE_0_1_0, state)
    return state


def config(tmp_path: Path, state: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[mailbox]\npath = "mailbox"\n[smtp]\npath = "outbox"\n[storage]\ndir = "{state}"\n'
        'master_workbook = "master.xlsx"\n',
        encoding="utf-8",
    )
    return str(path)


def user_version(path: Path) -> int:
    conn = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True)  # leaves no -wal/-shm beside it
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_the_fixture_is_an_unversioned_ledger_of_release_0_1_0() -> None:
    assert user_version(RELEASE_0_1_0 / "ledger.sqlite3") == 0


def test_opening_the_previous_release_ledger_stamps_it_and_keeps_every_row(old_state: Path) -> None:
    with Ledger.open(old_state / "ledger.sqlite3") as ledger:
        counts = ledger.counts()
        rejected = ledger.mails_to_rejudge(rejected=True)

    assert user_version(old_state / "ledger.sqlite3") == SCHEMA_VERSION
    assert counts == {"mails_judged": 3, "replies_pending": 0, "replies_sent": 3}
    assert len(rejected) == 1


def test_the_operator_commands_work_on_the_previous_release_state(
    old_state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, old_state)

    assert main(["status", "--config", cfg]) == 0
    assert "ลำพูน" in capsys.readouterr().out
    assert main(["rebuild", "--config", cfg]) == 0
    assert (tmp_path / "master.xlsx").exists()
    assert main(["reprocess", "--rejected", "--config", cfg]) == 0
    assert "reprocessed 1 mail(s): rejected=1" in capsys.readouterr().out


def test_a_ledger_from_a_newer_release_is_refused_in_one_line(
    old_state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(old_state / "ledger.sqlite3") as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with (
        pytest.raises(LedgerError, match="newer than this release"),
        Ledger.open(old_state / "ledger.sqlite3"),
    ):
        pass

    assert main(["status", "--config", config(tmp_path, old_state)]) == EXIT_USAGE
    assert "newer than this release" in capsys.readouterr().err


def test_a_new_ledger_starts_at_the_current_version(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "new.sqlite3"):
        pass

    assert user_version(tmp_path / "new.sqlite3") == SCHEMA_VERSION


def test_the_previous_release_ledger_gains_threads_and_withdrawals(
    old_state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, old_state)
    code = next(iter(dataset_codes(old_state, "กาญจนบุรี")))

    assert main(["withdraw", "--config", cfg, "--code", code, "--reason", "หนังสือจังหวัด"]) == 0

    assert "withdrew" in capsys.readouterr().out
    assert code not in dataset_codes(old_state, "กาญจนบุรี")
    with Ledger.open(old_state / "ledger.sqlite3") as ledger:
        columns = [row[1] for row in ledger.conn.execute("PRAGMA table_info(mails)")]
    assert "thread_of" in columns


def test_withdrawing_an_unknown_code_is_a_one_line_mistake(
    old_state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["withdraw", "--config", config(tmp_path, old_state), "--code", "99", "--reason", "x"])

    assert code == EXIT_USAGE
    assert "no LAO has รหัส อปท. '99'" in capsys.readouterr().err


def dataset_codes(state: Path, province: str) -> set[str]:
    with Ledger.open(state / "ledger.sqlite3") as ledger:
        return reported_codes(ledger, province)


# ------------------------------------------------------------------ the previous release (schema 2)


@pytest.fixture
def previous_state(tmp_path: Path) -> Path:
    state = tmp_path / "previous"
    shutil.copytree(PREVIOUS, state)
    return state


def test_the_previous_release_fixture_is_a_schema_2_ledger_with_a_withdrawal() -> None:
    assert user_version(PREVIOUS / "ledger.sqlite3") == 2


def test_the_previous_release_ledger_gains_reply_attempts_and_keeps_its_withdrawal(
    previous_state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Ledger.open(previous_state / "ledger.sqlite3") as ledger:
        replies = ledger.conn.execute("SELECT state, attempts, last_error FROM replies").fetchall()
        withdrawn = ledger.withdrawals("กาญจนบุรี")
        mail_columns = [row[1] for row in ledger.conn.execute("PRAGMA table_info(mails)")]
        reply_mail = next(r for r in ledger.conn.execute("PRAGMA table_info(replies)") if r[1] == "mail_id")
        tables = {r[0] for r in ledger.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    assert user_version(previous_state / "ledger.sqlite3") == SCHEMA_VERSION
    assert replies == [("sent", 1, None)] * 3  # a sent reply took one attempt
    assert {"last_error", "size", "received_at"} <= set(mail_columns)
    assert reply_mail[3] == 0  # NOT NULL dropped: a reminder or a digest answers no mail
    assert {"reminders", "digests"} <= tables and "replies_v3" not in tables
    [(_, code)] = withdrawn
    assert code not in dataset_codes(previous_state, "กาญจนบุรี")

    cfg = config(tmp_path, previous_state)
    assert main(["status", "--config", cfg]) == 0
    assert "กาญจนบุรี" in capsys.readouterr().out
    assert main(["rebuild", "--config", cfg]) == 0
    assert main(["reprocess", "--rejected", "--config", cfg]) == 0
    assert "reprocessed 1 mail(s): rejected=1" in capsys.readouterr().out
    assert code not in dataset_codes(previous_state, "กาญจนบุรี")  # re-judging keeps the withdrawal
