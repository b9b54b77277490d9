"""`localreport remind` and `localreport digest`: preview (write the mails to a folder for a person to
read and print who would get what), or queue them in the ledger and send them now (`--send`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.entrypoints.chase import digest_mails, queue_digest, queue_reminders, reminders, write_preview
from bot.entrypoints.config import Settings
from bot.entrypoints.wiring import open_service
from bot.errors import UsageError
from bot.usecase.chase import bangkok_day


def chase_command(command: str, settings: Settings, out: Path | None, *, send: bool) -> int:
    now = dt.datetime.now(dt.UTC)
    folder = out or settings.storage.dir / "preview" / bangkok_day(now).isoformat()
    if command == "remind":
        planned = reminders(settings, now)
        for p in planned:
            to = p.to or "(no address: not on [senders.map] and never reported)"
            print(f"{p.province}\t{p.status}\t{p.reported}/{p.expected}\t{to}")
        print(f"{len({p.province for p in planned})} province(s) not complete; "
              f"{sum(1 for p in planned if p.mail)} reminder(s)")  # fmt: skip
        if not send:
            written = write_preview([p.mail for p in planned if p.mail], folder)
            print(f"wrote {len(written)} reminder(s) into {folder}; nothing was sent (give --send to send)")
            return 0
        queued = queue_reminders(settings, now, planned)
    else:
        if not settings.digest.recipients:
            raise UsageError("[digest] recipients is empty: list the DLA staff addresses in the config")
        prepared = digest_mails(settings, now)
        facts, _, mails = prepared
        counts = ", ".join(f"{code}={n}" for code, n in sorted(facts.counts.items()))
        print(f"digest for {facts.day.isoformat()}: {counts}; to {', '.join(settings.digest.recipients)}")
        if not send:
            written = write_preview(mails, folder)
            print(f"wrote {len(written)} digest(s) into {folder}; nothing was sent (give --send to send)")
            return 0
        queued = int(queue_digest(settings, now, prepared)) * len(mails)
    with open_service(settings) as service:  # the same outbox, limits, pauses and Sent lookup as replies
        sent = service.send_pending()
    print(f"queued {queued} new {command} mail(s) for today; the server accepted {sent} mail(s)")
    return 0
