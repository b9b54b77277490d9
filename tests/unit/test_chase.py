"""The deadline chase on the embedded backends (Maildir in, reply files out): which day is a reminder day,
who is reminded of what, the preview commands, the daemon's cron jobs, and what a digest compares."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.entrypoints.chase import digest_mails, queue_reminders
from bot.entrypoints.cli import main
from bot.entrypoints.config import (
    DigestSettings,
    MailboxSettings,
    RemindersSettings,
    RoundSettings,
    SendersSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import _schedule_chase, run_once
from bot.entrypoints.wiring import open_ledger
from bot.usecase.chase import ChaseRules, changes, due_reminder_day, plan_reminders
from storage.thai import BANGKOK
from tests.helpers.builders import make_report
from tests.helpers.mails import deliver
from validators import load_registry

DEADLINE = dt.date(2020, 11, 2)


@pytest.mark.parametrize(
    ("when", "due"),
    [
        (dt.datetime(2020, 10, 26, 9, 0, tzinfo=BANGKOK), True),  # 7 days before, in Bangkok
        (dt.datetime(2020, 10, 25, 17, 30, tzinfo=dt.UTC), True),  # 00:30 on 26 October in Bangkok
        (dt.datetime(2020, 10, 25, 16, 30, tzinfo=dt.UTC), False),  # 23:30 on 25 October in Bangkok
        (dt.datetime(2020, 10, 27, 9, 0, tzinfo=BANGKOK), False),
        (dt.datetime(2020, 11, 1, 9, 0, tzinfo=BANGKOK), True),
        (dt.datetime(2020, 11, 2, 9, 0, tzinfo=BANGKOK), False),  # the deadline itself is not "before"
    ],
)
def test_a_reminder_day_is_counted_in_bangkok(when: dt.datetime, due: bool) -> None:
    assert due_reminder_day(when, ChaseRules(DEADLINE, (7, 3, 1))) is due


def settings_for(tmp_path: Path, **chase: object) -> Settings:
    return Settings(
        mailbox=MailboxSettings(path=tmp_path / "mailbox"), smtp=SmtpSettings(path=tmp_path / "outbox"),
        storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"),
        round=RoundSettings(deadline=DEADLINE),
        senders=SendersSettings(map={"ตาก": ("saraban@tak.go.th", "*@tak.go.th")}), **chase,  # type: ignore[arg-type]
    )  # fmt: skip


def test_only_provinces_not_complete_are_planned_with_what_they_miss_and_where_it_goes(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    deliver(settings.mailbox.path, "1", make_report("กาญจนบุรี"), sender="kan@dla.go.th")
    deliver(settings.mailbox.path, "2", make_report("ลำพูน", rows=[{}] * 10), sender="lamphun@dla.go.th")
    run_once(settings)
    registry = load_registry()

    with open_ledger(settings) as ledger:
        plans = {p.province: p for p in plan_reminders(ledger, registry, DEADLINE, settings.senders.map)}

    assert "กาญจนบุรี" not in plans and len(plans) == len(registry.provinces()) - 1
    lamphun = plans["ลำพูน"]
    m = len(registry.laos_in("ลำพูน"))
    assert (lamphun.code, lamphun.reported, lamphun.expected, lamphun.to) == (
        "partial", 10, m, ("lamphun@dla.go.th",)
    )  # fmt: skip
    assert len(lamphun.missing) == m - 10 and all(district for district, _ in lamphun.missing)
    assert plans["ตาก"].to == ("saraban@tak.go.th",)  # the listed address; "*@domain" names no one
    assert plans["น่าน"].to == ()  # never reported, not listed: nobody to write to


def test_remind_previews_into_a_folder_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[mailbox]\npath = "mailbox"\n[smtp]\npath = "outbox"\n[storage]\ndir = "state"\n'
        'master_workbook = "master.xlsx"\n[round]\ndeadline = 2020-11-02\n'
        '[senders.map]\n"ตาก" = ["saraban@tak.go.th"]\n',
        encoding="utf-8",
    )

    assert main(["remind", "--config", str(config), "--out", str(tmp_path / "preview")]) == 0

    out = capsys.readouterr().out
    assert "ตาก\tยังไม่ส่ง\t0/" in out and "saraban@tak.go.th" in out and "nothing was sent" in out
    [eml] = sorted((tmp_path / "preview").glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "saraban@tak.go.th" and msg["X-Localreport-Outcome"] == "reminder"
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())


def test_the_daemon_schedules_the_chase_in_bangkok_only_when_switched_on(tmp_path: Path) -> None:
    off = BlockingScheduler(timezone="UTC")
    _schedule_chase(settings_for(tmp_path), off)
    assert off.get_jobs() == []

    on = BlockingScheduler(timezone="UTC")
    reminders = RemindersSettings(enabled=True, time=dt.time(9, 30))
    digest = DigestSettings(enabled=True, recipients=("staff@dla.go.th",))
    _schedule_chase(settings_for(tmp_path, reminders=reminders, digest=digest), on)
    jobs = {job.id: job for job in on.get_jobs()}
    assert set(jobs) == {"reminders", "digest"}
    fires = jobs["reminders"].trigger.get_next_fire_time(None, dt.datetime(2020, 10, 26, 0, 0, tzinfo=dt.UTC))
    assert fires == dt.datetime(2020, 10, 26, 9, 30, tzinfo=BANGKOK)


def test_a_digest_names_the_provinces_whose_status_or_count_changed() -> None:
    before = {"ลำพูน": ("partial", 10), "ตาก": ("missing", 0), "น่าน": ("missing", 0)}
    now = {"ลำพูน": ("complete", 59), "ตาก": ("missing", 0), "น่าน": ("partial", 3), "แพร่": ("missing", 0)}

    assert [(c.province, c.before, c.now) for c in changes(before, now)] == [
        ("ลำพูน", ("partial", 10), ("complete", 59)), ("น่าน", ("missing", 0), ("partial", 3)),
        ("แพร่", None, ("missing", 0)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("limit_mib", "attached", "note"),
    [(5.0, True, "แนบสมุดงานรวมฉบับล่าสุดมาพร้อมนี้"), (0.0, False, "ตั้งค่าไว้ไม่ให้แนบ"),
     (0.001, False, "ใหญ่เกินขนาดที่กำหนด")],
)  # fmt: skip
def test_the_digest_attaches_the_master_only_under_its_size_limit(
    tmp_path: Path, limit_mib: float, attached: bool, note: str
) -> None:
    settings = settings_for(tmp_path, digest=DigestSettings(recipients=("staff@dla.go.th",),
                                                            attach_master_max_mib=limit_mib))  # fmt: skip
    deliver(settings.mailbox.path, "1", make_report("ลำพูน"), sender="lamphun@dla.go.th")
    run_once(settings)  # files the report and writes the master (tens of KiB)

    _, _, [mail] = digest_mails(settings, dt.datetime(2020, 10, 30, 8, 0, tzinfo=BANGKOK))

    msg = email.message_from_bytes(mail.raw, policy=email.policy.default)
    files = [str(p.get_filename()) for p in msg.iter_attachments()]  # type: ignore[attr-defined]
    assert bool(files) is attached and all(f.endswith(".xlsx") for f in files)
    body = msg.get_body(("plain",))
    assert body is not None
    assert note in body.get_content()


def test_an_answer_to_a_reminder_without_a_file_is_recorded_and_not_answered(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    assert queue_reminders(settings, dt.datetime.now(dt.UTC)) == 1  # ตาก, listed; sent today
    with open_ledger(settings) as ledger:
        [(reminder_id,)] = ledger.conn.execute("SELECT message_id FROM replies WHERE kind = 'reminder'")
    answer = (
        f"From: saraban@tak.go.th\r\nTo: Localreport.dla@gmail.com\r\nSubject: Re: แจ้งเตือน\r\n"
        f"Message-ID: <thanks@tak.go.th>\r\nIn-Reply-To: {reminder_id}\r\n\r\nรับทราบ ขอบคุณครับ\r\n"
    ).encode()
    (settings.mailbox.path / "new").mkdir(parents=True, exist_ok=True)
    (settings.mailbox.path / "new" / "thanks").write_bytes(answer)
    outbox = tmp_path / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()

    summary = run_once(settings)

    assert summary.outcomes == {"conversation": 1}
    new = [p for p in outbox.glob("*.eml") if p not in before]
    kinds = [email.message_from_bytes(p.read_bytes())["X-Localreport-Outcome"] for p in new]
    assert kinds == ["reminder"]  # the queued reminder went out; the thank-you got no reply
