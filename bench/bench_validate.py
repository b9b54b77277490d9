"""Benchmark: checking the largest province's report vs reading it with python-calamine alone.

Run: .venv/bin/python bench/bench_validate.py [--repeat N] [--province NAME]
Prints best-of-N milliseconds for (a) python-calamine alone (from_filelike + to_python of the data sheet)
and (b) parsers.parse_workbook + validators.validate, and the ratio b / a (target ≤ 2), for the report
in two shapes: as openpyxl writes it (inline strings; the issue's file) and as Excel saves it
(shared strings, rows with spans and x14ac attributes).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import python_calamine as pc

from parsers import parse_workbook
from tests.helpers.builders import excel_shaped, make_report
from validators import Form, Registry, load_form, load_registry, validate


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of `repeat` runs of `fn`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--province", default="นครราชสีมา")
    args = parser.parse_args()
    registry, form = load_registry(), load_form()
    report = make_report(args.province, registry=registry, form=form)
    rows = len(registry.laos_in(args.province))
    print(f"province {args.province}: {rows} LAOs, best of {args.repeat}")
    for shape, payload in (
        ("openpyxl (inline strings)", report),
        ("Excel (shared strings)", excel_shaped(report)),
    ):
        print(f"\n{shape}: {len(payload):,} bytes")
        measure(payload, registry, form, args.repeat)


def measure(payload: bytes, registry: Registry, form: Form, repeat: int) -> None:
    """Print the timings and ratios for one file."""

    def calamine_only() -> None:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(payload))
        book.get_sheet_by_index(0).to_python()

    def parse_and_validate() -> None:
        report = validate(parse_workbook(payload, "report.xlsx"), registry, form)
        if report.errors or len(report.records) != report.expected:
            raise SystemExit(f"benchmark report is not clean: {report.errors[:3]}")

    def parse_only() -> None:
        parse_workbook(payload, "report.xlsx")

    parse_and_validate()  # warm-up: imports, registry and form caches
    workbook = parse_workbook(payload, "report.xlsx")
    a = best_of(repeat, calamine_only)
    p = best_of(repeat, parse_only)
    v = best_of(repeat, lambda: validate(workbook, registry, form))
    b = best_of(repeat, parse_and_validate)
    print(f"calamine alone            {a * 1000:8.2f} ms")
    print(f"parse_workbook            {p * 1000:8.2f} ms")
    print(f"validate                  {v * 1000:8.2f} ms")
    print(f"parse_workbook + validate {b * 1000:8.2f} ms")
    print(f"ratio                     {b / a:8.2f} x  (target <= 2)")
    print(f"  of which parse / calamine {p / a:6.2f} x, validate / calamine {v / a:.2f} x")


if __name__ == "__main__":
    main()
