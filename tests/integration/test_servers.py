"""The test-owned servers behave like the real ones the daemon will meet (and like the notes say)."""

from __future__ import annotations

import imaplib
import io
import smtplib
import time
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from typing import Literal

import openpyxl
import pytest
from imap_tools import AND, MailboxLoginError

from tests.helpers import hostile as h
from tests.helpers.servers import DovecotServer, ImapAccount, SmtpSink

pytestmark = pytest.mark.servers

THAI_SUBJECT = "รายงานประจำวัน 27/11"
THAI_FILENAME = "รายงานยอดขาย_ประจำเดือน.xlsx"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def tiny_xlsx() -> bytes:
    return h.xlsx({"Sheet": [["ชื่อ", "ยอด"], ["สมชาย", 120]]})


def thai_report_mail(to: str, *, subject: str = THAI_SUBJECT, xlsx: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "ระบบนำเข้าข้อมูล จังหวัดน่าน <nan@example.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<report-1@example.test>"
    msg.set_content("ส่งรายงานครับ\n.a line that starts with a dot\n")
    if xlsx is not None:
        msg.add_attachment(xlsx, *XLSX_TYPE, filename=THAI_FILENAME)
    return msg


def decoded(raw_header: str) -> str:
    return str(make_header(decode_header(raw_header)))


# ------------------------------------------------------------------------------------------------- Dovecot


def test_thai_xlsx_delivered_over_lmtp_is_fetched_byte_exact_and_stays_unseen(
    imap_account: ImapAccount,
) -> None:
    xlsx = tiny_xlsx()
    imap_account.deliver(thai_report_mail(imap_account.user, xlsx=xlsx).as_bytes())

    with imap_account.mailbox() as mb:
        [fetched] = mb.fetch(mark_seen=False)
        [attachment] = fetched.attachments
        assert attachment.filename == THAI_FILENAME
        assert attachment.payload == xlsx
        assert openpyxl.load_workbook(io.BytesIO(attachment.payload)).worksheets[0]["A2"].value == "สมชาย"
        assert decoded(fetched.obj["Subject"]) == THAI_SUBJECT
        assert "\\Seen" not in fetched.flags
        assert mb.uids(AND(seen=False)) == [fetched.uid]


def test_restarted_dovecot_keeps_mail_and_accepts_logins_on_the_same_port(
    dovecot: DovecotServer, imap_account: ImapAccount
) -> None:
    imap_account.deliver(thai_report_mail(imap_account.user).as_bytes())
    port, lmtp_port = dovecot.port, dovecot.lmtp_port
    old = imap_account.mailbox()

    dovecot.restart()

    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        old.client.noop()  # a connection from before the restart is dead, as after a real server crash
    assert (dovecot.port, dovecot.lmtp_port) == (port, lmtp_port)
    imap_account.deliver(thai_report_mail(imap_account.user, subject="หลังเริ่มใหม่").as_bytes())
    with imap_account.mailbox() as mb:
        subjects = [decoded(m.obj["Subject"]) for m in mb.fetch(mark_seen=False)]
    assert subjects == [THAI_SUBJECT, "หลังเริ่มใหม่"]


def test_two_users_see_only_their_own_mail(dovecot: DovecotServer, imap_account: ImapAccount) -> None:
    other_user, other_password = f"other-{imap_account.user}", "other-secret"
    dovecot.add_user(other_user, other_password)

    imap_account.deliver(thai_report_mail(imap_account.user, subject="ของคนแรก").as_bytes())
    dovecot.deliver(other_user, thai_report_mail(other_user, subject="ของคนที่สอง").as_bytes())

    with imap_account.mailbox() as mb:
        assert [decoded(m.obj["Subject"]) for m in mb.fetch(mark_seen=False)] == ["ของคนแรก"]
    with dovecot.mailbox(other_user, other_password) as mb:
        assert [decoded(m.obj["Subject"]) for m in mb.fetch(mark_seen=False)] == ["ของคนที่สอง"]


def test_wrong_imap_password_fails_without_delaying_the_next_login(
    imap_account: ImapAccount,
) -> None:
    with pytest.raises(MailboxLoginError, match="AUTHENTICATIONFAILED"):
        imap_account.server.mailbox(imap_account.user, "not-the-password")

    # Dovecot's anvil auth penalty would delay the next login from 127.0.0.1 by 4 s; the test config
    # turns it off so that one test's failed login does not slow down the tests after it.
    started = time.monotonic()
    imap_account.mailbox().logout()
    assert time.monotonic() - started < 2


def test_capabilities_refreshed_after_login_show_move_so_move_leaves_other_deleted_mail(
    imap_account: ImapAccount,
) -> None:
    """imap-tools reads CAPABILITY before login; Dovecot lists MOVE only after it (notes/mail.md, #2)."""
    for subject in ("to move", "marked deleted by someone else"):
        imap_account.deliver(thai_report_mail(imap_account.user, subject=subject).as_bytes())

    with imap_account.mailbox() as mb:
        assert "MOVE" not in mb.client.capabilities
        mb.client.capabilities = tuple(mb.client.capability()[1][0].decode().upper().split())
        assert "MOVE" in mb.client.capabilities

        to_move, deleted = mb.uids()
        mb.client.uid("STORE", deleted, "+FLAGS", "(\\Deleted)")  # plain STORE: imap-tools' flag() expunges
        mb.folder.create("Processed")
        mb.move(to_move, "Processed")

        assert mb.uids() == [deleted]  # a COPY + EXPUNGE fallback would have expunged it
        mb.folder.set("Processed")
        assert len(mb.uids()) == 1


# ---------------------------------------------------------------------------------------------------- SMTP


def test_sink_records_envelope_and_raw_bytes_and_thai_subject_decodes_exactly(smtp_sink: SmtpSink) -> None:
    raw = thai_report_mail("province@example.test", xlsx=tiny_xlsx()).as_bytes(policy=policy.SMTP)

    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        smtp.sendmail("bot@example.test", ["province@example.test", "cc@example.test"], raw)

    [(mail_from, rcpt_tos, received)] = smtp_sink.wait_for(1)
    assert (mail_from, rcpt_tos) == ("bot@example.test", ["province@example.test", "cc@example.test"])
    assert received == raw  # dot-stuffing undone, nothing re-encoded
    parsed = message_from_bytes(received)
    assert decoded(parsed["Subject"]) == THAI_SUBJECT
    assert decoded(parsed["From"]) == "ระบบนำเข้าข้อมูล จังหวัดน่าน <nan@example.test>"


@pytest.mark.parametrize(
    ("refuse_at", "error"),
    [("data", smtplib.SMTPDataError), ("rcpt", smtplib.SMTPRecipientsRefused)],
)
def test_refusing_sink_makes_smtplib_raise_until_it_accepts_again(
    smtp_sink: SmtpSink, refuse_at: Literal["rcpt", "data"], error: type[smtplib.SMTPException]
) -> None:
    raw = thai_report_mail("province@example.test").as_bytes(policy=policy.SMTP)
    smtp_sink.refuse, smtp_sink.refuse_at = True, refuse_at

    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        with pytest.raises(error) as caught:
            smtp.sendmail("bot@example.test", ["province@example.test"], raw)
        assert "451" in str(caught.value)
        smtp.rset()

        smtp_sink.refuse = False
        smtp.sendmail("bot@example.test", ["province@example.test"], raw)

    assert len(smtp_sink.wait_for(1)) == 1


def test_stopped_sink_refuses_connections_and_comes_back_on_the_same_port(smtp_sink: SmtpSink) -> None:
    smtp_sink.stop()
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5)

    smtp_sink.start()
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        smtp.sendmail("bot@example.test", ["x@example.test"], b"Subject: back\r\n\r\nok\r\n")
    assert smtp_sink.wait_for(1)[0].raw == b"Subject: back\r\n\r\nok\r\n"


def test_wait_for_times_out_when_nothing_arrives(smtp_sink: SmtpSink) -> None:
    with pytest.raises(TimeoutError, match="got 0 message"):
        smtp_sink.wait_for(1, timeout=0.05)


def test_sink_with_auth_accepts_the_right_password_and_rejects_the_wrong_one() -> None:
    with SmtpSink(auth=("bot@example.test", "s3cret-pass")) as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
            with pytest.raises(smtplib.SMTPSenderRefused, match="530"):
                smtp.sendmail("bot@example.test", ["x@example.test"], b"Subject: no auth\r\n\r\n.\r\n")
            with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
                smtp.login("bot@example.test", "wrong")
            assert caught.value.smtp_code == 535

        with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
            smtp.login("bot@example.test", "s3cret-pass")
            smtp.sendmail("bot@example.test", ["x@example.test"], b"Subject: with auth\r\n\r\nok\r\n")

        [mail] = sink.wait_for(1)
        assert mail.raw.startswith(b"Subject: with auth")
