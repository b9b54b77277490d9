"""The whole trip of a mail on the embedded backends (Maildir in, reply files out): exactly once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from bot.entrypoints.config import (
    LimitsSettings,
    MailboxSettings,
    RoundSettings,
    SendersSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import run_once
from storage import views
from storage.ledger import Ledger
from tests.helpers import hostile
from tests.helpers.builders import comment_marks, make_report
from tests.helpers.mails import deliver


def settings(tmp_path: Path) -> Settings:
    return Settings(
        mailbox=MailboxSettings(path=tmp_path / "mailbox"),
        smtp=SmtpSettings(path=tmp_path / "outbox"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=dt.date(2099, 1, 1)),  # on time (lateness has its own tests)
    )


def replies(tmp_path: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]


def test_each_kind_of_mail_gets_its_reply_and_only_valid_reports_are_filed(tmp_path: Path) -> None:
    s = settings(tmp_path)
    deliver(s.mailbox.path, "1.valid", make_report("ลำพูน"))
    deliver(s.mailbox.path, "2.errors", make_report("ลำพูน", rows=[{"lao_full_name": "อบต.หนองหนาม"}]))
    deliver(s.mailbox.path, "3.none", None)

    summary = run_once(s)

    assert summary.outcomes == {"accepted": 1, "rejected": 1, "no_attachment": 1}
    kinds = sorted(str(r["X-Localreport-Outcome"]) for r in replies(tmp_path))
    assert kinds == ["accepted", "no_attachment", "rejected"]
    rejected = next(r for r in replies(tmp_path) if r["X-Localreport-Outcome"] == "rejected")
    body = rejected.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "อบต.หนองหนาม" in body and "องค์การบริหารส่วนตำบลหนองหนาม" in body
    master = load_workbook(s.storage.master_workbook, read_only=True)
    history = list(master["ประวัติการส่ง"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[5] for row in history) == ["ถูกต้อง", "มีข้อผิดพลาด", "ไม่มีไฟล์ Excel แนบ"]


def test_running_twice_over_the_same_maildir_files_and_answers_each_mail_once(tmp_path: Path) -> None:
    s = settings(tmp_path)
    raw = deliver(s.mailbox.path, "1.valid", make_report("ลำพูน"))
    first = run_once(s)
    # Put the very same message back, as if the move had been lost in a crash or a backup was restored.
    shutil.copy(
        next((s.mailbox.path / ".localreport.processed" / "cur").iterdir()), s.mailbox.path / "new" / "x"
    )

    second = run_once(s)
    third = run_once(s)

    assert (first.handled, second.skipped, third.seen) == (1, 1, 0)
    assert len(replies(tmp_path)) == 1
    with sqlite3.connect(s.storage.dir / "ledger.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (1,)
        assert db.execute("SELECT COUNT(*), MIN(state) FROM replies").fetchone() == (1, "sent")
    assert (s.storage.dir / "archive").rglob("*.eml").__next__().read_bytes() == raw


def test_same_workbook_sent_again_in_a_new_mail_is_answered_already_received(tmp_path: Path) -> None:
    s = settings(tmp_path)
    report = make_report("ลำพูน")
    deliver(s.mailbox.path, "1.first", report)
    run_once(s)
    deliver(s.mailbox.path, "2.again", report)

    summary = run_once(s)

    assert summary.outcomes == {"duplicate": 1}
    master = load_workbook(s.storage.master_workbook, read_only=True)
    data = [row for row in master["ข้อมูลรวม"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert len({row[2] for row in data}) == len(data)  # each LAO once, not twice


def test_hostile_attachments_get_thai_answers_and_the_bot_keeps_going(tmp_path: Path) -> None:
    s = settings(tmp_path)
    deliver(s.mailbox.path, "1.bomb", hostile.zip_bomb_xlsx(1024))
    deliver(s.mailbox.path, "2.laughs", hostile.billion_laughs_xlsx())
    deliver(s.mailbox.path, "3.password", hostile.encrypted_ooxml())
    deliver(s.mailbox.path, "4.valid", make_report("ลำพูน"))

    summary = run_once(s)

    assert (summary.failed, summary.outcomes) == (0, {"unreadable": 3, "accepted": 1})
    bodies = [r.get_body(("plain",)).get_content() for r in replies(tmp_path)]  # type: ignore[union-attr]
    assert sum("ไฟล์ใหญ่เกินกำหนด" in b for b in bodies) == 1
    assert sum("ไฟล์มีส่วนที่ไม่ปลอดภัย" in b for b in bodies) == 1
    assert sum("ยกเลิกรหัสผ่าน" in b for b in bodies) == 1


def test_configured_limits_reach_the_judge(tmp_path: Path) -> None:
    s = settings(tmp_path).model_copy(update={"limits": LimitsSettings(sheet_rows=100, workers=1)})
    deliver(s.mailbox.path, "1.big", make_report("นครราชสีมา"))  # 334 LAOs: more rows than allowed here

    assert run_once(s).outcomes == {"unreadable": 1}
    [reply] = replies(tmp_path)
    assert "ไฟล์ใหญ่เกินกำหนด" in reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_findings_thai_text_is_the_same_in_the_ledger_the_reply_and_the_marked_cell(tmp_path: Path) -> None:
    s = settings(tmp_path)
    report = make_report("ลำพูน", rows=[{"lao_full_name": "อบต.บ้านธิ"}, {"dla_code": "12"}])
    deliver(s.mailbox.path, "1.eml", report)

    run_once(s)

    with Ledger.open(s.storage.dir / "ledger.sqlite3") as ledger:
        findings = [f for f in views.latest_rejected_findings(ledger) if f.row]
    (reply,) = replies(tmp_path)
    body = reply.get_body(("plain",))
    assert body is not None
    text = " ".join(str(body.get_content()).split())
    marked = next(p for p in reply.iter_attachments() if str(p.get_filename()).endswith("จุดที่ต้องแก้ไข.xlsx"))
    comments = comment_marks(marked.get_content())
    assert len(findings) >= 2
    for f in findings:
        assert " ".join(f.message.split()) in text
        assert f.message in comments[f"{f.column}{f.row}"][1]


def test_a_sender_listed_for_another_province_is_one_warning_naming_both(tmp_path: Path) -> None:
    s = settings(tmp_path).model_copy(
        update={
            "senders": SendersSettings(map={"ลำพูน": ("lamphun@dla.go.th",), "ลำปาง": ("*@lampang.go.th",)})
        }
    )
    deliver(s.mailbox.path, "1.eml", make_report("ลำปาง"), sender="lamphun@dla.go.th")

    run_once(s)

    (reply,) = replies(tmp_path)
    body = reply.get_body(("plain",))
    assert body is not None
    text = " ".join(str(body.get_content()).split())
    assert reply["X-Localreport-Outcome"] == "accepted"
    assert text.count("อีเมลผู้ส่งอยู่ในรายชื่อผู้ส่งของจังหวัดลำพูน แต่รายชื่อ อปท. ในไฟล์เป็นของจังหวัดลำปาง") == 1
    assert "ไม่อยู่ในรายชื่อผู้ส่งของจังหวัด" not in text  # the one warning says it all


def test_a_mail_without_a_workbook_is_dated_in_the_history_by_when_the_server_received_it(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    deliver(s.mailbox.path, "1.none", None)
    received = dt.datetime(2020, 10, 28, 2, 15, 7, tzinfo=dt.UTC)  # 09:15:07 in Bangkok
    os.utime(s.mailbox.path / "new" / "1.none", (received.timestamp(), received.timestamp()))

    run_once(s)

    master = load_workbook(s.storage.master_workbook, read_only=True)
    [row] = list(master["ประวัติการส่ง"].iter_rows(min_row=2, values_only=True))
    assert (row[1], row[5]) == (dt.datetime(2020, 10, 28, 9, 15, 7), "ไม่มีไฟล์ Excel แนบ")
