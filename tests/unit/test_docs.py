"""The offline commands the README and the guides show are run here, so the docs cannot drift.

Every line of a ```sh block is a command that must work on a fresh checkout (`# exit N` at the end of a
line gives its expected exit code, 0 otherwise). ```console blocks are shown, never run: they need Gmail,
a browser or root. `make` lines are what CI itself runs, so they are not repeated here.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
EXIT = re.compile(r"#\s*exit\s+(\d+)")


def sh_lines(doc: Path) -> list[str]:
    return [
        line.strip()
        for block in SH_BLOCK.findall(doc.read_text(encoding="utf-8"))
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def run_line(line: str, cwd: Path) -> tuple[int, int, str]:
    expected = int(m[1]) if (m := EXIT.search(line)) else 0
    argv = shlex.split(line.split("#", 1)[0])
    if argv[0] == "make":
        return expected, expected, ""
    if argv[0] == "cp":
        shutil.copy(ROOT / argv[1] if (ROOT / argv[1]).exists() else cwd / argv[1], cwd / argv[2])
        return expected, 0, ""
    assert argv[0] in ("localreport", ".venv/bin/localreport"), f"unexpected command in docs: {line}"
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv[1:]],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return expected, done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_offline_command_in_the_docs_works(doc: Path, tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.example.toml", tmp_path)  # what a fresh checkout has
    lines = sh_lines(doc)
    for line in lines:
        expected, got, output = run_line(line, tmp_path)
        assert got == expected, f"{doc.name}: `{line}` exited {got}, expected {expected}\n{output[-2000:]}"


def test_readme_shows_the_two_set_up_commands_first() -> None:
    lines = sh_lines(ROOT / "README.md")
    assert lines[:2] == ["make demo", "make test"] or [x.split("#")[0].strip() for x in lines[:2]] == [
        "make demo",
        "make test",
    ]
