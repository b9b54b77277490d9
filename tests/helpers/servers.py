"""Real mail servers that the tests start themselves, on loopback with random ports; import them from here.

- `DovecotServer` (tests/helpers/dovecot.py): Dovecot 2.3 (IMAP + LMTP, passwd-file users, Maildir, no TLS)
  in its own temp dir and process group, as root or as any other user.
- `ImapAccount`, `imap_folder` (tests/helpers/imap_accounts.py): one user on it, seen from the client side.
- `SmtpSink`, `ReceivedMail` (tests/helpers/smtp_sink.py): an in-process aiosmtpd server that records what it
  receives, can refuse mail on demand and can require AUTH.
- `free_port`, `LOOPBACK` (tests/helpers/loopback.py): what they share.
"""

from __future__ import annotations

from tests.helpers.dovecot import INSTALL_HINT, DovecotServer, dovecot_available
from tests.helpers.imap_accounts import ImapAccount, imap_folder
from tests.helpers.loopback import LOOPBACK, free_port
from tests.helpers.smtp_sink import ReceivedMail, SmtpSink

__all__ = [
    "INSTALL_HINT",
    "LOOPBACK",
    "DovecotServer",
    "ImapAccount",
    "ReceivedMail",
    "SmtpSink",
    "dovecot_available",
    "free_port",
    "imap_folder",
]
