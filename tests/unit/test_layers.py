"""The layers import only downwards (STYLE.md): parsers ← validators ← storage ← bot."""

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


def imports(path: Path) -> set[str]:
    """Top-level package names a module imports (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_from_a_higher_layer(package: str) -> None:
    bad = {
        str(path.relative_to(ROOT)): sorted(imports(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
        if imports(path) & FORBIDDEN[package]
    }
    assert bad == {}
