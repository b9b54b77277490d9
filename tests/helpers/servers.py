"""Real mail servers that the tests start themselves, on loopback with random ports; import them from here.

- `DovecotServer` (tests/helpers/dovecot.py): Dovecot 2.3 (IMAP + LMTP, passwd-file users, Maildir, no TLS)
  in its own temp dir and process group, as root or as any other user; `profile="gmail"` lays the folders
  out like Gmail in Thai (tests/helpers/dovecot_profiles.py, with the `GMAIL_*` folder names).
- `GmailImapProxy` (tests/helpers/gmail_proxy.py): Gmail's IMAP quirks (X-GM-EXT-1, X-GM-RAW
  rfc822msgid searches, unreliable HEADER searches) in front of a Dovecot, counting the bytes it relays.
- `ImapAccount`, `imap_folder` (tests/helpers/imap_accounts.py): one user on it, seen from the client side.
- `SmtpSink`, `ReceivedMail`, `GMAIL_REPLIES` (tests/helpers/smtp_sink.py): an in-process aiosmtpd server
  that records what it receives, can refuse mail on demand (with Gmail's wording) and can require AUTH.
- `free_port`, `LOOPBACK` (tests/helpers/loopback.py): what they share.
"""

from __future__ import annotations

from tests.helpers.dovecot import INSTALL_HINT, DovecotServer, dovecot_available
from tests.helpers.dovecot_profiles import GMAIL_ALL, GMAIL_SENT, GMAIL_SPAM, GMAIL_TRASH
from tests.helpers.gmail_proxy import GmailImapProxy
from tests.helpers.imap_accounts import ImapAccount, imap_folder
from tests.helpers.loopback import LOOPBACK, free_port
from tests.helpers.smtp_sink import GMAIL_REPLIES, ReceivedMail, SmtpSink

__all__ = [
    "GMAIL_ALL",
    "GMAIL_REPLIES",
    "GMAIL_SENT",
    "GMAIL_SPAM",
    "GMAIL_TRASH",
    "INSTALL_HINT",
    "LOOPBACK",
    "DovecotServer",
    "GmailImapProxy",
    "ImapAccount",
    "ReceivedMail",
    "SmtpSink",
    "dovecot_available",
    "free_port",
    "imap_folder",
]
