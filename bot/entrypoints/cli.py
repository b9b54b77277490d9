"""The `localreport` command: demo, run, check, status, health, rebuild, reprocess, registry import,
withdraw, remind, digest, template, oauth-token.

Exit codes, the same for every command (EXIT_* in the code):
  0  done.
  1  a finding: `check` — a file has errors; `health` — not OK; `run --once` — the cycle completed but some
     mails or replies failed (they are recorded and retried at the next run).
  2  a user's mistake: a bad config, a missing or wrong file, an unknown province, another localreport
     holding the storage dir; printed as one line saying what is wrong and how to fix it, never a traceback.
  3  the mailbox could not be used (unreachable, login refused): nothing (more) was judged; fix what the
     line says or try again later. The SMTP server refusing or out of reach is not this: sending pauses, the
     replies wait in the ledger, and `run --once` exits 1.

The commands that write the storage dir (run, reprocess, rebuild, withdraw, registry import --config,
remind --send, digest --send) hold its lock (storage/instance_lock.py) while they run; status, health,
check, template, oauth-token and the previews of remind and digest never ask for it.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from bot.adapters.judge_pool import JudgeLimits, JudgePool
from bot.entrypoints import logsetup
from bot.entrypoints.config import Settings, load_settings
from bot.errors import MailboxError, UsageError
from bot.replies.texts import finding_text
from bot.usecase.incoming import Attachment
from parsers.errors import LocalreportError
from storage.instance_lock import instance_lock
from validators import Registry, load_form, load_registry
from validators.findings import Finding, Report

EXIT_OK = 0
EXIT_FINDING = EXIT_REJECTED = 1  # check: a file has errors; health: not OK; run --once: a mail/reply failed
EXIT_USAGE = EXIT_UNREADABLE = 2  # a user's mistake (check: a file that cannot be opened)
EXIT_UNAVAILABLE = 3  # the mailbox or mail server could not be used: nothing was judged


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logsetup.configure(args.log_level, args.log_format)
    try:
        result: int = args.func(args)
    except MailboxError as e:  # unreachable, or a LoginError whose message carries its fix
        print(f"localreport: {e}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except LocalreportError as e:  # the one root: a user's mistake, said in one line with its fix
        print(f"localreport: {e}", file=sys.stderr)
        return EXIT_USAGE
    except sqlite3.Error as e:  # a ledger locked by a long transaction elsewhere, a full disk
        print(f"localreport: the ledger refused: {e}; check free disk space and try again", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `localreport check --json … | head`: the reader left; end quietly
        # Not SIGPIPE's default action: that would also kill a daemon writing to a dropped IMAP socket.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_REJECTED
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="localreport", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--log-format", default="text", choices=["text", "json"])
    sub = p.add_subparsers(dest="command", required=True)

    demo = _command(sub, "demo", "run the bot once on a bundled sample mailbox", _cmd_demo, config=False)
    demo.add_argument(
        "--dir", type=Path, default=Path("demo"), help="where the demo writes (default: ./demo)"
    )
    run = _command(sub, "run", "poll the mailbox (forever, or once with --once)", _cmd_run)
    run.add_argument("--once", action="store_true", help="one poll, then exit (for cron)")
    check = _command(
        sub, "check", "judge Excel files as the bot would; no config needed", _cmd_check, config=False
    )
    check.add_argument("files", nargs="+", type=Path)
    check.add_argument("--json", action="store_true", help="print a JSON array, one object per file")
    _command(sub, "rebuild", "regenerate the master workbook from the ledger alone", _cmd_rebuild)
    withdraw = _command(
        sub, "withdraw", "take one LAO's filed rows out of its province's dataset", _cmd_withdraw
    )
    withdraw.add_argument("--code", required=True, help="the LAO's รหัส อปท. (7 digits)")
    withdraw.add_argument("--reason", required=True, help="why, for the history (e.g. the province's letter)")

    registry = sub.add_parser("registry", help="the DLA registry of LAOs")
    rsub = registry.add_subparsers(dest="registry_command", required=True)
    imp = _command(rsub, "import", "replace the registry from DLA's open-data CSV export",
                   _cmd_registry_import, config=False)  # fmt: skip
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--config", type=Path, help="install into this config's storage.dir (default: print only)"
    )

    status = _command(sub, "status", "the per-province table for the operator", _cmd_status)
    status.add_argument("--json", action="store_true")
    _command(sub, "health", "one line and an exit code for monitoring (0 OK, 1 not)", _cmd_health)
    reprocess = _command(sub, "reprocess", "judge archived mail again (e.g. after a registry update)",
                         _cmd_reprocess)  # fmt: skip
    which = reprocess.add_mutually_exclusive_group(required=True)
    which.add_argument("--message-id", help="the Message-ID of one mail, with its angle brackets")
    which.add_argument("--rejected", action="store_true", help="every mail whose reports were rejected")
    reprocess.add_argument("--send-replies", action="store_true", help="answer the provinces again")
    oauth = _command(sub, "oauth-token", "obtain a Gmail OAuth refresh token (installed-app flow)",
                     _cmd_oauth_token)  # fmt: skip
    oauth.add_argument("--port", type=int, default=0, help="loopback port for the redirect (default: any)")
    for name, what in (
        ("remind", "reminders to the provinces not complete: preview them, or queue and send with --send"),
        ("digest", "the daily digest for DLA staff: preview it, or queue and send with --send"),
    ):
        chase = _command(sub, name, what, _cmd_chase)
        chase.add_argument("--send", action="store_true", help="queue in the ledger and send now")
        chase.add_argument("--out", type=Path, help="the preview folder (default: storage.dir/preview/DATE)")
    template = _command(sub, "template", "write the blank report form for one province", _cmd_template,
                        config=False)  # fmt: skip
    template.add_argument("--province", required=True)
    template.add_argument("--out", type=Path, required=True)
    return p


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_: str,
    func: Callable[[argparse.Namespace], int],
    *,
    config: bool = True,
) -> argparse.ArgumentParser:
    """One subcommand; with `config`, its required --config PATH."""
    cmd = sub.add_parser(name, help=help_)
    if config:
        cmd.add_argument("--config", type=Path, required=True)
    cmd.set_defaults(func=func)
    return cmd


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.entrypoints.daemon import run_forever, run_once

    settings = load_settings(args.config)
    with _exclusive(settings, args):  # the daemon holds it for its whole life
        if args.once:
            summary = run_once(settings)
            # Mails and replies that failed are recorded: the next run retries them (or they were reported).
            replies = summary.replies_refused or summary.replies_failed
            return EXIT_FINDING if summary.failed or replies else EXIT_OK
        run_forever(settings)
    return EXIT_OK


def _exclusive(settings: Settings, args: argparse.Namespace) -> AbstractContextManager[object]:
    """This command's hold on storage.dir: a second writer stops with exit 2 instead of racing this one."""
    once = "--once" if getattr(args, "once", False) else ""
    words = (args.command, getattr(args, "registry_command", None), once)
    return instance_lock(settings.storage.dir, " ".join(w for w in words if w))


def _cmd_chase(args: argparse.Namespace) -> int:
    from bot.entrypoints.chase_commands import chase_command

    settings = load_settings(args.config)
    if not args.send:  # a preview reads the ledger and writes files: no lock needed
        return chase_command(args.command, settings, args.out, send=False)
    with _exclusive(settings, args):
        return chase_command(args.command, settings, args.out, send=True)


def _cmd_withdraw(args: argparse.Namespace) -> int:
    from bot.entrypoints.wiring import registry_for

    settings = load_settings(args.config)
    with _exclusive(settings, args):
        return _withdraw(args, settings, registry_for(settings))


def _withdraw(args: argparse.Namespace, settings: Settings, registry: Registry) -> int:
    from bot.entrypoints.wiring import master_for, open_ledger

    if not args.reason.strip():
        raise UsageError("--reason is empty: say why (for example the number of the province's letter)")
    lao = registry.lao_by_code(args.code.strip())
    if lao is None:
        raise UsageError(
            f"no LAO has รหัส อปท. {args.code!r} in the registry; copy it from the master's ข้อมูลรวม"
        )
    with open_ledger(settings) as ledger:
        filed = ledger.withdraw(lao.province_th, lao.dla_code, args.reason)
        master_for(settings, registry).rebuild(ledger)
    print(f"withdrew {lao.dla_code} {lao.full_name_th} ({lao.province_th}): {filed} row(s) filed so far "
          "are out of the dataset; a later accepted row of this LAO brings it back")  # fmt: skip
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from bot.entrypoints.wiring import rebuild

    settings = load_settings(args.config)
    with _exclusive(settings, args):
        print(rebuild(settings))
    return 0


def check_report(path: Path, pool: JudgePool) -> tuple[Report, dict[str, object]]:
    """Judge one file on disk and give the `check --json` object for it."""
    try:
        report = pool.judge(Attachment(path.name, path.read_bytes()))
    except OSError as e:
        finding = Finding(code="file_unreadable", value=path.name, ctx={"reason": e.strerror or str(e)})
        report = Report(filename=path.name, province=None, findings=(finding,), readable=False)
    return report, {
        "file": str(path),
        "status": report.status,
        "province": report.province,
        "rows": len(report.records),
        "findings": [
            {
                "severity": str(f.severity),
                "code": f.code,
                "sheet": f.sheet,
                "row": f.row,
                "column": f.column,
                "value": f.value,
                "message": finding_text(f),
                "suggestion": f.suggestion,
            }
            for f in report.findings
        ],
    }


def _cmd_check(args: argparse.Namespace) -> int:
    outputs = []
    code = EXIT_OK
    with JudgePool(limits=JudgeLimits(workers=1)) as pool:
        checked = [check_report(path, pool) for path in args.files]
    for report, obj in checked:
        if report.status == "unreadable":
            code = max(code, EXIT_UNREADABLE)
        elif report.status == "rejected":
            code = max(code, EXIT_REJECTED)
        outputs.append(obj)
    if args.json:
        print(json.dumps(outputs, ensure_ascii=False, indent=2))
    else:
        for obj in outputs:
            _print_check(obj)
    return code


def _print_check(obj: dict[str, object]) -> None:
    words = {"accepted": "ถูกต้อง", "rejected": "มีข้อผิดพลาด", "unreadable": "เปิดไฟล์ไม่ได้"}
    print(f"{obj['file']}: {words.get(str(obj['status']), obj['status'])} (จังหวัด {obj['province'] or '-'}, "
          f"{obj['rows']} แถว)")  # fmt: skip
    findings = obj["findings"]
    assert isinstance(findings, list)
    for f in findings:
        where = " ".join(str(x) for x in (f["sheet"], f["column"] and f"{f['column']}{f['row'] or ''}") if x)
        extra = f" → {f['suggestion']}" if f["suggestion"] else ""
        print(f"  [{f['severity']}] {where} {f['code']}: {f['message']}{extra}")


def _read_input(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {what} {path}: {e.strerror or e}; check the path and try again") from e


def _cmd_registry_import(args: argparse.Namespace) -> int:
    from bot.entrypoints.wiring import registry_for
    from validators.registry import diff_registries, read_dla_export, write_registry_csv

    settings = load_settings(args.config) if args.config else None
    with _exclusive(settings, args) if settings else nullcontext():
        new = read_dla_export(_read_input(args.file, "the DLA export"))
        old = registry_for(settings) if settings else load_registry()
        for line in diff_registries(old, new).summary_lines():
            print(line)
        if settings is None:
            print("(dry run: give --config to install the new registry)")
            return 0
        target = settings.storage.dir / "registry.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_registry_csv(new, target)
    print(f"installed {len(new)} LAOs into {target}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from storage.template import write_template

    registry = load_registry()
    province = registry.province_names().get(" ".join(args.province.split()))
    if province is None:
        raise UsageError(
            f"unknown province {args.province!r}: give its Thai name as the registry writes it "
            f"(for example {registry.provinces()[0]})"
        )
    payload = write_template(province, registry, load_form())
    try:
        args.out.write_bytes(payload)
    except OSError as e:
        raise UsageError(f"cannot write {args.out}: {e.strerror or e}; choose a folder that exists") from e
    print(args.out)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from bot.entrypoints.status import status_json, status_lines

    settings = load_settings(args.config)
    if args.json:
        print(json.dumps(status_json(settings), ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(settings)))
    return 0


def _cmd_health(args: argparse.Namespace) -> int:
    from bot.entrypoints.health import health

    result = health(load_settings(args.config))
    print(result.line)
    return 0 if result.ok else 1


def _cmd_reprocess(args: argparse.Namespace) -> int:
    from bot.entrypoints.wiring import open_service

    settings = load_settings(args.config)
    with _exclusive(settings, args), open_service(settings, inbox=False, outbox=args.send_replies) as service:
        mails = service.ledger.mails_to_rejudge(args.message_id, rejected=args.rejected)
        if not mails:
            print("nothing to reprocess")
            return 0
        outcomes = service.rejudge(mails, answer=args.send_replies)
    print(f"reprocessed {len(mails)} mail(s): " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    if not args.send_replies:
        print("no replies were sent (give --send-replies to answer the provinces)")
    return 0


def _cmd_oauth_token(args: argparse.Namespace) -> int:
    from bot.adapters.oauth import obtain_refresh_token

    settings = load_settings(args.config)
    token = obtain_refresh_token(settings.oauth, port=args.port)
    print(f"refresh token (store it in ${settings.oauth.refresh_token_env}, never in the config file):")
    print(token)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from bot.entrypoints.demo import run_demo

    return run_demo(args.dir)
