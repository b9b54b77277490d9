"""LibreOffice reopens the master workbook and sees exactly the cells openpyxl wrote, sheet by sheet.

LibreOffice (headless) converts every sheet to CSV: the trailing `-1` of the filter options exports each
sheet to `<name>-<sheet>.csv` (LibreOffice ≥ 7.2). "Export cell formulas" is off, so a payload LibreOffice
took for a formula would come back as its result ("x", 2, Err:…) rather than as the text we wrote.
"Save cell contents as shown" is off too: a date cell comes back as a date value (28/10/2020 09:15:07,
Gregorian, to the second), which text that merely looks like a date never would.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from storage.ledger import Ledger, NewSubmission, QueuedReply
from storage.master import SHEETS, Master
from tests.helpers.ledgers import PAYLOADS
from tests.helpers.libreoffice import convert, soffice
from validators import LaoRecord, load_registry
from validators.findings import Finding, Severity

pytestmark = pytest.mark.servers

# field sep ",", text delimiter '"', UTF-8, from line 1, ..., formulas off, every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
PROVINCES = ("กาญจนบุรี", "ลำพูน", "ตาก", "สมุทรปราการ")


def convert_to_csv(xlsx: Path, outdir: Path, timeout: float = 120) -> dict[str, list[list[str]]]:
    """Every sheet of `xlsx` as LibreOffice reads it: a private profile; killed by group on timeout."""
    out = convert(xlsx, CSV_FILTER, outdir, timeout)
    sheets = {}
    for name in SHEETS:
        path = outdir / f"{xlsx.stem}-{name}.csv"
        assert path.exists(), f"no CSV for sheet {name}: {out.decode(errors='replace')}"
        with path.open(encoding="utf-8", newline="") as fh:
            sheets[name] = list(csv.reader(fh))
    return sheets


def as_text(value: object) -> str:
    return "" if value is None else str(value)


def same_cell(written: object, shown: str) -> bool:
    """A number compares by value (a rate comes back as "91.22%", 1.0 as 1), a date as the date value
    LibreOffice read (a day without a time as the day alone); everything else as text."""
    if isinstance(written, dt.datetime):
        day_only = written.time() == dt.time() and shown == f"{written:%d/%m/%Y}"
        return day_only or shown == f"{written:%d/%m/%Y %H:%M:%S}"
    if isinstance(written, int | float):
        number = float(shown[:-1]) / 100 if shown.endswith("%") else float(shown)
        return abs(number - written) < 1e-9
    return as_text(written) == shown


def trimmed(rows: list[list[str]]) -> list[list[str]]:
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] == "":
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def record(lao_name: str, province: str, executive: str, remarks: str, row: int) -> LaoRecord:
    return LaoRecord(
        sheet="รายงาน", row=row, province=province, district="เมือง", dla_code=f"{6700000 + row}",
        lao_full_name=lao_name, lao_type="องค์การบริหารส่วนตำบล", executive_name=executive,
        executive_position="นายกองค์การบริหารส่วนตำบล", issues=("ผ่าน",) * 8 + ("ไม่ผ่าน",),
        overall="ไม่ผ่าน", remarks=remarks,
    )  # fmt: skip


def hostile_round(ledger: Ledger) -> dict[str, int]:
    """Real registry names for four provinces, payloads in every free-text field, every kind of filing."""
    registry = load_registry()
    expected = {p: len(registry.laos_in(p)) for p in registry.provinces()}
    n = 0

    def file(subs: list[NewSubmission], received: str, subject: str = "ส่งรายงาน") -> None:
        nonlocal n
        n += 1
        mail = ledger.register_mail(
            f"{n:064x}", f"fp{n}", f"<m{n}@x>", "saraban@province.example", subject, ("INBOX", "1", str(n))
        )
        reply = QueuedReply("ack", f"<r{n}@bot>", "saraban@province.example", b"raw")
        ledger.record_judgement(mail.id, subs[0].status, "saraban@x", received, subs, reply)

    for i, province in enumerate(PROVINCES):
        laos = registry.laos_in(province)
        k = len(PAYLOADS)
        records = [
            record(lao.full_name_th, province, PAYLOADS[j % k], PAYLOADS[(j + 1) % k], j)
            for j, lao in enumerate(laos)
        ]
        day = f"2020-10-{20 + 2 * i}T03:00:00+00:00"
        late = f"2020-11-{3 + i:02d}T03:00:00+00:00"
        sub = NewSubmission(f"{i}" * 64, f"{PAYLOADS[i]}.xlsx", province, "accepted", len(laos), [], records)
        file([sub], late if province == "ตาก" else day, subject=PAYLOADS[i])
    bad = Finding("lao_name_abbreviated", Severity.ERROR, "Sheet1", 5, "D", "ชื่อ", PAYLOADS[0], PAYLOADS[1])
    file([NewSubmission("r" * 64, "bad.xlsx", "ลำพูน", "rejected", 59, [(bad, "ชื่อย่อ")], [])], day)
    file(
        [NewSubmission("0" * 64, "dup.xlsx", None, "duplicate", 0, [], []),
         NewSubmission("u" * 64, "=broken.xlsx", None, "unreadable", 0, [], [])],
        day,
    )  # fmt: skip
    return expected


def test_libreoffice_reopens_the_master_with_identical_cells(tmp_path: Path) -> None:
    soffice()
    master = tmp_path / "master.xlsx"
    with Ledger.open(tmp_path / "l.db") as ledger:
        expected = hostile_round(ledger)
        Master(master, expected, dt.date(2020, 11, 2), backups=0).rebuild(ledger)

    shown = convert_to_csv(master, tmp_path / "csv")
    wb = load_workbook(master)
    assert wb.sheetnames == list(SHEETS)
    compared = 0
    for ws in wb.worksheets:
        written = trimmed([[as_text(v) for v in row] for row in ws.iter_rows(values_only=True)])
        seen = trimmed(shown[ws.title])
        assert len(seen) == len(written), ws.title
        values = list(ws.iter_rows(values_only=True))
        for r, (mine, theirs) in enumerate(zip(written, seen, strict=True)):
            assert len(theirs) == len(mine), (ws.title, r + 1, mine, theirs)
            for c, text in enumerate(theirs):
                assert same_cell(values[r][c], text), (ws.title, r + 1, c + 1, values[r][c], text)
                compared += 1
    data = shown["ข้อมูลรวม"]
    assert {row[5] for row in data[1:]} == set(PAYLOADS)  # every payload came back as the text we wrote
    assert compared > 20 * sum(expected[p] for p in PROVINCES)


def test_csv_export_reaches_every_sheet_on_this_libreoffice(tmp_path: Path) -> None:
    """Pins the `-1` sheet option: an older LibreOffice would write only the first sheet."""
    soffice()
    master = tmp_path / "master.xlsx"
    with Ledger.open(tmp_path / "l.db") as ledger:
        Master(master, {"ตาก": 67}, dt.date(2020, 11, 2), backups=0).rebuild(ledger)
    shown = convert_to_csv(master, tmp_path / "csv")
    assert shown["สรุปรายจังหวัด"][1][:2] == ["ตาก", "ยังไม่ส่ง"]
