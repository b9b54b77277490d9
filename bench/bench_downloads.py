"""Benchmark: what a cycle downloads over mail the bot already handled, and over a quota pause.

Run: .venv/bin/python bench/bench_downloads.py [--mails 1000] [--paused 200]

Everything goes through a Gmail-like Dovecot behind tests/helpers/gmail_proxy.py, which counts every byte
the server sends the bot (the wire, protocol included), and an aiosmtpd sink.

1. Mail met again: --mails distinct province reports are delivered and handled by one `run_once` (the
   baseline: downloading them costs the mailbox's size). The same messages are then put back into the
   INBOX (new UIDs, as when a person moves them back or Gmail labels them again) and one more cycle runs:
   it must recognise every one from a header fetch and download no body.
2. A quota pause: --paused reports arrive while Gmail refuses every send with `550 5.4.5`. The first cycle
   downloads and judges them, moves them out of the inbox and pauses sending; the next cycle (still
   paused) must download nothing. The release before kept a mail in the inbox until its reply went out,
   so each paused cycle downloaded every such mail again: the baseline is the first cycle's figure.
Prints a markdown table for the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.entrypoints.config import (  # noqa: E402
    MailboxSettings,
    RepliesSettings,
    RoundSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from bot.entrypoints.daemon import run_once  # noqa: E402
from bot.usecase.service import CycleSummary  # noqa: E402
from tests.helpers.bulk_mails import province_mail, provinces, report_bytes, vary  # noqa: E402
from tests.helpers.servers import GMAIL_REPLIES, DovecotServer, GmailImapProxy, ImapAccount, SmtpSink  # noqa: E402


def account(dovecot: DovecotServer, name: str) -> ImapAccount:
    user, password = f"{name}-{secrets.token_hex(3)}@example.test", secrets.token_urlsafe(12)
    dovecot.add_user(user, password)
    return ImapAccount(user, password, dovecot.host, dovecot.port, dovecot)


def settings(user: ImapAccount, proxy: GmailImapProxy, sink: SmtpSink, work: Path) -> Settings:
    os.environ[f"BENCH_{work.name.upper()}_PASSWORD"] = user.password
    return Settings(
        mailbox=MailboxSettings(backend="imap", host=proxy.host, port=proxy.port, security="none",
                                username=user.user, password_env=f"BENCH_{work.name.upper()}_PASSWORD",
                                idle=False),
        smtp=SmtpSettings(backend="smtp", host=sink.host, port=sink.port, security="none"),
        storage=StorageSettings(dir=work / "state", master_workbook=work / "master.xlsx"),
        round=RoundSettings(deadline=dt.date.today() + dt.timedelta(days=1)),
        replies=RepliesSettings(per_sender_per_hour=None, daily_cap=None),
    )  # fmt: skip


def cycle(config: Settings, proxy: GmailImapProxy) -> tuple[CycleSummary, int, float]:
    proxy.reset_counters()
    started = time.perf_counter()
    summary = run_once(config)
    return summary, proxy.bytes_to_client, time.perf_counter() - started


def raws(n: int, start: int) -> list[bytes]:
    names = provinces()
    return [province_mail(names[i % len(names)], vary(report_bytes(names[i % len(names)]), i)).raw
            for i in range(start, start + n)]  # fmt: skip


def mib(n: int) -> str:
    return f"{n / 2**20:.2f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--paused", type=int, default=200)
    args = parser.parse_args()
    rows = []
    with (DovecotServer(profile="gmail") as dovecot, GmailImapProxy(dovecot) as proxy, SmtpSink() as sink,
          tempfile.TemporaryDirectory(prefix="bench-downloads-") as tmp):  # fmt: skip
        work = Path(tmp)
        user = account(dovecot, "again")
        mails = raws(args.mails, 0)
        user.append("INBOX", mails)
        config = settings(user, proxy, sink, work / "again")
        first, first_bytes, first_s = cycle(config, proxy)
        user.append("INBOX", mails)  # the same messages, back in the inbox under new UIDs
        again, again_bytes, again_s = cycle(config, proxy)
        assert again.skipped == args.mails and again.handled == 0, again
        assert again.bytes_downloaded < 1024 * args.mails, again  # header lines only: no body fetched
        size = sum(map(len, mails))
        rows.append(
            f"| {args.mails:,} mails handled, then met again in the inbox | first cycle {mib(first_bytes)} "
            f"({first_s:.1f} s; the mailbox holds {mib(size)}) | {mib(again_bytes)} on the wire, of which "
            f"{mib(again.bytes_downloaded)} header lines and 0 bodies ({again_s:.1f} s) | "
            f"{again_bytes / first_bytes:.4f}× |"
        )
        print(f"met again: first {first_bytes} B, again {again_bytes} B, headers {again.bytes_downloaded} B",
              file=sys.stderr)  # fmt: skip

        user = account(dovecot, "paused")
        mails = raws(args.paused, args.mails)
        user.append("INBOX", mails)
        sink.refuse, sink.refuse_at, sink.refuse_reply = True, "data", GMAIL_REPLIES["quota"]
        config = settings(user, proxy, sink, work / "paused")
        first, first_bytes, first_s = cycle(config, proxy)
        assert first.handled == args.paused and first.replies_sent == 0, first
        paused, paused_bytes, paused_s = cycle(config, proxy)
        assert paused.seen == 0 and paused.bytes_downloaded == 0, paused
        rows.append(
            f"| {args.paused:,} reports while Gmail answers `550 5.4.5` | first cycle {mib(first_bytes)} "
            f"({first_s:.1f} s; every mail judged and moved, sending paused) | the next cycle, still "
            f"paused: {mib(paused_bytes)} on the wire, {paused.bytes_downloaded} bytes of mail "
            f"({paused_s:.2f} s) | {paused_bytes / first_bytes:.4f}× |"
        )
    print("| case | baseline (downloaded once) | the cycle measured | ratio |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
