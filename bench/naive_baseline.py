"""The baseline: what a hand-written office script does with the same mailbox, one mail at a time.

Per mail: fetch it (imap-tools), read each .xlsx attachment with pandas.read_excel, open the master with
openpyxl.load_workbook, append the rows, save the master. No checking, no reply, no ledger: it does less
than the daemon, so the comparison flatters the baseline.

Run: .venv/bin/python bench/naive_baseline.py --host H --port P --user U --master out.xlsx
     (password in $NAIVE_IMAP_PASSWORD) [--budget-seconds S]
Prints one JSON line: {"mails": handled, "total": in the INBOX, "seconds": wall, "complete": bool}.
With --budget-seconds it stops after the mail that crosses the budget; because each mail costs at least as
much as the one before (the master only grows), seconds × total / mails is then a lower bound of the whole.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from pathlib import Path

import pandas as pd
from imap_tools import MailBoxUnencrypted
from openpyxl import Workbook, load_workbook

HEADER_ROW = 3  # the DLA form: two title rows, then the header


def append_report(master: Path, payload: bytes, filename: str) -> int:
    frame = pd.read_excel(io.BytesIO(payload), header=HEADER_ROW - 1, dtype=str)
    frame = frame.dropna(how="all")
    if master.exists():
        wb = load_workbook(master)
        ws = wb.active
    else:
        wb = Workbook()
        ws = wb.active
        ws.append(["ไฟล์", *[str(c) for c in frame.columns]])
    assert ws is not None
    for row in frame.itertuples(index=False):
        ws.append([filename, *[None if pd.isna(v) else v for v in row]])
    wb.save(master)
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-env", default="NAIVE_IMAP_PASSWORD")
    parser.add_argument("--master", type=Path, required=True)
    parser.add_argument("--budget-seconds", type=float, default=0.0, help="0: no limit")
    args = parser.parse_args()

    started = time.perf_counter()
    handled = rows = 0
    with MailBoxUnencrypted(args.host, args.port).login(args.user, os.environ[args.password_env]) as mb:
        total = len(mb.uids("ALL"))
        for msg in mb.fetch(mark_seen=False):
            for att in msg.attachments:
                if att.filename.lower().endswith(".xlsx"):
                    rows += append_report(args.master, att.payload, att.filename)
            handled += 1
            if args.budget_seconds and time.perf_counter() - started > args.budget_seconds:
                break
    seconds = time.perf_counter() - started
    print(json.dumps({"mails": handled, "total": total, "rows": rows, "seconds": round(seconds, 3),
                      "complete": handled == total}))  # fmt: skip


if __name__ == "__main__":
    main()
