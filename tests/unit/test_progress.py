"""Long jobs report how far they got, and a summary at the end (logged when not on a terminal)."""

from __future__ import annotations

import logging

import pytest

from bot.usecase.progress import Progress


def test_known_total_logs_every_tenth_and_a_summary(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.usecase.progress")
    progress = Progress("reprocess", 20)
    for _ in range(20):
        progress.step()
    progress.done()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "reprocess: 2/20 (10%)" and lines[-2] == "reprocess: 20/20 (100%)"
    assert len(lines) == 11 and lines[-1].startswith("reprocess: 20 item(s) in ")


def test_unknown_total_logs_every_hundred(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.usecase.progress")
    progress = Progress("mail", None)
    for _ in range(250):
        progress.step()
    progress.done()
    assert [r.getMessage() for r in caplog.records][:2] == ["mail: 100 so far", "mail: 200 so far"]


def test_single_item_jobs_stay_silent(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.usecase.progress")
    progress = Progress("mail", None)
    progress.step()
    progress.done()
    assert caplog.records == []
