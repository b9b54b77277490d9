"""Never answer a robot; trust only our provider's Authentication-Results; limits; the sender map."""

from __future__ import annotations

import datetime as dt
import email
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from bot.usecase.incoming import parse_mail
from bot.usecase.policy import (
    dmarc_verdict,
    is_late,
    parse_auth_results,
    robot_reason,
    sender_verdict,
)
from bot.usecase.rules import ReplyLimits

OURS = ("Localreport.dla@gmail.com",)
GOOGLE = "mx.google.com"
GMAIL_PASS = (
    "mx.google.com;\r\n       dkim=pass header.i=@kanchanaburi.go.th header.s=default header.b=AbCd1234;\r\n"
    "       spf=pass (google.com: domain of saraban@kanchanaburi.go.th designates 203.0.113.5 as permitted "
    "sender) smtp.mailfrom=saraban@kanchanaburi.go.th;\r\n"
    "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=kanchanaburi.go.th"
)


def province_mail(*extra: tuple[str, str], sender: str = "saraban@kanchanaburi.go.th") -> bytes:
    """A province's mail with `extra` raw header lines (may be folded) on top, as an MTA adds them."""
    msg = EmailMessage()
    msg["From"] = f"สถจ.กาญจนบุรี <{sender}>"
    msg["To"] = OURS[0]
    msg["Subject"] = "ส่งรายงาน"
    msg["Message-ID"] = "<m1@kanchanaburi.go.th>"
    msg.set_content("ส่งรายงานครับ")
    top = "".join(f"{name}: {value}\r\n" for name, value in extra).encode()
    return top + msg.as_bytes(policy=SMTP)


DSN = (
    b"Return-Path: <>\r\nFrom: Mail Delivery Subsystem <bounce-robot@mail.example.test>\r\n"
    b"To: Localreport.dla@gmail.com\r\nSubject: Delivery Status Notification (Failure)\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
    b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.test\r\n\r\n"
    b"Final-Recipient: rfc822; nobody@dla.go.th\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
)

ROBOTS = {
    "auto_replied": (province_mail(("Auto-Submitted", "auto-replied")), "auto_submitted"),
    "auto_generated_with_comment": (
        province_mail(("Auto-Submitted", "Auto-Generated (vacation)")),
        "auto_submitted",
    ),
    "outlook_oof": (province_mail(("X-Auto-Response-Suppress", "All")), "vendor_auto_reply"),
    "x_autoreply": (province_mail(("X-Autoreply", "yes")), "vendor_auto_reply"),
    "precedence_bulk": (province_mail(("Precedence", "bulk")), "precedence_bulk"),
    "precedence_junk": (province_mail(("Precedence", "JUNK")), "precedence_bulk"),
    "precedence_list": (province_mail(("Precedence", "list")), "precedence_bulk"),
    "list_id": (province_mail(("List-Id", "<dla-news.googlegroups.com>")), "mailing_list"),
    "list_unsubscribe": (province_mail(("List-Unsubscribe", "<mailto:u@example.test>")), "mailing_list"),
    "empty_return_path": (province_mail(("Return-Path", "<>")), "empty_return_path"),
    "mailer_daemon": (province_mail(sender="MAILER-DAEMON@mx.dla.go.th"), "mailer_daemon"),
    "postmaster": (province_mail(sender="Postmaster@dla.go.th"), "mailer_daemon"),
    "mailer_daemon_return_path": (province_mail(("Return-Path", "<MAILER-DAEMON>")), "mailer_daemon"),
    "delivery_report": (DSN.replace(b"Return-Path: <>\r\n", b""), "delivery_report"),
    "dsn_with_empty_return_path": (DSN, "empty_return_path"),
    "own_address": (province_mail(sender="localreport.DLA@gmail.com"), "own_address"),
}


@pytest.mark.parametrize("name", sorted(ROBOTS))
def test_robot_mail_is_never_answered_whatever_form_the_mail_takes(name: str) -> None:
    raw, reason = ROBOTS[name]

    found = {
        "bytes": robot_reason(raw, OURS),
        "message": robot_reason(email.message_from_bytes(raw), OURS),
        "incoming_mail": robot_reason(parse_mail(raw), OURS),
    }

    assert found == dict.fromkeys(found, reason)


@pytest.mark.parametrize(
    "extra",
    [
        (),
        (("Auto-Submitted", "no"),),
        (("Auto-Submitted", "No (a person wrote this)"),),
        (("X-Auto-Response-Suppress", "DR, RN, NRN"),),  # receipts only: not a request to stay quiet
        (("Precedence", "normal"),),
        (("Return-Path", "<saraban@kanchanaburi.go.th>"),),
        (("Reply-To", "someone-else@example.test"),),
    ],
)
def test_ordinary_province_mail_is_answered(extra: tuple[tuple[str, str], ...]) -> None:
    raw = province_mail(*extra)

    assert robot_reason(raw, OURS) is None
    assert robot_reason(parse_mail(raw), OURS) is None


def test_reason_codes_are_the_documented_ones() -> None:
    from bot.usecase.policy import ROBOT_REASONS

    assert {reason for _raw, reason in ROBOTS.values()} == set(ROBOT_REASONS)


# ------------------------------------------------------------------------------------------------ DMARC


def headers_of(raw: bytes) -> tuple[tuple[str, str], ...]:
    return parse_mail(raw).headers


def test_gmail_dmarc_pass_for_the_from_domain_is_trusted() -> None:
    raw = province_mail(("Authentication-Results", GMAIL_PASS))

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "pass"


def test_dmarc_fail_from_our_provider_is_a_fail() -> None:
    raw = province_mail(
        ("Authentication-Results", "mx.google.com; dmarc=fail (p=REJECT) header.from=kanchanaburi.go.th")
    )

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "fail"


def test_forged_pass_below_our_providers_header_is_ignored() -> None:
    raw = province_mail(
        ("Authentication-Results", "mx.google.com; spf=fail; dmarc=fail header.from=kanchanaburi.go.th"),
        ("Authentication-Results", "mx.google.com; dmarc=pass header.from=kanchanaburi.go.th"),  # forged
    )  # fmt: skip

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "fail"


def test_forged_pass_under_another_authserv_id_counts_for_nothing() -> None:
    raw = province_mail(("Authentication-Results", "mx.evil.test; dmarc=pass header.from=kanchanaburi.go.th"))

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "none"


def test_header_of_another_server_above_ours_is_skipped_and_ours_read() -> None:
    raw = province_mail(
        ("Authentication-Results", "relay.example.test; dmarc=fail header.from=kanchanaburi.go.th"),
        ("Authentication-Results", GMAIL_PASS),
    )

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "pass"


def test_pass_for_another_domain_than_the_from_domain_is_a_fail() -> None:
    raw = province_mail(("Authentication-Results", "mx.google.com; dmarc=pass header.from=attacker.example"))

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "fail"


def test_pass_without_header_from_is_not_trusted() -> None:
    raw = province_mail(("Authentication-Results", "mx.google.com; dmarc=pass"))

    assert dmarc_verdict(headers_of(raw), GOOGLE) == "fail"


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("mx.google.com; none", "none"),
        ("mx.google.com; spf=pass smtp.mailfrom=kanchanaburi.go.th", "none"),
        ("mx.google.com; dmarc=none (p=NONE) header.from=kanchanaburi.go.th", "none"),
        ("mx.google.com; dmarc=temperror header.from=kanchanaburi.go.th", "none"),
        ("mx.google.com; dmarc=permerror header.from=kanchanaburi.go.th", "fail"),
        ("MX.Google.COM 1; DMARC = Pass (p=none; sp=none) Header.From = Kanchanaburi.GO.TH", "pass"),
        ('mx.google.com (our (nested) gateway; really); dmarc=pass header.from="kanchanaburi.go.th"', "pass"),
        ("mx.google.com; dmarc=pass (comment; with; semicolons) header.from=kanchanaburi.go.th", "pass"),
    ],
)
def test_authentication_results_parsing_tolerates_case_comments_and_quotes(value: str, verdict: str) -> None:
    raw = province_mail(("Authentication-Results", value))

    assert dmarc_verdict(headers_of(raw), GOOGLE) == verdict


def test_no_authentication_results_at_all_is_none() -> None:
    assert dmarc_verdict(headers_of(province_mail()), GOOGLE) == "none"


def test_two_from_addresses_are_never_a_pass() -> None:
    headers = (
        ("Authentication-Results", "mx.google.com; dmarc=pass header.from=kanchanaburi.go.th"),
        ("From", "a@kanchanaburi.go.th, b@attacker.example"),
    )

    assert dmarc_verdict(headers, GOOGLE) == "fail"


def test_parsed_results_keep_method_result_and_properties() -> None:
    parsed = parse_auth_results(GMAIL_PASS)

    assert parsed is not None
    assert parsed.authserv_id == "mx.google.com"
    assert [(m, r) for m, r, _ in parsed.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert parsed.first("dkim") == (
        "pass",
        {"header.i": "@kanchanaburi.go.th", "header.s": "default", "header.b": "AbCd1234"},
    )


# ------------------------------------------------------------------------------------------ rate limits

NOW = dt.datetime(2020, 11, 2, 10, 0, tzinfo=dt.UTC)


def minutes_ago(*minutes: int) -> list[dt.datetime]:
    return [NOW - dt.timedelta(minutes=m) for m in minutes]


LIMITS = ReplyLimits(per_sender_per_hour=2, daily_cap=400)


def test_sender_under_the_hourly_limit_gets_a_reply() -> None:
    assert not LIMITS.sender_over_hourly_limit(minutes_ago(5), NOW)


def test_sender_at_the_hourly_limit_is_rate_limited() -> None:
    assert LIMITS.sender_over_hourly_limit(minutes_ago(5, 50), NOW)


def test_replies_older_than_an_hour_do_not_count_for_the_sender() -> None:
    assert not LIMITS.sender_over_hourly_limit(minutes_ago(61, 120, 600), NOW)


def test_daily_cap_counts_every_reply_of_the_last_24_hours() -> None:
    recent = minutes_ago(*range(1, 1440, 5))  # 288 replies in the last day
    older = minutes_ago(1441, 2000)

    assert ReplyLimits(daily_cap=288).daily_cap_reached(recent + older, NOW)
    assert not ReplyLimits(daily_cap=289).daily_cap_reached(recent + older, NOW)


def test_the_two_checks_are_independent() -> None:
    sent = minutes_ago(*range(1, 60))

    assert ReplyLimits(per_sender_per_hour=2).sender_over_hourly_limit(sent, NOW)
    assert not ReplyLimits(per_sender_per_hour=2).daily_cap_reached(sent, NOW)
    assert ReplyLimits(daily_cap=2).daily_cap_reached(sent, NOW)
    assert not ReplyLimits(daily_cap=2).sender_over_hourly_limit(sent, NOW)


# ---------------------------------------------------------------------------------------- senders, time

SENDERS = {"กาญจนบุรี": ["Saraban@Kanchanaburi.go.th", "*@dla.go.th"], "ลำพูน": []}


@pytest.mark.parametrize(
    ("province", "address", "verdict"),
    [
        ("กาญจนบุรี", "saraban@kanchanaburi.go.th", "verified"),
        ("กาญจนบุรี", "SARABAN@KANCHANABURI.GO.TH", "verified"),
        ("กาญจนบุรี", "anyone@DLA.go.th", "verified"),
        ("กาญจนบุรี", "anyone@sub.dla.go.th", "unverified"),  # *@domain is that domain only
        ("กาญจนบุรี", "kanchanaburi@gmail.com", "unverified"),
        ("ลำพูน", "saraban@kanchanaburi.go.th", "unverified"),
        ("ตาก", "saraban@kanchanaburi.go.th", "unknown_province"),
        (None, "saraban@kanchanaburi.go.th", "unknown_province"),
    ],
)
def test_sender_map_allows_listed_addresses_and_domains(
    province: str | None, address: str, verdict: str
) -> None:
    assert sender_verdict(province, address, SENDERS) == verdict


@pytest.mark.parametrize(
    ("received", "late"),
    [
        (dt.datetime(2020, 11, 2, 16, 59, tzinfo=dt.UTC), False),  # 23:59 in Bangkok on the deadline day
        (dt.datetime(2020, 11, 2, 17, 0, tzinfo=dt.UTC), True),  # 00:00 the next day in Bangkok
        (dt.datetime(2020, 11, 3, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))), True),
        (dt.datetime(2020, 11, 2, 16, 0), False),  # naive: UTC
    ],
)
def test_late_means_after_the_deadline_day_in_thai_time(received: dt.datetime, late: bool) -> None:
    assert is_late(received, dt.date(2020, 11, 2)) is late
