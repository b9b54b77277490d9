"""One localreport per storage dir: while a daemon (`localreport run`, a real process) holds the storage dir,
every other command that writes it exits 2 with one line naming the daemon's pid; the read-only ones work;
and a daemon killed with SIGKILL leaves a lock file behind that blocks nobody."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from parsers.errors import LocalreportError
from storage.errors import InstanceLockedError
from storage.instance_lock import LOCK_NAME, instance_lock
from tests.helpers import ROOT
from tests.helpers.builders import make_report
from tests.helpers.mails import deliver
from validators import load_registry
from validators.lao import Lao

EXPORT_HEADER = "จังหวัด,อำเภอ,ตำบล,รหัส อปท.,ประเภท อปท.,อปท.,หมายเหตุ\n"


@dataclass
class Desk:
    """A storage dir with its config, and the daemon holding it (None once it is gone)."""

    root: Path
    daemon: subprocess.Popen[bytes]

    @property
    def config(self) -> str:
        return str(self.root / "config.toml")

    @property
    def state(self) -> Path:
        return self.root.resolve() / "state"

    def localreport(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120, check=False,
            cwd=ROOT,
        )  # fmt: skip

    def in_use_line(self) -> str:
        return (
            f"localreport: storage dir {self.state} is in use by localreport pid {self.daemon.pid} (run); "
            "stop it first or wait for it to finish"
        )


def write_config(root: Path) -> None:
    (root / "config.toml").write_text(
        '[mailbox]\npath = "mailbox"\n[smtp]\npath = "outbox"\n[storage]\ndir = "state"\n'
        'master_workbook = "master.xlsx"\n[round]\ndeadline = 2099-01-01\n[limits]\nworkers = 1\n'
        "[schedule]\ninterval_seconds = 60\n",
        encoding="utf-8",
    )


@contextlib.contextmanager
def daemon_holding(root: Path) -> Iterator[Desk]:
    """`localreport run --config …` (forever) in its own process group, once it holds the lock and has
    polled once; stopped (the whole group, so its judge worker too) when the block ends."""
    write_config(root)
    log = (root / "daemon.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(root / "config.toml")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    desk = Desk(root, proc)
    try:
        deadline = time.monotonic() + 90
        while not (held_by(desk.state) == f"{proc.pid}\nrun\n" and (desk.state / "heartbeat.json").exists()):
            assert proc.poll() is None, (root / "daemon.log").read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "the daemon did not start within 90 s"
            time.sleep(0.1)
        yield desk
    finally:
        stop_group(proc)
        log.close()


def held_by(state: Path) -> str:
    try:
        return (state / LOCK_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the daemon's process group (it started it: start_new_session), SIGKILL what remains."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = tmp_path_factory.mktemp("held")
    deliver(root / "mailbox", "1.report", make_report("ลำพูน"))
    with daemon_holding(root) as held:
        yield held


def lamphun() -> list[Lao]:
    return [lao for lao in load_registry().laos if lao.province_th == "ลำพูน"]


def dla_export(root: Path) -> str:
    """Every LAO of ลำพูน as DLA's open-data export lists them: an import that would otherwise succeed."""
    rows = [f"{x.province_th},{x.district_th},-,{x.dla_code},{x.type_th},{x.name_th}," for x in lamphun()]
    path = root / "dla-export.csv"
    path.write_bytes((EXPORT_HEADER + "\n".join(rows)).encode("cp874"))
    return str(path)


WRITERS = {
    "run --once": lambda d: ["run", "--once", "--config", d.config],
    "rebuild": lambda d: ["rebuild", "--config", d.config],
    "reprocess --rejected": lambda d: ["reprocess", "--rejected", "--config", d.config],
    "registry import --config": lambda d: ["registry", "import", dla_export(d.root), "--config", d.config],
    "withdraw": lambda d: [
        "withdraw",
        "--code",
        lamphun()[0].dla_code,
        "--reason",
        "letter 1",
        "--config",
        d.config,
    ],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_command_that_writes_the_storage_dir_exits_2_naming_the_daemon(desk: Desk, command: str) -> None:
    done = desk.localreport(*WRITERS[command](desk))

    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [desk.in_use_line()]
    assert done.stdout == ""
    assert not (desk.state / "registry.csv").exists()  # registry import installed nothing


@pytest.mark.parametrize(
    "args", [["status"], ["status", "--json"], ["health"]], ids=["status", "status --json", "health"]
)
def test_the_read_only_commands_work_while_the_daemon_holds_the_storage_dir(
    desk: Desk, args: list[str]
) -> None:
    done = desk.localreport(*args, "--config", desk.config)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "in use" not in done.stderr


def test_check_works_while_the_daemon_holds_the_storage_dir(desk: Desk) -> None:
    report = desk.root / "ลำพูน.xlsx"
    report.write_bytes(make_report("ลำพูน"))

    done = desk.localreport("check", str(report))

    assert done.returncode == 0, done.stdout + done.stderr


def test_a_daemon_killed_with_sigkill_leaves_a_lock_file_that_blocks_nobody(tmp_path: Path) -> None:
    deliver(tmp_path / "mailbox", "1.report", make_report("ลำพูน"))
    with daemon_holding(tmp_path) as held:
        held.daemon.send_signal(signal.SIGKILL)
        held.daemon.wait(timeout=30)
        assert held_by(held.state) == f"{held.daemon.pid}\nrun\n"  # stale: its holder is gone

        done = held.localreport("run", "--once", "--config", held.config)

    assert done.returncode == 0, done.stderr
    assert held_by(held.state) == ""  # a clean exit leaves the file empty


def test_two_holders_in_one_process_conflict_and_the_error_names_the_holder(tmp_path: Path) -> None:
    with instance_lock(tmp_path / "new" / "state", "rebuild"):
        with pytest.raises(InstanceLockedError) as caught, instance_lock(tmp_path / "new" / "state", "run"):
            pass
        assert held_by(tmp_path / "new" / "state") == f"{os.getpid()}\nrebuild\n"
    e = caught.value
    assert isinstance(e, LocalreportError)
    assert (e.pid, e.command) == (os.getpid(), "rebuild")
    with instance_lock(tmp_path / "new" / "state", "run"):  # free again
        pass
