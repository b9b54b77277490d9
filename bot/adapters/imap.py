"""ImapInbox: the IMAP backend through imap-tools (Gmail in production, Dovecot in the tests)."""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator

import imap_tools
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

from bot.entrypoints.config import MailboxSettings
from bot.errors import MailboxError
from bot.usecase.ports import InboxMessage

log = logging.getLogger(__name__)
INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


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
            if s.auth == "xoauth2":
                box.xoauth2(s.username, self._credential(), initial_folder=s.folder)
            else:
                box.login(s.username, self._credential(), initial_folder=s.folder)
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

    def messages(self) -> Iterator[InboxMessage]:
        try:
            uids = self.box.uids("ALL")
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxUidsError) as e:
            raise MailboxError(f"IMAP UID SEARCH in {self.settings.folder}: {e}") from e
        for uid in sorted(uids, key=int):
            fetched = self._fetch_raw(uid)
            if fetched is not None:
                raw, received_at = fetched
                yield InboxMessage(self.settings.folder, self._uidvalidity, uid, raw, received_at)

    def _fetch_raw(self, uid: str) -> tuple[bytes, dt.datetime] | None:
        """The exact bytes (BODY.PEEK[] keeps the mail unseen) and the server's INTERNALDATE."""
        try:
            typ, data = self.box.client.uid("FETCH", uid, "(BODY.PEEK[] INTERNALDATE)")
        except (imaplib.IMAP4.error, OSError) as e:
            raise MailboxError(f"IMAP UID FETCH {uid} in {self.settings.folder}: {e}") from e
        if typ != "OK":
            raise MailboxError(f"IMAP UID FETCH {uid}: {typ} {data!r}")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                meta, raw = item
                match = INTERNALDATE.search(meta)
                return bytes(raw), _internaldate(match.group(1) if match else b"")
        return None  # expunged by someone else between SEARCH and FETCH

    def has_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` ("\\Sent" = the folder with that special-use flag) holds this Message-ID."""
        box = self.box
        try:
            if folder.startswith("\\"):
                found = next((f.name for f in box.folder.list() if folder in f.flags), None)
                folder = found if found is not None else folder
            if folder.startswith("\\") or not box.folder.exists(folder):
                log.warning(
                    "sent folder %r does not exist (yet); assuming reply %s was not sent", folder, message_id
                )
                return False
            box.folder.set(folder, readonly=True)
            try:
                return bool(box.uids(imap_tools.AND(header=imap_tools.Header("Message-ID", message_id))))
            finally:
                box.folder.set(self.settings.folder)
        except (imaplib.IMAP4.error, OSError, imap_tools.MailboxFolderSelectError) as e:
            raise MailboxError(f"IMAP search for {message_id} in {folder}: {e}") from e

    def mark_handled(self, message: InboxMessage) -> None:
        self._move(message, self.settings.processed_folder)

    def quarantine(self, message: InboxMessage) -> None:
        self._move(message, self.settings.quarantine_folder)

    def _move(self, message: InboxMessage, folder: str) -> None:
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


def _internaldate(text: bytes) -> dt.datetime:
    """'27-Nov-2026 15:18:20 +0700' → an aware datetime; now when the server sent nothing usable."""
    try:
        return dt.datetime.strptime(text.decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except (ValueError, UnicodeDecodeError):
        return dt.datetime.now(dt.UTC)
