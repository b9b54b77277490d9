"""The master workbook: a projection of the ledger whose cells are always literal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from storage.ledger import Ledger, NewSubmission
from storage.master import build_master
from validators.findings import Finding, LaoRecord, Severity

SHEETS = ["อ่านก่อน", "สรุปรายจังหวัด", "ข้อมูลรวม", "ประวัติการส่ง", "ข้อผิดพลาด"]
EXPECTED = {"กาญจนบุรี": 122, "ลำพูน": 59, "ตาก": 67}


def record(name: str, executive: str = "นายสมชาย ใจดี", remarks: str = "") -> LaoRecord:
    return LaoRecord(
        sheet="Sheet1", row=4, province="กาญจนบุรี", district="ท่าม่วง", dla_code="6710508",
        lao_full_name=name, lao_type="องค์การบริหารส่วนตำบล", executive_name=executive,
        executive_position="นายก", issues=("ผ่าน",) * 9, remarks=remarks,
    )  # fmt: skip


def file_mail(ledger: Ledger, n: int, sub: NewSubmission, received: str) -> None:
    mail = ledger.register_mail(
        f"{n:064x}", f"fp{n}", f"<m{n}@x>", "p@dla.go.th", "รายงาน", ("INBOX", "1", str(n))
    )
    ledger.record_judgement(mail.id, sub.status, "p@dla.go.th", received, [sub], None)


def test_injection_payloads_are_written_as_literal_text(tmp_path: Path) -> None:
    payloads = ['=HYPERLINK("http://evil.example","คลิก")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+1"]
    with Ledger.open(tmp_path / "l.db") as ledger:
        sub = NewSubmission(
            "a" * 64, "k.xlsx", "กาญจนบุรี", "accepted", 122, [],
            [record(p, executive=p, remarks="ok\x07bell") for p in payloads],
        )  # fmt: skip
        file_mail(ledger, 1, sub, "2020-10-28T02:00:00+00:00")
        build_master(ledger.conn, EXPECTED, dt.date(2020, 11, 2), tmp_path / "m.xlsx")

    ws = load_workbook(tmp_path / "m.xlsx")["ข้อมูลรวม"]
    cells = [ws.cell(r, 4) for r in range(2, 6)]
    assert [(c.value, c.data_type) for c in cells] == [(p, "s") for p in payloads]
    assert ws.cell(2, 18).value == "okbell"  # a control character XML forbids is dropped


def test_province_status_follows_latest_filing_and_deadline(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        ok = NewSubmission("b" * 64, "k.xlsx", "กาญจนบุรี", "accepted", 122, [], [record("อบต.ก")])
        bad = NewSubmission(
            "c" * 64, "l.xlsx", "ลำพูน", "rejected", 59,
            [(Finding("lao_name_abbreviated", Severity.ERROR, "Sheet1", 5, "D", value="อบต.หนองหนาม"), "ชื่อย่อ")],
            [],
        )  # fmt: skip
        late = NewSubmission("d" * 64, "t.xlsx", "ตาก", "accepted", 67, [], [record("อบต.ข")])
        file_mail(ledger, 1, ok, "2020-10-28T02:00:00+00:00")
        file_mail(ledger, 2, bad, "2020-10-30T02:00:00+00:00")
        file_mail(ledger, 3, late, "2020-11-03T02:00:00+00:00")
        build_master(ledger.conn, EXPECTED, dt.date(2020, 11, 2), tmp_path / "m.xlsx")

    wb = load_workbook(tmp_path / "m.xlsx", read_only=True)
    assert wb.sheetnames == SHEETS
    status = {row[0]: row[1] for row in wb["สรุปรายจังหวัด"].iter_rows(min_row=2, values_only=True)}
    assert status == {"กาญจนบุรี": "ถูกต้อง", "ลำพูน": "มีข้อผิดพลาด", "ตาก": "ส่งหลังกำหนด"}
    [finding] = list(wb["ข้อผิดพลาด"].iter_rows(min_row=2, values_only=True))
    assert finding[:8] == ("ลำพูน", "l.xlsx", "ข้อผิดพลาด", "Sheet1", 5, "D", None, "อบต.หนองหนาม")


def test_master_is_replaced_atomically_without_leftover_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"old")
    with Ledger.open(tmp_path / "l.db") as ledger:
        build_master(ledger.conn, EXPECTED, dt.date(2020, 11, 2), target)
    assert load_workbook(target).sheetnames == SHEETS
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("l.db")) == ["m.xlsx"]
