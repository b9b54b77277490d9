"""ImapInbox: the IMAP backend through imap-tools (Gmail in production, Dovecot in the tests).

A cycle lists the folder with one header fetch per 200 messages (UID, size and the Message-ID, From and
Subject lines): the use case recognises mail it already handled from these and never downloads its body.
Special folders (Sent, Spam) are found by their special-use flag, whatever their localised name
(Gmail in Thai: `[Gmail]/จดหมายที่ส่งแล้ว`, `[Gmail]/สแปม`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.errors
import email.header
import email.utils
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator

import imap_tools
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

from bot.adapters.login_hints import login_fix
from bot.adapters.oauth import forget_access_tokens
from bot.entrypoints.config import MailboxSettings
from bot.errors import LoginError, MailboxError
from bot.usecase.ports import Envelope, InboxMessage, JunkMail

log = logging.getLogger(__name__)
INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
UID = re.compile(rb"\bUID (\d+)")
SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
IDENTITY_FIELDS = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT)]"
BATCH = 200  # UIDs per header fetch
# A spreadsheet in a BODYSTRUCTURE: its MIME type, or a file name (also RFC 2231-encoded) ending so.
WORKBOOK = re.compile(
    rb'spreadsheetml|vnd\.ms-excel|opendocument\.spreadsheet|\.(?:xlsx|xlsm|xls|ods)"', re.IGNORECASE
)


class ImapInbox:
    """Reads the folder without setting \\Seen; handled mail is UID MOVEd to the processed folder."""

    def __init__(self, settings: MailboxSettings, credential: Callable[[], str]) -> None:
        """`credential()` gives the password, or a fresh OAuth access token when `auth = "xoauth2"`."""
        self.settings = settings
        self._credential = credential
        self._box: imap_tools.BaseMailBox | None = None
        self._uidvalidity = ""
        self._folders: dict[str, str] = {}

    def __enter__(self) -> ImapInbox:
        s = self.settings
        try:
            box: imap_tools.BaseMailBox
            if s.security == "ssl":
                box = MailBox(
                    s.host, s.port, timeout=s.timeout_seconds, ssl_context=ssl.create_default_context()
                )
            elif s.security == "starttls":
                box = MailBoxStartTls(
                    s.host, s.port, timeout=s.timeout_seconds, ssl_context=ssl.create_default_context()
                )
            else:
                box = MailBoxUnencrypted(s.host, s.port, timeout=s.timeout_seconds)
            try:
                if s.auth == "xoauth2":
                    box.xoauth2(s.username, self._credential(), initial_folder=s.folder)
                else:
                    box.login(s.username, self._credential(), initial_folder=s.folder)
            except (imap_tools.MailboxLoginError, imaplib.IMAP4.error) as e:
                if isinstance(e, imap_tools.MailboxFolderSelectError):
                    raise
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    box.client.shutdown()
                forget_access_tokens()  # a cached token the server refused before its expiry: ask again
                raise LoginError(
                    f"IMAP {s.host}:{s.port} refused the login of {s.username}: {e}",
                    login_fix(str(e), auth=s.auth, password_env=s.password_env),
                ) from e
            # imap-tools reads CAPABILITY before login; servers announce MOVE only after it.
            box.client.capabilities = tuple(box.client.capability()[1][0].decode().upper().split())
            status = box.folder.status(s.folder, ["UIDVALIDITY"])
            self._uidvalidity = str(status["UIDVALIDITY"])
            # Config names use "/"; the server may separate levels with another character (Dovecot: ".").
            delim = next((f.delim for f in box.folder.list("", "INBOX") if f.delim not in ("", "NIL")), "/")
            self._folders = {
                name: name.replace("/", delim) for name in (s.processed_folder, s.quarantine_folder)
            }
            for folder in self._folders.values():
                _ensure_folder(box, folder)
        except (imap_tools.MailboxLoginError, imaplib.IMAP4.error, OSError) as e:
            raise MailboxError(f"IMAP {s.username}@{s.host}:{s.port}/{s.folder}: {e}") from e
        self._box = box
        return self

    def __exit__(self, *exc: object) -> None:
        if self._box is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self._box.logout()
            self._box = None

    @property
    def box(self) -> imap_tools.BaseMailBox:
        if self._box is None:
            raise MailboxError("ImapInbox used outside its `with` block")
        return self._box

    def envelopes(self) -> Iterator[Envelope]:
        try:
            uids = sorted(self.box.uids("ALL"), key=int)
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxUidsError) as e:
            raise MailboxError(f"IMAP UID SEARCH in {self.settings.folder}: {e}") from e
        for start in range(0, len(uids), BATCH):
            yield from self._identities(uids[start : start + BATCH])

    def _identities(self, uids: list[str]) -> list[Envelope]:
        """One UID FETCH for a batch: each message's UID, size and identity header lines."""
        data = self._uid_fetch(",".join(uids), f"(UID RFC822.SIZE {IDENTITY_FIELDS})")
        found: list[Envelope] = []
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                meta, headers = item
                uid, size = UID.search(meta), SIZE.search(meta)
                if uid is not None:
                    found.append(Envelope(self.settings.folder, self._uidvalidity, uid.group(1).decode(),
                                          bytes(headers), int(size.group(1)) if size else 0))  # fmt: skip
        missing = set(uids) - {e.uid for e in found}
        if missing:  # an answer we could not pair with its UID: such mail waits, it is never skipped silently
            log.warning("UID FETCH gave no identity headers for uid(s) %s; they are retried next cycle",
                        ",".join(sorted(missing, key=int)))  # fmt: skip
        return sorted(found, key=lambda e: int(e.uid))

    def fetch(self, envelope: Envelope) -> InboxMessage | None:
        fetched = self._fetch_raw(envelope.uid)
        if fetched is None:
            return None
        raw, received_at = fetched
        return InboxMessage(envelope, raw, received_at)

    def _uid_fetch(self, uids: str, items: str) -> list[object]:
        try:
            typ, data = self.box.client.uid("FETCH", uids, items)
        except (imaplib.IMAP4.error, OSError) as e:
            raise MailboxError(f"IMAP UID FETCH {uids[:40]} in {self.settings.folder}: {e}") from e
        if typ != "OK":
            raise MailboxError(f"IMAP UID FETCH {uids[:40]}: {typ} {data!r}")
        return list(data)

    def _fetch_raw(self, uid: str) -> tuple[bytes, dt.datetime] | None:
        """The exact bytes (BODY.PEEK[] keeps the mail unseen) and the server's INTERNALDATE."""
        for item in self._uid_fetch(uid, "(BODY.PEEK[] INTERNALDATE)"):
            if isinstance(item, tuple) and len(item) == 2:
                meta, raw = item
                match = INTERNALDATE.search(meta)
                return bytes(raw), _internaldate(match.group(1) if match else b"")
        return None  # expunged by someone else between SEARCH and FETCH

    def special_folder(self, flag: str) -> str | None:
        """The folder carrying this special-use flag (`\\Sent`, `\\Junk`), whatever its localised name."""
        return next((f.name for f in self.box.folder.list() if flag in f.flags), None)

    def has_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` ("\\Sent" = the folder with that special-use flag) holds this Message-ID.

        Where the server advertises X-GM-EXT-1 (Gmail), the search is `X-GM-RAW "rfc822msgid:…"`: Gmail's
        HEADER search matches words, not strings, and has missed Message-IDs."""
        box = self.box
        try:
            if folder.startswith("\\"):
                folder = self.special_folder(folder) or folder
            if folder.startswith("\\") or not box.folder.exists(folder):
                log.warning(
                    "sent folder %r does not exist (yet); assuming reply %s was not sent", folder, message_id
                )
                return False
            box.folder.set(folder, readonly=True)
            try:
                if "X-GM-EXT-1" in box.client.capabilities:
                    typ, data = box.client.uid(
                        "SEARCH", "X-GM-RAW", f'"rfc822msgid:{message_id.strip("<>")}"'
                    )
                    return typ == "OK" and bool(b" ".join(d for d in data if isinstance(d, bytes)).split())
                return bool(box.uids(imap_tools.AND(header=imap_tools.Header("Message-ID", message_id))))
            finally:
                box.folder.set(self.settings.folder)
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxFolderSelectError) as e:
            raise MailboxError(f"IMAP search for {message_id} in {folder}: {e}") from e

    def junk(self) -> Iterator[JunkMail]:
        """The spam folder's messages, judged from headers and BODYSTRUCTURE only (bot/usecase/spam.py)."""
        if not self.settings.spam_sweep:
            return
        box = self.box
        try:
            folder = self.special_folder("\\Junk")
            if folder is None:
                return
            box.folder.set(folder, readonly=True)
            try:
                found = [self._junk_mail(folder, uid) for uid in box.uids("ALL")]
            finally:
                box.folder.set(self.settings.folder)
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxFolderSelectError,
                imap_tools.MailboxUidsError) as e:  # fmt: skip
            raise MailboxError(f"IMAP spam folder sweep: {e}") from e
        yield from (j for j in found if j is not None)

    def _junk_mail(self, folder: str, uid: str) -> JunkMail | None:
        data = self._uid_fetch(uid, "(UID BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (FROM)])")
        structure, header = b"", b""
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                structure += item[0]
                if b"HEADER.FIELDS" in item[0]:
                    header = bytes(item[1])
                else:
                    structure += item[1]
            elif isinstance(item, bytes):
                structure += item
        if not structure:
            return None
        envelope = Envelope(folder, "", uid, header)
        return JunkMail(envelope, _from_address(header), bool(WORKBOOK.search(structure)))

    def rescue(self, junk: JunkMail) -> None:
        """UID MOVE from the spam folder to the inbox folder ("Not spam")."""
        box = self.box
        try:
            box.folder.set(junk.envelope.mailbox)
            try:
                box.move(junk.envelope.uid, self.settings.folder)
            finally:
                box.folder.set(self.settings.folder)
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxFolderSelectError,
                imap_tools.MailboxMoveError) as e:  # fmt: skip
            raise MailboxError(
                f"IMAP UID MOVE {junk.envelope.uid} from spam to {self.settings.folder}: {e}"
            ) from e

    def mark_handled(self, envelope: Envelope) -> None:
        self._move(envelope, self.settings.processed_folder)

    def quarantine(self, envelope: Envelope) -> None:
        self._move(envelope, self.settings.quarantine_folder)

    def _move(self, message: Envelope, folder: str) -> None:
        """UID MOVE (checked after login); never a mailbox-wide EXPUNGE of other messages."""
        if "MOVE" not in self.box.client.capabilities:
            raise MailboxError(f"IMAP server {self.settings.host} lacks MOVE; refusing COPY+EXPUNGE")
        folder = self._folders.get(folder, folder)
        try:
            self.box.move(message.uid, folder)
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxMoveError) as e:
            raise MailboxError(f"IMAP UID MOVE {message.uid} to {folder}: {e}") from e


def _ensure_folder(box: imap_tools.BaseMailBox, folder: str) -> None:
    """Create `folder` unless it exists; our other connection (the IDLE watcher, a second cycle) may create
    it between the look and the create, and the server then answers NO [ALREADYEXISTS]: that is success."""
    if box.folder.exists(folder):
        return
    try:
        box.folder.create(folder)
    except imap_tools.errors.MailboxFolderCreateError:
        if not box.folder.exists(folder):
            raise


def _from_address(header: bytes) -> str:
    """The address of a raw From line (UTF-8 or RFC 2047), lower-cased; "" when there is none."""
    text = header.decode("utf-8", errors="replace").replace("\r\n ", " ").replace("\n ", " ")
    value = text.partition(":")[2].strip() if ":" in text else ""
    with contextlib.suppress(ValueError, LookupError, email.errors.HeaderParseError):
        value = str(email.header.make_header(email.header.decode_header(value)))
    return email.utils.parseaddr(value)[1].strip().lower()


def _internaldate(text: bytes) -> dt.datetime:
    """'27-Nov-2026 15:18:20 +0700' → an aware datetime; now when the server sent nothing usable."""
    try:
        return dt.datetime.strptime(text.decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except (ValueError, UnicodeDecodeError):
        return dt.datetime.now(dt.UTC)
