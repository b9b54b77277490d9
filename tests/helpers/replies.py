"""The mail and file results the reply tests compose replies from, and readers of the composed bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.header
import email.policy
from email.message import EmailMessage

from bot.replies.compose import FileResult, compose_reply
from bot.replies.mime import ReplyAttachment
from bot.replies.standing import ProvinceProgress, Standing
from bot.usecase.incoming import IncomingMail
from bot.usecase.rules import Identity
from validators.findings import Finding, Severity

NOW = dt.datetime(2020, 11, 1, 9, 30, tzinfo=dt.UTC)
DEADLINE = dt.date(2020, 11, 2)
OUR_ADDRESS = "Localreport.dla@gmail.com"
OUR_NAME = "ระบบรับรายงานผลการประเมินผู้บริหารท้องถิ่น กรมส่งเสริมการปกครองท้องถิ่น"  # long: folds
SUBJECT = "ส่งผลการประเมินผู้บริหารท้องถิ่น ปี 2563 จังหวัดกาญจนบุรี"
FILENAME = "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี.xlsx"
MAIL = IncomingMail(
    message_id="<20201101093000.1234@kanchanaburi.go.th>",
    subject=SUBJECT,
    from_name="สถจ.กาญจนบุรี",
    from_address="saraban@kanchanaburi.go.th",
    date="Sun, 01 Nov 2020 16:29:00 +0700",
    references=("<earlier@kanchanaburi.go.th>",),
    spreadsheets=(),
    other_attachments=(),
    headers=(("Reply-To", "someone-else@example.test"),),
)
HEADER_D = "ชื่อ อปท."


def err(code: str, row: int | None, column: str | None, header: str | None = None, **kw: object) -> Finding:
    return Finding(code=code, sheet="แบบสรุปผล", row=row, column=column, header=header, **kw)  # type: ignore[arg-type]


ABBREVIATED = [
    err(
        "lao_name_abbreviated",
        3 + i,
        "D",
        HEADER_D,
        value=f"อบต.บ้าน{i}",
        suggestion=f"องค์การบริหารส่วนตำบลบ้าน{i}",
    )
    for i in range(1, 21)
]
NOT_ALLOWED = [
    err(
        "value_not_allowed",
        5 + i,
        "H",
        "ประเด็นที่ 1",
        value="ผ",
        suggestion="ผ่าน",
        ctx={"allowed": "ผ่าน / ไม่ผ่าน"},
    )
    for i in range(1, 13)
]
BAD_CODES = [
    err("dla_code_invalid", 30 + i, "E", "รหัส อปท.", value="12", suggestion="4710102") for i in range(3)
]
MISSING = Finding(
    "laos_missing", Severity.WARNING, ctx={"count": 2, "names": "เทศบาลตำบลลาดหญ้า, องค์การบริหารส่วนตำบลวังด้ง"}
)
ACCEPTED = FileResult(FILENAME, "accepted", "กาญจนบุรี", 120, 122, (MISSING,))
REJECTED = FileResult(
    FILENAME, "rejected", "กาญจนบุรี", 0, 122, (*ABBREVIATED, *NOT_ALLOWED, *BAD_CODES),
    attachments=(
        ReplyAttachment("annotated", "ผลการประเมินผู้บริหารท้องถิ่น จังหวัดกาญจนบุรี - จุดที่ต้องแก้ไข.xlsx", b"PK1"),
        ReplyAttachment("blank_form", "แบบฟอร์ม จังหวัดกาญจนบุรี.xlsx", b"PK2"),
    ),
)  # fmt: skip
SMALL_REJECTED = FileResult("ลำพูน.xlsx", "rejected", "ลำพูน", 0, 60, (ABBREVIATED[0], BAD_CODES[0]))
UNREADABLE = FileResult(
    "รายงาน.xlsx",
    "unreadable",
    findings=(Finding("file_not_excel", value="รายงาน.xlsx", ctx={"kind": "PDF"}),),
)
DUPLICATE = FileResult(FILENAME, "duplicate", first_status="rejected")

COMPLETE = ProvinceProgress("กาญจนบุรี", 122, 122, 120)  # two LAOs came in an earlier mail
STILL_MISSING = ProvinceProgress(
    "กาญจนบุรี", 120, 122, 120,
    (("ท่าม่วง", "เทศบาลตำบลลาดหญ้า"), ("ท่าม่วง", "องค์การบริหารส่วนตำบลวังด้ง")),
)  # fmt: skip
LINK = "https://docs.google.com/spreadsheets/d/1AbC/edit?usp=sharing"

# kind → (results, what the reply says beyond the files, the mail)
CASES: dict[str, tuple[list[FileResult], Standing, IncomingMail]] = {
    "accepted": ([ACCEPTED], Standing(provinces=(COMPLETE,)), MAIL),
    "partial": ([ACCEPTED], Standing(provinces=(STILL_MISSING,)), MAIL),
    "late": ([ACCEPTED], Standing(DEADLINE, (COMPLETE,)), MAIL),
    "rejected": ([REJECTED], Standing(), MAIL),
    "unreadable": ([UNREADABLE], Standing(), MAIL),
    "duplicate": ([DUPLICATE], Standing(), MAIL),
    "mixed": ([ACCEPTED, SMALL_REJECTED], Standing(provinces=(COMPLETE,)), MAIL),
    "no_attachment": ([], Standing(), MAIL),
    "conversation": ([], Standing(answering=True), MAIL),
    "link_only": ([], Standing(), dataclasses.replace(MAIL, shared_links=(LINK,))),
}


def compose(kind: str, mail: IncomingMail | None = None, from_name: str = OUR_NAME) -> bytes:
    results, standing, case_mail = CASES[kind]
    reply = compose_reply(mail or case_mail, results, Identity(OUR_ADDRESS, from_name), NOW, standing)
    assert reply.kind == kind
    return reply.raw


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def body(raw: bytes, subtype: str = "plain") -> str:
    part = parsed(raw).get_body((subtype,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # base64 text parts carry CRLF line ends


def decoded(value: str) -> str:
    """What a careful client shows: RFC 2047 words joined exactly (policy.default splits long Thai names)."""
    return str(email.header.make_header(email.header.decode_header(value)))
