"""References in code, docstrings, comments and docs point at files that exist: a path like
`bot/usecase/service.py` or a dotted module like `storage.master.Master` must name a real file (or folder),
so that moving a module cannot leave a stale pointer behind. Nothing names a path of one machine."""

from __future__ import annotations

import re
from pathlib import Path

from bot.entrypoints.config import StorageSettings
from tests.helpers import ROOT

PACKAGES = ("bot", "parsers", "validators", "storage", "outbox_templates")
FOLDERS = (*PACKAGES, "tests", "bench", "docs", "deploy", "scripts", ".ci")
PATH = re.compile(r"(?<![\w./-])((?:" + "|".join(re.escape(f) for f in FOLDERS) + r")/[\w./-]*[\w/])")
DOTTED = re.compile(r"(?<![\w./-])((?:" + "|".join(PACKAGES) + r")(?:\.[A-Za-z_]\w*)+)")
# `storage.dir` and friends are keys of the [storage] section of the config, not modules.
CONFIG_KEYS = {f"storage.{name}" for name in StorageSettings.model_fields}
MACHINE_PATHS = re.compile(r"(?<![\w.])/(?:work|root|home|Users)/\w")


def sources() -> list[Path]:
    suffixes = {".py", ".md", ".toml", ".j2", ".service", ".txt"}
    skip = {".git", ".venv", "demo", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "golden"}
    out = []
    for path in ROOT.rglob("*"):
        if skip & set(path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in suffixes or path.name in ("Makefile", "run", "ensure-servers")):
            out.append(path)
    return sorted(out)


def module_exists(dotted: str) -> bool:
    """True when some prefix of `dotted` (two parts or more) is a module or package of this repository."""
    parts = dotted.split(".")
    for n in range(len(parts), 1, -1):
        base = ROOT.joinpath(*parts[:n])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    package = ROOT / parts[0] / "__init__.py"  # a name the package itself exports: parsers.parse_workbook
    exported = package.read_text(encoding="utf-8") if package.is_file() else ""
    return re.search(rf"\b{parts[1]}\b", exported) is not None


def test_every_path_named_in_the_repository_exists() -> None:
    missing = []
    for path in sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for ref in PATH.findall(line):
                if not (ROOT / ref.rstrip("/.")).exists():
                    missing.append(f"{path.relative_to(ROOT)}:{n} {ref}")
    assert missing == []


def test_every_dotted_module_named_in_the_repository_exists() -> None:
    missing = []
    for path in sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for ref in DOTTED.findall(line):
                if ref in CONFIG_KEYS or ref.split(".")[1] in ("py", "md"):
                    continue
                if not module_exists(ref):
                    missing.append(f"{path.relative_to(ROOT)}:{n} {ref}")
    assert missing == []


def test_no_file_names_an_absolute_path_of_one_machine() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if MACHINE_PATHS.search(line) and path.name != Path(__file__).name
    ]
    assert found == []
