"""Summary figures of a round, computed with pandas: pass rates per province and per issue.

A result is ผ่าน, ไม่ผ่าน or not given (ไม่ได้ระบุ: a blank cell, or anything else). A pass rate is
ผ่าน / (ผ่าน + ไม่ผ่าน) over the LAOs whose result was given: an LAO whose result was not given is counted
apart, never as data, and a rate with nothing to divide by is None (an empty cell, not 0 %).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from validators.findings import LaoRecord

PASS, FAIL = "ผ่าน", "ไม่ผ่าน"
ISSUES = 9
ISSUE_COLUMNS = [f"issue_{i}" for i in range(1, ISSUES + 1)]
RESULT_COLUMNS = [*ISSUE_COLUMNS, "overall"]
RESULT_LABELS = [*(f"ประเด็นที่ {i}" for i in range(1, ISSUES + 1)), "ผลการประเมินภาพรวม"]

Figure = str | int | float | None


def frame(records: Sequence[LaoRecord]) -> pd.DataFrame:
    """One row per LAO: province and the ten results (issue_1 … issue_9, overall), "" when not given."""
    rows = [(r.province, *(tuple(r.issues) + ("",) * ISSUES)[:ISSUES], r.overall) for r in records]
    return pd.DataFrame(rows, columns=["province", *RESULT_COLUMNS], dtype=object)


def _rate(passed: int, failed: int) -> float | None:
    return round(passed / (passed + failed), 4) if passed + failed else None


def figures(
    records: Sequence[LaoRecord], expected: dict[str, int]
) -> tuple[list[list[Figure]], list[list[Figure]]]:
    """Both tables from one frame: (province_figures, issue_figures)."""
    df = frame(records)
    return _province_figures(df, expected), _issue_figures(df)


def province_figures(records: Sequence[LaoRecord], expected: dict[str, int]) -> list[list[Figure]]:
    """Per province (registry order, then others): reported, in registry, the overall results and the rates.

    Columns: province, reported, expected, overall ผ่าน, overall ไม่ผ่าน, overall not given, overall rate,
    issue 1…9 rates.
    """
    return _province_figures(frame(records), expected)


def _province_figures(df: pd.DataFrame, expected: dict[str, int]) -> list[list[Figure]]:
    passed = (df[RESULT_COLUMNS] == PASS).groupby(df["province"]).sum()
    failed = (df[RESULT_COLUMNS] == FAIL).groupby(df["province"]).sum()
    reported = df.groupby("province").size()
    provinces = [*expected, *(p for p in reported.index if p not in expected)]
    out: list[list[Figure]] = []
    for p in provinces:
        if p not in reported.index:
            out.append([p, 0, expected.get(p, 0), 0, 0, 0, None, *[None] * ISSUES])
            continue
        ok, bad, n = passed.loc[p], failed.loc[p], int(reported[p])
        rates = [_rate(int(ok[c]), int(bad[c])) for c in ISSUE_COLUMNS]
        given_ok, given_bad = int(ok["overall"]), int(bad["overall"])
        out.append([
            p, n, expected.get(p, 0), given_ok, given_bad, n - given_ok - given_bad,
            _rate(given_ok, given_bad), *rates,
        ])  # fmt: skip
    return out


def issue_figures(records: Sequence[LaoRecord]) -> list[list[Figure]]:
    """Per issue, then overall, across every province: label, ผ่าน, ไม่ผ่าน, given (ผ่าน + ไม่ผ่าน), not given,
    rate (of those given)."""
    return _issue_figures(frame(records))


def _issue_figures(df: pd.DataFrame) -> list[list[Figure]]:
    passed = (df[RESULT_COLUMNS] == PASS).sum()
    failed = (df[RESULT_COLUMNS] == FAIL).sum()
    out: list[list[Figure]] = []
    for column, label in zip(RESULT_COLUMNS, RESULT_LABELS, strict=True):
        ok, bad = int(passed[column]), int(failed[column])
        out.append([label, ok, bad, ok + bad, len(df) - ok - bad, _rate(ok, bad)])
    return out
