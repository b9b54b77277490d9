"""Time and memory of refusing hostile workbooks, each parsed in a fresh subprocess.

Run: .venv/bin/python bench/bench_hostile.py
Target: every case refused in under 2 s of wall time with a peak RSS under 256 MiB.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import hostile as h  # noqa: E402

CHILD = """
import sys
from parsers import ParseError, parse_workbook
payload = open(sys.argv[1], "rb").read()
try:
    parse_workbook(payload, "bench.xlsx")
    print("read")
except ParseError as e:
    print(e.code, e.ctx.get("limit") or e.ctx.get("reason") or "")
"""

CASES: dict[str, Callable[[], bytes]] = {
    "zip bomb, 1 GiB sheet1.xml, honest sizes": lambda: h.zip_bomb_xlsx(1024),
    "zip bomb, 1 GiB sheet1.xml, declared 4 KB": lambda: h.zip_bomb_xlsx(1024, declared=4000),
    "zip bomb, 150 MiB sheet1.xml (under the total)": lambda: h.zip_bomb_xlsx(150),
    "billion laughs in sheet1.xml": lambda: h.billion_laughs_xlsx("sheet"),
    "billion laughs in sharedStrings.xml": lambda: h.billion_laughs_xlsx("sst"),
    "cell at XFD1048576 (aborts raw calamine)": lambda: h.patch_zip(
        h.xlsx(), {h.SHEET1: h.with_cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')}
    ),
    "two r attributes, A3 and XFD1048576 (aborts raw)": lambda: h.patch_zip(
        h.xlsx(), {h.SHEET1: h.with_cells('<row r="3"><c r="A3" r="XFD1048576"><v>1</v></c></row>')}
    ),
    "lowercase xfd1048576 (aborts raw calamine)": lambda: h.patch_zip(
        h.xlsx(), {h.SHEET1: h.with_cells('<row r="3"><c r="xfd1048576"><v>1</v></c></row>')}
    ),
    "sharedStrings uniqueCount 4294967295": lambda: h.with_shared_strings(h.xlsx(), unique=4294967295),
}


def run_case(payload: bytes) -> tuple[str, float, float]:
    """(outcome, wall seconds, peak RSS MiB) of parse_workbook in a fresh interpreter."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(payload)
        f.flush()
        start = time.perf_counter()
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%M", sys.executable, "-c", CHILD, f.name],
            capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - start
    rss_kib = (
        int(out.stderr.strip().splitlines()[-1])
        if out.stderr.strip()
        else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    return out.stdout.strip() or f"exit {out.returncode}", wall, rss_kib / 1024


def main() -> None:
    print(f"{'case':<48} {'file':>9} {'outcome':<42} {'wall s':>7} {'RSS MiB':>8}")
    ok = True
    for name, build in CASES.items():
        payload = build()
        outcome, wall, rss = run_case(payload)
        ok = ok and wall < 2 and rss < 256
        print(f"{name:<48} {len(payload) / 1024:>7.0f}KB {outcome:<42} {wall:>7.2f} {rss:>8.1f}")
    print("target met: wall < 2 s and RSS < 256 MiB for every case" if ok else "TARGET MISSED")


if __name__ == "__main__":
    main()
