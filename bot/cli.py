"""The `localreport` command: demo, run, check, rebuild, registry import, template."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import logsetup
from bot.config import load_settings
from bot.errors import BotError
from bot.judge import JudgeLimits, JudgePool
from bot.mail import Attachment
from validators import load_form, load_registry
from validators.findings import Finding, Report
from validators.messages import message_for

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE, EXIT_USAGE = 0, 1, 2, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logsetup.configure(args.log_level, args.log_format)
    try:
        result: int = args.func(args)
    except BotError as e:
        print(f"localreport: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `localreport check --json … | head`: the reader left; end quietly
        # Not SIGPIPE's default action: that would also kill a daemon writing to a dropped IMAP socket.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_REJECTED
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="localreport", description=__doc__)
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--log-format", default="text", choices=["text", "json"])
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the bot once on a bundled sample mailbox")
    demo.add_argument(
        "--dir", type=Path, default=Path("demo"), help="where the demo writes (default: ./demo)"
    )
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="poll the mailbox (forever, or once with --once)")
    run.add_argument("--config", type=Path, required=True)
    run.add_argument("--once", action="store_true", help="one poll, then exit (for cron)")
    run.set_defaults(func=_cmd_run)

    check = sub.add_parser("check", help="judge Excel files as the bot would; no config needed")
    check.add_argument("files", nargs="+", type=Path)
    check.add_argument("--json", action="store_true", help="print a JSON array, one object per file")
    check.set_defaults(func=_cmd_check)

    rebuild = sub.add_parser("rebuild", help="regenerate the master workbook from the ledger alone")
    rebuild.add_argument("--config", type=Path, required=True)
    rebuild.set_defaults(func=_cmd_rebuild)

    registry = sub.add_parser("registry", help="the DLA registry of LAOs")
    rsub = registry.add_subparsers(dest="registry_command", required=True)
    imp = rsub.add_parser("import", help="replace the registry from DLA's open-data CSV export")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--config", type=Path, help="install into this config's storage.dir (default: print only)"
    )
    imp.set_defaults(func=_cmd_registry_import)

    status = sub.add_parser("status", help="the per-province table for the operator")
    status.add_argument("--config", type=Path, required=True)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_cmd_status)

    health = sub.add_parser("health", help="one line and an exit code for monitoring (0 OK, 1 not)")
    health.add_argument("--config", type=Path, required=True)
    health.set_defaults(func=_cmd_health)

    reprocess = sub.add_parser("reprocess", help="judge archived mail again (e.g. after a registry update)")
    reprocess.add_argument("--config", type=Path, required=True)
    which = reprocess.add_mutually_exclusive_group(required=True)
    which.add_argument("--message-id", help="the Message-ID of one mail, with its angle brackets")
    which.add_argument("--rejected", action="store_true", help="every mail whose reports were rejected")
    reprocess.add_argument("--send-replies", action="store_true", help="answer the provinces again")
    reprocess.set_defaults(func=_cmd_reprocess)

    oauth = sub.add_parser("oauth-token", help="obtain a Gmail OAuth refresh token (installed-app flow)")
    oauth.add_argument("--config", type=Path, required=True)
    oauth.add_argument("--port", type=int, default=0, help="loopback port for the redirect (default: any)")
    oauth.set_defaults(func=_cmd_oauth_token)

    template = sub.add_parser("template", help="write the blank report form for one province")
    template.add_argument("--province", required=True)
    template.add_argument("--out", type=Path, required=True)
    template.set_defaults(func=_cmd_template)
    return p


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.daemon import run_forever, run_once

    settings = load_settings(args.config)
    if args.once:
        summary = run_once(settings)
        return 1 if summary.failed else 0
    run_forever(settings)
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from bot.app import rebuild

    print(rebuild(load_settings(args.config)))
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
                "message": message_for(f),
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


def _cmd_registry_import(args: argparse.Namespace) -> int:
    from validators.registry import diff_registries, read_dla_export, write_registry_csv

    new = read_dla_export(args.file.read_bytes())
    if args.config:
        from bot.app import registry_for

        settings = load_settings(args.config)
        old = registry_for(settings)
        target = settings.storage.dir / "registry.csv"
    else:
        old, target = load_registry(), None
    diff = diff_registries(old, new)
    for line in diff.summary_lines():
        print(line)
    if target is None:
        print("(dry run: give --config to install the new registry)")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    write_registry_csv(new, target)
    print(f"installed {len(new)} LAOs into {target}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from storage.template import write_template

    registry = load_registry()
    if args.province not in registry.provinces():
        print(f"localreport: unknown province {args.province!r}", file=sys.stderr)
        return EXIT_USAGE
    args.out.write_bytes(write_template(args.province, registry, load_form()))
    print(args.out)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from bot.status import status_json, status_lines

    settings = load_settings(args.config)
    if args.json:
        print(json.dumps(status_json(settings), ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(settings)))
    return 0


def _cmd_health(args: argparse.Namespace) -> int:
    from bot.operations import health

    result = health(load_settings(args.config))
    print(result.line)
    return 0 if result.ok else 1


def _cmd_reprocess(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from bot.app import judge_pool, make_context, make_outbox, open_ledger, rebuild_master_for
    from bot.operations import rejudge, select_mails

    settings = load_settings(args.config)
    with ExitStack() as stack:
        pool = stack.enter_context(judge_pool(settings))
        ledger = stack.enter_context(open_ledger(settings))
        ctx = make_context(settings, ledger, pool.judge_many)
        outbox = None
        if args.send_replies:
            outbox = make_outbox(settings, inbox=None)
            stack.enter_context(outbox)
        mails = select_mails(ledger, args.message_id, args.rejected)
        if not mails:
            print("nothing to reprocess")
            return 0
        outcomes = rejudge(ctx, mails, outbox)
        rebuild_master_for(settings, ledger)
    print(f"reprocessed {len(mails)} mail(s): " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    if not args.send_replies:
        print("no replies were sent (give --send-replies to answer the provinces)")
    return 0


def _cmd_oauth_token(args: argparse.Namespace) -> int:
    from bot.oauth import obtain_refresh_token

    settings = load_settings(args.config)
    token = obtain_refresh_token(settings.oauth, port=args.port)
    print(f"refresh token (store it in ${settings.oauth.refresh_token_env}, never in the config file):")
    print(token)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args.dir)
