"""The Thai guides say what the bot really does: every reply's subject word, every status of the master."""

from __future__ import annotations

from bot.replies.texts import SUBJECT_WORDS
from storage import dataset
from storage.master import SHEETS
from tests.helpers import ROOT

DOCS = ROOT / "docs"


def test_province_guide_explains_every_reply_subject_word() -> None:
    guide = (DOCS / "guide-provinces.th.md").read_text(encoding="utf-8")
    assert [w for w in SUBJECT_WORDS.values() if f"[{w}]" not in guide] == []


def test_staff_guide_names_every_sheet_and_status_of_the_master() -> None:
    guide = (DOCS / "guide-dla-staff.th.md").read_text(encoding="utf-8")
    statuses = list(dataset.STATUS_CODES)
    assert [s for s in (*SHEETS, *statuses) if s not in guide] == []


def test_province_guide_quotes_the_partial_reply_the_bot_really_sends() -> None:
    guide = (DOCS / "guide-provinces.th.md").read_text(encoding="utf-8")
    example = guide.split("```text\n")[2].split("```")[0].strip().splitlines()
    reply = (ROOT / "tests" / "golden" / "reply_partial.txt").read_text(encoding="utf-8")

    assert len(example) == 4
    assert [line for line in example if line not in reply.splitlines()] == []
