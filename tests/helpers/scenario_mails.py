"""Province mails shaped like the clients that send them, as raw RFC 5322 bytes.

A `Letter` says what a province sends (subject, text, files, the mail it answers); a client function
writes it the way that client does:

- `thunderbird`: what Python's email package writes (UTF-8, RFC 2231 names), the plain baseline;
- `outlook_thai`: Outlook on Thai Windows — windows-874 text, RFC 2047 encoded-words in quotes for the
  subject and the file name, multipart/mixed around a text + HTML alternative;
- `gmail_app`: the Gmail app — UTF-8, base64 text, `filename*0*=UTF-8''…` RFC 2231 continuations;
- `webmail`: a government webmail — multipart/related holding the HTML and its inline logo;
- `forwarded`: a mail forwarded as an attachment (message/rfc822) with a note on top.

`answering(ours, …)` is a Letter that replies to one of our reply files: In-Reply-To its Message-ID,
References the thread, "RE: " before our subject with its [status word].
"""

from __future__ import annotations

import base64
import email.header
import email.utils
import itertools
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from typing import Protocol

File = tuple[str, bytes]  # (file name as the province saved it, its bytes)
SUBJECT = "ส่งผลการประเมินผู้บริหารท้องถิ่น ประจำปีงบประมาณ พ.ศ. 2563 จังหวัดลำพูน"
BODY = "เรียน กรมส่งเสริมการปกครองท้องถิ่น\n\nสถจ.ลำพูน ขอส่งแบบสรุปผลการประเมินผู้บริหารท้องถิ่นตามหนังสือ มท 0810.7/ว\n"
OUR_ADDRESS = "Localreport.dla@gmail.com"
MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "pdf": "application/pdf",
    "zip": "application/x-zip-compressed",
    "png": "image/png",
}
# A 1×1 PNG: the department's logo in a webmail signature.
LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
_serial = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Sender:
    name: str = "สถจ.ลำพูน"
    address: str = "lamphun@dla.go.th"


LAMPHUN_OFFICE = Sender()


def _message_id(domain: str) -> str:
    return f"<{next(_serial):06d}.scenario@{domain}>"


@dataclass(frozen=True, slots=True)
class Letter:
    """What a province sends: the client functions below write it as that client would."""

    files: tuple[File, ...] = ()
    subject: str = SUBJECT
    body: str = BODY
    sender: Sender = LAMPHUN_OFFICE
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    message_id: str = field(default_factory=lambda: _message_id("dla.go.th"))


class Answered(Protocol):
    """One of our replies, as far as a province's answer needs it."""

    @property
    def message_id(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def references(self) -> tuple[str, ...]: ...


def answering(ours: Answered, files: Sequence[File] = (), body: str = "แก้ไขแล้วครับ\n") -> Letter:
    """A province's reply to one of our replies, as a mail client threads it."""
    return Letter(
        files=tuple(files), subject=f"RE: {ours.subject}", body=body, in_reply_to=ours.message_id,
        references=(*ours.references, ours.message_id),
    )  # fmt: skip


def mime_type(filename: str) -> str:
    return MIME_TYPES.get(filename.rpartition(".")[2].lower(), "application/octet-stream")


def _b64_lines(payload: bytes) -> str:
    return base64.encodebytes(payload).decode("ascii").replace("\n", "\r\n")


def _encoded_words(text: str, charset: str, codec: str) -> str:
    """RFC 2047 B-words, each under 76 characters, folded with a tab as Outlook does."""
    data = text.encode(codec)
    return "\r\n\t".join(
        f"=?{charset}?B?{base64.b64encode(data[i : i + 36]).decode('ascii')}?="
        for i in range(0, len(data), 36)
    )


def _envelope(letter: Letter, subject: str, from_name: str, extra: Sequence[str]) -> list[str]:
    lines = [
        f"From: {from_name} <{letter.sender.address}>",
        f"To: {OUR_ADDRESS}",
        f"Subject: {subject}",
        f"Date: {email.utils.formatdate(localtime=False)}",
        f"Message-ID: {letter.message_id}",
    ]
    if letter.in_reply_to:
        lines.append(f"In-Reply-To: {letter.in_reply_to}")
    if letter.references:
        lines.append("References: " + "\r\n ".join(letter.references))
    return [*lines, "MIME-Version: 1.0", *extra]


def _multipart(subtype: str, boundary: str, parts: Sequence[str], preamble: str = "") -> str:
    body = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts)
    head = f'Content-Type: multipart/{subtype};\r\n\tboundary="{boundary}"\r\n\r\n'
    return head + (f"{preamble}\r\n\r\n" if preamble else "") + body + f"--{boundary}--\r\n"


def _text_part(subtype: str, text: str, charset: str, codec: str) -> str:
    return (
        f'Content-Type: text/{subtype};\r\n\tcharset="{charset}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64_lines(text.encode(codec))}"
    )


def _html(text: str, extra: str = "") -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line)
    return f"<html><head><meta charset='utf-8'></head><body>{paragraphs}{extra}</body></html>"


def _attachment(filename: str, payload: bytes, names: str, headers: Sequence[str] = ()) -> str:
    """An attachment part; `names` is its name parameters already written (e.g. `name="…"`)."""
    content_type, disposition = names.split("\x00")
    return "\r\n".join([
        f"Content-Type: {mime_type(filename)};\r\n\t{content_type}",
        "Content-Transfer-Encoding: base64",
        f"Content-Disposition: attachment;\r\n\t{disposition}",
        *headers,
        "",
        _b64_lines(payload),
    ])  # fmt: skip


def _rfc2231(param: str, value: str) -> str:
    """`param*0*=UTF-8''…;\\r\\n\\tparam*1*=…`: RFC 2231 with continuations of whole characters."""
    chunks = [""]
    for char in value:
        quoted = urllib.parse.quote(char.encode("utf-8"), safe="")
        if chunks[-1] and len(chunks[-1]) + len(quoted) > 54:
            chunks.append("")
        chunks[-1] += quoted
    return ";\r\n\t".join(
        f"{param}*{i}*={'UTF-8' + chr(39) * 2 if i == 0 else ''}{c}" for i, c in enumerate(chunks)
    )


# ------------------------------------------------------------------------------------------ clients


def thunderbird(letter: Letter) -> bytes:
    """What Python's email package writes: text/plain in UTF-8, RFC 2231 attachment names."""
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((letter.sender.name, letter.sender.address))
    msg["To"] = OUR_ADDRESS
    msg["Subject"] = letter.subject
    msg["Date"] = email.utils.formatdate()
    msg["Message-ID"] = letter.message_id
    if letter.in_reply_to:
        msg["In-Reply-To"] = letter.in_reply_to
    if letter.references:
        msg["References"] = " ".join(letter.references)
    msg["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:78.0) Gecko/20100101 Thunderbird/78.4.0"
    msg.set_content(letter.body)
    for name, payload in letter.files:
        maintype, _, subtype = mime_type(name).partition("/")
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=SMTP)


def outlook_thai(letter: Letter) -> bytes:
    """Outlook 2016 on Thai Windows: everything in windows-874, names as RFC 2047 words in quotes."""
    words = _encoded_words(letter.subject, "windows-874", "cp874")
    envelope = _envelope(
        letter, words, _encoded_words(letter.sender.name, "windows-874", "cp874"),
        [f"Thread-Topic: {words}", "Thread-Index: AdarPF8uGkAdikzAQ2m3tLyZ0b3x3Q==",
         "X-Mailer: Microsoft Outlook 16.0", "Content-Language: th"],
    )  # fmt: skip
    alternative = _multipart("alternative", "----=_NextPart_001_0002_01D6AB77.0B8D3A40", [
        _text_part("plain", letter.body, "windows-874", "cp874"),
        _text_part("html", _html(letter.body).replace("utf-8", "windows-874"), "windows-874", "cp874"),
    ])  # fmt: skip
    files = []
    for name, payload in letter.files:
        quoted = f'"{_encoded_words(name, "windows-874", "cp874")}"'
        files.append(_attachment(name, payload, f"name={quoted}\x00filename={quoted}"))
    mixed = _multipart("mixed", "----=_NextPart_000_0001_01D6AB77.0B8D3A40", [alternative, *files],
                       "This is a multipart message in MIME format.")  # fmt: skip
    return ("\r\n".join(envelope) + "\r\n" + mixed).encode("ascii")


def gmail_app(letter: Letter) -> bytes:
    """The Gmail app: UTF-8 base64 text and HTML, RFC 2231 (continued) attachment names."""
    subject = email.header.Header(letter.subject, "utf-8").encode()
    envelope = _envelope(letter, subject, email.header.Header(letter.sender.name, "utf-8").encode(), [])
    alternative = _multipart("alternative", "000000000000f1e2d305b2a1c001", [
        _text_part("plain", letter.body, "UTF-8", "utf-8"),
        _text_part("html", f'<div dir="ltr">{_html(letter.body)}</div>', "UTF-8", "utf-8"),
    ])  # fmt: skip
    files = [
        _attachment(name, payload, f"{_rfc2231('name', name)}\x00{_rfc2231('filename', name)}",
                    [f"X-Attachment-Id: f_kgr{n}", f"Content-ID: <f_kgr{n}>"])
        for n, (name, payload) in enumerate(letter.files)
    ]  # fmt: skip
    mixed = _multipart("mixed", "000000000000f1e2d505b2a1c003", [alternative, *files])
    return ("\r\n".join(envelope) + "\r\n" + mixed).encode("ascii")


def webmail(letter: Letter) -> bytes:
    """A webmail (Zimbra-like): the HTML and its inline logo in multipart/related, files after it."""
    subject = email.header.Header(letter.subject, "utf-8").encode()
    envelope = _envelope(
        letter,
        subject,
        email.header.Header(letter.sender.name, "utf-8").encode(),
        ["X-Mailer: Zimbra 8.8.15_GA_3959 (ZimbraWebClient - GC86 (Win)/8.8.15_GA_3953)"],
    )
    html = _html(letter.body, '<p><img src="cid:logo@dla.go.th" alt="สถ."></p>')
    alternative = _multipart("alternative", "=_alt_7f1c", [
        _text_part("plain", letter.body, "utf-8", "utf-8"), _text_part("html", html, "utf-8", "utf-8"),
    ])  # fmt: skip
    logo = (
        'Content-Type: image/png; name="logo.png"\r\nContent-Disposition: inline; filename="logo.png"\r\n'
        f"Content-Transfer-Encoding: base64\r\nContent-ID: <logo@dla.go.th>\r\n\r\n{_b64_lines(LOGO)}"
    )
    related = _multipart("related", "=_rel_7f1c", [alternative, logo])
    files = []
    for name, payload in letter.files:
        quoted = f'"{email.header.Header(name, "utf-8").encode()}"'
        files.append(_attachment(name, payload, f"name={quoted}\x00filename={quoted}"))
    mixed = _multipart("mixed", "=_mixed_7f1c", [related, *files])
    return ("\r\n".join(envelope) + "\r\n" + mixed).encode("ascii")


def forwarded(original: bytes, note: Letter) -> bytes:
    """`original` forwarded as an attachment (message/rfc822) under a short note, as Thunderbird does."""
    envelope = _envelope(note, email.header.Header(note.subject, "utf-8").encode(),
                         email.header.Header(note.sender.name, "utf-8").encode(), [])  # fmt: skip
    inner = (
        'Content-Type: message/rfc822; name="forwarded.eml"\r\n'
        'Content-Disposition: attachment; filename="forwarded.eml"\r\n\r\n'
        + original.decode("ascii").replace("\r\n", "\n").replace("\n", "\r\n")
    )
    mixed = _multipart("mixed", "------------F0RWARD0000000001", [
        _text_part("plain", note.body, "utf-8", "utf-8"), inner,
    ])  # fmt: skip
    return ("\r\n".join(envelope) + "\r\n" + mixed).encode("ascii")
