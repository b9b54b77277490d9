"""Every user mistake the command line can meet ends in one line on stderr that says what is wrong and how
to fix it, and exit code 2 — never a traceback. Each case runs `localreport` in-process (an exception would
fail the test) and one runs as a real process, as an operator would. A mail server that cannot be reached is
no mistake of the user's: one line too, but exit code 3 (nothing was judged; try again later)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.entrypoints.cli import EXIT_UNAVAILABLE, EXIT_USAGE, main

Case = Callable[[Path], list[str]]
WRONG_CSV = "a,b\n1,2\n"


def config(tmp_path: Path, extra: str = "", mailbox: str = 'path = "mailbox"') -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[mailbox]\n{mailbox}\n[smtp]\npath = "outbox"\n[storage]\ndir = "state"\n'
        f'master_workbook = "master.xlsx"\n{extra}',
        encoding="utf-8",
    )
    return str(path)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write(path: Path, data: bytes | str) -> str:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return str(path)


CASES: dict[str, tuple[Case, str]] = {
    "config file missing": (lambda t: ["status", "--config", str(t / "nope.toml")], "config file not found"),
    "config is a folder": (lambda t: ["status", "--config", str(t)], "cannot read config file"),
    "config not TOML": (
        lambda t: ["status", "--config", write(t / "c.toml", "[mailbox\n")], "is not valid TOML"
    ),
    "config unknown key": (
        lambda t: ["health", "--config", config(t, "[mailbox2]\nx = 1\n")], "mailbox2: unknown key"
    ),
    "config bad value": (
        lambda t: ["rebuild", "--config", config(t, "[schedule]\ninterval_seconds = 1\n")],
        "schedule.interval_seconds",
    ),
    "password variable unset": (
        lambda t: [
            "run", "--once", "--config",
            config(t, mailbox='backend = "imap"\nhost = "127.0.0.1"\nusername = "u"\n'
                            'password_env = "LOCALREPORT_TEST_UNSET_PASSWORD"'),
        ],
        "LOCALREPORT_TEST_UNSET_PASSWORD is not set",
    ),
    "configured registry missing": (
        lambda t: ["status", "--config", config(t, '[round]\nregistry = "missing.csv"\n')],
        "cannot read registry",
    ),
    "configured registry wrong": (
        lambda t: ["status", "--config", config(t, f'[round]\nregistry = "{write(t / "r.csv", WRONG_CSV)}"')],
        "lacks columns",
    ),
    "configured form missing": (
        lambda t: ["reprocess", "--rejected", "--config", config(t, '[round]\nform = "nope.toml"\n')],
        "cannot load form",
    ),
    "registry import: file missing": (
        lambda t: ["registry", "import", str(t / "missing.csv")], "cannot read the DLA export"
    ),
    "registry import: wrong columns": (
        lambda t: ["registry", "import", write(t / "wrong.csv", WRONG_CSV)], "lacks columns"
    ),
    "registry import: not text": (
        lambda t: ["registry", "import", write(t / "bin.csv", bytes(range(256)) * 4)], "not CSV text"
    ),
    "registry import: a workbook": (
        lambda t: ["registry", "import", write(t / "x.csv", b"PK\x03\x04" + b"\0" * 40)], "save it as CSV"
    ),
    "template: unknown province": (
        lambda t: ["template", "--province", "แอตแลนติส", "--out", str(t / "x.xlsx")], "unknown province"
    ),
    "template: folder missing": (
        lambda t: ["template", "--province", "ลำพูน", "--out", str(t / "no" / "x.xlsx")], "choose a folder"
    ),
    "oauth without a client": (
        lambda t: ["oauth-token", "--config", config(t)], "client_id"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_user_mistake_is_one_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOCALREPORT_TEST_UNSET_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    argv, says = CASES[case]

    code = main(argv(tmp_path))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_USAGE, err
    assert len(err) == 1 and err[0].startswith("localreport: "), err
    assert says in err[0]


def test_an_unreachable_mail_server_is_exit_3_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    mailbox = (
        f'backend = "imap"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nusername = "u"\n'
        'password_env = "HOME"'
    )

    code = main(["run", "--once", "--config", config(tmp_path, mailbox=mailbox)])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_UNAVAILABLE, err
    assert len(err) == 1 and err[0].startswith("localreport: ") and f"127.0.0.1:{port}" in err[0], err


def test_a_missing_file_given_to_check_is_reported_as_unreadable_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", str(tmp_path / "gone.xlsx")])

    assert code == EXIT_USAGE
    assert "เปิดไฟล์ไม่ได้" in capsys.readouterr().out


def test_as_a_real_process_the_mistake_prints_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "registry", "import", write(tmp_path / "wrong.csv", "a,b\n1,2\n")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("localreport: DLA export lacks columns")
