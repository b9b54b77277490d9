"""MIME details of our replies: a policy that keeps Message-ID lists unencoded, Thai attachment names
with an ASCII fallback, pre-folded so no later step mangles them."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import urllib.parse
from dataclasses import dataclass
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy, compat32
from typing import Any, cast

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class ReplyAttachment:
    """A file sent back: `kind` annotated | blank_form, the Thai `filename`, the bytes."""

    kind: str
    filename: str
    payload: bytes
    content_type: str = XLSX_MIME


class _MsgIdListHeader(UnstructuredHeader):
    """In-Reply-To / References folded between msg-ids, never RFC 2047-encoded.

    CPython's default folding turns a msg-id longer than the line into `=?utf-8?q?...?=` (Gmail's
    <CA...@mail.gmail.com> ids are), which breaks threading; a long id may stay on one long line.
    """

    name: str  # set by BaseHeader, which the registry mixes in

    def fold(self, *, policy: Any) -> str:
        lines = [f"{self.name}:"]
        for word in str(self).split():
            if len(lines[-1]) + 1 + len(word) > 78 and lines[-1] != f"{self.name}:":
                lines.append("")
            lines[-1] += f" {word}"
        return str(policy.linesep).join(lines) + str(policy.linesep)


class _OneWordFromHeader(UnstructuredHeader):
    """From: a Thai display name as one encoded word (`from_header`), never folded into several; raw
    UTF-8 under an SMTPUTF8 policy."""

    name: str

    def fold(self, *, policy: Any) -> str:
        if getattr(policy, "utf8", False):
            return f"{self.name}: {self}{policy.linesep}"
        display, address = email.utils.parseaddr(str(self))
        value = from_header(display, address)
        if len(self.name) + 2 + len(value) > 78:  # fold between the word and the address, never inside
            value = value.replace(" <", f"{policy.linesep} <", 1)
        return f"{self.name}: {value}{policy.linesep}"


def _reply_policy() -> EmailPolicy[EmailMessage]:
    registry = HeaderRegistry()
    header = cast("type[BaseHeader]", _MsgIdListHeader)  # a mixin: the registry adds BaseHeader
    registry.map_to_type("in-reply-to", header)
    registry.map_to_type("references", header)
    registry.map_to_type("from", cast("type[BaseHeader]", _OneWordFromHeader))
    return SMTP.clone(header_factory=registry)


POLICY = _reply_policy()
EAI_POLICY = POLICY.clone(utf8=True)


def wire_bytes(msg: EmailMessage, to_address: str) -> bytes:
    """The message as sent. To an internationalised address (`สถจ@ตัวอย่าง.ไทย`, RFC 6531/6532) the headers
    go as raw UTF-8 — an address cannot be RFC 2047-encoded — and the transport must offer SMTPUTF8."""
    return msg.as_bytes(policy=POLICY if to_address.isascii() else EAI_POLICY)


class _Verbatim(str):
    """A pre-folded ASCII header value written exactly as given. The message's own policy would otherwise
    refold a long line: it decodes the RFC 2047 words of `name=` and re-encodes the header, MIME type
    included ("application/=?utf-8?q?vnd…")."""

    def __new__(cls, name: str, value: str) -> _Verbatim:
        made = super().__new__(cls, value)
        made.name = name
        return made

    name: str

    def fold(self, *, policy: Any) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def encoded_words(text: str, limit: int = 75) -> list[str]:
    """`text` as RFC 2047 B-encoded words of at most `limit` characters each, split between whole
    characters (a Thai character cut in two shows as garbage in some clients)."""
    out = [""]
    for char in text:
        longer = out[-1] + char
        if out[-1] and len(_b_word(longer)) > limit:
            out.append(char)
        else:
            out[-1] = longer
    return [_b_word(w) for w in out]


def _b_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def _quoted_name(param: str, filename: str) -> str:
    """` param="…"`: the name itself when ASCII, else its RFC 2047 words folded one per line (what Gmail
    and Outlook write; RFC 2047 does not bless words in quotes, yet it is what `name=` readers decode)."""
    if filename.isascii():
        return f' {param}="{filename}"'
    # Lines stay under 78 characters, or the message's policy refolds the header and re-encodes the name.
    return f' {param}="' + "\r\n ".join(encoded_words(filename, 78 - len(f' {param}="') - 1)) + '"'


def content_disposition(filename: str, ascii_fallback: str) -> str:
    """`attachment; filename*=UTF-8''…; filename="<ascii>"`, pre-folded into lines under 78 characters.

    RFC 2231 (with `*0*` continuations when long) for the Thai name, the plain ASCII name after it for
    clients that show "Untitled" otherwise (the Thai name in RFC 2047 words is in Content-Type `name=`).
    Lines are kept short so that no policy refolds (and mangles) it.
    """
    encoded = urllib.parse.quote(filename.encode("utf-8"), safe="")
    plain = f' filename="{ascii_fallback}"'
    if len(f" filename*=UTF-8''{encoded};") <= 76:
        return f"attachment;\r\n filename*=UTF-8''{encoded};\r\n{plain}"
    chunks = [""]
    for char in filename:  # whole characters per segment: some clients decode each segment alone
        quoted = urllib.parse.quote(char.encode("utf-8"), safe="")
        if chunks[-1] and len(chunks[-1]) + len(quoted) > 48:
            chunks.append("")
        chunks[-1] += quoted
    charset = "UTF-8''"
    lines = [f" filename*{i}*={charset if i == 0 else ''}{c};" for i, c in enumerate(chunks)]
    return "attachment;\r\n" + "\r\n".join(lines) + "\r\n" + plain


def attachment_part(att: ReplyAttachment, ascii_name: str) -> EmailMessage:
    """One attached file: its Thai name in Content-Type `name=` (RFC 2047 words, what Outlook and many
    phone clients read) and in Content-Disposition `filename*` (RFC 2231), with an ASCII `filename=`."""
    part = EmailMessage(policy=compat32)  # compat32 stores header values as given
    part["Content-Type"] = _Verbatim(
        "Content-Type", f"{att.content_type};\r\n" + _quoted_name("name", att.filename)
    )
    part["Content-Transfer-Encoding"] = "base64"
    part["Content-Disposition"] = _Verbatim(
        "Content-Disposition", content_disposition(att.filename, ascii_name)
    )
    part.set_payload(base64.encodebytes(att.payload).decode("ascii"))
    return part


def from_header(name: str, address: str) -> str:
    """`"name" <address>` with a Thai display name as ONE encoded word: a name folded into two words
    inside "สถ." reads "ส ถ." in Python's parser and in clients that join words with a space."""
    if name.isascii():
        return email.utils.formataddr((name, address))
    return f"{_b_word(name)} <{address}>"


def new_message(from_header: str, to: str, subject: str, now: dt.datetime, idstring: str) -> EmailMessage:
    """A message with our own Message-ID, in the domain of the From address."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = from_header
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(now)
    domain = domain_of(email.utils.parseaddr(from_header)[1])
    msg["Message-ID"] = email.utils.make_msgid(idstring=idstring, domain=domain)
    return msg


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localreport.invalid"
