"""Raw RFC 5322 bytes → the facts the use case needs: who, what, which spreadsheets. Pure code."""

from __future__ import annotations

import codecs
import email
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass
from email.message import Message

from parsers import ParseError, unpack_container
from parsers.limits import DEFAULT_LIMITS, Limits
from parsers.sniff import sniff

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
SPREADSHEET_KINDS = {"xlsx", "xlsm", "xls", "ods", "encrypted", "xlsb", "broken_zip"}
# A spreadsheet shared by link instead of attached: we never open links (the reply asks for the file).
SHARED_LINK = re.compile(
    r"https?://(?:docs\.google\.com/spreadsheets|drive\.google\.com|onedrive\.live\.com|1drv\.ms"
    r"|[\w-]+\.sharepoint\.com|(?:www\.)?dropbox\.com)[^\s\"'<>)]*",
    re.IGNORECASE,
)
MSG_ID = re.compile(r"<[^<>\s]+>")  # a Message-ID in In-Reply-To or References
MAX_LINKS = 5
MAX_ANSWERS = 20  # the Message-IDs of a thread looked up (a References header may hold thousands)
MAX_BODY_SCAN = 256 * 1024


def _windows_874(name: str) -> codecs.CodecInfo | None:
    """Outlook labels Thai text windows-874; Python knows the same code page as cp874."""
    return codecs.lookup("cp874") if name.replace("_", "-") == "windows-874" else None


codecs.register(_windows_874)


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attached file: the decoded name (metadata only, never a path) and its bytes.

    `refused` holds (finding code, ctx) when the file was already refused while unpacking it (a zip
    bomb, a zip inside a zip): the judge then reports that instead of reading it.
    """

    filename: str
    payload: bytes
    refused: tuple[str, dict[str, str | int]] | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


@dataclass(frozen=True, slots=True)
class IncomingMail:
    """What handle_mail needs to know about one received message."""

    message_id: str  # with angle brackets, or "" when the sender gave none
    subject: str
    from_name: str
    from_address: str
    date: str
    references: tuple[str, ...]
    spreadsheets: tuple[Attachment, ...]
    other_attachments: tuple[str, ...]  # names of attachments that are not spreadsheets
    headers: tuple[tuple[str, str], ...]
    shared_links: tuple[str, ...] = ()  # links to Google Sheets/Drive, OneDrive, SharePoint in the text

    @property
    def answers(self) -> tuple[str, ...]:
        """The Message-IDs this mail answers: In-Reply-To first, then References, newest first."""
        in_reply_to = MSG_ID.findall(" ".join(self.header("In-Reply-To")))
        return tuple(dict.fromkeys([*in_reply_to, *reversed(self.references)]))[:MAX_ANSWERS]

    @property
    def fingerprint(self) -> str:
        """The message's identity apart from transport headers: the same mail delivered twice matches."""
        parts = [
            self.message_id,
            self.from_address,
            self.subject,
            *sorted(a.sha256 for a in self.spreadsheets),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def header(self, name: str) -> list[str]:
        """Every value of a header, case-insensitively, decoded."""
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]


def decode_text(raw: str | None) -> str:
    """Decode RFC 2047 words without losing the spaces around them (imap-tools' .subject does)."""
    if not raw:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except (UnicodeDecodeError, LookupError, email.errors.HeaderParseError):
        return raw


def parse_mail(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> IncomingMail:
    """Parse one message. Never raises on malformed input: odd parts are skipped, not fatal."""
    msg = email.message_from_bytes(raw)
    from_name, from_address = email.utils.parseaddr(decode_text(msg.get("From")))
    spreadsheets: list[Attachment] = []
    others: list[str] = []
    links: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = attachment_filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if not filename and disposition != "attachment" and part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if not filename and disposition != "attachment" and part.get_content_maintype() == "text":
            links.extend(_shared_links(payload))
            continue
        if _inline_image(part, disposition):
            continue  # a signature logo or a picture in the HTML body, shown by `cid:`: not an attachment
        kind = sniff(payload)
        if kind == "zip":
            spreadsheets.extend(_unpack(filename or "attachment.zip", payload, limits))
        elif kind in SPREADSHEET_KINDS or filename.lower().endswith(SPREADSHEET_EXTENSIONS):
            spreadsheets.append(Attachment(filename or f"attachment.{kind}", payload))
        else:
            others.append(filename or part.get_content_type())
    references = tuple(MSG_ID.findall(" ".join(str(v) for v in msg.get_all("References", []))))
    return IncomingMail(
        message_id=(msg.get("Message-ID") or "").strip(),
        subject=decode_text(msg.get("Subject")),
        from_name=from_name,
        from_address=from_address.strip().lower(),
        date=str(msg.get("Date") or ""),
        references=references,
        spreadsheets=tuple(spreadsheets),
        other_attachments=tuple(others),
        headers=tuple((k, decode_text(str(v))) for k, v in msg.items()),
        shared_links=tuple(dict.fromkeys(links))[:MAX_LINKS],
    )


def _inline_image(part: Message, disposition: str) -> bool:
    return (
        part.get_content_maintype() == "image"
        and bool(part.get("Content-ID"))
        and disposition != "attachment"
    )


def _shared_links(body: bytes) -> list[str]:
    """Share links in a text or HTML body (read as ASCII: the hosts and paths that matter are)."""
    text = body[:MAX_BODY_SCAN].decode("ascii", errors="replace")
    return [m.group(0) for m in SHARED_LINK.finditer(text)]


def attachment_filename(part: Message) -> str:
    """The attachment's name: RFC 2231 (with continuations) or RFC 2047 inside quotes, or raw 8-bit."""
    part = _with_8bit_headers_decoded(part)
    name = part.get_filename() or part.get_param("name", header="Content-Type")
    if isinstance(name, tuple):  # RFC 2231 triple left undecoded by get_param
        name = email.utils.collapse_rfc2231_value(name)
    if not name:
        return ""
    text = decode_text(str(name)) if "=?" in str(name) else str(name)
    return text.replace("\x00", "").strip()


def _with_8bit_headers_decoded(part: Message) -> Message:
    """Raw UTF-8 or TIS-620 bytes in Content-Disposition/-Type (no encoding at all) → a decoded copy."""
    fixed = Message()
    changed = False
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and isinstance(value, str):
            data = value.encode("utf-8", "surrogateescape")
            changed = changed or not data.isascii()
            fixed[key] = value if data.isascii() else _decode_8bit(data)
    return fixed if changed else part


def _decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp874", errors="replace")


def _unpack(filename: str, payload: bytes, limits: Limits) -> list[Attachment]:
    """The workbooks inside a zip attachment (one level), each judged on its own; a refusal is kept."""
    try:
        members = unpack_container(payload, filename, limits)
    except ParseError as e:
        return [Attachment(filename, payload, (e.code, dict(e.ctx)))]
    return [Attachment(f"{filename}/{name}", data) for name, data in members]
