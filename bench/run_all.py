"""Run every benchmark with the arguments the README's figures come from (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["bench_validate.py", "--repeat", "30"],
    ["bench_master.py", "--repeat", "7"],
    ["bench_hostile.py"],
    ["bench_daemon.py", "--reports", "1000", "--naive-budget", "300"],
    ["bench_downloads.py", "--mails", "1000", "--paused", "200"],
]


def main() -> int:
    failed = 0
    for script, *args in RUNS:
        print(f"\n$ python bench/{script} {' '.join(args)}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / script), *args], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
