"""Helpers for the fault-injection tests, the daemon tests and the daemon benchmark (the province mails they
deliver come from tests/helpers/bulk_mails.py).

- `DaemonRig`: the daemon as a subprocess (`python -m bot run --config … [--once]`) against a test Dovecot
  account and an SmtpSink, with a TOML config it writes itself and LOCALREPORT_CRASH_AT when asked.
- `check_exactly_once`: the invariants after any crash and restart, read back from the ledger (sqlite3
  directly), the sink, the master workbook (openpyxl) and the IMAP folders.

`python -m tests.helpers.faultkit --killer-marker M <localreport arguments>` runs the CLI with one extra
fault: the process SIGKILLs itself while judging an attachment whose file name contains M (a "killer mail").
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import email
import email.policy
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from tests.helpers import ROOT
from tests.helpers.bulk_mails import Mail
from tests.helpers.servers import ImapAccount, SmtpSink, imap_folder

PASSWORD_ENV = "LOCALREPORT_TEST_IMAP_PASSWORD"
PROCESSED = "localreport/processed"
QUARANTINE = "localreport/quarantine"
SHEET_DATA = "ข้อมูลรวม"
SHEET_HISTORY = "ประวัติการส่ง"
CRASH_POINTS = ("after_archive", "after_commit", "after_move", "after_smtp_accept")


# ----------------------------------------------------------------------------------------- the daemon


@dataclass
class DaemonRig:
    """The daemon under test: a config in `root`, run as a subprocess against `account` and `sink`."""

    account: ImapAccount
    sink: SmtpSink
    root: Path
    sent_folder: str = ""  # "\\Sent": look replies up there after a crash (Gmail files what it relays)
    max_attempts: int = 3
    operator_address: str = ""
    replies_per_sender_per_hour: int = 10  # the production defaults
    replies_daily_cap: int = 400
    workers: int = 1  # one judge worker starts faster; the random-kill test uses two, as production does
    interval_seconds: int = 10
    idle: bool = False
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "localreport.toml"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def master(self) -> Path:
        return self.root / "master.xlsx"

    def write_config(self) -> Path:
        def q(s: str) -> str:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

        deadline = dt.date.today() + dt.timedelta(days=30)
        text = f"""\
[mailbox]
backend = "imap"
host = {q(self.account.host)}
port = {self.account.port}
security = "none"
username = {q(self.account.user)}
password_env = {q(PASSWORD_ENV)}
processed_folder = {q(PROCESSED)}
quarantine_folder = {q(QUARANTINE)}
idle = {"true" if self.idle else "false"}
timeout_seconds = 20

[smtp]
backend = "smtp"
host = {q(self.sink.host)}
port = {self.sink.port}
security = "none"
sent_folder = {q(self.sent_folder)}
timeout_seconds = 20

[storage]
dir = "state"
master_workbook = "master.xlsx"

[schedule]
interval_seconds = {self.interval_seconds}

[round]
deadline = {deadline.isoformat()}

[limits]
workers = {self.workers}

[operations]
max_attempts = {self.max_attempts}
operator_address = {q(self.operator_address)}

[replies]
per_sender_per_hour = {self.replies_per_sender_per_hour}
daily_cap = {self.replies_daily_cap}
"""
        self.root.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text, encoding="utf-8")
        return self.config

    def command(self, *, once: bool = True, killer_marker: str = "") -> list[str]:
        killer = ["-m", "tests.helpers.faultkit", "--killer-marker", killer_marker]
        entry = killer if killer_marker else ["-m", "bot"]
        return [sys.executable, *entry, "run", "--config", str(self.config), *(["--once"] if once else [])]

    def env(self, crash_at: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "LOCALREPORT_CRASH_AT"}
        env[PASSWORD_ENV] = self.account.password
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        if crash_at:
            env["LOCALREPORT_CRASH_AT"] = crash_at
        return env

    def spawn(self, *, crash_at: str | None = None, once: bool = True, killer_marker: str = "") -> Popen:
        """Start the daemon in its own process group (so `reap` can take its judge workers along)."""
        if not self.config.exists():
            self.write_config()
        log = open(self.root / "daemon.log", "a", encoding="utf-8")  # noqa: SIM115 (closed by the Popen)
        return Popen(
            subprocess.Popen(
                self.command(once=once, killer_marker=killer_marker),
                cwd=self.root,
                env=self.env(crash_at),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            ),
            log,
        )

    def run(self, *, crash_at: str | None = None, killer_marker: str = "", timeout: float = 120) -> int:
        """`run --once` to the end; returns the exit code (-9 when a crash point fired)."""
        proc = self.spawn(crash_at=crash_at, killer_marker=killer_marker)
        try:
            return proc.wait(timeout)
        finally:
            proc.reap()

    def log_tail(self, lines: int = 40) -> str:
        path = self.root / "daemon.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    @contextlib.contextmanager
    def ledger(self) -> Iterator[sqlite3.Connection]:
        """The ledger, read-only, straight through sqlite3 (not the code under test)."""
        conn = sqlite3.connect(f"file:{self.state / 'ledger.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            conn.execute("PRAGMA query_only = ON")
            yield conn
        finally:
            conn.close()

    def judged(self) -> int:
        """How many mails the ledger holds as judged (0 while the daemon has not created it yet)."""
        try:
            with self.ledger() as conn:
                return int(conn.execute("SELECT COUNT(*) FROM mails WHERE state = 'judged'").fetchone()[0])
        except sqlite3.OperationalError:  # no file, or no schema yet
            return 0


@dataclass
class Popen:
    """A daemon process and its log file; `reap` SIGKILLs whatever is left of its process group."""

    proc: subprocess.Popen[str]
    log: io.TextIOWrapper

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.reap()
            raise

    def terminate(self, timeout: float = 30) -> tuple[int, float]:
        """SIGTERM the daemon and wait for it to exit: its exit code and how many seconds exiting took."""
        self.proc.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        code = self.wait(timeout)
        return code, time.monotonic() - asked

    def kill(self) -> None:
        """SIGKILL the daemon process itself (its judge workers see EOF and leave)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def reap(self) -> None:
        self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):  # our group: start_new_session
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------ invariants


def in_reply_to(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default).get("In-Reply-To", "")).strip()


def replies_per_mail(sink: SmtpSink) -> collections.Counter[str]:
    return collections.Counter(in_reply_to(m.raw) for m in sink.messages)


def master_rows(path: Path, sheet: str = SHEET_DATA) -> list[dict[str, object]]:
    wb = load_workbook(path, read_only=True)
    try:
        rows = wb[sheet].iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        return [dict(zip(header, r, strict=False)) for r in rows if any(v not in (None, "") for v in r)]
    finally:
        wb.close()


@dataclass(frozen=True)
class Checked:
    """What check_exactly_once read, for further assertions by the test."""

    replies: collections.Counter[str]
    data_rows: list[dict[str, object]]
    processed: list[str]


def check_exactly_once(
    rig: DaemonRig, mails: Sequence[Mail], *, replies_expected: Mapping[str, int] | None = None
) -> Checked:
    """Every mail filed once, answered once (or as `replies_expected` says per Message-ID), the master
    consistent (each LAO once, exactly the provinces with an accepted report), the INBOX empty and every
    mail once in the processed folder."""
    ids = [m.message_id for m in mails]
    with rig.ledger() as conn:
        rows = conn.execute("SELECT message_id, state, COUNT(*) FROM mails GROUP BY message_id").fetchall()
        by_id = {mid: (state, n) for mid, state, n in rows}
        wrong = {i: by_id.get(i) for i in ids if by_id.get(i) != ("judged", 1)}
        assert not wrong, f"mails not judged exactly once: {wrong}"
        filed = conn.execute(
            "SELECT m.message_id, s.attachment_sha256, s.status "
            "FROM submissions s JOIN mails m ON m.id = s.mail_id"
        ).fetchall()
        per_mail = collections.Counter(mid for mid, _, _ in filed)
        assert {m.message_id: per_mail[m.message_id] for m in mails} == {
            m.message_id: 0 if m.kind == "none" else 1 for m in mails
        }
        first_filings = collections.Counter(sha for _, sha, status in filed if status != "duplicate")
        assert [sha for sha, n in first_filings.items() if n > 1] == []
        statuses = {mid: status for mid, _, status in filed}
        want = {"valid": "accepted", "errors": "rejected"}
        assert {m.message_id: statuses.get(m.message_id) for m in mails if m.kind != "none"} == {
            m.message_id: want[m.kind] for m in mails if m.kind != "none"
        }
        states = conn.execute(
            "SELECT m.message_id, r.state FROM replies r JOIN mails m ON m.id = r.mail_id"
        ).fetchall()
        assert {mid: state for mid, state in states if mid in ids} == dict.fromkeys(ids, "sent")

    replies = replies_per_mail(rig.sink)
    assert {i: replies[i] for i in ids} == {i: (replies_expected or {}).get(i, 1) for i in ids}

    data = master_rows(rig.master)
    codes = collections.Counter(str(r["รหัส อปท."]) for r in data)
    assert [c for c, n in codes.items() if n > 1] == []
    accepted = {m.province for m in mails if m.kind == "valid"}
    assert {str(r["จังหวัด"]) for r in data} == accepted

    assert rig.account.message_ids("INBOX") == []
    processed = rig.account.message_ids(PROCESSED)
    assert sorted(processed) == sorted(ids)
    return Checked(replies, data, processed)


def raw_messages(account: ImapAccount, folder: str) -> list[bytes]:
    """The exact bytes of every message in a folder (what the daemon fetched and archived)."""
    with account.mailbox() as mb:
        mb.folder.set(imap_folder(folder), readonly=True)
        uids = mb.uids("ALL")
        if not uids:
            return []
        typ, data = mb.client.uid("FETCH", ",".join(uids), "(BODY.PEEK[])")
        assert typ == "OK", data
        return [bytes(item[1]) for item in data if isinstance(item, tuple)]


# ------------------------------------------------------------------------------- the killer-mail entry


def _install_killer(marker: str) -> None:
    """SIGKILL this process when an attachment named with `marker` is about to be judged."""
    from bot.adapters.judge_pool import JudgePool

    original = JudgePool.judge_many

    def judge_many(self: JudgePool, atts: Sequence[object], **kw: bool) -> object:
        if any(marker in getattr(a, "filename", "") for a in atts):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, atts, **kw)  # type: ignore[arg-type]

    JudgePool.judge_many = judge_many  # type: ignore[method-assign,assignment]


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--killer-marker":
        _install_killer(argv[1])
        argv = argv[2:]
    from bot.entrypoints.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
