"""The Thai guides say what the bot really does: every reply's subject word, every status of the master, and
the reply texts they quote (composed here, the way the bot composes them)."""

from __future__ import annotations

import dataclasses

from bot.replies.compose import FileResult, compose_reply
from bot.replies.texts import FORMATS, SUBJECT_WORDS
from bot.usecase.rules import Identity
from storage import dataset
from storage.master import SHEETS
from tests.helpers import ROOT
from tests.helpers.builders import check_report, make_report
from tests.helpers.replies import MAIL, NOW, body

DOCS = ROOT / "docs"
PROVINCES = DOCS / "guide-provinces.th.md"


def quotes(containing: str) -> list[str]:
    """The lines of the province guide's ```text example that contains `containing`."""
    blocks = [b.split("```")[0] for b in PROVINCES.read_text(encoding="utf-8").split("```text\n")[1:]]
    block = next(b for b in blocks if containing in b)
    return block.strip("\n").splitlines()


def missing_from(reply: str, lines: list[str]) -> list[str]:
    return [line for line in lines if line not in reply.splitlines()]


def test_province_guide_explains_every_reply_subject_word() -> None:
    guide = PROVINCES.read_text(encoding="utf-8")
    assert [w for w in SUBJECT_WORDS.values() if f"[{w}]" not in guide] == []


def test_staff_guide_names_every_sheet_and_status_of_the_master() -> None:
    guide = (DOCS / "guide-dla-staff.th.md").read_text(encoding="utf-8")
    statuses = list(dataset.STATUS_CODES)
    assert [s for s in (*SHEETS, *statuses) if s not in guide] == []


def test_province_guide_quotes_the_partial_reply_the_bot_really_sends() -> None:
    example = quotes("ยังขาด")
    reply = (ROOT / "tests" / "golden" / "reply_partial.txt").read_text(encoding="utf-8")

    assert len(example) == 4
    assert missing_from(reply, example) == []


def test_province_guide_quotes_the_rejection_the_bot_really_sends_for_an_abbreviated_name() -> None:
    code = "6710203"  # องค์การบริหารส่วนตำบลท่าเสา, อำเภอไทรโยค
    report = check_report(make_report("กาญจนบุรี", overrides={code: {"lao_full_name": "อบต.ท่าเสา"}}))
    reply = body(compose_reply(MAIL, [FileResult.of(report)], Identity(), NOW).raw)

    example = quotes("■")
    assert len(example) == 5
    assert missing_from(reply, example) == []


def test_province_guide_quotes_the_reply_to_a_pdf_and_lists_the_formats_the_replies_list() -> None:
    mail = dataclasses.replace(MAIL, other_attachments=("รายงานผลการประเมิน ลำพูน.pdf",))
    reply = compose_reply(mail, [], Identity(), NOW)

    assert reply.kind == "no_attachment"
    assert missing_from(body(reply.raw), quotes(".pdf")) == []
    assert f"ระบบตรวจรายงานได้เฉพาะ{FORMATS}" in PROVINCES.read_text(encoding="utf-8")
    for kind in ("PDF", "รูปภาพ", "CSV"):  # what a province sends instead, and what the guide says of it
        assert kind in body(reply.raw)


def test_province_guide_gives_no_command_lines() -> None:
    guide = PROVINCES.read_text(encoding="utf-8")

    assert "```sh" not in guide and "localreport " not in guide and " --" not in guide
