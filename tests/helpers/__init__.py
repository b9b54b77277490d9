"""Helpers shared by the unit and integration tests (no tests here): builders of workbooks and mails,
hostile files, the test-owned servers, the fault-injection rig. Test modules import these, never each
other."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
GOLDEN = ROOT / "tests" / "golden"  # full reply texts pinned by tests/unit/test_replies.py
REGISTRY_CSV = ROOT / "validators" / "data" / "dla_lao_registry.csv"
