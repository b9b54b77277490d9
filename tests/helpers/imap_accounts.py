"""A test Dovecot seen from the client side: `ImapAccount` (one user's credentials with shortcuts to fill
and inspect its folders), folder names as Dovecot spells them, and bulk APPEND over one connection.
Import them from tests/helpers/servers.py."""

from __future__ import annotations

import contextlib
import imaplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imap_tools import MailBoxUnencrypted
from imap_tools.imap_utf7 import utf7_encode

if TYPE_CHECKING:
    from tests.helpers.dovecot import DovecotServer
    from tests.helpers.smtp_sink import ReceivedMail


@dataclass(frozen=True)
class ImapAccount:
    """One user's credentials on the test Dovecot, with shortcuts to fill and inspect the INBOX."""

    user: str
    password: str
    host: str
    port: int
    server: DovecotServer

    def deliver(self, raw: bytes, *, mail_from: str = "sender@example.test") -> None:
        """Deliver raw message bytes to this account's INBOX over LMTP."""
        self.server.deliver(self.user, raw, mail_from=mail_from)

    def mailbox(self) -> MailBoxUnencrypted:
        """A logged-in imap-tools mailbox for assertions (use as a context manager)."""
        return self.server.mailbox(self.user, self.password)

    def append(self, folder: str, raws: Iterable[bytes], *, flags: str = "") -> int:
        """APPEND messages to one of this account's folders (created when missing); see DovecotServer."""
        return self.server.append(self.user, self.password, folder, raws, flags=flags)

    def filer(self, folder: str | None = None) -> Callable[[ReceivedMail], None]:
        """A SmtpSink `on_message` hook that files each accepted message here, as Gmail files what it relays
        into the account's Sent folder (by default the server's folder with the \\Sent special-use flag:
        `Sent`, or `[Gmail]/จดหมายที่ส่งแล้ว` in the gmail profile)."""
        target = self.server.sent_folder if folder is None else folder

        def file(mail: ReceivedMail) -> None:
            self.append(target, [mail.raw], flags="\\Seen")

        return file

    def message_ids(self, folder: str = "INBOX") -> list[str]:
        """The Message-ID header of every message in `folder` ("a/b" names a subfolder), in UID order;
        an empty list when the folder does not exist."""
        with self.mailbox() as mb:
            name = imap_folder(folder, self.server.separator)
            if not mb.folder.exists(name):
                return []
            mb.folder.set(name, readonly=True)
            return [
                m.headers.get("message-id", ("",))[0].strip()  # type: ignore[no-untyped-call]
                for m in mb.fetch(mark_seen=False, headers_only=True, bulk=True)
            ]


def imap_folder(name: str, separator: str = ".") -> str:
    """A folder name from the config ("a/b") as the test Dovecot spells it: levels joined by `separator`
    ("." in the default profile, "/" in the gmail one)."""
    return name.replace("/", separator)


def append_messages(
    host: str,
    port: int,
    user: str,
    password: str,
    folder: str,
    raws: Iterable[bytes],
    *,
    flags: str = "",
    separator: str = ".",
) -> int:
    """APPEND messages to `folder` ("a/b" → levels joined by `separator`) over one connection, creating the
    folder when missing; MULTIAPPEND in batches, so 10,000 small mails take a few seconds. Non-ASCII names
    go over the wire in modified UTF-7. Returns how many were appended."""
    name = imap_folder(folder, separator)
    count = 0
    client = imaplib.IMAP4(host, port, timeout=30)
    try:
        client.login(user, password)
        if name.upper() != "INBOX":
            typ, data = client._simple_command("CREATE", _quoted(name))
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d or b"" for d in data).upper():
                raise RuntimeError(f"IMAP CREATE {name} for {user}: {typ} {data!r}")
        batch: list[bytes] = []
        for raw in raws:
            batch.append(raw)
            if len(batch) == _APPEND_BATCH:
                count += _multiappend(client, name, batch, flags)
                batch = []
        if batch:
            count += _multiappend(client, name, batch, flags)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return count


_APPEND_BATCH = 200


def _multiappend(client: imaplib.IMAP4, folder: str, raws: list[bytes], flags: str) -> int:
    """One MULTIAPPEND (RFC 3502) with non-synchronising literals (LITERAL+): no round trip per message."""
    tag = client._new_tag()  # imaplib has no MULTIAPPEND; its tagged-response reader is reused
    parts = [tag + b" APPEND " + _quoted(folder)]
    prefix = (f" ({flags})" if flags else "").encode()
    for raw in raws:
        crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        parts.append(prefix + b" {%d+}\r\n" % len(crlf) + crlf)
    client.send(b"".join(parts) + b"\r\n")
    typ, data = client._command_complete("APPEND", tag)
    if typ != "OK":
        raise RuntimeError(f"IMAP MULTIAPPEND of {len(raws)} to {folder}: {typ} {data!r}")
    return len(raws)


def _quoted(name: str) -> bytes:
    """A mailbox name as an IMAP quoted string, in modified UTF-7 (RFC 3501 5.1.3)."""
    return b'"' + utf7_encode(name).replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
