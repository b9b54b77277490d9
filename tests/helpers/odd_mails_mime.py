"""The writers of the odd-mail corpus (tests/helpers/odd_mails.py) and its cases whose MIME structure is
what is odd: a boundary missing, never closed or reused, base64 with garbage, quoted-printable soft
breaks inside a Thai character, a message cut short, 300 parts, uuencode, bare LF line ends; and the
shapes of mail clients and robots (bounces, auto-replies, lists, Outlook, Apple Mail, S/MIME).

Everything is bytes, written by hand as each client writes it: a header given as `str` is written as
UTF-8 (RFC 6532), `bytes` as they are.
"""

from __future__ import annotations

import base64
import binascii
import quopri
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

Line = str | bytes
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OUR_ADDRESS = "Localreport.dla@gmail.com"
DATE = "Mon, 02 Nov 2020 09:15:00 +0700"
SUBJECT = "ส่งรายงานผลการประเมินผู้บริหารท้องถิ่น"
TEXT = "เรียน กรมส่งเสริมการปกครองท้องถิ่น\r\nขอส่งรายงานผลการประเมินผู้บริหารท้องถิ่น ตามหนังสือ มท 0810.7/ว\r\n"


@dataclass(frozen=True, slots=True)
class OddMail:
    """One odd mail: its name, its raw bytes, and the outcome a correct bot gives it (ports.Outcome)."""

    name: str
    raw: bytes
    expect: str


@dataclass(frozen=True, slots=True)
class Report:
    """A workbook as a province attaches it."""

    province: str
    filename: str
    payload: bytes


Reports = Iterator[Report]  # each valid report is used by one case only


def _bytes(line: Line) -> bytes:
    return line.encode("utf-8") if isinstance(line, str) else line


def sender_of(name: str) -> str:
    """A distinct sender per case: the per-sender rate limit must never be what decides a case."""
    return f"{name.replace('_', '-')}@dla.go.th"


def envelope(name: str, *, subject: Line = SUBJECT, sender: Line | None = None, date: str | None = DATE,
             message_id: str | None = None, extra: Sequence[Line] = ()) -> list[Line]:  # fmt: skip
    """From (`sender` is the whole From line; b"" leaves it out), To, Subject, Date, Message-ID, extra."""
    lines: list[Line] = []
    if sender != b"":
        lines.append(sender if sender is not None else f"From: สถจ. <{sender_of(name)}>")
    lines += [f"To: {OUR_ADDRESS}", b"Subject: " + _bytes(subject)]
    if date is not None:
        lines.append(f"Date: {date}")
    return [*lines, f"Message-ID: {message_id or f'<{name}@odd.dla.go.th>'}", *extra]


def raw_mail(headers: Sequence[Line], body: Line = b"") -> bytes:
    return b"\r\n".join(_bytes(h) for h in headers) + b"\r\n\r\n" + _bytes(body)


def part(headers: Sequence[Line], body: Line) -> bytes:
    return raw_mail(headers, body)


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def qp(data: bytes) -> bytes:
    return quopri.encodestring(data).replace(b"\n", b"\r\n")


def b_word(text: str, charset: str = "utf-8", codec: str | None = None) -> str:
    """One RFC 2047 B encoded-word."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode()}?="


def q_word(text: str, charset: str = "utf-8", codec: str | None = None) -> str:
    """One RFC 2047 Q encoded-word, every byte but ASCII letters and digits as =XX (as Outlook writes)."""
    data = text.encode(codec or charset)
    return (
        f"=?{charset}?Q?"
        + "".join(chr(c) if chr(c).isalnum() and c < 128 else f"={c:02X}" for c in data)
        + "?="
    )


def multipart(subtype: str, boundary: str, parts: Sequence[bytes], *, close: bool = True,
              params: str = "") -> bytes:  # fmt: skip
    """A multipart entity (its Content-Type header and body); `close=False` leaves out the closing line."""
    b = boundary.encode()
    body = b"".join(b"\r\n--" + b + b"\r\n" + p for p in parts) + (
        b"\r\n--" + b + b"--\r\n" if close else b"\r\n"
    )
    return part([f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}'], body)


def text_part(text: str = TEXT, charset: str = "utf-8", cte: str = "base64", subtype: str = "plain") -> bytes:
    data = text.encode("cp874" if charset.lower() == "windows-874" else charset)
    body = {"base64": b64, "quoted-printable": qp}.get(cte, lambda d: d)(data)
    return part(
        [f'Content-Type: text/{subtype}; charset="{charset}"', f"Content-Transfer-Encoding: {cte}"], body
    )


def workbook_part(report: Report, *, names: Line | None = None, disposition: str = "attachment",
                  body: bytes | None = None, cte: str = "base64") -> bytes:  # fmt: skip
    """The workbook attached; `names` replaces its name parameters (`filename="…"` by default)."""
    params = _bytes(names) if names is not None else f'filename="{report.filename}"'.encode()
    return part(
        [f"Content-Type: {XLSX_TYPE}", f"Content-Disposition: {disposition}; ".encode() + params,
         f"Content-Transfer-Encoding: {cte}"],
        body if body is not None else b64(report.payload),
    )  # fmt: skip


def mail(name: str, parts: Sequence[bytes], *, subtype: str = "mixed", head: Sequence[Line] | None = None,
         close: bool = True, boundary: str = "odd-b0undary", params: str = "") -> bytes:  # fmt: skip
    """A multipart mail of `parts` under `head` (default `envelope(name)`)."""
    entity = multipart(subtype, boundary, parts, close=close, params=params)
    return (
        b"\r\n".join(_bytes(h) for h in [*(head or envelope(name)), "MIME-Version: 1.0"]) + b"\r\n" + entity
    )


def uuencode(name: str, data: bytes) -> bytes:
    lines = [b"begin 644 " + name.encode()]
    lines += [binascii.b2a_uu(data[i : i + 45]).rstrip(b"\n") for i in range(0, len(data), 45)]
    return b"\r\n".join([*lines, b"`", b"end"]) + b"\r\n"


def qp_oddly(data: bytes, widths: Sequence[int] = (7, 13, 2, 29, 5)) -> bytes:
    """Quoted-printable with a soft line break after every few encoded characters, wherever it falls
    (between the bytes of one Thai character too; never inside one =XX)."""
    tokens = [bytes([c]) if 33 <= c <= 126 and c != 61 else b"=%02X" % c for c in data]
    lines, i, n = [], 0, 0
    while i < len(tokens):
        lines.append(b"".join(tokens[i : i + widths[n % len(widths)]]))
        i, n = i + widths[n % len(widths)], n + 1
    return b"=\r\n".join(lines) + b"\r\n"


# ------------------------------------------------------------------------------------ broken MIME


def broken_mime(r: Reports) -> list[OddMail]:
    """MIME structures that broken software (or a cut connection) leaves."""
    never_closed, reused, garbled, soft, many, uu_part, uu_body, bare_lf, mbox = (next(r) for _ in range(9))
    half = b64(never_closed.payload)[: len(b64(never_closed.payload)) // 2]
    cut = mail("truncated_in_part_headers", [text_part(), part(
        [f'Content-Type: {XLSX_TYPE}; name="รายงาน.xlsx"',
         'Content-Disposition: attachment; filename="รายงาน.xlsx"',
         "Content-Transfer-Encoding: base64"], b"UEsDBBQAAAAIAA==\r\n")])  # fmt: skip
    html = text_part(f"<p>{TEXT}</p>", subtype="html")
    return [
        OddMail("missing_boundary", raw_mail([*envelope("missing_boundary"), "MIME-Version: 1.0",
                "Content-Type: multipart/mixed"], b"--b\r\n" + text_part() + b"\r\n--b--\r\n"),
                "no_attachment"),
        OddMail("boundary_never_closed", mail("boundary_never_closed",
                                              [text_part(), workbook_part(never_closed)],
                                              close=False), "accepted"),
        OddMail("nested_boundary_reused", mail("nested_boundary_reused", [
            multipart("alternative", "same", [text_part(), html]), workbook_part(reused)], boundary="same"),
            "accepted"),
        OddMail("base64_with_garbage", mail("base64_with_garbage", [
            text_part(), workbook_part(garbled, body=_garbled_base64(garbled.payload))]), "accepted"),
        OddMail("truncated_in_base64", mail("truncated_in_base64", [
            text_part(), workbook_part(Report("", "ตัดครึ่ง.xlsx", b""), body=half)], close=False),
            "unreadable"),
        OddMail("truncated_in_part_headers", cut[: cut.rindex(b"Content-Transfer-Encoding: base64") + 20],
                "unreadable"),
        OddMail("qp_soft_breaks_inside_thai", mail("qp_soft_breaks_inside_thai", [
            part(['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable"],
                 qp_oddly(TEXT.encode())),
            workbook_part(soft, body=qp_oddly(soft.payload, (40, 75, 3)), cte="quoted-printable")]),
            "accepted"),
        OddMail("three_hundred_parts", mail("three_hundred_parts", [
            *(part(["Content-Type: text/plain"], f"หน้า {i}\r\n") for i in range(150)), workbook_part(many),
            *(part(["Content-Type: text/plain"], f"ท้าย {i}\r\n") for i in range(149))]), "accepted"),
        OddMail("headers_only_no_body", raw_mail(envelope("headers_only_no_body"))[:-2], "no_attachment"),
        OddMail("multipart_without_parts", raw_mail(
                [*envelope("multipart_without_parts"), "MIME-Version: 1.0",
                'Content-Type: multipart/mixed; boundary="x"']), "no_attachment"),
        OddMail("uuencode_transfer_encoding", mail("uuencode_transfer_encoding", [text_part(), workbook_part(
            uu_part, cte="x-uuencode", body=uuencode(uu_part.filename, uu_part.payload))]), "accepted"),
        OddMail("uuencoded_in_plain_body", raw_mail(envelope("uuencoded_in_plain_body"),
                TEXT.encode() + b"\r\n" + uuencode("report.xlsx", uu_body.payload)), "accepted"),
        OddMail("bare_lf_line_ends", mail("bare_lf_line_ends", [text_part(), workbook_part(bare_lf)])
                .replace(b"\r\n", b"\n"), "accepted"),
        OddMail("mbox_from_line_on_top", b"From saraban@dla.go.th Mon Nov  2 09:15:00 2020\r\n"
                + mail("mbox_from_line_on_top", [text_part(), workbook_part(mbox)]), "accepted"),
    ]  # fmt: skip


def _garbled_base64(payload: bytes) -> bytes:
    """Base64 as a broken gateway leaves it: a stray `!` in every line, spaces and tabs after some."""
    lines = b64(payload).split(b"\r\n")
    return b"\r\n".join(
        ln[:10] + b"!" + ln[10:] + (b" \t" if i % 7 == 0 else b"") for i, ln in enumerate(lines)
    )


# ------------------------------------------------------------------------------------------ robots


def our_reply(to: str, attachment: bytes) -> bytes:
    """One of our earlier replies (a rejection with the marked workbook), as a bounce quotes it back."""
    msg = EmailMessage()
    msg["From"] = f"ระบบรับรายงาน สถ. <{OUR_ADDRESS}>"
    msg["To"] = to
    msg["Subject"] = "Re: ส่งรายงาน [มีข้อผิดพลาด]"
    msg["Message-ID"] = "<170000000.1.localreport@gmail.com>"
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Localreport-Outcome"] = "rejected"
    msg.set_content("ไฟล์มีข้อผิดพลาด")
    maintype, _, subtype = XLSX_TYPE.partition("/")
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename="report-errors.xlsx")
    return msg.as_bytes(policy=SMTP)


def robots(r: Reports) -> list[OddMail]:
    """Bounces, receipts, auto-replies, lists and ourselves: never answered (a list with a report is held)."""
    listed, bounced = next(r), next(r)
    status = part(["Content-Type: message/delivery-status"], "Reporting-MTA: dns; mx.dla.go.th\r\n\r\n"
                  "Final-Recipient: rfc822; nobody@dla.go.th\r\nAction: failed\r\n"
                  "Status: 5.1.1\r\n")  # fmt: skip
    ours = our_reply("nobody@dla.go.th", bounced.payload)
    quoted = part(["Content-Type: message/rfc822"], ours)
    note = part(["Content-Type: text/plain"], "This is the mail system at host mx.dla.go.th.\r\n")

    def report(name: str, parts: list[bytes], kind: str = "delivery-status", sender: str | None = None,
               extra: Sequence[str] = ()) -> bytes:  # fmt: skip
        head = envelope(name, sender=sender, extra=extra, subject="Undelivered Mail Returned to Sender")
        return mail(name, parts, subtype="report", params=f"; report-type={kind}", head=head)

    def plain(
        name: str, subject: str = SUBJECT, sender: str | None = None, extra: Sequence[str] = ()
    ) -> bytes:
        head = [*envelope(name, subject=subject, sender=sender, extra=extra), "MIME-Version: 1.0"]
        return raw_mail([*head, 'Content-Type: text/plain; charset="utf-8"'], TEXT)

    return [
        OddMail("dsn_postfix_with_our_reply", report("dsn_postfix_with_our_reply", [note, status, quoted],
                sender="From: MAILER-DAEMON@mx.dla.go.th (Mail Delivery System)",
                extra=["Auto-Submitted: auto-replied"]), "suppressed"),
        OddMail("dsn_gmail_rfc822_headers", report("dsn_gmail_rfc822_headers", [note, status, part(
            ["Content-Type: text/rfc822-headers"], ours.split(b"\r\n\r\n")[0] + b"\r\n")],
            sender="From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>"), "suppressed"),
        OddMail("dsn_exchange_ndr", report("dsn_exchange_ndr", [note, status, quoted],
                sender="From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce4110@dla.go.th>",
                extra=["X-MS-Exchange-Message-Is-Ndr:"]), "suppressed"),
        OddMail("bounce_qmail_plain_text", plain("bounce_qmail_plain_text", "failure notice",
                "From: MAILER-DAEMON@mail.trat.go.th"), "suppressed"),
        OddMail("mdn_read_receipt", report("mdn_read_receipt", [note, part(
            ["Content-Type: message/disposition-notification"],
            "Final-Recipient: rfc822; x@dla.go.th\r\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\r\n")],
            "disposition-notification"), "suppressed"),
        OddMail("arf_feedback_report", report("arf_feedback_report", [note, part(
            ["Content-Type: message/feedback-report"], "Feedback-Type: abuse\r\nVersion: 1\r\n"), quoted],
            "feedback-report"), "suppressed"),
        OddMail("gmail_vacation_reply", plain("gmail_vacation_reply", "ตอบกลับอัตโนมัติ: ส่งรายงาน",
                extra=["Auto-Submitted: auto-replied"]), "suppressed"),
        OddMail("outlook_out_of_office", plain("outlook_out_of_office", "การตอบกลับอัตโนมัติ: ส่งรายงาน",
                extra=["X-Auto-Response-Suppress: All", "X-MS-Exchange-Inbox-Rules-Loop: x@dla.go.th"]),
                "suppressed"),
        OddMail("mailing_list_digest", plain("mailing_list_digest", extra=[
            "List-Id: <dla-news.googlegroups.com>", "Precedence: list",
            "List-Unsubscribe: <mailto:googlegroups-manage+1+unsubscribe@googlegroups.com>"]), "suppressed"),
        OddMail("google_group_with_report", mail("google_group_with_report",
                                                 [text_part(), workbook_part(listed)],
                head=envelope("google_group_with_report", extra=[
                    "List-Id: <provinces.googlegroups.com>",
                    "Mailing-list: list provinces@googlegroups.com"])),
                "held"),
        OddMail("our_own_reply_looped", plain("our_own_reply_looped",
                sender=f"From: ระบบรับรายงาน สถ. <{OUR_ADDRESS}>"), "suppressed"),
    ]  # fmt: skip


# ----------------------------------------------------------------------------------------- clients


def client_shapes(r: Reports) -> list[OddMail]:
    """Outlook's TNEF, a calendar invite, S/MIME, Apple Mail; a file of nothing, or of HTML."""
    signed, apple = next(r), next(r)
    smime = part(
        [
            'Content-Type: application/pkcs7-signature; name="smime.p7s"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="smime.p7s"',
        ],
        b64(b"\x30\x82\x05\x00" + bytes(300)),
    )
    ics = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:ประชุมชี้แจงการรายงาน\r\n"
        "DTSTART:20201102T020000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    html = part(
        ['Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable"],
        qp("<html><body>ส่งรายงาน</body></html>".encode()),
    )
    apple_file = part(
        [
            f'Content-Type: {XLSX_TYPE}; x-unix-mode=0644; name="{apple.filename}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: inline; filename="{apple.filename}"',
        ],
        b64(apple.payload),
    )
    return [
        OddMail("outlook_tnef_winmail_dat", mail("outlook_tnef_winmail_dat", [text_part(), part(
            ['Content-Type: application/ms-tnef; name="winmail.dat"', "Content-Transfer-Encoding: base64",
             'Content-Disposition: attachment; filename="winmail.dat"'],
            b64(b"\x78\x9f\x3e\x22\x01\x00" + bytes(200)))],
            head=envelope("outlook_tnef_winmail_dat", extra=["X-MS-Has-Attach: yes",
                                                             "X-MS-TNEF-Correlator: <0001@dla.go.th>"])),
            "no_attachment"),
        OddMail("calendar_invite", mail("calendar_invite", [
            multipart("alternative", "cal-alt", [text_part("ขอเชิญประชุม\r\n"), part(
                ['Content-Type: text/calendar; charset="utf-8"; method=REQUEST',
                 "Content-Transfer-Encoding: base64"],
                b64(ics))]),
            part(['Content-Type: application/ics; name="invite.ics"', "Content-Transfer-Encoding: base64",
                  'Content-Disposition: attachment; filename="invite.ics"'], b64(ics))]), "no_attachment"),
        OddMail("smime_signed_report", mail("smime_signed_report", [
            multipart("mixed", "signed-in", [text_part(), workbook_part(signed)]), smime], subtype="signed",
            params='; protocol="application/pkcs7-signature"; micalg=sha-256'), "accepted"),
        OddMail("smime_opaque_signed_data", raw_mail(
                [*envelope("smime_opaque_signed_data"), "MIME-Version: 1.0",
                'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"',
                'Content-Disposition: attachment; filename="smime.p7m"', "Content-Transfer-Encoding: base64"],
                b64(b"\x30\x80" + bytes(400))), "no_attachment"),
        OddMail("zero_byte_xlsx", mail("zero_byte_xlsx", [text_part(), workbook_part(
            Report("", "รายงาน.xlsx", b""), body=b"")]), "unreadable"),
        OddMail("html_saved_as_xlsx", mail("html_saved_as_xlsx", [text_part(), workbook_part(Report(
            "", "รายงาน (เว็บ).xlsx",
            "<html><body><table><tr><td>ลำพูน</td></tr></table></body></html>".encode()))]),
            "unreadable"),
        OddMail("apple_mail_alternative_in_mixed", mail("apple_mail_alternative_in_mixed", [
            multipart("alternative", "Apple-Mail=_B", [
                text_part(cte="quoted-printable"),
                multipart("mixed", "Apple-Mail=_C", [html, apple_file, html])])],
            head=envelope("apple_mail_alternative_in_mixed",
                          extra=["X-Mailer: Apple Mail (2.3608.120.23.2.4)"])),
            "accepted"),
        OddMail("html_only_with_data_uri", raw_mail(
                [*envelope("html_only_with_data_uri"), "MIME-Version: 1.0",
                'Content-Type: text/html; charset="utf-8"'], '<p>ส่งรายงาน</p><img src="data:image/png;base64,'
                'iVBORw0KGgo="><a href="data:application/vnd.ms-excel;base64,UEsDBBQ=">รายงาน.xlsx</a>'),
                "no_attachment"),
        OddMail("content_type_garbage", raw_mail([*envelope("content_type_garbage"), "MIME-Version: 1.0",
                "Content-Type: ;;; charset", "Content-Transfer-Encoding: bogus"], TEXT), "no_attachment"),
    ]  # fmt: skip
