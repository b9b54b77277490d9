"""Raw RFC 5322 bytes → the facts the use case needs: who, what, which spreadsheets. Pure code.

Headers are read from the bytes as they came (the compat32 parser keeps them): raw 8-bit bytes are UTF-8
(RFC 6532: Gmail has taken raw UTF-8 From, Subject and file names since 2014) or, when not valid UTF-8,
windows-874 (Thai Outlook's legacy charset); the value is unfolded and its RFC 2047 words decoded
(`decode_text`). Not `email.policy.default`: it leaves 8-bit address parts as surrogates, and in a long
encoded display name it puts a space between the words and decodes each alone (a Thai character split
between two words breaks). Addresses, EAI ones too, stay in Unicode as written, lower-cased, never IDNA.

The sender (`sender`): the first mailbox with an `@` over all From headers, top to bottom (several From
headers, or one listing several mailboxes, give the first); without one, the first address-like word
(`MAILER-DAEMON`), else "" (empty, missing, `undisclosed-recipients:;`). A From is parsed before it is
decoded (a decoded name may hold a comma), then decoded first when that finds no `@` (some clients
encode the whole `name <address>` as one word). `parse_mail` never raises: a part or header the parser
chokes on is skipped, and a message nested too deep to parse is read for its headers only.
"""

from __future__ import annotations

import base64
import codecs
import email
import email.errors
import email.parser
import email.utils
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import Message

from parsers import ParseError, unpack_container
from parsers.limits import DEFAULT_LIMITS, Limits
from parsers.sniff import sniff

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
SPREADSHEET_KINDS = {"xlsx", "xlsm", "xls", "ods", "encrypted", "xlsb", "broken_zip"}
# A part of one of these types is a workbook even when it carries no name and no Content-Disposition.
SPREADSHEET_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel",
    "application/vnd.ms-excel.sheet.macroenabled.12", "application/vnd.oasis.opendocument.spreadsheet",
})  # fmt: skip
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
_WORD = r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?="  # an RFC 2047 encoded-word: charset, encoding, text
ENCODED_WORD = re.compile(_WORD)
ENCODED_RUN = re.compile(rf"{_WORD}(?:[ \t]*{_WORD})*")  # adjacent words: the space between is not text
UUENCODED = re.compile(rb"^begin [0-7]{3,4} ([^\r\n]+)\r?\n.*?^end[ \t]*\r?$", re.MULTILINE | re.DOTALL)
UTF8_THAI = re.compile(rb"\xe0[\xb8\xb9][\x80-\xbf]")  # one Thai character in UTF-8
FOLD = re.compile(r"\r?\n(?=[ \t])")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Labels senders put on whatever bytes they have: UTF-8 that decodes is believed before them.
WESTERN_LABELS = frozenset({"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1",
                            "windows-1252", "cp1252"})  # fmt: skip
TEXT_ERRORS = (UnicodeError, LookupError, ValueError, TypeError)
# What the email package raises on some odd input; a part or header hitting one is skipped.
PARSE_ERRORS = (*TEXT_ERRORS, IndexError, KeyError, AttributeError, AssertionError,
                email.errors.MessageError, RecursionError)  # fmt: skip


def _windows_874(name: str) -> codecs.CodecInfo | None:
    """Outlook labels Thai text windows-874; Python knows the same code page as cp874."""
    return codecs.lookup("cp874") if name.replace("_", "-") in ("windows-874", "x-windows-874") else None


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
    from_address: str  # lower-cased, Unicode kept (EAI); see the module docstring for odd From headers
    date: str
    references: tuple[str, ...]
    spreadsheets: tuple[Attachment, ...]
    other_attachments: tuple[str, ...]  # names of attachments that are not spreadsheets
    headers: tuple[tuple[str, str], ...]
    shared_links: tuple[str, ...] = ()  # links to Google Sheets/Drive, OneDrive, SharePoint in the text
    reply_to: str = ""  # the Reply-To header decoded, for display and logs only: never answered
    from_count: int = 1  # mailboxes (with an @) in all From headers; DMARC vouches only for exactly one

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


# ------------------------------------------------------------------------------------- header text


def decode_bytes(data: bytes, charset: str = "") -> str:
    """Bytes labelled `charset` (a MIME label: maybe wrong, unknown or empty) as text; never raises.

    Strictly, in this order: the label (a Western default — us-ascii, iso-8859-1, windows-1252 — only
    after UTF-8), UTF-8, windows-874 (Thai) unless the bytes hold UTF-8 Thai; else the label or UTF-8
    with the undecodable bytes replaced.
    """
    label = charset.strip().strip("\"'").split("*")[0].lower()
    labelled = [] if not label or label in WESTERN_LABELS else [label, label.removeprefix("x-")]
    western = [label] if label in WESTERN_LABELS else []
    thai = [] if UTF8_THAI.search(data) else ["cp874"]  # broken UTF-8 Thai read as cp874 is gibberish
    for codec, errors in [*((c, "strict") for c in (*labelled, "utf-8", *western, *thai)),
                          *((c, "replace") for c in (*labelled, "utf-8"))]:  # fmt: skip
        try:
            return data.decode(codec, errors)
        except TEXT_ERRORS:
            continue
    return data.decode("utf-8", "replace")


def header_text(value: str | None) -> str:
    """A raw header value unfolded, its 8-bit bytes read as UTF-8 or windows-874, no RFC 2047 decoding."""
    if not value:
        return ""
    try:
        data = value.encode("utf-8", "surrogateescape")  # compat32 keeps 8-bit bytes as surrogates
    except UnicodeEncodeError:
        data = value.encode("utf-8", "replace")
    text = data.decode("ascii") if data.isascii() else decode_bytes(data)
    return FOLD.sub("", text)


def decode_text(raw: str | None) -> str:
    """A header value as a person reads it: 8-bit bytes read (`header_text`), RFC 2047 words decoded
    without losing the spaces around them (imap-tools' .subject does), control characters dropped."""
    return _clean(ENCODED_RUN.sub(_decode_run, header_text(raw)))


def _decode_run(run: re.Match[str]) -> str:
    """Adjacent encoded-words: the bytes of words in one charset are joined before they are decoded, so
    a Thai character split between two words survives; a charset that cannot decode them is not believed."""
    chunks: list[tuple[str, bytes]] = []
    try:
        for charset, encoding, text in ENCODED_WORD.findall(run.group(0)):
            label = charset.split("*")[0].lower()
            data = _word_bytes(encoding, text)
            if chunks and chunks[-1][0] == label:
                chunks[-1] = (label, chunks[-1][1] + data)
            else:
                chunks.append((label, data))
    except PARSE_ERRORS:
        return run.group(0)
    return "".join(decode_bytes(data, label) for label, data in chunks)


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("utf-8")
    if encoding in "Qq":
        return re.sub(
            rb"=([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m.group(1).decode()), data.replace(b"_", b" ")
        )
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)  # padding, spaces and stray characters senders leave
    data = data[:-1] if len(data) % 4 == 1 else data + b"=" * (-len(data) % 4)
    return base64.b64decode(data)


def _clean(text: str) -> str:
    return CONTROL.sub("", re.sub(r"[\r\n]+", " ", text))


def header_pairs(msg: Message) -> tuple[tuple[str, str], ...]:
    """Every header of a message, top to bottom, as (name, value decoded by `decode_text`)."""
    out = []
    for name, value in msg.raw_items():
        try:
            out.append((_clean(header_text(str(name))), decode_text(str(value))))
        except PARSE_ERRORS:
            continue
    return tuple(out)


def sender(from_values: Sequence[str]) -> tuple[str, str]:
    """(display name, address) of the raw From values, chosen as the module docstring says."""
    for texts in ([header_text(v) for v in from_values], [decode_text(v) for v in from_values]):
        pairs = email.utils.getaddresses(texts)
        found = next(((n, a) for n, a in pairs if "@" in a), None)
        if found is not None:
            return decode_text(found[0]).strip(), _clean(found[1]).strip().lower()
    pairs = email.utils.getaddresses([decode_text(v) for v in from_values])
    name, address = next(((n, a) for n, a in pairs if a.strip()), ("", ""))
    return name.strip(), _clean(address).strip().lower()


# --------------------------------------------------------------------------------------- the mail


@dataclass
class _Found:
    spreadsheets: list[Attachment] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def parse_mail(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> IncomingMail:
    """Parse one message. Never raises on malformed input: odd parts are skipped, not fatal."""
    msg = _message(raw)
    headers = header_pairs(msg)
    raw_headers = list(msg.raw_items())

    def first(name: str) -> str:
        return next((v for k, v in headers if k.lower() == name), "")

    def raw_values(name: str) -> list[str]:
        return [str(v) for k, v in raw_headers if k.lower() == name]

    try:
        from_name, from_address = sender(raw_values("from"))
        from_count = sum(
            "@" in a for _, a in email.utils.getaddresses([header_text(v) for v in raw_values("from")])
        )
    except PARSE_ERRORS:
        from_name, from_address, from_count = "", "", 0
    found = _Found()
    for part in _leaves(msg):
        try:
            _take(part, found, limits)
        except PARSE_ERRORS:
            continue  # one part the email package cannot read: the rest of the mail still counts
    message_ids = [_clean(header_text(v)).strip() for v in raw_values("message-id")]
    return IncomingMail(
        message_id=next((m for m in message_ids if m), ""),
        subject=first("subject"),
        from_name=from_name,
        from_address=from_address,
        date=first("date"),
        references=tuple(MSG_ID.findall(" ".join(header_text(v) for v in raw_values("references")))),
        spreadsheets=tuple(found.spreadsheets),
        other_attachments=tuple(found.others),
        headers=headers,
        shared_links=tuple(dict.fromkeys(found.links))[:MAX_LINKS],
        reply_to=first("reply-to"),
        from_count=from_count,
    )


def _message(raw: bytes) -> Message:
    """The parsed message; a structure too deep for the parser's recursion gives its headers only."""
    try:
        return email.message_from_bytes(raw)
    except PARSE_ERRORS:
        try:
            return email.parser.BytesHeaderParser().parsebytes(raw)
        except PARSE_ERRORS:
            return Message()


def _leaves(msg: Message) -> Iterator[Message]:
    """The non-multipart parts, depth first in the order written (Message.walk without its recursion)."""
    stack = [msg]
    while stack:
        part = stack.pop()
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(reversed([*(p for p in payload if isinstance(p, Message)), *_after_close(part)]))
        else:
            yield part


def _after_close(part: Message) -> list[Message]:
    """Parts written after a multipart's closing line, under its boundary: a nested multipart that reused
    its parent's boundary (some mailers do) closed both, and the parser left the rest in the epilogue."""
    boundary, epilogue = part.get_boundary(), part.epilogue
    if not boundary or not epilogue or f"--{boundary}" not in epilogue:
        return []
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    rest = email.message_from_bytes((head + epilogue).encode("utf-8", "surrogateescape"))
    payload = rest.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _take(part: Message, found: _Found, limits: Limits) -> None:
    """File one leaf part: a workbook, another attachment, or a text body (its share links, and the files
    uuencoded in it, count)."""
    filename = attachment_filename(part)
    disposition = (part.get_content_disposition() or "").lower()
    named = bool(filename) or disposition == "attachment" or part.get_content_type() in SPREADSHEET_TYPES
    if not named and part.get_content_maintype() != "text":
        return
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return
    if not named:
        found.links.extend(_shared_links(payload, part.get_content_charset() or ""))
        for block in UUENCODED.finditer(payload) if b"begin " in payload else ():
            _file(found, decode_bytes(block.group(1)).strip(), _uudecode(block.group(0)), "", limits)
        return
    # A signature logo or a picture shown by `cid:` in the HTML body is not an attachment.
    if part.get_content_maintype() != "image" or not part.get("Content-ID") or disposition == "attachment":
        _file(found, filename, payload, part.get_content_type(), limits)


def _file(found: _Found, filename: str, payload: bytes, content_type: str, limits: Limits) -> None:
    kind = sniff(payload)
    if kind == "zip":
        found.spreadsheets.extend(_unpack(filename or "attachment.zip", payload, limits))
    elif kind in SPREADSHEET_KINDS or filename.lower().endswith(SPREADSHEET_EXTENSIONS):
        found.spreadsheets.append(Attachment(filename or f"attachment.{kind}", payload))
    else:
        found.others.append(filename or content_type)


def _uudecode(block: bytes) -> bytes:
    """A uuencoded file (`begin 644 name` … `end`), decoded by the email package's own x-uuencode."""
    carrier = Message()
    carrier["Content-Transfer-Encoding"] = "x-uuencode"
    carrier.set_payload(block.decode("ascii", "surrogateescape"))
    data = carrier.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _shared_links(body: bytes, charset: str) -> list[str]:
    """Share links in a text or HTML body (read as ASCII, the hosts and paths that matter are; UTF-16
    and UTF-32 bodies decoded first)."""
    codec = charset if charset.startswith(("utf-16", "utf-32")) else "ascii"
    text = body[:MAX_BODY_SCAN].decode(codec, errors="replace")
    return [m.group(0) for m in SHARED_LINK.finditer(text)]


def attachment_filename(part: Message) -> str:
    """The attachment's name: RFC 2231 (with continuations; a charset label that does not fit the
    bytes is not believed, see `decode_bytes`), RFC 2047 inside quotes, or raw 8-bit."""
    part = _with_8bit_headers_decoded(part)
    value = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if isinstance(value, tuple):  # RFC 2231: (charset, language, each %XX as one latin-1 character)
        charset, _language, text = value
        try:
            name = decode_bytes(text.encode("latin-1"), charset or "")
        except UnicodeEncodeError:
            name = text
    else:
        name = value or ""
    return decode_text(name).strip()


def _with_8bit_headers_decoded(part: Message) -> Message:
    """Raw UTF-8 or TIS-620 bytes in Content-Disposition/-Type (no encoding at all) → a decoded copy."""
    fixed = Message()
    changed = False
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and isinstance(value, str):
            data = value.encode("utf-8", "surrogateescape")
            changed = changed or not data.isascii()
            fixed[key] = value if data.isascii() else decode_bytes(data)
    return fixed if changed else part


def _unpack(filename: str, payload: bytes, limits: Limits) -> list[Attachment]:
    """The workbooks inside a zip attachment (one level), each judged on its own; a refusal is kept."""
    try:
        members = unpack_container(payload, filename, limits)
    except ParseError as e:
        return [Attachment(filename, payload, (e.code, dict(e.ctx)))]
    return [Attachment(f"{filename}/{name}", data) for name, data in members]
