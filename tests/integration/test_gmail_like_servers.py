"""The test-owned servers behave like Gmail when asked to: the Thai folder layout (tests/helpers/dovecot.py
with tests/helpers/dovecot_profiles.py), the IMAP quirks (tests/helpers/gmail_proxy.py) and the SMTP
refusals (tests/helpers/smtp_sink.py)."""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
from email.message import EmailMessage
from typing import BinaryIO

import pytest
from imap_tools.imap_utf7 import utf7_decode

from tests.helpers.imap_accounts import append_messages
from tests.helpers.servers import (
    GMAIL_ALL,
    GMAIL_REPLIES,
    GMAIL_SENT,
    GMAIL_SPAM,
    GMAIL_TRASH,
    DovecotServer,
    GmailImapProxy,
    ImapAccount,
    ReceivedMail,
    SmtpSink,
)
from tests.helpers.smtp_sink import RefusalStage

pytestmark = pytest.mark.servers

LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) "(?P<delim>[^"]*)" "?(?P<name>[^"]*)"?')


def report(message_id: str, *, subject: str = "รายงานประจำวัน", body: str = "ส่งรายงานครับ\n") -> bytes:
    msg = EmailMessage()
    msg["Subject"], msg["Message-ID"] = subject, message_id
    msg.set_content(body)
    return msg.as_bytes()


def imap_login(server: DovecotServer | GmailImapProxy, account: ImapAccount) -> imaplib.IMAP4:
    client = imaplib.IMAP4(server.host, server.port, timeout=5)
    client.login(account.user, account.password)
    return client


def raw_list(client: imaplib.IMAP4) -> dict[str, tuple[str, set[str]]]:
    """LIST "" "*" as the server sent it: decoded name → (separator, flags); names on the wire are ASCII."""
    found, (typ, lines) = {}, client.list()
    assert typ == "OK"
    for line in lines:
        assert isinstance(line, bytes) and line.isascii()
        match = LIST_LINE.fullmatch(line)
        assert match, line
        found[utf7_decode(match["name"])] = (match["delim"].decode(), set(match["flags"].decode().split()))
    return found


# ------------------------------------------------------------------------------------- Gmail-like Dovecot


def test_gmail_profile_lists_thai_special_use_folders_with_slashes(gmail_account: ImapAccount) -> None:
    client = imap_login(gmail_account.server, gmail_account)
    listed = raw_list(client)
    _, wire = client.list('""', '"[Gmail]/*"')
    client.logout()

    for name, flag in (
        (GMAIL_SENT, "\\Sent"),
        (GMAIL_SPAM, "\\Junk"),
        (GMAIL_ALL, "\\All"),
        (GMAIL_TRASH, "\\Trash"),
    ):
        assert listed[name] == ("/", {"\\HasNoChildren", flag})
    assert listed["INBOX"][0] == "/"
    assert b'(\\HasNoChildren \\Junk) "/" [Gmail]/&DioOQQ4bDiE-' in wire  # modified UTF-7 on the wire

    with gmail_account.mailbox() as mb:
        seen = {f.name: (f.delim, f.flags) for f in mb.folder.list()}
    assert seen[GMAIL_SPAM] == ("/", ("\\HasNoChildren", "\\Junk"))
    assert seen[GMAIL_SENT][0] == "/" and "\\Sent" in seen[GMAIL_SENT][1]
    assert gmail_account.server.sent_folder == GMAIL_SENT


def test_default_profile_keeps_dots_and_a_sent_folder_made_on_demand(imap_account: ImapAccount) -> None:
    imap = imap_account
    client = imap_login(imap.server, imap)
    assert raw_list(client) == {"INBOX": (".", {"\\HasNoChildren"})}
    client.logout()
    imap.filer()(ReceivedMail("bot@example.test", ["x@example.test"], report("<s-1@example.test>")))
    assert imap.message_ids("Sent") == ["<s-1@example.test>"]
    with imap.mailbox() as mb:
        assert {f.name: f.flags for f in mb.folder.list()}["Sent"] == ("\\HasNoChildren", "\\Sent")


def test_thai_spam_folder_and_slashed_subfolders_take_and_give_back_mail(gmail_account: ImapAccount) -> None:
    raw = report("<spam-1@example.test>", subject="โฆษณา")
    assert gmail_account.append(GMAIL_SPAM, [raw]) == 1
    gmail_account.append("Reports/2567", [report("<r-1@example.test>")])
    gmail_account.filer()(ReceivedMail("bot@example.test", ["x@example.test"], report("<s-1@example.test>")))

    assert gmail_account.message_ids(GMAIL_SPAM) == ["<spam-1@example.test>"]
    assert gmail_account.message_ids("Reports/2567") == ["<r-1@example.test>"]
    assert gmail_account.message_ids(GMAIL_SENT) == ["<s-1@example.test>"]
    with gmail_account.mailbox() as mb:
        mb.folder.set(GMAIL_SPAM, readonly=True)
        assert [m.subject for m in mb.fetch(mark_seen=False)] == ["โฆษณา"]
        assert "Reports/2567" in [f.name for f in mb.folder.list()]


# ----------------------------------------------------------------------------------------------- the proxy


def send(sock: socket.socket, reader: BinaryIO, command: bytes) -> list[bytes]:
    """Send one tagged command on a raw socket and return every response line up to the tagged one."""
    tag = command.split(b" ", 1)[0]
    sock.sendall(command + b"\r\n")
    lines = [reader.readline()]
    while not lines[-1].startswith(tag + b" "):
        assert lines[-1], "connection closed"
        lines.append(reader.readline())
    return lines


def test_proxy_adds_x_gm_ext_1_to_the_greeting_and_every_capability_list(
    gmail_proxy: GmailImapProxy, gmail_account: ImapAccount
) -> None:
    with socket.create_connection((gmail_proxy.host, gmail_proxy.port), timeout=5) as sock:
        reader = sock.makefile("rb")
        greeting = reader.readline()
        # Dovecot puts [CAPABILITY ...] on the LOGIN reply only when the client has not asked for it yet.
        user, password = gmail_account.user.encode(), gmail_account.password.encode()
        login = send(sock, reader, b'a1 LOGIN "%s" "%s"' % (user, password))
        capability = send(sock, reader, b"a2 CAPABILITY")
        send(sock, reader, b"a3 LOGOUT")

    assert re.match(rb"\* OK \[CAPABILITY IMAP4rev1 [^\]]* X-GM-EXT-1\] ", greeting), greeting
    assert re.fullmatch(rb"\* CAPABILITY IMAP4rev1 .* X-GM-EXT-1\r\n", capability[0]), capability
    assert re.match(rb"a1 OK \[CAPABILITY IMAP4rev1 [^\]]* MOVE [^\]]* X-GM-EXT-1\] Logged in", login[-1])
    direct = imap_login(gmail_account.server, gmail_account)
    assert "X-GM-EXT-1" not in direct.capabilities  # Dovecot itself does not have it
    direct.logout()


def test_proxy_finds_a_message_by_x_gm_raw_rfc822msgid_which_dovecot_alone_rejects(
    gmail_proxy: GmailImapProxy, gmail_account: ImapAccount
) -> None:
    for n in range(1, 4):
        gmail_account.deliver(report(f"<report-{n}.x@example.test>"))
    query = 'X-GM-RAW "rfc822msgid:<report-2.x@example.test>"'

    client = imap_login(gmail_proxy, gmail_account)
    client.select("INBOX", readonly=True)
    assert client.uid("SEARCH", query) == ("OK", [b"2"])
    assert client.search(None, 'X-GM-RAW "rfc822msgid:report-3.x@example.test"') == ("OK", [b"3"])
    assert client.uid("SEARCH", 'X-GM-RAW "rfc822msgid:<nowhere@example.test>"') == ("OK", [b""])
    client.logout()
    assert b"UID SEARCH " + query.encode() in b"\n".join(gmail_proxy.commands)  # as the client sent it

    direct = imap_login(gmail_account.server, gmail_account)
    direct.select("INBOX", readonly=True)
    with pytest.raises(imaplib.IMAP4.error, match="BAD"):
        direct.uid("SEARCH", query)
    direct.logout()


def test_proxy_misses_header_message_id_searches_only_when_asked(
    gmail_proxy: GmailImapProxy, gmail_account: ImapAccount
) -> None:
    gmail_account.deliver(report("<miss-1@example.test>"))
    client = imap_login(gmail_proxy, gmail_account)
    client.select("INBOX", readonly=True)
    header = 'HEADER Message-ID "<miss-1@example.test>"'
    assert client.uid("SEARCH", header) == ("OK", [b"1"])

    gmail_proxy.header_search_misses = True
    assert client.uid("SEARCH", header) == ("OK", [b""])
    assert client.search(None, "UNSEEN", header) == ("OK", [b""])
    assert client.uid("SEARCH", 'X-GM-RAW "rfc822msgid:<miss-1@example.test>"') == ("OK", [b"1"])
    assert client.uid("SEARCH", "ALL") == ("OK", [b"1"])
    client.logout()


def test_proxy_counts_the_bytes_a_fetch_downloads_and_a_search_does_not(
    gmail_proxy: GmailImapProxy, gmail_account: ImapAccount
) -> None:
    big = report("<big-1@example.test>", body=("ก" * 300 + "\n") * 230)  # ~200 kB in base64
    assert len(big) >= 200_000
    client = imap_login(gmail_proxy, gmail_account)
    gmail_proxy.reset_counters()
    client.append("INBOX", None, None, big)
    assert gmail_proxy.bytes_from_client >= len(big)
    client.select("INBOX", readonly=True)

    gmail_proxy.reset_counters()
    client.uid("SEARCH", 'X-GM-RAW "rfc822msgid:<big-1@example.test>"')
    assert 0 < gmail_proxy.bytes_to_client < 200
    assert 0 < gmail_proxy.bytes_from_client < 200

    gmail_proxy.reset_counters()
    typ, data = client.uid("FETCH", "1", "(BODY.PEEK[])")
    assert typ == "OK" and isinstance(data[0], tuple) and data[0][1] == big.replace(b"\n", b"\r\n")
    assert gmail_proxy.bytes_to_client >= 200_000
    assert gmail_proxy.bytes_from_client < 100
    client.logout()


def test_proxy_passes_literals_untouched_both_ways_on_several_connections(
    gmail_proxy: GmailImapProxy, gmail_account: ImapAccount
) -> None:
    # Lines that the proxy would rewrite or answer itself if it read a literal as commands or responses.
    tricky = (
        b"Subject: tricky\r\nMessage-ID: <tricky-1@example.test>\r\n\r\n"
        b"* CAPABILITY IMAP4rev1\r\n* OK [CAPABILITY IMAP4rev1] hi\r\n"
        b'a9 UID SEARCH X-GM-RAW "rfc822msgid:<x@example.test>"\r\n'
        b'a10 SEARCH HEADER Message-ID "<x@example.test>"\r\n'
        b"a line that ends like a literal {5}\r\n" + "ไทย\r\n".encode()
    )
    gmail_proxy.header_search_misses = True
    first, second = imap_login(gmail_proxy, gmail_account), imap_login(gmail_proxy, gmail_account)
    assert first.append("INBOX", None, None, tricky)[0] == "OK"  # a synchronising literal {n}
    second.select("INBOX", readonly=True)
    first.select("INBOX", readonly=True)
    fetched = second.uid("FETCH", "1", "(BODY.PEEK[])")[1][0]
    assert fetched == (b"1 (UID 1 BODY[] {%d}" % len(tricky), tricky)
    assert first.uid("SEARCH", "ALL") == ("OK", [b"1"])
    first.logout()
    second.logout()
    # MULTIAPPEND with non-synchronising literals {n+} into the Thai spam folder, through the proxy.
    raws = [report(f"<plus-{n}@example.test>") for n in range(3)]
    login = (gmail_proxy.host, gmail_proxy.port, gmail_account.user, gmail_account.password)
    assert append_messages(*login, GMAIL_SPAM, raws, separator="/") == 3
    assert gmail_account.message_ids(GMAIL_SPAM) == [f"<plus-{n}@example.test>" for n in range(3)]


def test_stopped_proxy_cuts_open_connections(gmail_proxy: GmailImapProxy, gmail_account: ImapAccount) -> None:
    client = imap_login(gmail_proxy, gmail_account)
    gmail_proxy.stop()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()
    with pytest.raises(ConnectionRefusedError):
        imap_login(gmail_proxy, gmail_account)


# ------------------------------------------------------------------------------------------ SMTP refusals

MAIL = b"Subject: report\r\n\r\nok\r\n"
REFUSALS: list[tuple[str, RefusalStage, type[smtplib.SMTPException], int, str]] = [
    ("quota", "data", smtplib.SMTPDataError, 550, "5.4.5"),
    ("quota", "mail", smtplib.SMTPSenderRefused, 550, "5.4.5"),
    ("policy", "data", smtplib.SMTPDataError, 550, "5.7.1"),
    ("temporary", "rcpt", smtplib.SMTPRecipientsRefused, 454, "4.7.0"),
    ("busy", "data", smtplib.SMTPDataError, 451, "4.3.0"),
    ("no_such_user", "rcpt", smtplib.SMTPRecipientsRefused, 550, "5.1.1"),
]


@pytest.mark.parametrize(("kind", "stage", "error", "code", "status"), REFUSALS)
def test_each_gmail_refusal_reaches_smtplib_with_its_code_and_wording(
    smtp_sink: SmtpSink, kind: str, stage: RefusalStage, error: type[Exception], code: int, status: str
) -> None:
    # The plain switch of old (`refuse`), now also at "mail", with Gmail's replies.
    smtp_sink.refuse, smtp_sink.refuse_at, smtp_sink.refuse_reply = True, stage, GMAIL_REPLIES[kind]
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        with pytest.raises(error) as caught:
            smtp.sendmail("bot@example.test", ["nan@example.test"], MAIL)
        smtp.noop()  # the connection stays usable
    if isinstance(caught.value, smtplib.SMTPRecipientsRefused):
        [(got_code, text)] = caught.value.recipients.values()
    else:
        got_code, text = caught.value.smtp_code, caught.value.smtp_error  # type: ignore[attr-defined]
    assert got_code == code
    lines = text.decode().split("\n")
    assert all(line.startswith(status) for line in lines) and lines[-1].endswith("- gsmtp")
    address = "bot@example.test" if stage == "mail" else "nan@example.test"
    assert smtp_sink.refusals == [(address, GMAIL_REPLIES[kind])]
    assert smtp_sink.messages == []


def test_multi_line_replies_go_out_with_dash_continuation_lines(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_rcpt = {"ghost@example.test": GMAIL_REPLIES["no_such_user"]}
    with socket.create_connection((smtp_sink.host, smtp_sink.port), timeout=5) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        for command in (b"HELO me", b"MAIL FROM:<bot@example.test>", b"RCPT TO:<ghost@example.test>"):
            sock.sendall(command + b"\r\n")
            lines = [reader.readline()]
            while lines[-1][3:4] == b"-":
                lines.append(reader.readline())
    assert [line[:10] for line in lines] == [b"550-5.1.1 "] * 3 + [b"550 5.1.1 "]
    assert lines[0] == b"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data"])
def test_throttled_421_closes_the_connection_like_gmail(smtp_sink: SmtpSink, stage: RefusalStage) -> None:
    smtp_sink.refuse_at, smtp_sink.script = stage, [GMAIL_REPLIES["throttled"]]
    smtp = smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5)
    smtp.ehlo()
    replies = [smtp.mail("bot@example.test")]  # step by step: sendmail() would close the socket itself
    if stage != "mail":
        replies.append(smtp.rcpt("nan@example.test"))
    if stage == "data":
        replies.append(smtp.data(MAIL))
    assert replies[-1][0] == 421 and b"closing connection" in replies[-1][1]
    assert all(code == 250 for code, _ in replies[:-1])

    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp.noop()
    smtp.close()
    assert smtp_sink.messages == [] and len(smtp_sink.refusals) == 1


def test_script_refuses_the_third_message_only_then_falls_back_to_refuse(smtp_sink: SmtpSink) -> None:
    smtp_sink.script = ["250", "250", GMAIL_REPLIES["quota"]]  # refuse_at stays "data"
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        outcomes = []
        for n in range(1, 5):
            try:
                smtp.sendmail("bot@example.test", [f"p{n}@example.test"], b"Subject: %d\r\n\r\n." % n)
                outcomes.append(250)
            except smtplib.SMTPDataError as e:
                outcomes.append(e.smtp_code)
        smtp_sink.refuse = True  # the script is used up: the plain switch decides again
        with pytest.raises(smtplib.SMTPDataError, match="451"):
            smtp.sendmail("bot@example.test", ["p5@example.test"], MAIL)

    assert outcomes == [250, 250, 550, 250]
    assert [m.rcpt_tos[0] for m in smtp_sink.messages] == [
        "p1@example.test",
        "p2@example.test",
        "p4@example.test",
    ]
    assert [a for a, _ in smtp_sink.refusals] == ["p3@example.test", "p5@example.test"]
    assert smtp_sink.script == []


def test_rcpt_script_answers_every_recipient_of_a_message_alike_and_refuse_rcpt_ignores_case(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.refuse_at, smtp_sink.script = "rcpt", [GMAIL_REPLIES["temporary"]]
    smtp_sink.refuse_rcpt = {"Ghost@Example.TEST": GMAIL_REPLIES["no_such_user"]}
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
            smtp.sendmail("bot@example.test", ["a@example.test", "b@example.test"], MAIL)
        assert {code for code, _ in caught.value.recipients.values()} == {454}
        refused = smtp.sendmail("bot@example.test", ["a@example.test", "ghost@example.test"], MAIL)

    assert refused["ghost@example.test"][0] == 550
    assert [m.rcpt_tos for m in smtp_sink.wait_for(1)] == [["a@example.test"]]


def test_smtputf8_is_advertised_and_a_thai_address_accepted_only_when_on() -> None:
    thai = "ผู้รับ@ตัวอย่าง.ไทย"
    with SmtpSink() as sink, smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("smtputf8")
        with pytest.raises(smtplib.SMTPNotSupportedError):  # smtplib checks the EHLO list itself
            smtp.sendmail("bot@example.test", [thai], MAIL, mail_options=["SMTPUTF8"])
        assert smtp.docmd("MAIL FROM:<bot@example.test> SMTPUTF8")[0] == 555
        smtp.command_encoding = "utf-8"  # a client that sends UTF-8 anyway gets what a real server says
        assert smtp.mail("bot@example.test") == (250, b"2.1.0 OK")
        code, text = smtp.rcpt(thai)
        assert (code, text[:5]) == (553, b"5.6.7")
        assert smtp.noop()[0] == 250  # no crash, the session goes on
        assert sink.refusals[-1] == (thai, f"553 {text.decode()}")

    with SmtpSink(smtputf8=True) as sink, smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("smtputf8")
        smtp.sendmail(
            "bot@example.test", [thai], "Subject: ทดสอบ\r\n\r\nok\r\n".encode(), mail_options=["SMTPUTF8"]
        )
        with pytest.raises(smtplib.SMTPRecipientsRefused, match=r"5\.6\.7"):  # without SMTPUTF8 on MAIL
            smtp.sendmail("bot@example.test", [thai], MAIL)
        assert [m.rcpt_tos for m in sink.wait_for(1)] == [[thai]]


def test_auth_refusal_answers_gmails_app_password_reply_until_cleared() -> None:
    refusal = GMAIL_REPLIES["auth_app_password"]
    with SmtpSink(auth=("bot@example.test", "app-pass"), auth_refusal=refusal) as sink:
        smtp = smtplib.SMTP(sink.host, sink.port, timeout=5)
        with smtp, pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            smtp.login("bot@example.test", "app-pass")
        assert caught.value.smtp_code == 534
        assert b"5.7.9 Application-specific password required" in caught.value.smtp_error
        assert sink.refusals[0] == ("bot@example.test", refusal)

        sink.auth_refusal = None
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
            smtp.login("bot@example.test", "app-pass")
            smtp.sendmail("bot@example.test", ["nan@example.test"], MAIL)
        assert len(sink.wait_for(1)) == 1
