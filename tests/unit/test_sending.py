"""What a refusal means for the rest (bot/usecase/sending.py): quota pauses everything, a permanent
refusal ends one reply and tells the operator once, a transient one retries that reply with backoff while
the others go. The ledger is real (SQLite); the outbox is a scripted stand-in of our own port: the real
SMTP server's refusals are exercised in tests/integration/test_smtp_refusals.py."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.smtp import classify
from bot.errors import SendError, SendFailure
from bot.usecase.rules import Patience, ReplyLimits, RoundRules, Rules
from bot.usecase.sending import MAX_ATTEMPTS, PAUSES, Pause, Sender
from storage.chase import NewReminder
from storage.ledger import Ledger, QueuedReply
from storage.thai import BANGKOK
from tests.helpers.ledgers import accepted, file_mail, record
from validators import load_form, load_registry

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the ledger stamps sent_at with the real time


class ScriptedOutbox:
    """Refuses by recipient: `refusals[address]` is a list of SendErrors used one per attempt."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refusals: dict[str, list[SendError]] = {}

    def send(self, message_id: str, to_address: str, raw: bytes) -> None:
        queue = self.refusals.get(to_address)
        if queue:
            raise queue.pop(0)
        self.sent.append(to_address)

    def was_sent(self, message_id: str) -> bool:
        return False


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(tmp_path / "ledger.sqlite3") as opened:
        yield opened


@functools.cache
def rules(operator: str = "ops@dla.go.th", daily_cap: int | None = None) -> Rules:
    return Rules(RoundRules(load_registry(), load_form()), limits=ReplyLimits(daily_cap=daily_cap),
                 patience=Patience(operator_address=operator))  # fmt: skip


def queue(ledger: Ledger, *senders: str) -> None:
    for n, sender in enumerate(senders, start=1):
        file_mail(ledger, n, accepted(f"{n:x}", "ตาก", [record(f"อบต.{n}")]), sender=sender, reply=True)


def refusal(kind: SendFailure, text: str, code: int = 550) -> SendError:
    return SendError(f"refused: {code} {text}", kind=kind, code=code)


def cycle(outbox: ScriptedOutbox, ledger: Ledger, clock: Clock, rules_: Rules | None = None) -> int:
    """One cycle's sending: a service (and its Sender) is built per cycle, and tries a reply once."""
    return Sender(outbox, ledger, rules_ or rules(), clock).send_pending()


def states(ledger: Ledger) -> list[tuple[str, str, int, str | None]]:
    sql = "SELECT to_address, state, attempts, reason FROM replies ORDER BY id"
    return list(ledger.conn.execute(sql))


def test_a_quota_refusal_pauses_all_sending_until_the_backoff_ends(ledger: Ledger) -> None:
    queue(ledger, "a@x.th", "b@x.th", "c@x.th")
    outbox, clock = ScriptedOutbox(), Clock()
    outbox.refusals["b@x.th"] = [refusal("quota", "5.4.5 Daily user sending limit exceeded")]

    assert cycle(outbox, ledger, clock) == 1
    assert outbox.sent == ["a@x.th"]  # c was not tried: the account may send nothing now
    pause = Pause.load(ledger)
    assert pause is not None and pause.reason == "quota" and pause.until == NOW + PAUSES["quota"].first
    assert [s[1] for s in states(ledger)] == ["sent", "pending", "pending"]

    clock.now += dt.timedelta(minutes=30)
    assert cycle(outbox, ledger, clock) == 0 and outbox.sent == ["a@x.th"]  # still paused: nothing tried

    clock.now = pause.until
    assert cycle(outbox, ledger, clock) == 2
    assert outbox.sent == ["a@x.th", "b@x.th", "c@x.th"]
    assert Pause.load(ledger) is None  # the server takes mail again: the next pause starts short
    assert states(ledger)[1] == ("b@x.th", "sent", 1, None)  # the quota refusal was not this reply's fault


def test_quota_pauses_in_a_row_grow_and_throttling_pauses_are_short(ledger: Ledger) -> None:
    queue(ledger, "a@x.th")
    outbox, clock = ScriptedOutbox(), Clock()
    outbox.refusals["a@x.th"] = [
        refusal("quota", "4.7.0 Try again later, closing connection.", 421),
        refusal("quota", "4.7.0 Try again later, closing connection.", 421),
        refusal("quota", "5.4.5 Daily user sending limit exceeded"),
    ]
    waits = []
    for _ in range(3):
        cycle(outbox, ledger, clock)
        pause = Pause.load(ledger)
        assert pause is not None
        waits.append((pause.reason, pause.until - clock.now))
        clock.now = pause.until

    assert waits == [("throttled", dt.timedelta(minutes=5)), ("throttled", dt.timedelta(minutes=10)),
                     ("quota", dt.timedelta(hours=1))]  # fmt: skip
    assert cycle(outbox, ledger, clock) == 1


def test_a_permanent_refusal_ends_that_reply_tells_the_operator_once_and_the_rest_go(ledger: Ledger) -> None:
    queue(ledger, "gone@x.th", "b@x.th")
    outbox = ScriptedOutbox()
    outbox.refusals["gone@x.th"] = [refusal("permanent", "5.1.1 The email account does not exist")]
    sender = Sender(outbox, ledger, rules(), Clock())

    assert sender.send_pending() == 2  # b, then the operator's notice queued behind it
    assert outbox.sent == ["b@x.th", "ops@dla.go.th"]
    assert states(ledger)[0] == ("gone@x.th", "failed", 1, "refused_permanently")
    assert sender.failed == 1
    assert sender.send_pending() == 0  # a failed reply is final: never tried again
    [(error,)] = ledger.conn.execute("SELECT last_error FROM replies WHERE state = 'failed'")
    assert "5.1.1" in error


def test_a_refused_operator_notice_is_not_noticed_again(ledger: Ledger) -> None:
    queue(ledger, "gone@x.th")
    outbox = ScriptedOutbox()
    outbox.refusals["gone@x.th"] = [refusal("permanent", "5.1.1 no such user")]
    outbox.refusals["ops@dla.go.th"] = [refusal("permanent", "5.7.1 policy")]
    Sender(outbox, ledger, rules(), Clock()).send_pending()

    assert [s[1] for s in states(ledger)] == ["failed", "failed"]


def test_an_eai_address_without_smtputf8_ends_undeliverable_and_is_never_retried(ledger: Ledger) -> None:
    queue(ledger, "สถจ@ตัวอย่าง.ไทย")
    outbox = ScriptedOutbox()
    outbox.refusals["สถจ@ตัวอย่าง.ไทย"] = [refusal("undeliverable", "needs SMTPUTF8", 0)]
    Sender(outbox, ledger, rules(), Clock()).send_pending()

    assert states(ledger)[0] == ("สถจ@ตัวอย่าง.ไทย", "failed", 1, "smtputf8_unsupported")


def test_a_transient_refusal_retries_that_reply_with_backoff_and_gives_up_after_max_attempts(
    ledger: Ledger,
) -> None:
    queue(ledger, "slow@x.th", "b@x.th")
    outbox, clock = ScriptedOutbox(), Clock()
    outbox.refusals["slow@x.th"] = [refusal("transient", "4.3.0 busy", 451)] * MAX_ATTEMPTS
    quiet = rules(operator="")

    assert cycle(outbox, ledger, clock, quiet) == 1 and outbox.sent == ["b@x.th"]  # the other reply went
    assert states(ledger)[0][1:3] == ("pending", 1)  # tried once per cycle
    cycle(outbox, ledger, clock, quiet)  # the first retry: at the next cycle
    assert states(ledger)[0][1:3] == ("pending", 2)
    cycle(outbox, ledger, clock, quiet)  # not due yet: its backoff is one minute now
    assert states(ledger)[0][1:3] == ("pending", 2)
    for _ in range(MAX_ATTEMPTS - 2):
        clock.now += dt.timedelta(hours=1)
        cycle(outbox, ledger, clock, quiet)

    assert states(ledger)[0] == ("slow@x.th", "failed", MAX_ATTEMPTS, "gave_up")


def test_the_daily_cap_stops_sending_without_counting_an_attempt(ledger: Ledger) -> None:
    queue(ledger, "a@x.th", "b@x.th")
    sender = Sender(ScriptedOutbox(), ledger, rules(daily_cap=1), lambda: dt.datetime.now(dt.UTC))

    assert sender.send_pending() == 1
    assert [s[1:3] for s in states(ledger)] == [("sent", 1), ("pending", 0)]


def test_an_unreachable_server_pauses_sending_without_using_up_any_reply(ledger: Ledger) -> None:
    queue(ledger, "a@x.th", "b@x.th")
    outbox, clock = ScriptedOutbox(), Clock()
    outbox.refusals["a@x.th"] = [SendError("cannot connect: ConnectionRefusedError", kind="unreachable")] * 40

    for _ in range(40):  # a day and more of outage: no reply ever fails, none is tried more than it counts
        cycle(outbox, ledger, clock)
        pause = Pause.load(ledger)
        assert pause is not None and pause.reason == "unreachable"
        clock.now = pause.until

    assert [s[1:] for s in states(ledger)] == [("pending", 0, None), ("pending", 0, None)]
    assert pause.until - pause.since <= dt.timedelta(days=1) + dt.timedelta(minutes=30)  # capped at 30 min
    outbox.refusals.clear()
    assert cycle(outbox, ledger, clock) == 2


def test_backoff_stays_at_its_cap_however_long_the_trouble_lasts() -> None:
    for backoff in PAUSES.values():
        assert backoff.after(100) == backoff.after(10_000) == backoff.cap


def test_a_connection_lost_after_data_leaves_the_reply_to_be_looked_up_in_sent(ledger: Ledger) -> None:
    queue(ledger, "a@x.th")
    outbox, clock = ScriptedOutbox(), Clock()
    outbox.refusals["a@x.th"] = [SendError("SMTPServerDisconnected during DATA", kind="uncertain")]
    looked: list[str] = []
    outbox.was_sent = lambda message_id: looked.append(message_id) or True  # type: ignore[method-assign]

    cycle(outbox, ledger, clock)
    assert states(ledger)[0][1:3] == ("sending", 1)
    cycle(outbox, ledger, clock)

    assert looked == ["<r1@bot>"] and states(ledger)[0][1] == "sent" and outbox.sent == []


@pytest.mark.parametrize(
    ("code", "text", "kind"),
    [
        (550, "5.4.5 Daily user sending limit exceeded. For more information on Gmail", "quota"),
        (421, "4.7.0 Try again later, closing connection.", "quota"),
        (454, "4.7.0 Too many login attempts, please try again later.", "quota"),
        (451, "4.7.28 Our system has detected an unusual rate of unsolicited mail", "quota"),
        (550, "5.1.1 The email account that you tried to reach does not exist.", "permanent"),
        (550, "5.7.1 Message rejected due to policy", "permanent"),
        (
            552,
            "5.7.0 This message was blocked because its content presents a potential security issue",
            "permanent",
        ),
        (534, "5.7.9 Application-specific password required.", "login"),
        (535, "5.7.8 Username and Password not accepted.", "login"),
        (451, "4.3.0 Mail server temporarily rejected message.", "transient"),
        (450, "4.2.1 The user you are trying to contact is receiving mail too quickly", "transient"),
    ],
)
def test_gmail_replies_are_classified(code: int, text: str, kind: str) -> None:
    assert classify(code, text) == kind


def reminder_queued(ledger: Ledger, province: str, day: str) -> None:
    reply = QueuedReply("reminder", f"<rem-{province}@bot>", "p@x.th", b"raw")
    assert ledger.queue_reminders(day, [NewReminder(province, "p@x.th", 0, 58, reply)]) == 1


def test_a_reminder_whose_day_passed_while_it_waited_is_not_sent(ledger: Ledger) -> None:
    clock = Clock()
    reminder_queued(ledger, "ลำพูน", (clock.now.astimezone(BANGKOK).date() - dt.timedelta(days=1)).isoformat())
    outbox = ScriptedOutbox()

    assert cycle(outbox, ledger, clock) == 0 and outbox.sent == []
    assert ledger.conn.execute("SELECT state, reason FROM replies").fetchall() == [
        ("suppressed", "reminder_day_passed")
    ]


def test_a_reminder_to_a_province_that_completed_while_it_waited_is_not_sent(ledger: Ledger) -> None:
    clock = Clock()
    reminder_queued(ledger, "ลำพูน", clock.now.astimezone(BANGKOK).date().isoformat())
    laos = load_registry().laos_in("ลำพูน")
    rows = [record(lao.full_name_th, province="ลำพูน", code=lao.dla_code) for lao in laos]
    file_mail(ledger, 1, accepted("a", "ลำพูน", rows))  # the whole province, filed after the reminder

    assert cycle(ScriptedOutbox(), ledger, clock) == 0
    [(state, reason)] = ledger.conn.execute("SELECT state, reason FROM replies WHERE kind = 'reminder'")
    assert (state, reason) == ("suppressed", "province_complete")
