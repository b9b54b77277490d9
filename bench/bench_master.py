"""Benchmark: rebuilding the master workbook for a full round vs a bare openpyxl write-only dump.

Run: .venv/bin/python bench/bench_master.py [--repeat N]
Builds a synthetic ledger in a temporary folder: the 76 provinces of the bundled registry, each with one
accepted report of all its LAOs (7,849 rows), plus a rejected first try and a duplicate for a few of them.
Times, alternating, (a) a bare `Workbook(write_only=True)` dump of exactly the cell values the master
holds (read back from a built master, sheet by sheet) and (b) `storage.master.Master.rebuild` from the
ledger (queries, pandas figures, styles, backup off), and prints the best-of-N seconds of each and the
ratio b / a (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook

from storage.ledger import Ledger, NewSubmission
from storage.master import Master
from validators import Finding, LaoRecord, Registry, Severity, load_registry
from validators.lao import Lao

FIRST = ("สมชาย", "สมศักดิ์", "วิชัย", "ประเสริฐ", "สุนทร", "มานพ", "บุญมี", "สมพร", "วันเพ็ญ", "กาญจนา")
LAST = ("ใจดี", "ศรีสุข", "บุญมา", "ทองดี", "แก้วมณี", "สุวรรณรัตน์", "พรหมมา", "จันทร์เพ็ญ", "มีสุข")
DEADLINE = dt.date(2020, 11, 2)


def best_of(repeat: int, *fns: Callable[[], object]) -> list[float]:
    """The fastest of `repeat` runs of each of `fns`, in seconds; runs alternate, so that load from
    elsewhere on the machine weighs on every contender alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def lao_record(lao: Lao, row: int) -> LaoRecord:
    n = int(lao.dla_code)
    issues = tuple("ไม่ผ่าน" if (n + i) % 11 == 0 else "ผ่าน" for i in range(1, 10))
    return LaoRecord(
        sheet="Sheet1", row=row, province=lao.province_th, district=lao.district_th, dla_code=lao.dla_code,
        lao_full_name=lao.full_name_th, lao_type=lao.type_th,
        executive_name=f"นาย{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}", executive_position="นายก",
        issues=issues, overall="ไม่ผ่าน" if "ไม่ผ่าน" in issues else "ผ่าน",
        remarks="ลาออกระหว่างปี" if n % 97 == 0 else "",
    )  # fmt: skip


def fill_ledger(ledger: Ledger, registry: Registry) -> dict[str, int]:
    """A full round: every province accepted once; every tenth rejected first; every twentieth resent."""
    expected: dict[str, int] = {}
    n = 0
    for i, province in enumerate(registry.provinces()):
        laos = registry.laos_in(province)
        expected[province] = len(laos)
        day = dt.datetime(2020, 10, 20, 3, tzinfo=dt.UTC) + dt.timedelta(hours=4 * i)
        if i % 10 == 0:
            bad = (
                Finding("lao_name_abbreviated", Severity.ERROR, "Sheet1", 5, "D", value="อบต.หนองหนาม"),
                "ชื่อย่อ",
            )
            n += 1
            _file(
                ledger, n, NewSubmission(f"r{i}", "r.xlsx", province, "rejected", len(laos), [bad], []), day
            )
        records = [lao_record(lao, row) for row, lao in enumerate(laos, 4)]
        n += 1
        accepted = NewSubmission(f"a{i}", "ok.xlsx", province, "accepted", len(laos), [], records)
        _file(ledger, n, accepted, day + dt.timedelta(hours=1))
        if i % 20 == 0:
            n += 1
            dup = NewSubmission(f"a{i}", "ok.xlsx", None, "duplicate", 0, [], [])
            _file(ledger, n, dup, day + dt.timedelta(hours=2))
    return expected


def _file(ledger: Ledger, n: int, sub: NewSubmission, when: dt.datetime) -> None:
    mail = ledger.register_mail(
        f"{n:064x}", f"fp{n}", f"<m{n}@province.example>", "saraban@province.example", "ส่งรายงาน",
        ("INBOX", "1", str(n)),
    )  # fmt: skip
    ledger.record_judgement(mail.id, sub.status, "saraban@province.example", when.isoformat(), [sub], None)


def sheets_of(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    wb = load_workbook(path, read_only=True)
    try:
        return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]
    finally:
        wb.close()


def bare_dump(sheets: list[tuple[str, list[tuple[object, ...]]]], target: Path) -> None:
    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    registry = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Ledger.open(folder / "ledger.sqlite3") as ledger:
            expected = fill_ledger(ledger, registry)
            master = folder / "master.xlsx"
            Master(master, expected, DEADLINE, backups=0).rebuild(ledger)  # warm-up; gives the cells
            sheets = sheets_of(master)
            cells = sum(len(r) for _, rows in sheets for r in rows)
            data_rows = len(dict(sheets)["ข้อมูลรวม"]) - 1
            bare, full = best_of(
                args.repeat,
                lambda: bare_dump(sheets, folder / "bare.xlsx"),
                lambda: Master(master, expected, DEADLINE, backups=0).rebuild(ledger),
            )
    print(f"provinces={len(expected)} data_rows={data_rows} cells={cells} repeat={args.repeat}")
    print(f"bare write-only dump   {bare:.3f} s")
    print(f"Master.rebuild         {full:.3f} s")
    print(f"ratio                  {full / bare:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
