"""Parsing province mail: Thai subjects and filenames survive every encoding senders use."""

from __future__ import annotations

import base64
import io
import zipfile
from email.message import EmailMessage

import openpyxl

from bot.replies.compose import reply_address
from bot.usecase.incoming import parse_mail


def _tiny_xlsx() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


XLSX_MAGIC = _tiny_xlsx()


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
