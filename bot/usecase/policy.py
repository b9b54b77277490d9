"""Whether to answer a mail at all, and whether to trust its sender. Pure decisions, no I/O.

- `robot_reason`: RFC 3834 — never answer a robot (auto-replies, bounces, lists, ourselves).
- `dmarc_verdict`: RFC 8601 — read only the Authentication-Results header our own provider wrote.
- `sender_verdict`: the optional province → allowed addresses map.
- `is_late`: received after the deadline day, in Thai time.

Every "no" is a stable lower_snake_case reason code for the log line and the ledger. The rate limits
are rules.ReplyLimits.
"""

from __future__ import annotations

import datetime as dt
import email
import email.utils
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Literal

from bot.usecase.incoming import IncomingMail, header_pairs
from storage.ledger import SenderVerdict
from storage.thai import bangkok

ROBOT_REASONS = (
    "own_address",
    "auto_submitted",
    "vendor_auto_reply",
    "empty_return_path",
    "mailer_daemon",
    "delivery_report",
    "precedence_bulk",
    "mailing_list",
)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
ROBOT_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})
# X-Auto-Response-Suppress values that ask responders like us to stay quiet (DR/NDR/RN/NRN are receipts).
SUPPRESS_VALUES = frozenset({"all", "oof", "autoreply"})

DmarcVerdict = Literal["pass", "fail", "none"]
MailInput = bytes | Message | IncomingMail


# ------------------------------------------------------------------------------------------ robots


@dataclass(frozen=True, slots=True)
class _Facts:
    headers: tuple[tuple[str, str], ...]  # (lower-case name, decoded value), top to bottom
    from_addresses: tuple[str, ...]

    def get(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


def _facts(mail: MailInput) -> _Facts:
    if isinstance(mail, IncomingMail):
        headers = tuple((k.lower(), v) for k, v in mail.headers)
        return _Facts(headers, (mail.from_address.lower(),) if mail.from_address else ())
    msg = email.message_from_bytes(mail) if isinstance(mail, bytes) else mail
    # Raw 8-bit and RFC 2047 values read as parse_mail reads them.
    headers = tuple((k.lower(), v) for k, v in header_pairs(msg))
    froms = email.utils.getaddresses([v for k, v in headers if k == "from"])
    return _Facts(headers, tuple(addr.strip().lower() for _name, addr in froms if addr.strip()))


def _token(value: str) -> str:
    """The first word of a structured value, without parameters or comments: `no; x=y` → `no`."""
    return re.split(r"[\s;(]", value.strip(), maxsplit=1)[0].lower()


def _local_part(address: str) -> str:
    address = address.strip().strip("<>").strip()
    return address.rpartition("@")[0].lower() if "@" in address else address.lower()


def robot_reason(mail: MailInput, our_addresses: Iterable[str]) -> str | None:
    """Why this mail must not be answered (a code from ROBOT_REASONS), or None when a reply is fine.

    `mail` is the raw bytes, a parsed `email.message.Message` or an `IncomingMail` (whose headers
    already hold Return-Path and the top-level Content-Type). The checks, in this order:
    own_address (From is one of ours: a loop), auto_submitted (Auto-Submitted other than `no`),
    vendor_auto_reply (X-Autoreply, X-Autorespond, X-Auto-Response-Suppress All/OOF/AutoReply),
    empty_return_path (`Return-Path: <>`, a bounce), mailer_daemon (MAILER-DAEMON or postmaster in
    From, Sender or Return-Path), delivery_report (top-level multipart/report: DSN, MDN, ARF),
    precedence_bulk (Precedence bulk/list/junk/auto_reply), mailing_list (any List-* header).
    """
    facts = _facts(mail)
    ours = {a.strip().lower() for a in our_addresses if a.strip()}
    if any(a in ours for a in facts.from_addresses):
        return "own_address"
    if any(_token(v) not in ("", "no") for v in facts.get("auto-submitted")):
        return "auto_submitted"
    if _vendor_auto_reply(facts):
        return "vendor_auto_reply"
    return_paths = facts.get("return-path")
    if return_paths and return_paths[0].strip() in ("<>", "", "< >"):
        return "empty_return_path"
    senders = [*facts.from_addresses, *facts.get("sender"), *return_paths[:1]]
    if any(_local_part(email.utils.parseaddr(s)[1] or s) in ROBOT_LOCAL_PARTS for s in senders):
        return "mailer_daemon"
    content_types = facts.get("content-type")
    if content_types and _token(content_types[0]) in ("multipart/report", "message/delivery-status"):
        return "delivery_report"
    if any(_token(v) in BULK_PRECEDENCE for v in facts.get("precedence")):
        return "precedence_bulk"
    if any(name.startswith("list-") for name, _ in facts.headers):
        return "mailing_list"
    return None


def _vendor_auto_reply(facts: _Facts) -> bool:
    if facts.get("x-autoreply") or facts.get("x-autorespond"):
        return True
    for value in facts.get("x-auto-response-suppress"):
        words = {w.strip().lower() for w in value.split(",")}
        if words & SUPPRESS_VALUES:
            return True
    return False


# ------------------------------------------------------------------------------------------- DMARC


@dataclass(frozen=True, slots=True)
class AuthResults:
    """One Authentication-Results header: its authserv-id and each method's result with properties."""

    authserv_id: str
    results: tuple[tuple[str, str, Mapping[str, str]], ...]  # (method, result, {ptype.property: value})

    def first(self, method: str) -> tuple[str, Mapping[str, str]] | None:
        for name, result, props in self.results:
            if name == method:
                return result, props
        return None


_PAIR = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)')


def _strip_comments(value: str) -> str:
    """Remove RFC 5322 comments (nested, with quoted-pairs), leaving quoted strings alone."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            quoted = ch != '"'
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = ch == '"'
            out.append(ch)
    return " ".join("".join(out).split())


def _split_semicolons(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return parts


def parse_auth_results(value: str) -> AuthResults | None:
    """Parse one Authentication-Results value (RFC 8601); None when it has no authserv-id."""
    segments = _split_semicolons(_strip_comments(value))
    head = segments[0].split()
    if not head:
        return None
    results = []
    for segment in segments[1:]:
        pairs = [(k.lower(), v.strip('"')) for k, v in _PAIR.findall(segment)]
        if not pairs:
            continue  # "none" (no results) or garbage
        method, result = pairs[0]
        results.append((method.split("/")[0], result.lower(), dict(pairs[1:])))
    return AuthResults(head[0].strip('"').lower(), tuple(results))


def _domain(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].strip().rstrip(".").lower()


def dmarc_verdict(
    headers: Iterable[tuple[str, str]], authserv_id: str, from_address: str | None = None
) -> DmarcVerdict:
    """`pass` only when our provider's Authentication-Results says dmarc=pass for the From domain.

    `headers` are (name, value) pairs top to bottom (`IncomingMail.headers`). Only the FIRST
    Authentication-Results whose authserv-id is `authserv_id` counts: the receiving MTA adds its
    own on top, so any lower one claiming the same id was written by the sender. `fail`: dmarc=fail
    or permerror, a pass for another domain (header.from not the From domain, or missing), or an
    ambiguous From (none, several). `none`: no trusted header, no dmarc result, dmarc=none (the
    domain publishes no policy), temperror or anything else.
    """
    pairs = [(k.lower(), v) for k, v in headers]
    if from_address is None:
        froms = email.utils.getaddresses([v for k, v in pairs if k == "from"])
        if len(froms) != 1 or "@" not in froms[0][1]:
            return "fail"
        from_address = froms[0][1]
    from_domain = _domain(from_address)
    trusted = None
    for name, value in pairs:
        if name != "authentication-results":
            continue
        parsed = parse_auth_results(value)
        if parsed is not None and parsed.authserv_id == authserv_id.strip().lower():
            trusted = parsed
            break
    if trusted is None:
        return "none"
    dmarc = trusted.first("dmarc")
    if dmarc is None:
        return "none"
    result, props = dmarc
    if result == "pass":
        header_from = next((v for k, v in props.items() if k.lower() == "header.from"), "")
        return "pass" if from_domain and _domain(header_from) == from_domain else "fail"
    return "fail" if result in ("fail", "permerror") else "none"


# ------------------------------------------------------------------------------------ senders, time


def sender_verdict(
    province: str | None, from_address: str, sender_map: Mapping[str, Sequence[str]]
) -> SenderVerdict:
    """`verified` when the address (or `*@its-domain`) is listed for the province, case-insensitively."""
    if not province or province not in sender_map:
        return "unknown_province"
    return "verified" if _listed(from_address, sender_map[province]) else "unverified"


def sender_provinces(from_address: str, sender_map: Mapping[str, Sequence[str]]) -> list[str]:
    """The provinces whose address list holds this sender (by address or `*@its-domain`)."""
    return [province for province, entries in sender_map.items() if _listed(from_address, entries)]


def _listed(from_address: str, entries: Sequence[str]) -> bool:
    address = from_address.strip().lower()
    domain = _domain(address)
    for entry in entries:
        allowed = entry.strip().lower()
        if allowed == address or (allowed.startswith("*@") and domain and allowed[2:] == domain):
            return True
    return False


def is_late(received_at: dt.datetime, deadline: dt.date) -> bool:
    """Received after the end of the deadline day in Thailand (a naive time is taken as UTC)."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=dt.UTC)
    return bangkok(received_at).date() > deadline
