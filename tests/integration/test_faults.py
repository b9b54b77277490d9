"""Fault injection on the real servers: the daemon is SIGKILLed at each step boundary and at random moments,
Dovecot restarts under it, SMTP goes away, a person moves mail, the mailbox is recreated. After a restart,
every mail is filed once, every reply sent once, the master holds each LAO once and the INBOX is empty.

The daemon runs as a subprocess (`python -m bot run --config … --once`, see tests/helpers/faultkit.py) with
LOCALREPORT_CRASH_AT=<point>[:<n>] where a step boundary is wanted. Replies are filed by the SMTP sink into
the account's `Sent` folder (flagged \\Sent), as Gmail does, unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from imap_tools import AND

from bot.replies.texts import SUBJECT_WORDS
from bot.usecase.sending import Pause
from storage.ledger import Ledger
from tests.helpers.bulk_mails import (
    Mail,
    deliver,
    mixed_mails,
    province_mail,
    provinces,
    report_bytes,
    subject_for,
    vary,
)
from tests.helpers.faultkit import (
    CRASH_POINTS,
    PROCESSED,
    QUARANTINE,
    SHEET_HISTORY,
    DaemonRig,
    check_exactly_once,
    master_rows,
    raw_messages,
    replies_per_mail,
    wait_until,
)
from tests.helpers.servers import DovecotServer, ImapAccount, SmtpSink, imap_folder

pytestmark = pytest.mark.servers

KILLED = -signal.SIGKILL


@pytest.fixture
def rig(imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path) -> DaemonRig:
    """The daemon against a Gmail-like account: the SMTP sink files every accepted reply into `Sent`."""
    smtp_sink.on_message = imap_account.filer("Sent")
    return DaemonRig(imap_account, smtp_sink, tmp_path / "daemon", sent_folder="\\Sent")


def three_mails(start: int = 0) -> list[Mail]:
    """A valid report, a report with an error, a mail without attachment, from three provinces."""
    names = provinces()
    return [
        province_mail(names[start], vary(report_bytes(names[start]), start)),
        province_mail(
            names[start + 1], vary(report_bytes(names[start + 1], errors=True), start), kind="errors"
        ),
        province_mail(names[start + 2], None),
    ]


def reply_states(rig: DaemonRig) -> dict[str, str]:
    with rig.ledger() as conn:
        rows = conn.execute("SELECT m.message_id, r.state FROM replies r JOIN mails m ON m.id = r.mail_id")
        return dict(rows.fetchall())


# ------------------------------------------------------------------------------ crashes at step boundaries


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_crash_at_each_step_boundary_then_restart_files_and_answers_every_mail_once(
    rig: DaemonRig, point: str
) -> None:
    mails = three_mails()
    deliver(rig.account, mails)

    assert rig.run(crash_at=f"{point}:2") == KILLED, rig.log_tail()
    second = mails[1].message_id
    states = reply_states(rig)
    replies = replies_per_mail(rig.sink)
    expected_before = {  # what the ledger and the sink say about the second mail when it died
        "after_archive": (None, 0),
        "after_commit": ("pending", 0),
        "after_move": ("pending", 0),
        "after_smtp_accept": ("sending", 1),
    }[point]
    assert (states.get(second), replies[second]) == expected_before
    assert rig.run() == 0, rig.log_tail()

    check_exactly_once(rig, mails)


def test_reply_accepted_by_smtp_before_a_crash_is_found_in_sent_by_message_id_and_not_sent_again(
    rig: DaemonRig,
) -> None:
    mails = three_mails()
    deliver(rig.account, mails)

    assert rig.run(crash_at="after_smtp_accept:1") == KILLED
    assert rig.run() == 0

    check_exactly_once(rig, mails)
    assert "already reached the server before a crash" in rig.log_tail(200)


def test_without_a_sent_folder_a_reply_accepted_before_a_crash_is_sent_again_at_least_once(
    imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """The documented fallback: SMTP cannot be asked what it accepted, so without `smtp.sent_folder` the
    reply whose 'sent' mark was lost goes out a second time; nothing else is doubled."""
    rig = DaemonRig(imap_account, smtp_sink, tmp_path / "daemon", sent_folder="")
    mails = three_mails()
    deliver(rig.account, mails)

    assert rig.run(crash_at="after_smtp_accept:1") == KILLED
    assert rig.run() == 0

    check_exactly_once(rig, mails, replies_expected={mails[0].message_id: 2})


def test_crash_after_the_last_commit_of_a_run_still_reaches_the_master(rig: DaemonRig) -> None:
    first, second = three_mails()[0], three_mails(3)[0]
    deliver(rig.account, [first])
    assert rig.run() == 0  # the master exists now, with the first province
    deliver(rig.account, [second])

    assert rig.run(crash_at="after_commit:1") == KILLED
    assert rig.run() == 0

    check_exactly_once(rig, [first, second])


# ---------------------------------------------------------------------------------- random SIGKILLs, 200


def test_random_sigkills_across_200_mails_leave_every_mail_filed_and_answered_once(rig: DaemonRig) -> None:
    # A failure names its seed; LOCALREPORT_TEST_SEED=<seed> replays the same kill times.
    seed = int(os.environ.get("LOCALREPORT_TEST_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)  # noqa: S311 (kill times, not secrets)
    mails = mixed_mails(200)
    deliver(rig.account, mails)
    rig.workers = 2
    rig.write_config()

    kills = 0
    for _ in range(5):
        proc = rig.spawn()
        time.sleep(rng.uniform(0.3, 2.5))  # the daemon needs ~1 s to start, then ~20 mails a second
        if proc.poll() is None:
            kills += 1
        proc.reap()  # SIGKILL, with its judge workers
    finals = [rig.run(timeout=180) for _ in range(2)]

    assert kills >= 3, f"seed {seed}: the daemon finished before most kills"
    assert finals[-1] == 0, f"seed {seed}\n{rig.log_tail()}"
    check_exactly_once(rig, mails)


# ---------------------------------------------------------------------------------- servers misbehaving


def test_dovecot_restarted_mid_cycle_fails_that_cycle_and_the_next_completes(
    dovecot: DovecotServer, imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    rig = DaemonRig(imap_account, smtp_sink, tmp_path / "daemon")
    mails = mixed_mails(20, start=1000)
    deliver(rig.account, mails)

    proc = rig.spawn()
    try:
        wait_until(lambda: rig.judged() >= 5, 30, "five judged mails")
        dovecot.restart()
        code = proc.wait(60)
    finally:
        proc.reap()
    assert code != 0 or rig.judged() == len(mails)  # usually the cycle fails; it must not hang
    assert rig.run() == 0, rig.log_tail()

    check_exactly_once(rig, mails)


@pytest.mark.parametrize(
    ("sent_folder", "sent_exists"),
    [
        pytest.param("", False, id="no-sent-lookup"),
        pytest.param("\\Sent", True, id="sent-folder-exists"),
        pytest.param("\\Sent", False, id="sent-folder-not-created-yet"),
    ],
)
def test_smtp_down_for_a_cycle_the_replies_go_out_on_the_next(
    imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path, sent_folder: str, sent_exists: bool
) -> None:
    smtp_sink.on_message = imap_account.filer("Sent")
    rig = DaemonRig(imap_account, smtp_sink, tmp_path / "daemon", sent_folder=sent_folder)
    if sent_exists:
        imap_account.append("Sent", [])  # Gmail's Sent folder always exists
    mails = three_mails()
    deliver(rig.account, mails)
    smtp_sink.stop()

    first = rig.run()  # exit 1: the cycle completed, its replies were refused (recorded, they wait)
    assert (first, rig.judged(), len(rig.account.message_ids("INBOX"))) == (1, 3, 0)  # mail moved at once
    with Ledger.open(rig.state / "ledger.sqlite3") as ledger:  # sending paused a minute: let it end now
        pause = Pause.load(ledger)
        assert pause is not None and pause.reason == "unreachable"
        Pause(dt.datetime.now(dt.UTC), pause.reason, pause.count, pause.error, pause.since).save(ledger)
        assert {n for (n,) in ledger.conn.execute("SELECT attempts FROM replies")} == {0}  # not their fault
    smtp_sink.start()
    assert rig.run() == 0, rig.log_tail()

    check_exactly_once(rig, mails)


def test_mail_moved_away_by_a_person_mid_cycle_is_not_lost_and_is_handled_when_it_comes_back(
    rig: DaemonRig,
) -> None:
    mails = mixed_mails(16, start=2000)
    deliver(rig.account, mails)
    with rig.account.mailbox() as mb:
        last_uid = max(mb.uids("ALL"), key=int)
    elsewhere = "Human/later"

    proc = rig.spawn()
    try:
        wait_until(lambda: rig.judged() >= 3, 30, "three judged mails")
        with rig.account.mailbox() as mb:  # a person, in their mail client, files the newest mail away
            mb.folder.create(imap_folder(elsewhere))
            mb.move(last_uid, imap_folder(elsewhere))
        assert proc.wait(60) == 0, rig.log_tail()
    finally:
        proc.reap()

    moved = mails[-1]
    assert rig.account.message_ids(elsewhere) == [moved.message_id]
    assert sorted(rig.account.message_ids(PROCESSED)) == sorted(m.message_id for m in mails[:-1])
    with rig.ledger() as conn:
        assert (
            conn.execute("SELECT COUNT(*) FROM mails WHERE message_id = ?", (moved.message_id,)).fetchone()[0]
            == 0
        )

    with rig.account.mailbox() as mb:  # … and later puts it back
        mb.folder.set(imap_folder(elsewhere))
        mb.move(mb.uids("ALL"), "INBOX")
    assert rig.run() == 0
    check_exactly_once(rig, mails)


# ------------------------------------------------------------------------------------------- resubmission


def test_later_accepted_report_supersedes_the_earlier_one_and_both_stay_in_history(rig: DaemonRig) -> None:
    province = provinces()[5]
    from tests.helpers.builders import make_report

    earlier = province_mail(province, report_bytes(province))
    later = province_mail(province, make_report(province, overrides={0: {"executive_name": "นายใหม่ ล่าสุด"}}))
    deliver(rig.account, [earlier])
    assert rig.run() == 0
    deliver(rig.account, [later])
    assert rig.run() == 0

    checked = check_exactly_once(rig, [earlier, later])
    assert {r["Message-ID ต้นทาง"] for r in checked.data_rows} == {later.message_id}
    assert "นายใหม่ ล่าสุด" in {r["ชื่อ - สกุล ผู้บริหารท้องถิ่น"] for r in checked.data_rows}
    history = [r for r in master_rows(rig.master, SHEET_HISTORY) if r["จังหวัด"] == province]
    assert [(r["Message-ID"], r["ผลการตรวจ"]) for r in history] == [
        (earlier.message_id, "ถูกต้อง"),
        (later.message_id, "ถูกต้อง"),
    ]


def test_same_attachment_sent_again_is_answered_already_received_and_not_filed_again(rig: DaemonRig) -> None:
    province = provinces()[6]
    payload = vary(report_bytes(province), 6)
    first, again = province_mail(province, payload), province_mail(province, payload)
    deliver(rig.account, [first])
    assert rig.run() == 0
    deliver(rig.account, [again])
    assert rig.run() == 0

    with rig.ledger() as conn:
        filed = conn.execute(
            "SELECT m.message_id, s.status, s.rows FROM submissions s "
            "JOIN mails m ON m.id = s.mail_id ORDER BY s.id"
        ).fetchall()
        records = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    rows = len(master_rows(rig.master))
    assert [(mid, status) for mid, status, _ in filed] == [
        (first.message_id, "accepted"),
        (again.message_id, "duplicate"),
    ]
    assert records == filed[0][2] == rows > 0
    outcomes = {in_reply_to: (kind, subject) for in_reply_to, kind, subject in reply_headers(rig.sink)}
    assert outcomes == {
        first.message_id: ("accepted", f"Re: {subject_for(province)} [{SUBJECT_WORDS['accepted']}]"),
        again.message_id: ("duplicate", f"Re: {subject_for(province)} [{SUBJECT_WORDS['duplicate']}]"),
    }
    assert len(rig.sink.messages) == 2


def reply_headers(sink: SmtpSink) -> list[tuple[str, str, str]]:
    """(In-Reply-To, X-Localreport-Outcome, decoded Subject) of every message the sink received."""
    out = []
    for m in sink.messages:
        msg = email.message_from_bytes(m.raw, policy=email.policy.default)
        out.append((str(msg["In-Reply-To"]), str(msg["X-Localreport-Outcome"]), str(msg["Subject"])))
    return out


# --------------------------------------------------------------------------------------------- quarantine


def test_mail_that_kills_the_daemon_while_judged_is_quarantined_after_max_attempts_and_reported(
    rig: DaemonRig,
) -> None:
    rig.max_attempts, rig.operator_address = 2, "operator@dla.go.th"
    names = provinces()
    killer = province_mail(names[10], report_bytes(names[10]), filename="KILLER รายงาน.xlsx")
    good = [province_mail(names[11], report_bytes(names[11])), province_mail(names[12], None)]
    deliver(rig.account, [good[0], killer, good[1]])

    codes = [rig.run(killer_marker="KILLER") for _ in range(rig.max_attempts + 1)]

    assert codes == [KILLED] * rig.max_attempts + [0], rig.log_tail()
    assert rig.account.message_ids(QUARANTINE) == [killer.message_id]
    check_exactly_once(rig, good)
    notices = [m for m in rig.sink.messages if m.rcpt_tos == ["operator@dla.go.th"]]
    [notice] = [email.message_from_bytes(m.raw, policy=email.policy.default) for m in notices]
    assert killer.message_id in notice.get_body(("plain",)).get_content()
    with rig.ledger() as conn:
        row = conn.execute("SELECT state, attempts FROM mails WHERE message_id = ?", (killer.message_id,))
        assert row.fetchone() == ("quarantined", rig.max_attempts + 1)
    assert replies_per_mail(rig.sink)[killer.message_id] == 0  # the province is not told anything


def test_mail_that_kills_the_daemon_right_after_archive_is_quarantined_after_max_attempts(
    rig: DaemonRig,
) -> None:
    rig.max_attempts, rig.operator_address = 2, "operator@dla.go.th"
    killer = province_mail(provinces()[13], None)
    deliver(rig.account, [killer])

    codes = [rig.run(crash_at="after_archive") for _ in range(rig.max_attempts + 1)]

    assert codes == [KILLED] * rig.max_attempts + [0]
    assert rig.account.message_ids(QUARANTINE) == [killer.message_id]


# ------------------------------------------------------------------------------------------- UIDVALIDITY


def test_uidvalidity_change_with_the_same_mail_delivered_again_files_nothing_twice(
    dovecot: DovecotServer, rig: DaemonRig
) -> None:
    mails = three_mails(20)
    for m in mails:
        rig.account.deliver(m.raw)  # LMTP: the server adds trace headers, as a real delivery does
    assert rig.run() == 0
    with rig.account.mailbox() as mb:
        before = mb.folder.status("INBOX")["UIDVALIDITY"]
    stored = raw_messages(rig.account, PROCESSED)  # the bytes the daemon fetched and archived
    master_before = master_rows(rig.master)

    # The mailbox is lost and rebuilt (a restored backup, a migration): a new UIDVALIDITY, UIDs from 1.
    time.sleep(1.1)  # Maildir UIDVALIDITY is a timestamp
    shutil.rmtree(dovecot.dir / "mail" / rig.account.user.lower())
    rig.account.append("INBOX", stored)  # the very same bytes: the sha256 dedupe
    for m in mails:
        rig.account.deliver(m.raw)  # delivered anew: other trace headers, the fingerprint dedupe
    with rig.account.mailbox() as mb:
        assert mb.folder.status("INBOX")["UIDVALIDITY"] != before
        assert len(mb.uids(AND(all=True))) == 2 * len(mails)

    assert rig.run() == 0, rig.log_tail()

    with rig.ledger() as conn:
        assert conn.execute("SELECT COUNT(*) FROM mails").fetchone()[0] == len(mails)
        assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 2
    assert len(rig.sink.messages) == len(mails)
    assert rig.account.message_ids("INBOX") == []
    assert len(rig.account.message_ids(PROCESSED)) == 2 * len(mails)
    assert master_rows(rig.master) == master_before
