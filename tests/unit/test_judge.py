"""Attachments are judged in worker processes: a crash or an overrun ends in a finding, not a dead bot."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from bot.adapters.judge_pool import JudgeLimits, JudgePool
from bot.usecase.incoming import Attachment
from tests.helpers.builders import make_report


def test_valid_reports_are_judged_in_parallel_workers_in_input_order() -> None:
    atts = [Attachment(f"{p}.xlsx", make_report(p)) for p in ("ลำพูน", "ตาก", "ระนอง")]
    with JudgePool(limits=JudgeLimits(workers=2)) as pool:
        judged = pool.judge_many(atts)
    assert [(j.report.province, j.report.status, j.annotated) for j in judged] == [
        ("ลำพูน", "accepted", None), ("ตาก", "accepted", None), ("ระนอง", "accepted", None),
    ]  # fmt: skip


def test_a_rejected_workbook_comes_back_marked_up_from_the_worker() -> None:
    bad = Attachment("ลำพูน.xlsx", make_report("ลำพูน", rows=[{"lao_full_name": "อบจ.ลำพูน"}, {}]))
    with JudgePool(limits=JudgeLimits(workers=1)) as pool:
        judged = pool.judge_many([bad, bad])
        plain = pool.judge(bad)  # the check command: the report only
    assert [j.report.status for j in judged] == ["rejected", "rejected"]
    marked = judged[0].annotated
    assert marked is not None and marked == judged[1].annotated
    sheet = load_workbook(io.BytesIO(marked)).active
    assert sheet is not None
    assert "องค์การบริหารส่วนจังหวัดลำพูน" in str(sheet["D4"].comment.text)
    assert plain.status == "rejected"


def test_a_worker_killed_while_marking_up_keeps_the_judgement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALREPORT_CRASH_AT", "while_marking_up")
    bad = Attachment("ลำพูน.xlsx", make_report("ลำพูน", rows=[{"lao_full_name": "อบจ.ลำพูน"}, {}]))
    good = Attachment("ตาก.xlsx", make_report("ตาก"))
    with JudgePool(limits=JudgeLimits(workers=1)) as pool:
        judged = pool.judge_many([bad, good])
    assert [(j.report.status, j.annotated) for j in judged] == [("rejected", None), ("accepted", None)]
    assert [f.code for f in judged[0].report.findings if f.severity == "error"] == ["lao_name_abbreviated"]


def test_worker_that_overruns_its_time_is_killed_and_replaced() -> None:
    att = Attachment("ลำพูน.xlsx", make_report("ลำพูน"))
    with JudgePool(limits=JudgeLimits(seconds_per_attachment=0.001, workers=1)) as pool:
        first = pool.judge(att)
        pool.limits = JudgeLimits(seconds_per_attachment=30, workers=1)
        second = pool.judge(att)
    assert [(f.code, f.value) for f in first.findings] == [("file_timeout", "ลำพูน.xlsx")]
    assert second.status == "accepted"


def test_worker_that_dies_gives_a_reader_crashed_finding() -> None:
    # 64 MiB of address space is too little for the worker to even load the registry: it dies.
    att = Attachment("ลำพูน.xlsx", make_report("ลำพูน"))
    with JudgePool(limits=JudgeLimits(memory_bytes=64 * 1024 * 1024, workers=1)) as pool:
        report = pool.judge(att)
    assert [f.code for f in report.findings] == ["file_reader_crashed"]
    assert report.status == "unreadable"


def test_refused_container_member_is_reported_without_reading() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("a.txt", "x")
    att = Attachment("reports.zip", inner.getvalue(), ("file_nested_zip", {"kind": "zip"}))
    with JudgePool(limits=JudgeLimits(workers=1)) as pool:
        report = pool.judge(att)
    assert [f.code for f in report.findings] == ["file_nested_zip"]
