"""`localreport run --once` exit codes, as cron and systemd read them: 0 done; 1 the cycle completed but a
mail failed (it stays in the inbox and the next run retries it); 2 a user's mistake (here: another instance
holds the storage dir); 3 the mailbox or mail server could not be used (nothing was judged).

The mailbox is the embedded Maildir, the outbox the file outbox; the IMAP cases talk to a closed loopback
port, or to a loopback IMAP greeter that refuses every login the way Gmail words it."""

from __future__ import annotations

import hashlib
import os
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.oauth import forget_access_tokens
from bot.entrypoints.cli import EXIT_FINDING, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, main
from storage.instance_lock import instance_lock
from tests.helpers import ROOT
from tests.helpers.builders import make_report
from tests.helpers.form_post_server import FormPostHandler, serving
from tests.helpers.loopback import LOOPBACK
from tests.helpers.mails import deliver


def config(root: Path, mailbox: str = 'path = "mailbox"', extra: str = "") -> str:
    path = root / "config.toml"
    path.write_text(
        f'[mailbox]\n{mailbox}\n[smtp]\npath = "outbox"\n[storage]\ndir = "state"\n'
        f'master_workbook = "master.xlsx"\n[round]\ndeadline = 2099-01-01\n[limits]\nworkers = 1\n{extra}',
        encoding="utf-8",
    )
    return str(path)


def imap(port: int, auth: str = "password") -> str:
    return (
        f'backend = "imap"\nhost = "{LOOPBACK}"\nport = {port}\nsecurity = "none"\n'
        f'username = "u@example.test"\nauth = "{auth}"\npassword_env = "T_EXIT_PASSWORD"\nidle = false'
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def in_inbox(root: Path) -> list[str]:
    return sorted(p.name for sub in ("new", "cur") for p in (root / "mailbox" / sub).glob("*"))


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def said(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The command's own verdict lines on stderr (the log may have said more before)."""
    return [line for line in stderr_lines(capsys) if line.startswith("localreport: ")]


def test_a_cycle_that_handles_every_mail_exits_0(tmp_path: Path) -> None:
    deliver(tmp_path / "mailbox", "1.report", make_report("ลำพูน"))

    assert main(["run", "--once", "--config", config(tmp_path)]) == EXIT_OK
    assert in_inbox(tmp_path) == []


def test_a_cycle_in_which_one_mail_fails_exits_1_and_the_next_run_retries_it(tmp_path: Path) -> None:
    report = make_report("ลำพูน")
    bad = deliver(tmp_path / "mailbox", "2.bad", report, sender="other@dla.go.th")
    shard = hashlib.sha256(bad).hexdigest()[:2]
    while hashlib.sha256(deliver(tmp_path / "mailbox", "1.good", report)).hexdigest()[:2] == shard:
        pass  # a new Message-ID until the good mail lands in another archive folder
    # A file where the archive wants the bad mail's folder: archiving it fails, the good one's does not.
    blocker = tmp_path / "state" / "archive" / shard
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way", encoding="utf-8")

    assert main(["run", "--once", "--config", config(tmp_path)]) == EXIT_FINDING
    assert in_inbox(tmp_path) == ["2.bad"]  # kept for the next run

    blocker.unlink()
    assert main(["run", "--once", "--config", config(tmp_path)]) == EXIT_OK
    assert in_inbox(tmp_path) == []


def test_a_second_instance_on_the_same_storage_dir_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(tmp_path / "mailbox", "1.report", make_report("ลำพูน"))
    cfg = config(tmp_path)
    state = tmp_path.resolve() / "state"

    with instance_lock(state, "run"):  # flock: a second open of the file conflicts, even in this process
        code = main(["run", "--once", "--config", cfg])

    assert code == EXIT_USAGE
    assert stderr_lines(capsys) == [
        f"localreport: storage dir {state} is in use by localreport pid {os.getpid()} (run); "
        "stop it first or wait for it to finish"
    ]
    assert in_inbox(tmp_path) == ["1.report"]  # nothing was touched
    assert main(["run", "--once", "--config", cfg]) == EXIT_OK  # released when the holder leaves


def test_an_unreachable_imap_server_exits_3_as_a_real_process(tmp_path: Path) -> None:
    port = closed_port()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once", "--config", config(tmp_path, imap(port))],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        env={**os.environ, "T_EXIT_PASSWORD": "secret"},
    )  # fmt: skip

    assert done.returncode == EXIT_UNAVAILABLE, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("localreport: ")]
    assert f"{LOOPBACK}:{port}" in line


# ------------------------------------------------------------------------------- refused logins: exit 3


class RefusingImap(socketserver.StreamRequestHandler):
    """Greets, lists its capabilities, and answers every other command as Gmail answers a bad password."""

    def handle(self) -> None:
        self.wfile.write(b"* OK Gimap ready for requests\r\n")
        for raw in self.rfile:
            tag, _, rest = raw.decode("ascii", "replace").strip().partition(" ")
            command = rest.split(" ", 1)[0].upper()
            if command == "CAPABILITY":
                self.wfile.write(
                    b"* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 AUTH=PLAIN\r\n" + f"{tag} OK Success\r\n".encode()
                )
            elif command == "LOGOUT":
                self.wfile.write(f"* BYE\r\n{tag} OK Success\r\n".encode())
                return
            else:
                self.wfile.write(
                    f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n".encode()
                )


@pytest.fixture
def refusing_imap() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer((LOOPBACK, 0), RefusingImap)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_password_exits_3_with_the_fix(
    tmp_path: Path, refusing_imap: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_EXIT_PASSWORD", "the-account-password")

    code = main(["run", "--once", "--config", config(tmp_path, imap(refusing_imap))])

    [line] = said(capsys)
    assert code == EXIT_UNAVAILABLE, line
    assert "AUTHENTICATIONFAILED" in line
    assert "$T_EXIT_PASSWORD is an app password, not the account's own password" in line


class RevokedRefreshToken(FormPostHandler):
    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}


def test_a_revoked_refresh_token_exits_3_with_the_testing_status_fix(
    tmp_path: Path, refusing_imap: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_EXIT_SECRET", "s")
    monkeypatch.setenv("T_EXIT_REFRESH", "seven-days-old")
    forget_access_tokens()
    with serving(RevokedRefreshToken) as url:
        oauth = (
            f'[oauth]\ntoken_url = "{url}/token"\nclient_id = "cid"\nclient_secret_env = "T_EXIT_SECRET"\n'
            'refresh_token_env = "T_EXIT_REFRESH"\n'
        )
        code = main(["run", "--once", "--config", config(tmp_path, imap(refusing_imap, "xoauth2"), oauth)])

    [line] = said(capsys)
    assert code == EXIT_UNAVAILABLE, line
    assert "answered 400 invalid_grant" in line
    assert '"Testing" publishing status' in line and line.endswith("store the new token in $T_EXIT_REFRESH")
