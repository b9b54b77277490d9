"""Parsing province mail: Thai subjects and filenames survive every encoding senders use."""

from __future__ import annotations

import base64
import binascii
import io
import random
import zipfile
from email.message import EmailMessage

import openpyxl
import pytest

from bot.replies.compose import reply_address
from bot.usecase.incoming import SPREADSHEET_TYPES, decode_bytes, decode_text, parse_mail


def _tiny_xlsx() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


XLSX_MAGIC = _tiny_xlsx()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
assert XLSX_TYPE in SPREADSHEET_TYPES


def raw_with_disposition(disposition: str, subject: str = "ทดสอบ") -> bytes:
    body = base64.b64encode(XLSX_MAGIC).decode()
    return (
        "From: =?utf-8?b?" + base64.b64encode("สถจ.ตาก".encode()).decode() + "?= <tak@dla.go.th>\r\n"
        f"Subject: {subject}\r\nMessage-ID: <m1@dla.go.th>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n'
        f"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: {disposition}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b--\r\n"
    ).encode("utf-8", "surrogateescape")


def test_subject_keeps_space_after_encoded_word() -> None:
    msg = EmailMessage()
    msg["Subject"] = "รายงานประจำวัน 27/11"
    msg["From"] = "a@b.th"
    msg.set_content("x")
    assert parse_mail(msg.as_bytes()).subject == "รายงานประจำวัน 27/11"


def test_rfc2231_continued_thai_filename_is_decoded() -> None:
    name = "รายงานผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ 2563 จังหวัดกาญจนบุรี.xlsx"
    msg = EmailMessage()
    msg["From"] = "a@b.th"
    msg.set_content("x")
    msg.add_attachment(XLSX_MAGIC, maintype="application", subtype="octet-stream", filename=name)
    assert "filename*0*=" in msg.as_string()
    [att] = parse_mail(msg.as_bytes()).spreadsheets
    assert (att.filename, att.payload) == (name, XLSX_MAGIC)


def test_rfc2047_filename_inside_quotes_is_decoded() -> None:
    encoded = "=?utf-8?b?" + base64.b64encode("รายงาน ตาก.xlsx".encode()).decode() + "?="
    [att] = parse_mail(raw_with_disposition(f'attachment; filename="{encoded}"')).spreadsheets
    assert att.filename == "รายงาน ตาก.xlsx"


def test_raw_utf8_and_windows_874_filenames_are_decoded() -> None:
    utf8 = parse_mail(raw_with_disposition('attachment; filename="รายงาน.xlsx"'))
    tis = "attachment; filename*=windows-874''" + "".join(f"%{b:02X}" for b in "รายงาน.xlsx".encode("cp874"))
    cp874 = parse_mail(raw_with_disposition(tis))
    assert [a.filename for a in utf8.spreadsheets] == ["รายงาน.xlsx"]
    assert [a.filename for a in cp874.spreadsheets] == ["รายงาน.xlsx"]


def test_xlsx_without_a_name_is_found_by_its_content() -> None:
    [att] = parse_mail(raw_with_disposition("attachment")).spreadsheets
    assert att.payload == XLSX_MAGIC


def test_from_and_message_id_are_read() -> None:
    mail = parse_mail(raw_with_disposition("attachment"))
    assert (mail.from_name, mail.from_address, mail.message_id) == (
        "สถจ.ตาก",
        "tak@dla.go.th",
        "<m1@dla.go.th>",
    )


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _mail_with(*attachments: tuple[str, bytes]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "สถจ.ตาก <tak@dla.go.th>"
    msg["Subject"] = "รายงาน"
    msg.set_content("ส่งรายงาน")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg


def test_workbooks_inside_a_zip_attachment_are_each_taken() -> None:
    raw = _mail_with(
        ("รายงาน.zip", _zip({"ตาก.xlsx": XLSX_MAGIC, "อ่านก่อน.txt": b"x", "ลำพูน.xlsx": XLSX_MAGIC}))
    )
    names = [a.filename for a in parse_mail(raw.as_bytes()).spreadsheets]
    assert names == ["รายงาน.zip/ตาก.xlsx", "รายงาน.zip/ลำพูน.xlsx"]


def test_zip_inside_a_zip_is_kept_as_a_refused_attachment() -> None:
    raw = _mail_with(("a.zip", _zip({"b.zip": _zip({"c.xlsx": XLSX_MAGIC})})))
    [att] = parse_mail(raw.as_bytes()).spreadsheets
    assert att.refused is not None and att.refused[0] == "file_nested_zip"


def test_report_forwarded_inside_another_mail_is_found() -> None:
    inner = _mail_with(("ตาก.xlsx", XLSX_MAGIC))
    outer = EmailMessage()
    outer["From"] = "boss@dla.go.th"
    outer["Subject"] = "Fwd: รายงาน"
    outer.set_content("ส่งต่อครับ")
    outer.add_attachment(inner)  # message/rfc822
    [att] = parse_mail(outer.as_bytes()).spreadsheets
    assert (att.filename, att.payload) == ("ตาก.xlsx", XLSX_MAGIC)


def test_pdf_and_images_are_other_attachments_not_spreadsheets() -> None:
    mail = parse_mail(_mail_with(("scan.pdf", b"%PDF-1.4 x"), ("logo.png", b"\x89PNG\r\n")).as_bytes())
    assert (mail.spreadsheets, mail.other_attachments) == ((), ("scan.pdf", "logo.png"))


def test_pdf_named_xlsx_is_still_judged_so_the_reply_can_say_what_it_is() -> None:
    [att] = parse_mail(_mail_with(("report.xlsx", b"%PDF-1.4 x")).as_bytes()).spreadsheets
    assert att.filename == "report.xlsx"


def test_mail_without_message_id_or_date_or_usable_from_still_parses() -> None:
    raw = (
        b"From: =?utf-8?b?4Lih4Li1?= <not an address\r\nSubject: \r\n"
        b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nx\r\n'
    )
    mail = parse_mail(raw)
    assert (mail.message_id, mail.subject, mail.date, mail.spreadsheets) == ("", "", "", ())
    assert reply_address(mail) == ""  # no usable address: the mail is judged, no reply goes out


def test_thousand_character_windows_874_subject_is_decoded_whole() -> None:
    subject = "รายงานผลการประเมิน " * 60
    encoded = "=?windows-874?q?" + "".join(f"={b:02X}" for b in subject.encode("cp874")[:60]) + "?="
    mail = parse_mail(f"From: a@b.th\r\nSubject: {encoded}\r\n\r\nx\r\n".encode())
    assert mail.subject == subject.encode("cp874")[:60].decode("cp874")


def test_outlook_winmail_dat_is_another_attachment_not_a_spreadsheet() -> None:
    mail = parse_mail(_mail_with(("winmail.dat", b"\x78\x9f\x3e\x22" + b"\x00" * 40)).as_bytes())
    assert (mail.spreadsheets, mail.other_attachments) == ((), ("winmail.dat",))


def test_same_workbook_twice_in_one_mail_is_kept_twice_for_the_judge_to_call_a_duplicate() -> None:
    mail = parse_mail(_mail_with(("a.xlsx", XLSX_MAGIC), ("copy.xlsx", XLSX_MAGIC)).as_bytes())
    assert [a.sha256 for a in mail.spreadsheets] == [mail.spreadsheets[0].sha256] * 2


# ------------------------------------------------------- raw 8-bit (RFC 6532) and odd headers, odd From


def _raw(*headers: bytes | str, body: bytes = b"x\r\n") -> bytes:
    return b"\r\n".join(h.encode() if isinstance(h, str) else h for h in headers) + b"\r\n\r\n" + body


def test_raw_utf8_from_subject_reply_to_and_message_id_are_read_as_utf8() -> None:
    mail = parse_mail(_raw("From: สถจ.ลำพูน <สถจ@ตัวอย่าง.ไทย>", "Subject: ส่งรายงาน จังหวัดลำพูน",
                           "Reply-To: งานสารบรรณ <สารบรรณ@ตัวอย่าง.ไทย>",
                           "Message-ID: <1@ตัวอย่าง.ไทย>"))  # fmt: skip

    assert (mail.from_name, mail.from_address, mail.subject) == (
        "สถจ.ลำพูน",
        "สถจ@ตัวอย่าง.ไทย",
        "ส่งรายงาน จังหวัดลำพูน",
    )
    assert (mail.reply_to, mail.message_id) == ("งานสารบรรณ <สารบรรณ@ตัวอย่าง.ไทย>", "<1@ตัวอย่าง.ไทย>")
    assert reply_address(mail) == "สถจ@ตัวอย่าง.ไทย"  # answered as written: never IDNA-encoded


def test_raw_tis620_headers_and_file_name_are_read_as_thai() -> None:
    thai = "รายงาน ตาก.xlsx".encode("cp874")
    raw = raw_with_disposition('attachment; filename="x.xlsx"').replace(b"x.xlsx", thai)
    mail = parse_mail(
        b"Subject: " + "รายงาน จังหวัดตาก".encode("cp874") + b"\r\n" + raw.replace(b"Subject", b"X-S")
    )

    assert (mail.subject, [a.filename for a in mail.spreadsheets]) == ("รายงาน จังหวัดตาก", ["รายงาน ตาก.xlsx"])


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("ส่งรายงาน =?utf-8?b?4LiZ4LmI4Liy4LiZ?= ครั้งที่ 2", "ส่งรายงาน น่าน ครั้งที่ 2"),  # text around a word
        ("=?utf-8?b?4LiZ4LmI?=\r\n =?UTF-8?Q?=E0=B8=B2=E0=B8=99?=", "น่าน"),  # a character split in two
        ("=?utf-8?b?4Lij?= =?windows-874?q?=D2=C2?=", "ราย"),  # the space between words is not text
        ("=?x-unknown?b?4Lij4Liy4Lii?= and =?unknown-8bit?q?=C3=D2=C2?=", "ราย and ราย"),  # UTF-8, else cp874
        ("=?iso-8859-1?q?=E0=B8=A3?=", "ร"),  # a Western label on UTF-8 is not believed…
        ("=?iso-8859-1?q?caf=E9?=", "café"),  # … on Western text it is
        ("=?utf-8?b?4Lij!!4Li?=", "ร\ufffd"),  # garbage in a word: what can be read is
        ("a\r\n\tfolded\x00 value", "a\tfolded value"),
        ("", ""),
    ],
)  # fmt: skip
def test_header_text_is_decoded_as_senders_write_it(raw: str, text: str) -> None:
    assert decode_text(raw) == text


@pytest.mark.parametrize(
    ("data", "label", "text"),
    [
        ("รายงาน".encode(), "iso-8859-1", "รายงาน"),
        ("รายงาน".encode("cp874"), "windows-874", "รายงาน"),
        ("รายงาน".encode("cp874"), "utf-8", "รายงาน"),  # a UTF-8 label on Thai Outlook bytes
        ("รายงาน".encode("cp874"), "", "รายงาน"),
        ("café".encode("latin-1"), "iso-8859-1", "café"),
        ("รายงาน".encode()[:-1], "utf-8", "รายงา\ufffd"),  # cut inside a character: replaced, not mojibake
        (b"abc", "rot13", "abc"),  # not a text codec: ignored
    ],
)
def test_bytes_are_read_by_the_label_only_when_it_fits(data: bytes, label: str, text: str) -> None:
    assert decode_bytes(data, label) == text


@pytest.mark.parametrize(
    ("froms", "name", "address"),
    [
        ([], "", ""),
        (["From: "], "", ""),
        (["From: undisclosed-recipients:;"], "", ""),
        (["From: <>"], "", ""),
        (["From: สถจ.ลำพูน"], "", "สถจ.ลำพูน"),  # a name only: no @, so no reply goes out
        (["From: MAILER-DAEMON (Mail Delivery System)"], "Mail Delivery System", "mailer-daemon"),
        (["From: A <A@X.th>", "From: B <b@y.th>"], "A", "a@x.th"),  # two From headers: the first
        (["From: a@x.th, B <b@y.th>"], "", "a@x.th"),  # two mailboxes: the first
        (["From: undisclosed-recipients:;", "From: B <b@y.th>"], "B", "b@y.th"),  # the first with an @
        (["From: =?utf-8?b?4LiZ4LmI4Liy4LiZLCDguIHguKXguLjguYjguKE=?= <n@x.th>"], "น่าน, กลุ่ม", "n@x.th"),
        (['From: "=?utf-8?b?4LiZ4LmI4Liy4LiZ?=" <n@x.th>'], "น่าน", "n@x.th"),  # an encoded word in quotes
        # A character split between two words (email.policy.default gives "ส\udce0 \udcb8\udc96จ.ลำพูน"):
        (
            ["From: =?utf-8?b?4Liq4A==?=\r\n =?utf-8?b?uJbguIgu4Lil4Liz4Lie4Li54LiZ?= <L@x.th>"],
            "สถจ.ลำพูน",
            "l@x.th",
        ),
        (
            ["From: =?utf-8?b?4LiZ4LmI4Liy4LiZIDxuQHgudGg+?="],
            "น่าน",
            "n@x.th",
        ),  # `name <address>` encoded whole
    ],
)
def test_the_sender_is_deterministic_whatever_the_from(froms: list[str], name: str, address: str) -> None:
    mail = parse_mail(_raw(*froms, "Subject: s"))

    assert (mail.from_name, mail.from_address) == (name, address)


def test_a_nested_multipart_that_reused_its_parents_boundary_keeps_the_files_after_it() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: multipart/alternative;'
        b' boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n'
        b'--b\r\nContent-Type: application/octet-stream; name="r.xlsx"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(XLSX_MAGIC).replace(b"\n", b"\r\n") + b"--b--\r\n"
    )  # fmt: skip

    assert [a.payload for a in parse_mail(raw).spreadsheets] == [XLSX_MAGIC]


def test_a_file_uuencoded_in_the_text_and_a_nameless_workbook_part_are_taken() -> None:
    uu = "begin 644 รายงาน.xlsx\r\n".encode() + b"".join(
        binascii.b2a_uu(XLSX_MAGIC[i : i + 45]).replace(b"\n", b"\r\n") for i in range(0, len(XLSX_MAGIC), 45)
    ) + b"`\r\nend\r\n"  # fmt: skip
    nameless = raw_with_disposition("inline").replace(b"application/octet-stream", XLSX_TYPE.encode())

    assert [(a.filename, a.payload) for a in parse_mail(_raw("Subject: s", body=uu)).spreadsheets] == [
        ("รายงาน.xlsx", XLSX_MAGIC)
    ]
    assert [a.filename for a in parse_mail(nameless).spreadsheets] == ["attachment.xlsx"]


def test_a_share_link_in_a_utf16_text_is_found() -> None:
    body = base64.encodebytes("ดู https://docs.google.com/spreadsheets/d/1x/edit".encode("utf-16"))
    raw = _raw("Content-Type: text/plain; charset=utf-16", "Content-Transfer-Encoding: base64", body=body)

    assert parse_mail(raw).shared_links == ("https://docs.google.com/spreadsheets/d/1x/edit",)


def test_a_mail_nested_deeper_than_the_parser_can_go_still_gives_its_headers() -> None:
    inner = b"Content-Type: text/plain\r\n\r\nx\r\n"
    for i in range(3000):
        inner = b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n%s\r\n--b%d--\r\n' % (
            i,
            i,
            inner,
            i,
        )

    mail = parse_mail(b"From: a@b.th\r\nSubject: deep\r\n" + inner)

    assert (mail.from_address, mail.subject) == ("a@b.th", "deep")


def test_parse_mail_never_raises_on_cut_or_mangled_mail() -> None:
    rng = random.Random(2020)  # noqa: S311 (a fixed sequence of mangled mails, not secrets)
    sources = [raw_with_disposition("attachment"), _mail_with(("ตาก.xlsx", XLSX_MAGIC)).as_bytes()]
    for _ in range(300):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randrange(1, 6)):
            at = rng.randrange(len(data))
            data[at:at] = rng.choice(
                [b"\x00", b"\r\n ", b"=?utf-8?b?", b"?=", b"--", b'"', b";", b"\xe0\xb8", b"\xff"]
            )
        mail = parse_mail(bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)]))
        assert all(isinstance(a.payload, bytes) for a in mail.spreadsheets)
