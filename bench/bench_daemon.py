"""Benchmark: the daemon on N province reports in a real (test-owned) Dovecot, against the naive baseline,
and the cost of a poll over 10 vs 10,000 already-processed mails.

Run: .venv/bin/python bench/bench_daemon.py [--reports 1000] [--processed 10 10000] [--naive-budget S]

1. N distinct province reports (76 provinces in turn; each copy differs only in the workbook's author, so
   every one is judged) are APPENDed to the INBOX of two Dovecot users, byte for byte the same.
2. `python -m bot run --config … --once` handles user 1's INBOX (IMAP in, 2 judge workers, SQLite ledger,
   replies over SMTP to an aiosmtpd sink, master rebuilt once). Wall time, peak RSS of the largest
   process (getrusage of the children) and peak RSS of the daemon with its workers (sampled from /proc).
3. bench/naive_baseline.py handles user 2's INBOX the way a hand-written script does (pandas per
   attachment, openpyxl load + append + save of the master per mail). With --naive-budget it stops after
   S seconds and the ratio is a lower bound (see naive_baseline.py).
4. Poll cost: for each count in --processed, a user whose processed folder holds that many mails and a
   ledger that knows them all (built through storage.ledger.Ledger), INBOX empty;
   `MailService.run_cycle` is timed in-process on one open service per count, polls interleaved,
   median of --repeat. Also one whole `run --once` per count.
Prints a markdown table for the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.bulk_mails import Mail, province_mail, provinces, report_bytes, vary  # noqa: E402
from tests.helpers.faultkit import PASSWORD_ENV, DaemonRig  # noqa: E402
from tests.helpers.servers import DovecotServer, ImapAccount, SmtpSink  # noqa: E402


@dataclass
class Measured:
    seconds: float
    code: int
    rss_max_mib: float  # the largest single process (getrusage RUSAGE_CHILDREN, ru_maxrss)
    rss_group_mib: float  # the daemon and its workers together, sampled every 50 ms
    out: str = ""


def group_rss_kib(pgid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat: the process group
                continue
            with open(f"/proc/{entry.name}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Measured:
    """Run a command in its own process group; wall time and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, group_rss_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Measured(seconds, proc.returncode, max(after, before) / 1024, peak / 1024, out)


def report_mails(n: int) -> list[Mail]:
    names = provinces()
    return [
        province_mail(names[i % len(names)], vary(report_bytes(names[i % len(names)]), i)) for i in range(n)
    ]


def new_account(dovecot: DovecotServer, name: str) -> ImapAccount:
    user, password = f"{name}-{secrets.token_hex(3)}@example.test", secrets.token_urlsafe(12)
    dovecot.add_user(user, password)
    return ImapAccount(user, password, dovecot.host, dovecot.port, dovecot)


# ----------------------------------------------------------------------------------------- daemon vs naive


def bench_reports(dovecot: DovecotServer, sink: SmtpSink, work: Path, n: int, naive_budget: float) -> dict:
    t = time.perf_counter()
    mails = report_mails(n)
    build = time.perf_counter() - t
    daemon_user, naive_user = new_account(dovecot, "daemon"), new_account(dovecot, "naive")
    t = time.perf_counter()
    for account in (daemon_user, naive_user):
        account.append("INBOX", [m.raw for m in mails])
    fill = time.perf_counter() - t
    print(f"built {n} reports in {build:.1f} s, delivered twice in {fill:.1f} s", file=sys.stderr)

    # Every report answered, as the naive script would have to: no rate limit holds a reply back.
    rig = DaemonRig(
        daemon_user,
        sink,
        work / "daemon",
        workers=2,
        replies_per_sender_per_hour=10**6,
        replies_daily_cap=10**6,
    )
    rig.write_config()
    daemon = measure(rig.command(), rig.env(), rig.root)
    if daemon.code != 0:
        raise SystemExit(f"daemon exited {daemon.code}; see {rig.root}/daemon.log\n{rig.log_tail()}")
    with rig.ledger() as conn:
        outcomes = dict(conn.execute("SELECT outcome, COUNT(*) FROM mails GROUP BY outcome").fetchall())
    print(
        f"daemon: {daemon.seconds:.1f} s, outcomes {outcomes}, {len(sink.messages)} replies", file=sys.stderr
    )

    env = {**os.environ, "NAIVE_IMAP_PASSWORD": naive_user.password}
    cmd = [sys.executable, str(ROOT / "bench" / "naive_baseline.py"), "--port", str(dovecot.port),
           "--user", naive_user.user, "--master", str(work / "naive-master.xlsx"),
           "--budget-seconds", str(naive_budget)]  # fmt: skip
    naive = measure(cmd, env, work)
    if naive.code != 0:
        raise SystemExit(f"naive baseline exited {naive.code}")
    result = json.loads(naive.out.strip().splitlines()[-1])
    naive_total = result["seconds"] * result["total"] / result["mails"]
    print(f"naive: {result}", file=sys.stderr)
    return {
        "n": n,
        "daemon": daemon,
        "naive": naive,
        "naive_result": result,
        "naive_total": naive_total,
        "ratio": naive_total / daemon.seconds,
        "outcomes": outcomes,
    }


# ------------------------------------------------------------------------------------------------ poll cost


def small_mail(i: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"province{i % 76:02d}@dla.go.th"
    msg["To"] = "Localreport.dla@gmail.com"
    msg["Subject"] = f"ส่งรายงาน ฉบับที่ {i}"
    msg["Message-ID"] = f"<processed-{i}@dla.go.th>"
    msg.set_content("เรียน สถ. ส่งรายงานตามหนังสือ")
    return msg.as_bytes()


def fill_processed(rig: DaemonRig, count: int) -> None:
    """`count` mails in the processed folder, and a ledger that judged and answered each of them."""
    from bot.replies.compose import compose_reply
    from bot.usecase.incoming import parse_mail
    from bot.usecase.rules import Identity
    from storage.ledger import Ledger, NewSubmission, QueuedReply

    raws = [small_mail(i) for i in range(count)]
    rig.account.append("localreport/processed", raws)
    now = dt.datetime.now(dt.UTC)
    rig.state.mkdir(parents=True, exist_ok=True)
    with Ledger.open(rig.state / "ledger.sqlite3") as ledger:
        ledger.conn.execute("PRAGMA synchronous = OFF")  # filling only; the daemon opens it as usual
        for i, raw in enumerate(raws):
            mail = parse_mail(raw)
            sha = hashlib.sha256(raw).hexdigest()
            row = ledger.register_mail(
                sha,
                mail.fingerprint,
                mail.message_id,
                mail.from_address,
                mail.subject,
                ("INBOX", "1", str(i + 1)),
            )
            reply = compose_reply(mail, [], Identity("Localreport.dla@gmail.com", "สถ."), now)
            fake = hashlib.sha256(b"attachment %d" % i).hexdigest()
            sub = NewSubmission(fake, "report.xlsx", None, "duplicate", 0, (), ())
            ledger.record_judgement(
                row.id, reply.kind, mail.from_address, now.isoformat(timespec="seconds"), [sub],
                QueuedReply(reply.kind, reply.message_id, reply.to_address, reply.raw),
            )  # fmt: skip
        for pending in ledger.pending_replies():
            ledger.mark_reply_sent(pending.id)


def prepare_poll(
    dovecot: DovecotServer, sink: SmtpSink, work: Path, count: int
) -> tuple[DaemonRig, Measured]:
    account = new_account(dovecot, f"poll{count}")
    rig = DaemonRig(account, sink, work / f"poll-{count}", workers=2)
    rig.write_config()
    t = time.perf_counter()
    fill_processed(rig, count)
    print(f"poll {count}: filled in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return rig, measure(rig.command(), rig.env(), rig.root)  # a whole run; also builds the master once


def bench_polls(
    dovecot: DovecotServer, sink: SmtpSink, work: Path, counts: list[int], repeat: int
) -> list[dict]:
    """Time `MailService.run_cycle` on one open service per count, the counts interleaved sample by sample
    (order alternating) so that drift in the machine's load falls on all of them alike. Each sample reconnects
    IMAP first and averages 5 polls: on 2 cores, whether a connection's imap process shares the client's
    core swings a single connection's poll time by 2x either way, which would otherwise pose as a ratio."""
    from contextlib import ExitStack

    from bot.entrypoints.config import load_settings
    from bot.entrypoints.wiring import open_service

    prepared = [prepare_poll(dovecot, sink, work, c) for c in counts]
    times: list[list[float]] = [[] for _ in counts]
    with ExitStack() as stack:
        services = []
        for rig, _ in prepared:
            os.environ[PASSWORD_ENV] = rig.account.password  # read while opening
            services.append(stack.enter_context(open_service(load_settings(rig.config))))
        for round_ in range(repeat + 1):
            order = list(enumerate(services))
            for i, service in order if round_ % 2 else reversed(order):
                service.inbox.__exit__(None, None, None)  # type: ignore[attr-defined]
                service.inbox.__enter__()  # type: ignore[attr-defined]
                t = time.perf_counter()
                for _ in range(5):
                    summary = service.run_cycle()
                    assert (summary.seen, summary.replies_sent) == (0, 0), summary
                if round_:  # the first round warms caches and is dropped
                    times[i].append((time.perf_counter() - t) / 5)
    return [
        {"count": c, "median": statistics.median(ts), "min": min(ts), "whole": whole}
        for c, ts, (_, whole) in zip(counts, times, prepared, strict=True)
    ]


# -------------------------------------------------------------------------------------------------- report


def table(reports: dict | None, polls: list[dict], argv: str) -> str:
    lines = ["| measurement | figure |", "|---|---|"]
    if reports:
        d, nv, r = reports["daemon"], reports["naive"], reports["naive_result"]
        n = reports["n"]
        bound = (
            ""
            if r["complete"]
            else f" (stopped after {r['mails']} of {r['total']} mails; extrapolated, a lower bound)"
        )
        lines += [
            f"| daemon, {n} reports, one `run --once` | {d.seconds:.1f} s ({n / d.seconds:.1f} reports/s); "
            f"peak RSS {d.rss_max_mib:.0f} MiB largest process, {d.rss_group_mib:.0f} MiB with its workers |",
            f"| naive script, same {n} reports | {reports['naive_total']:.0f} s{bound}; "
            f"peak RSS {nv.rss_max_mib:.0f} MiB |",
            f"| speed-up | {'≥ ' if not r['complete'] else ''}{reports['ratio']:.0f}× |",
        ]
    for p in polls:
        lines.append(
            f"| poll, {p['count']:,} processed mails | median {p['median'] * 1e6:.0f} µs per `run_cycle` "
            f"(min {p['min'] * 1e6:.0f}); whole `run --once` {p['whole'].seconds:.2f} s |"
        )
    if len(polls) == 2:
        lines.append(f"| poll cost ratio {polls[1]['count']:,} / {polls[0]['count']:,} | "
                     f"{polls[1]['median'] / polls[0]['median']:.2f}× |")  # fmt: skip
    lines.append("")
    lines.append(f"Command: `.venv/bin/python bench/bench_daemon.py {argv}`".rstrip())
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=1000, help="0 skips the daemon/naive comparison")
    parser.add_argument(
        "--naive-budget", type=float, default=0.0, help="seconds; 0 runs the baseline to the end"
    )
    parser.add_argument("--processed", type=int, nargs="*", default=[10, 10_000])
    parser.add_argument("--repeat", type=int, default=101)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-daemon-"))
    print(f"work dir {work}", file=sys.stderr)
    with DovecotServer() as dovecot, SmtpSink() as sink:
        reports = (
            bench_reports(dovecot, sink, work, args.reports, args.naive_budget) if args.reports else None
        )
        polls = bench_polls(dovecot, sink, work, args.processed, args.repeat)
    print(table(reports, polls, " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
