"""The spam sweep: a province's report that the provider filed as spam is moved back to the inbox.

Gmail files mail that fails SPF and DKIM as spam, and government domains with weak records often do; a
province whose report sits in Spam waits for a reply that never comes (Gmail empties Spam after 30 days).
Each cycle looks at the spam folder from headers and MIME structure only (nothing is downloaded) and
moves to the inbox folder a mail that carries a spreadsheet, or that comes from an address on the
province list ([senders]) — a zip only in that case, since a zip from a stranger is more often malware
than a report. Moving it to the inbox is what a person does with "Not spam": Gmail learns from it, and the
mail is then handled like any other (judged, answered, moved to the processed folder). Everything else in
spam is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.usecase.policy import sender_provinces
from bot.usecase.ports import Inbox, JunkMail

log = logging.getLogger(__name__)


def worth_rescuing(junk: JunkMail, sender_map: Mapping[str, tuple[str, ...]]) -> bool:
    listed = bool(sender_map) and bool(sender_provinces(junk.from_address, sender_map))
    return junk.carries_workbook or listed


def sweep_junk(inbox: Inbox, sender_map: Mapping[str, tuple[str, ...]]) -> int:
    """Move every spam-filed report back to the inbox folder; how many were moved."""
    moved = 0
    for junk in inbox.junk():
        if worth_rescuing(junk, sender_map):
            inbox.rescue(junk)
            moved += 1
            log.warning("uid=%s from=%s moved from spam to the inbox: it carries a workbook or comes from a "
                        "listed province address", junk.envelope.uid, junk.from_address)  # fmt: skip
    return moved
