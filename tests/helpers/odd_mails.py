"""A corpus of odd, real-world-shaped mails, and what a correct bot does with each.

    for case in odd_mails():        # OddMail(name, raw, expect); expect is a bot.usecase.ports.Outcome
        parse_mail(case.raw)

Here: raw UTF-8 (RFC 6532) and 8-bit TIS-620 headers, an EAI From, RFC 2047 words split inside a Thai
character, odd From headers, bad Date headers, odd charsets, RFC 2231 names, Outlook on Thai Windows,
the Gmail app, forwarded reports. Broken MIME, robots and other clients' shapes are in
tests/helpers/odd_mails_mime.py. A case that carries a valid report has a complete workbook of a
province of its own (tests/helpers/scenario_reports.py), so no two cases file the same file; each case
has its own sender, so no rate limit decides an outcome.
"""

from __future__ import annotations

import base64
import email.header
import functools
import urllib.parse
from collections.abc import Sequence

from tests.helpers.odd_mails_mime import (
    DATE,
    TEXT,
    XLSX_TYPE,
    Line,
    OddMail,
    Report,
    Reports,
    b64,
    b_word,
    broken_mime,
    client_shapes,
    envelope,
    mail,
    multipart,
    part,
    q_word,
    raw_mail,
    robots,
    text_part,
    workbook_part,
)  # fmt: skip
from tests.helpers.scenario_mails import Letter, Sender, gmail_app
from tests.helpers.scenario_reports import registry, report

__all__ = ["EXPECTED_FACTS", "EXPECTED_FILENAMES", "UNANSWERABLE", "OddMail", "odd_mails"]

EAI_ADDRESS = "สถจ@ตัวอย่าง.ไทย"
EAI_NAME = "สถจ.ลำพูน"
RAW_SUBJECT = "ส่งรายงานผลการประเมินผู้บริหารท้องถิ่น จังหวัดลำพูน (ฉบับแก้ไข)"
TIS620_NAME = "สถจ.ตาก"
TIS620_SUBJECT = "รายงานผลการประเมินผู้บริหารท้องถิ่น จังหวัดตาก"
TIS620_FILENAME = "ผลการประเมิน ตาก.xlsx"
SPLIT_SUBJECT = "รายงานผลการประเมินผู้บริหารท้องถิ่น ครั้งที่ 2"
LONG_NAME = ("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดลำพูน กลุ่มงานส่งเสริมและพัฒนาท้องถิ่น ฝ่ายบริหารงานบุคคล "
             "งานประเมินผลการปฏิบัติราชการของผู้บริหารองค์กรปกครองส่วนท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563")  # fmt: skip
COMMA_NAME = "สถจ.น่าน, กลุ่มงานส่งเสริม"
WHOLE_FROM = ("สถจ.พะเยา", "saraban@phayao.go.th")
THAI_FILENAME = "รายงานผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ 2563 (ฉบับสมบูรณ์) จังหวัดลำพูน.xlsx"
PRAE = "รายงาน จังหวัดแพร่"
# name → {IncomingMail field: the value parse_mail must give}
EXPECTED_FACTS: dict[str, dict[str, str]] = {
    "eai_from_raw_utf8_headers": {"from_address": EAI_ADDRESS, "from_name": EAI_NAME, "subject": RAW_SUBJECT,
                                  "message_id": "<รายงาน.1@ตัวอย่าง.ไทย>",
                                  "reply_to": f"{EAI_NAME} <{EAI_ADDRESS}>"},
    "tis620_8bit_headers": {"from_name": TIS620_NAME, "subject": TIS620_SUBJECT},
    "raw_utf8_subject_with_encoded_word": {"subject": "ส่งรายงาน จังหวัดน่าน ครั้งที่ 2"},
    "rfc2047_split_inside_thai_character": {"subject": SPLIT_SUBJECT},
    "whole_from_in_one_encoded_word": {"from_name": WHOLE_FROM[0], "from_address": WHOLE_FROM[1]},
    "encoded_display_name_with_comma": {"from_name": COMMA_NAME, "from_address": "comma-name@dla.go.th"},
    "long_folded_raw_thai_display_name": {"from_name": LONG_NAME, "from_address": "long-raw@dla.go.th"},
    "long_folded_encoded_display_name": {"from_name": LONG_NAME, "from_address": "long-encoded@dla.go.th"},
    "header_line_over_998": {"subject": "รายงาน" * 400},
    "header_with_nul_bytes": {"subject": "ส่งรายงาน"},
    "unknown_charset_label": {"subject": PRAE},
    "unknown_8bit_label": {"subject": PRAE},
    "charset_names_in_odd_case": {"subject": f"{PRAE} รอบ 2"},
    "date_raw_thai_buddhist_year": {"date": "จันทร์ที่ 2 พฤศจิกายน 2563 09:15 น."},
    "from_two_headers": {"from_address": "first-of-two@dla.go.th"},
    "from_two_mailboxes": {"from_address": "first-mailbox@dla.go.th"},
    "from_empty": {"from_address": "", "from_name": ""},
    "from_missing": {"from_address": "", "from_name": ""},
    "from_group_undisclosed": {"from_address": ""},
    "from_display_name_only": {"from_address": "สถจ.ลำพูน"},
    "outlook_thai_windows_874_qp": {"from_name": "สถจ.อุทัยธานี"},
}  # fmt: skip
# Cases with no address to answer (no From mailbox): judged and recorded, no reply goes out.
UNANSWERABLE = frozenset({"from_empty", "from_missing", "from_group_undisclosed", "from_display_name_only",
                          "from_empty_with_report"})  # fmt: skip
# name → the workbook's file name as the province gave it
EXPECTED_FILENAMES = {
    "eai_from_raw_utf8_headers": "รายงาน จังหวัดลำพูน.xlsx",
    "tis620_8bit_headers": TIS620_FILENAME,
    "rfc2231_thai_continuations": THAI_FILENAME,
    "rfc2231_wrong_charset_label": THAI_FILENAME,
    "rfc2231_unknown_charset_label": THAI_FILENAME,
    "outlook_thai_windows_874_qp": THAI_FILENAME,
    "workbook_without_any_name": "attachment.xlsx",
    "uuencoded_in_plain_body": "report.xlsx",
}


@functools.cache
def reports() -> tuple[Report, ...]:
    """A complete, valid report of each of the 32 provinces with the fewest LAOs (the cases use 29)."""
    provinces = sorted(
        {lao.province_th for lao in registry().laos}, key=lambda p: (len(registry().laos_in(p)), p)
    )
    return tuple(Report(p, f"รายงานผลการประเมิน จังหวัด{p}.xlsx", report(province=p)) for p in provinces[:32])


def odd_mails() -> list[OddMail]:
    """The corpus, in a fixed order, names unique; each valid report is carried by one case only."""
    r = iter(reports())
    cases = [
        *broken_mime(r),
        *header_cases(r),
        *from_cases(r),
        *robots(r),
        *client_shapes(r),
        *attachment_cases(r),
    ]
    assert len({c.name for c in cases}) == len(cases)
    return cases


def _plain(name: str, *, subject: Line = "ส่งรายงานครับ", sender: Line | None = None, date: str | None = DATE,
           charset: str = "utf-8", extra: Sequence[Line] = ()) -> bytes:  # fmt: skip
    """A text-only mail (no file) with odd headers; its text in `charset` (UTF-8 bytes when unknown)."""
    head = [*envelope(name, subject=subject, sender=sender, date=date, extra=extra), "MIME-Version: 1.0"]
    data = TEXT.encode("cp874" if charset.lower() == "windows-874" else "utf-8")
    return raw_mail(
        [*head, f'Content-Type: text/plain; charset="{charset}"', "Content-Transfer-Encoding: 8bit"], data
    )


def _with_report(name: str, rep: Report, *, date: str | None = DATE, sender: Line | None = None) -> bytes:
    return mail(name, [text_part(), workbook_part(rep)], head=envelope(name, date=date, sender=sender))


# ------------------------------------------------------------------------ headers, dates, charsets


def header_cases(r: Reports) -> list[OddMail]:
    eai, tis, nodate, future, tis_body = (next(r) for _ in range(5))
    eai_file = EXPECTED_FILENAMES["eai_from_raw_utf8_headers"]
    eai_head = envelope(
        "eai",
        sender=f"From: {EAI_NAME} <{EAI_ADDRESS}>",
        subject=RAW_SUBJECT,
        message_id="<รายงาน.1@ตัวอย่าง.ไทย>",
        extra=[f"Reply-To: {EAI_NAME} <{EAI_ADDRESS}>"],
    )
    tis_head = envelope(
        "tis620",
        sender=b"From: " + TIS620_NAME.encode("cp874") + b" <tis620-headers@dla.go.th>",
        subject=TIS620_SUBJECT.encode("cp874"),
    )
    split = SPLIT_SUBJECT.encode()
    split_words = (
        f"=?utf-8?B?{base64.b64encode(split[:10]).decode()}?=\r\n =?UTF-8?Q?"
        + "".join(f"={c:02X}" for c in split[10:20])
        + f"?=\r\n\t=?utf-8?b?{base64.b64encode(split[20:]).decode()}?="
    )
    long_raw = LONG_NAME.replace(" ฝ่าย", "\r\n ฝ่าย").replace(" ประจำปี", "\r\n\tประจำปี")
    long_encoded = email.header.Header(LONG_NAME, "utf-8").encode(maxlinelen=76)
    return [
        OddMail("eai_from_raw_utf8_headers", mail("eai", [text_part(cte="8bit"), part(
            [f'Content-Type: {XLSX_TYPE}; name="{eai_file}"',
             f'Content-Disposition: attachment; filename="{eai_file}"',
             "Content-Transfer-Encoding: base64"], b64(eai.payload))], head=eai_head), "accepted"),
        OddMail("tis620_8bit_headers", mail("tis620", [text_part(TEXT, "windows-874", "8bit"), workbook_part(
            tis, names=b'filename="' + TIS620_FILENAME.encode("cp874") + b'"')], head=tis_head), "accepted"),
        OddMail("raw_utf8_subject_with_encoded_word", _plain("raw_utf8_subject_with_encoded_word",
                subject=f"ส่งรายงาน {b_word('จังหวัดน่าน')} ครั้งที่ 2"), "no_attachment"),
        OddMail("rfc2047_split_inside_thai_character", _plain("rfc2047_split_inside_thai_character",
                subject=split_words), "no_attachment"),
        OddMail("whole_from_in_one_encoded_word", _plain("whole_from_in_one_encoded_word",
                sender=f"From: {b_word(f'{WHOLE_FROM[0]} <{WHOLE_FROM[1]}>')}"), "no_attachment"),
        OddMail("encoded_display_name_with_comma", _plain("encoded_display_name_with_comma",
                sender=f"From: {b_word(COMMA_NAME)} <comma-name@dla.go.th>"), "no_attachment"),
        OddMail("long_folded_raw_thai_display_name", _plain("long_folded_raw_thai_display_name",
                sender=f"From: {long_raw}\r\n <long-raw@dla.go.th>"), "no_attachment"),
        OddMail("long_folded_encoded_display_name", _plain("long_folded_encoded_display_name",
                sender=f"From: {long_encoded}\r\n <long-encoded@dla.go.th>"), "no_attachment"),
        OddMail("header_line_over_998", _plain("header_line_over_998", subject="รายงาน" * 400, extra=[
            "X-Long: " + "a" * 3000, "References: " + " ".join(f"<r{i}@x.th>" for i in range(200))]),
            "no_attachment"),
        OddMail("header_with_nul_bytes", _plain("header_with_nul_bytes", subject="ส่ง\x00รายงาน",
                extra=["X-Nul: a\x00b"]), "no_attachment"),
        OddMail("date_missing", _with_report("date_missing", nodate, date=None), "accepted"),
        OddMail("date_raw_thai_buddhist_year", _plain("date_raw_thai_buddhist_year",
                date="จันทร์ที่ 2 พฤศจิกายน 2563 09:15 น."), "no_attachment"),
        OddMail("date_far_future", _with_report("date_far_future", future,
                                                date="Fri, 01 Jan 2100 00:00:00 +0000"),
                "accepted"),
        OddMail("date_1970", _plain("date_1970", date="Thu, 01 Jan 1970 00:00:00 +0000"), "no_attachment"),
        OddMail("date_garbage", _plain("date_garbage", date="32/13/2563 25:61"), "no_attachment"),
        OddMail("tis620_text_body", mail("tis620_text_body", [text_part(TEXT, "tis-620", "8bit"),
                                                              workbook_part(tis_body)]), "accepted"),
        OddMail("unknown_charset_label", _plain("unknown_charset_label", charset="x-unknown",
                subject=b_word(PRAE, "x-unknown", "utf-8")), "no_attachment"),
        OddMail("unknown_8bit_label", _plain("unknown_8bit_label", charset="unknown-8bit",
                subject=q_word(PRAE, "unknown-8bit", "utf-8")), "no_attachment"),
        OddMail("charset_names_in_odd_case", _plain("charset_names_in_odd_case", charset="Windows-874",
                subject=f"{q_word(PRAE, 'WINDOWS-874', 'cp874')} {b_word(' รอบ 2', 'uTf-8')}"),
                "no_attachment"),
        OddMail("utf16_text_with_sheet_link", raw_mail(
                [*envelope("utf16_text_with_sheet_link"), "MIME-Version: 1.0",
                'Content-Type: text/plain; charset="utf-16"', "Content-Transfer-Encoding: base64"],
                b64("ลิงก์รายงาน https://docs.google.com/spreadsheets/d/1AbCdEf/edit\r\n".encode("utf-16"))),
                "link_only"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------- From


def from_cases(r: Reports) -> list[OddMail]:
    """Deterministic whatever the From: the first mailbox with an @; none, no reply goes out."""
    anonymous = next(r)
    return [
        OddMail("from_empty", _plain("from_empty", sender="From: "), "no_attachment"),
        OddMail("from_missing", _plain("from_missing", sender=b""), "no_attachment"),
        OddMail("from_two_headers", _plain("from_two_headers",
                sender="From: สถจ.ลำพูน <first-of-two@dla.go.th>\r\n"
                "From: someone <second-of-two@example.com>"), "no_attachment"),
        OddMail("from_group_undisclosed", _plain("from_group_undisclosed",
                                                 sender="From: undisclosed-recipients:;"),
                "no_attachment"),
        OddMail("from_display_name_only", _plain("from_display_name_only", sender="From: สถจ.ลำพูน"),
                "no_attachment"),
        OddMail("from_two_mailboxes", _plain("from_two_mailboxes", sender="From: first-mailbox@dla.go.th, "
                "สถจ. <second-mailbox@dla.go.th>\r\nSender: first-mailbox@dla.go.th"), "no_attachment"),
        OddMail("from_empty_with_report", _with_report("from_empty_with_report", anonymous, sender="From:"),
                "accepted"),
    ]  # fmt: skip


# ------------------------------------------------------------------------------ attachments, clients


def attachment_cases(r: Reports) -> list[OddMail]:
    """RFC 2231 names, inline and nameless workbooks, forwarded reports, Gmail and Outlook on Thai Windows."""
    cont, wrong, unknown, inline, nameless, gmail, outlook, bare, fwd1, fwd2 = (next(r) for _ in range(10))
    percent = urllib.parse.quote(THAI_FILENAME.encode(), safe="")
    # Segments of 25 bytes each: they end in the middle of a Thai character, as some clients cut them.
    data = THAI_FILENAME.encode()
    chunks = [urllib.parse.quote(data[i : i + 25], safe="") for i in range(0, len(data), 25)]
    charset = "utf-8''"  # RFC 2231: charset, an empty language, then the %-encoded bytes
    continued = ";\r\n ".join(f"filename*{i}*={charset if i == 0 else ''}{c}" for i, c in enumerate(chunks))
    tis_percent = urllib.parse.quote(THAI_FILENAME.encode("cp874"), safe="")
    return [
        OddMail("rfc2231_thai_continuations", mail("rfc2231_thai_continuations", [
            text_part(), workbook_part(cont, names=continued)]), "accepted"),
        OddMail("rfc2231_wrong_charset_label", mail("rfc2231_wrong_charset_label", [
            text_part(), workbook_part(wrong, names=f"filename*=iso-8859-1''{percent}")]), "accepted"),
        OddMail("rfc2231_unknown_charset_label", mail("rfc2231_unknown_charset_label", [
            text_part(), workbook_part(unknown, names=f"filename*=x-unknown''{tis_percent}")]), "accepted"),
        OddMail("inline_disposition_workbook", mail("inline_disposition_workbook", [
            text_part(), workbook_part(inline, disposition="inline")]), "accepted"),
        OddMail("workbook_without_any_name", mail("workbook_without_any_name", [text_part(), part(
            [f"Content-Type: {XLSX_TYPE}", "Content-Transfer-Encoding: base64"], b64(nameless.payload))]),
            "accepted"),
        OddMail("gmail_app", gmail_app(Letter(files=((gmail.filename, gmail.payload),),
                                              message_id="<gmail@odd.th>",
                sender=Sender("สถจ. (Gmail)", "gmail-app@dla.go.th"))), "accepted"),
        OddMail("outlook_thai_windows_874_qp", _outlook(outlook), "accepted"),
        OddMail("mime_version_missing", _with_report("mime_version_missing", bare).replace(
            b"MIME-Version: 1.0\r\n", b""), "accepted"),
        OddMail("forwarded_inner_workbook", _forward("forwarded_inner_workbook",
                                                     _with_report("fwd-inner", fwd1)),
                "accepted"),
        OddMail("forwarded_twice_nested", _forward("forwarded_twice_nested", _forward(
            "fwd-middle", _with_report("fwd-innermost", fwd2))), "accepted"),
    ]  # fmt: skip


def _forward(name: str, inner: bytes) -> bytes:
    """Forwarded as an attachment (message/rfc822), the way Thunderbird and Outlook do it."""
    return mail(name, [text_part("ส่งต่อรายงานของจังหวัดครับ\r\n"), part(
        ['Content-Type: message/rfc822; name="รายงาน.eml"',
         'Content-Disposition: attachment; filename="รายงาน.eml"'],
        inner)])  # fmt: skip


def _outlook(rep: Report) -> bytes:
    """Outlook 2016 on Thai Windows: windows-874 quoted-printable text and HTML, the file name in Q-words
    inside quotes, folded, with Outlook's size and date parameters."""
    words = "\r\n ".join(
        q_word(THAI_FILENAME[i : i + 20], "windows-874", "cp874") for i in range(0, len(THAI_FILENAME), 20)
    )
    texts = [
        text_part(TEXT, "windows-874", "quoted-printable"),
        text_part(f"<html><body><p>{TEXT}</p></body></html>", "windows-874", "quoted-printable", "html"),
    ]
    file = part(
        [
            f'Content-Type: {XLSX_TYPE};\r\n\tname="{words}"',
            f"Content-Description: {words}",
            f'Content-Disposition: attachment;\r\n\tfilename="{words}"; size={len(rep.payload)};\r\n'
            '\tcreation-date="Mon, 02 Nov 2020 02:10:00 GMT"',
            "Content-Transfer-Encoding: base64",
        ],
        b64(rep.payload),
    )
    subject = q_word(f"ส่งรายงาน จังหวัด{rep.province}", "windows-874", "cp874")
    name = q_word("สถจ.อุทัยธานี", "windows-874", "cp874")
    head = envelope(
        "outlook_thai_windows_874_qp",
        subject=subject,
        sender=f"From: {name} <outlook-thai@dla.go.th>",
        extra=[
            f"Thread-Topic: {subject}",
            "Thread-Index: AdarPF8uGkAdikzAQ2m3tLyZ0b3x3Q==",
            "Content-Language: th-TH",
            "X-MS-Has-Attach: yes",
            "X-Mailer: Microsoft Outlook 16.0",
        ],
    )
    alternative = multipart("alternative", "_000_OUTLOOK_", texts)
    return mail("outlook_thai_windows_874_qp", [alternative, file], head=head, boundary="_004_OUTLOOK_")
