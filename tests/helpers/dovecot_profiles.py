"""How the test Dovecot (tests/helpers/dovecot.py) lays out each user's folders: the `default` profile (the
"." separator and a `Sent` folder with \\Sent) and a `gmail` profile that looks like Gmail with its Thai UI
language (the "/" separator and Thai-named special-use folders under `[Gmail]/`, made for every user).

The special-use names are Gmail's own Thai ones, so the code under test must find them by LIST attributes
(RFC 6154), never by name; on the wire they travel in modified UTF-7 (RFC 3501 5.1.3), for example
`[Gmail]/&DioOQQ4bDiE-` for `[Gmail]/สแปม`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProfileName = Literal["default", "gmail"]

GMAIL_SENT = "[Gmail]/จดหมายที่ส่งแล้ว"
GMAIL_SPAM = "[Gmail]/สแปม"
GMAIL_ALL = "[Gmail]/จดหมายทั้งหมด"
GMAIL_TRASH = "[Gmail]/ถังขยะ"


@dataclass(frozen=True)
class DovecotProfile:
    """One folder layout: the separator clients see, the special-use folders and the namespace config."""

    name: ProfileName
    separator: str
    special_use: dict[str, str]  # folder name as clients spell it (UTF-8, `separator` between levels) → flag
    auto: Literal["no", "create", "subscribe"]

    @property
    def sent_folder(self) -> str:
        return next(name for name, flag in self.special_use.items() if flag == "\\Sent")

    def namespace_config(self) -> str:
        """The `namespace inbox { ... }` block of dovecot.conf (plain text, no format placeholders)."""
        lines = ["namespace inbox {", "  inbox = yes"]
        if self.separator != ".":
            lines.append(f"  separator = {self.separator}")
        for folder, flag in self.special_use.items():
            name = folder if folder.isalnum() else '"' + folder + '"'
            lines += [f"  mailbox {name} {{", f"    special_use = {flag}"]
            if self.auto != "no":
                lines.append(f"    auto = {self.auto}")
            lines.append("  }")
        return "\n".join([*lines, "}"])


PROFILES: dict[str, DovecotProfile] = {
    # A folder named `Sent` (created on demand, as Gmail's always exists) carries the \Sent special-use flag,
    # so the daemon can find what "Gmail" filed there by LIST attributes, never by name.
    "default": DovecotProfile("default", ".", {"Sent": "\\Sent"}, auto="no"),
    "gmail": DovecotProfile(
        "gmail",
        "/",
        {GMAIL_SENT: "\\Sent", GMAIL_SPAM: "\\Junk", GMAIL_ALL: "\\All", GMAIL_TRASH: "\\Trash"},
        auto="subscribe",
    ),
}
