"""The long-running daemon (`localreport run` without --once) as a subprocess on the real servers:
SIGTERM finishes the mail in hand and exits 0 promptly; IMAP IDLE wakes a sweep for a mail that arrives."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers.bulk_mails import deliver, mixed_mails
from tests.helpers.faultkit import PROCESSED, DaemonRig, check_exactly_once, wait_until
from tests.helpers.servers import ImapAccount, SmtpSink

pytestmark = pytest.mark.servers


@pytest.fixture
def rig(imap_account: ImapAccount, smtp_sink: SmtpSink, tmp_path: Path) -> DaemonRig:
    smtp_sink.on_message = imap_account.filer("Sent")
    return DaemonRig(imap_account, smtp_sink, tmp_path / "daemon", sent_folder="\\Sent", interval_seconds=300)


def test_sigterm_during_a_cycle_finishes_the_mail_in_hand_and_exits_0_promptly(rig: DaemonRig) -> None:
    mails = mixed_mails(12, start=3000)
    deliver(rig.account, mails)

    proc = rig.spawn(once=False)
    try:
        rig.sink.wait_for(1, timeout=30)
        code, took = proc.terminate()
    finally:
        proc.reap()

    assert code == 0, rig.log_tail()
    assert took < 5, f"the daemon took {took:.1f} s to stop"
    with rig.ledger() as conn:
        states = dict(conn.execute("SELECT state, COUNT(*) FROM mails GROUP BY state").fetchall())
        replies = dict(conn.execute("SELECT state, COUNT(*) FROM replies GROUP BY state").fetchall())
    handled = states.get("judged", 0)
    assert 1 <= handled < len(mails), "the SIGTERM came too late to stop mid-cycle"
    assert (states, replies) == ({"judged": handled}, {"sent": handled})  # nothing half-handled
    assert len(rig.account.message_ids(PROCESSED)) == handled
    assert len(rig.account.message_ids("INBOX")) == len(mails) - handled

    assert rig.run() == 0  # a later poll handles the rest
    check_exactly_once(rig, mails)


def test_sigterm_between_polls_exits_0_at_once(rig: DaemonRig) -> None:
    mails = mixed_mails(2, start=3100)
    deliver(rig.account, mails)
    proc = rig.spawn(once=False)
    try:
        rig.sink.wait_for(len(mails), timeout=30)
        wait_until(lambda: "cycle seen=" in rig.log_tail(5), 30, "the end of the first cycle")
        code, took = proc.terminate()
    finally:
        proc.reap()

    assert (code, took < 3) == (0, True), rig.log_tail()
    check_exactly_once(rig, mails)


def test_mail_arriving_while_the_daemon_waits_is_handled_in_seconds_through_idle(rig: DaemonRig) -> None:
    rig.idle = True  # interval 300 s: only IDLE can make this quick
    first, later = mixed_mails(2, start=3200)
    deliver(rig.account, [first])
    proc = rig.spawn(once=False)
    try:
        rig.sink.wait_for(1, timeout=30)
        wait_until(lambda: "cycle seen=" in rig.log_tail(5), 30, "the end of the first cycle")
        time.sleep(0.5)  # the watcher's IDLE is in place well before this
        rig.account.deliver(later.raw)
        arrived = time.monotonic()
        rig.sink.wait_for(2, timeout=20)
        latency = time.monotonic() - arrived
        assert proc.terminate()[0] == 0
    finally:
        proc.reap()

    assert latency < 10, f"answered {latency:.1f} s after delivery"
    check_exactly_once(rig, [first, later])


def test_poll_finds_pending_replies_through_an_index_not_a_scan_of_every_reply(tmp_path: Path) -> None:
    from storage.ledger import Ledger

    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        statements: list[str] = []
        ledger.conn.set_trace_callback(statements.append)
        ledger.pending_replies()
        ledger.conn.set_trace_callback(None)
        [query] = [q for q in statements if "FROM replies" in q]
        plan = [row[3] for row in ledger.conn.execute(f"EXPLAIN QUERY PLAN {query}")]

    assert not [step for step in plan if step.startswith("SCAN replies") and "INDEX" not in step], plan
