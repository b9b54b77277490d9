"""The house rules that keep the code navigable (STYLE.md), checked on the source with `ast`.

- The layers import only downwards: parsers ← validators ← storage ← bot.
- Inside bot/: the use case (bot/usecase) imports no adapter and no entry point; the replies (bot/replies)
  neither; an adapter (bot/adapters) imports no entry point but the settings vocabulary
  (bot/entrypoints/config.py); the judge worker never imports the reply composer.
- Only storage/ executes SQL or touches the ledger's connection.
- No function in bot/ takes more than five parameters (constructors and dataclasses aside).
- No module over 400 lines (tests and benchmarks included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

FORBIDDEN = {
    "parsers": {"validators", "storage", "bot", "pydantic", "jinja2", "imap_tools"},
    "validators": {"storage", "bot", "imap_tools", "jinja2", "openpyxl", "logging"},
    "storage": {"bot", "imap_tools", "jinja2"},
    "bot": set(),
}
BOT_FORBIDDEN = {
    "usecase": ("bot.adapters", "bot.entrypoints"),
    "replies": ("bot.adapters", "bot.entrypoints"),
    "adapters": ("bot.entrypoints.cli", "bot.entrypoints.daemon", "bot.entrypoints.demo",
                 "bot.entrypoints.health", "bot.entrypoints.status", "bot.entrypoints.wiring"),
}  # fmt: skip
PACKAGES = ("parsers", "validators", "storage", "bot")
MAX_PARAMETERS = 5
MAX_LINES = 400


def modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Dotted names of every absolute import of a module (`from a.b import c` gives a.b and a.b.c)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imports(path: Path) -> set[str]:
    """Top-level package names a module imports (absolute imports only)."""
    return {name.split(".")[0] for name in imported_modules(path)}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_from_a_higher_layer(package: str) -> None:
    bad = {
        rel(path): sorted(imports(path) & FORBIDDEN[package])
        for path in modules(package)
        if imports(path) & FORBIDDEN[package]
    }
    assert bad == {}


@pytest.mark.parametrize("group", sorted(BOT_FORBIDDEN))
def test_bot_groups_import_only_towards_the_use_case(group: str) -> None:
    bad = {
        rel(path): sorted(n for n in imported_modules(path) if n.startswith(BOT_FORBIDDEN[group]))
        for path in modules(f"bot/{group}")
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_judge_worker_does_not_import_the_reply_composer() -> None:
    assert not {n for n in imported_modules(ROOT / "bot/adapters/judge_pool.py") if "compose" in n}


def test_only_storage_executes_sql() -> None:
    offenders = []
    for path in modules("bot", "parsers", "validators"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            on_ledger = node.attr == "conn" and "ledger" in ast.unparse(node.value)
            if node.attr in {"execute", "executemany", "executescript"} or on_ledger:
                offenders.append(f"{rel(path)}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []


def test_no_function_in_bot_takes_more_than_five_parameters() -> None:
    too_many = []
    for path in modules("bot"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name == "__init__":
                continue
            a = node.args
            names = [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs) if p.arg not in ("self", "cls")]
            names += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
            if len(names) > MAX_PARAMETERS:
                too_many.append(f"{rel(path)}:{node.lineno} {node.name}({', '.join(names)})")
    assert too_many == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        rel(p): n
        for p in modules(*PACKAGES, "tests", "bench")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
