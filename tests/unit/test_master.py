"""The master workbook: a projection of the ledger whose cells are always literal, in Thai, with real date
cells shown in the Buddhist era, and set up to print."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from storage.errors import MasterError
from storage.ledger import Ledger, NewSubmission
from storage.master import SHEETS, Master
from storage.thai import BE_DATE_FORMAT, BE_DATETIME_FORMAT
from tests.helpers import ledgers
from tests.helpers.ledgers import DEADLINE, EXPECTED, PAYLOADS, accepted, file_mail, record, rejected

CONTRACT = ["อ่านก่อน", "สรุปรายจังหวัด", "ข้อมูลรวม", "ประวัติการส่ง", "ข้อผิดพลาด"]
BKK = dt.datetime  # a naive Bangkok wall-clock time, as the master's date cells hold it
Rows = list[tuple[object, ...]]


def build(ledger: Ledger, target: Path, backups: int = 10, now: dt.datetime | None = None,
          expected: dict[str, int] = EXPECTED) -> Path | None:  # fmt: skip
    return Master(target, expected, DEADLINE, backups).rebuild(ledger, now=now)


def sheet(path: Path, name: str) -> Rows:
    """The rows of a sheet, each as wide as the header (read-only mode drops trailing empty cells)."""
    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    return [tuple(r) + (None,) * (len(rows[0]) - len(r)) for r in rows]


def by_province(path: Path) -> dict[object, tuple[object, ...]]:
    return {row[0]: row for row in sheet(path, "สรุปรายจังหวัด")[1:]}


def test_sheets_come_in_contract_order_with_the_figures_after(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        build(ledger, tmp_path / "m.xlsx")
    names = load_workbook(tmp_path / "m.xlsx", read_only=True).sheetnames
    assert names == list(SHEETS)
    assert (names[:5], names[5:]) == (CONTRACT, ["สถิติรายจังหวัด", "สถิติรายประเด็น"])


def test_first_sheet_says_the_file_is_generated_and_edits_are_not_kept(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        build(ledger, tmp_path / "m.xlsx", now=dt.datetime(2020, 11, 3, 1, 30, tzinfo=dt.UTC))
    text = " ".join(str(v) for row in sheet(tmp_path / "m.xlsx", "อ่านก่อน") for v in row if v)
    assert "สร้างโดยอัตโนมัติ" in text
    assert "การแก้ไขจะไม่ถูกเก็บไว้" in text
    ws = load_workbook(tmp_path / "m.xlsx")["อ่านก่อน"]
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=2) if len(row) > 1}
    deadline, built = cells["กำหนดส่ง"], cells["สร้างเมื่อ"]
    assert (deadline.value, deadline.number_format) == (BKK(2020, 11, 2), BE_DATE_FORMAT)
    assert (built.value, built.number_format) == (BKK(2020, 11, 3, 8, 30), BE_DATETIME_FORMAT)  # Bangkok
    assert ws.oddHeader.right.text == "ข้อมูล ณ 3 พฤศจิกายน 2563 08:30 น."  # on every printed page


def test_injection_payloads_come_back_as_literal_text(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        sub = accepted(
            "a", "กาญจนบุรี", [record(p, executive=p, remarks="ok\x07bell") for p in PAYLOADS], "=x.xlsx"
        )
        file_mail(ledger, 1, sub, subject='=HYPERLINK("http://evil.example","x")')
        build(ledger, tmp_path / "m.xlsx")

    wb = load_workbook(tmp_path / "m.xlsx")
    data = wb["ข้อมูลรวม"]
    for col in (4, 6):  # ชื่อเต็มของหน่วยงาน, executive name
        cells = [data.cell(r, col) for r in range(2, 2 + len(PAYLOADS))]
        assert [(c.value, c.data_type) for c in cells] == [(p, "s") for p in PAYLOADS]
    assert data.cell(2, 18).value == "okbell"  # a control character XML forbids is dropped
    history = wb["ประวัติการส่ง"]
    assert (history.cell(2, 5).value, history.cell(2, 5).data_type) == ("=x.xlsx", "s")
    assert (history.cell(2, 12).value, history.cell(2, 12).data_type) == (PAYLOADS[0], "s")  # subject
    formulas = [
        c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []


def test_xml_forbidden_characters_are_removed_and_the_rest_kept(tmp_path: Path) -> None:
    dirty = "อบต.\x00ท่า\x1fเสา\ufffe\uffff ตำบล\tท่าเสา\nบรรทัดสอง"
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, rejected("a", "ลำพูน", value=dirty))
        build(ledger, tmp_path / "m.xlsx")
    [finding] = [r for r in sheet(tmp_path / "m.xlsx", "ข้อผิดพลาด")[1:] if r[2] == "ข้อผิดพลาด"]
    assert finding[8] == "อบต.ท่าเสา ตำบล\tท่าเสา\nบรรทัดสอง"


def test_a_later_row_of_an_lao_supersedes_its_earlier_one_and_history_keeps_both_files(
    tmp_path: Path,
) -> None:
    old, other = record("อบต.ก", "นายเก่า", code="1"), record("อบต.ข", code="2")
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [old, other]))
        new = record("อบต.ก", "นายใหม่", code="1")
        file_mail(ledger, 2, accepted("b", "กาญจนบุรี", [new]), "2020-10-29T02:00:00+00:00")
        build(ledger, tmp_path / "m.xlsx")

    data = sheet(tmp_path / "m.xlsx", "ข้อมูลรวม")
    assert sorted((r[3], r[5]) for r in data[1:]) == [("อบต.ก", "นายใหม่"), ("อบต.ข", "นายสมชาย ใจดี")]
    newest = next(r for r in data[1:] if r[5] == "นายใหม่")
    assert newest[18:] == (BKK(2020, 10, 29, 9, 0), "<m2@x>")  # received at (Bangkok), source Message-ID
    history = sheet(tmp_path / "m.xlsx", "ประวัติการส่ง")
    assert [(r[2], r[5], r[6]) for r in history[1:]] == [("กาญจนบุรี", "ถูกต้อง", 2), ("กาญจนบุรี", "ถูกต้อง", 1)]
    row = by_province(tmp_path / "m.xlsx")["กาญจนบุรี"]
    assert row[1:] == ("ยังไม่ครบ", BKK(2020, 10, 29, 9, 0), "p@dla.go.th", 2, 2, 122, 120, 0, 0)


def test_rejected_province_shows_errors_and_its_findings_one_per_row(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, rejected("c", "ลำพูน"), "2020-10-30T02:00:00+00:00", reply=True)
        build(ledger, tmp_path / "m.xlsx")

    row = by_province(tmp_path / "m.xlsx")["ลำพูน"]
    assert row[1:] == ("มีข้อผิดพลาด", BKK(2020, 10, 30, 9, 0), "p@dla.go.th", 1, 0, 59, 59, 1, 1)
    findings = sheet(tmp_path / "m.xlsx", "ข้อผิดพลาด")[1:]
    assert [f[:9] for f in findings] == [
        ("ลำพูน", "bad.xlsx", "ข้อผิดพลาด", "เขียนชื่อ อปท. แบบย่อ", "Sheet1", 5, "D", None, "อบต.หนองหนาม"),
        ("ลำพูน", "bad.xlsx", "ข้อสังเกต", "รายการอื่นที่ต้องตรวจสอบ", "Sheet1", 6, "F", None, None),
    ]  # the Thai heading of each code, as the replies group findings
    assert [f[9:] for f in findings] == [("ชื่อย่อ", "เต็ม", "lao_name_abbreviated"),
                                         ("ไม่มีชื่อผู้บริหาร", None, "executive_name_missing")]  # fmt: skip
    assert sheet(tmp_path / "m.xlsx", "ประวัติการส่ง")[1][9] == "รอส่ง"  # the reply is still pending
    assert sheet(tmp_path / "m.xlsx", "ข้อมูลรวม")[1:] == []


def test_rejected_then_accepted_clears_the_findings(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, rejected("c", "ลำพูน"))
        file_mail(ledger, 2, accepted("d", "ลำพูน", [record("อบต.ก", province="ลำพูน")]))
        build(ledger, tmp_path / "m.xlsx", expected={"ลำพูน": 1})
    assert by_province(tmp_path / "m.xlsx")["ลำพูน"][1:2] == ("ครบ",)
    assert sheet(tmp_path / "m.xlsx", "ข้อผิดพลาด")[1:] == []


def test_failed_correction_keeps_the_accepted_data_and_lists_the_new_findings(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("d", "ลำพูน", [record("อบต.ก", province="ลำพูน")]))
        file_mail(ledger, 2, rejected("c", "ลำพูน"), "2020-10-29T02:00:00+00:00")
        build(ledger, tmp_path / "m.xlsx")
    row = by_province(tmp_path / "m.xlsx")["ลำพูน"]
    assert row[1:] == ("ยังไม่ครบ", BKK(2020, 10, 29, 9, 0), "p@dla.go.th", 2, 1, 59, 58, 1, 1)
    assert [r[3] for r in sheet(tmp_path / "m.xlsx", "ข้อมูลรวม")[1:]] == ["อบต.ก"]
    assert len(sheet(tmp_path / "m.xlsx", "ข้อผิดพลาด")[1:]) == 2


@pytest.mark.parametrize(
    ("received", "status"),
    [
        ("2020-11-02T16:59:59+00:00", "ครบ"),  # 23:59:59 on the deadline day in Bangkok
        ("2020-11-02T17:00:00+00:00", "ครบ (ส่งหลังกำหนด)"),  # 00:00 the day after, Bangkok
        ("2020-11-03T02:00:00+00:00", "ครบ (ส่งหลังกำหนด)"),
    ],
)
def test_late_is_judged_on_the_bangkok_day_the_province_became_complete(
    tmp_path: Path, received: str, status: str
) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("e", "ตาก", [record("อบต.ข", province="ตาก")]), received)
        build(ledger, tmp_path / "m.xlsx", expected={"ตาก": 1})
    assert by_province(tmp_path / "m.xlsx")["ตาก"][1] == status


def test_a_province_completed_after_the_deadline_is_late_and_a_part_before_it_is_not(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("e", "ตาก", [record("อบต.ข", province="ตาก")]))
        build(ledger, tmp_path / "m.xlsx", expected={"ตาก": 2})
        on_time_part = by_province(tmp_path / "m.xlsx")["ตาก"][1]
        file_mail(ledger, 2, accepted("f", "ตาก", [record("อบต.ค", province="ตาก")]), "2020-11-05T02:00:00Z")
        build(ledger, tmp_path / "m.xlsx", expected={"ตาก": 2})
    assert (on_time_part, by_province(tmp_path / "m.xlsx")["ตาก"][1]) == ("ยังไม่ครบ", "ครบ (ส่งหลังกำหนด)")


def test_duplicates_and_unreadable_files_appear_only_in_history(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [record("อบต.ก")]))
        dup = NewSubmission("a" * 64, "k.xlsx", None, "duplicate", 0, [], [])
        unreadable = NewSubmission("9" * 64, "broken.xlsx", None, "unreadable", 0, [], [])
        file_mail(ledger, 2, [dup, unreadable], reply=True)
        build(ledger, tmp_path / "m.xlsx")

    history = sheet(tmp_path / "m.xlsx", "ประวัติการส่ง")[1:]
    assert [(r[0], r[2], r[4], r[5]) for r in history] == [
        (1, "กาญจนบุรี", "k.xlsx", "ถูกต้อง"),
        (2, None, "k.xlsx", "ส่งซ้ำ"),
        (3, None, "broken.xlsx", "เปิดไฟล์ไม่ได้"),
    ]
    assert by_province(tmp_path / "m.xlsx")["กาญจนบุรี"][4] == 1  # one version, not three
    assert len(sheet(tmp_path / "m.xlsx", "ข้อมูลรวม")) == 2


def test_every_province_of_the_registry_has_a_row_and_unreported_ones_say_so(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        build(ledger, tmp_path / "m.xlsx")
    rows = sheet(tmp_path / "m.xlsx", "สรุปรายจังหวัด")
    assert rows[0][1] == "สถานะ (กำหนดส่ง 2 พฤศจิกายน 2563)"
    assert [r[:2] for r in rows[1:]] == [(p, "ยังไม่ส่ง") for p in EXPECTED]


def test_figures_sheets_count_an_unfilled_result_apart_never_as_data(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        recs = [
            record("อบต.ก"),  # ผ่าน 1-8, ไม่ผ่าน 9 and overall
            dataclasses.replace(record("อบต.ข"), issues=("ผ่าน",) * 9, overall="ผ่าน"),
            dataclasses.replace(record("อบต.ค"), issues=("ผ่าน",) + ("",) * 8, overall=""),
        ]
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", recs))
        build(ledger, tmp_path / "m.xlsx")

    provinces = {r[0]: r for r in sheet(tmp_path / "m.xlsx", "สถิติรายจังหวัด")[1:]}
    # reported, registry, overall ผ่าน / ไม่ผ่าน / ไม่ได้ระบุ, overall rate (of those given), issue rates
    assert provinces["กาญจนบุรี"] == ("กาญจนบุรี", 3, 122, 1, 1, 1, 0.5, *[1] * 8, 0.5)
    assert provinces["ตาก"] == ("ตาก", 0, 67, 0, 0, 0, *[None] * 10)
    issues = sheet(tmp_path / "m.xlsx", "สถิติรายประเด็น")
    assert issues[0][3:] == ("ระบุผลแล้ว (แห่ง)", "ไม่ได้ระบุ (แห่ง)", "อัตราผ่าน (จากที่ระบุผล)")
    assert issues[1] == ("ประเด็นที่ 1", 3, 0, 3, 0, 1)
    assert issues[9] == ("ประเด็นที่ 9", 1, 1, 2, 1, 0.5)
    assert issues[10] == ("ผลการประเมินภาพรวม", 1, 1, 2, 1, 0.5)
    wb = load_workbook(tmp_path / "m.xlsx")
    assert (wb["สถิติรายประเด็น"]["F2"].number_format, wb["สถิติรายจังหวัด"]["G2"].number_format) == ("0.0%",) * 2


def test_workbook_is_made_for_people_font_frozen_header_filter_widths_fills_print(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [record("องค์การบริหารส่วนตำบลหนองหญ้าปล้อง")]))
        file_mail(ledger, 2, rejected("c", "ลำพูน"))
        build(ledger, tmp_path / "m.xlsx")

    wb = load_workbook(tmp_path / "m.xlsx")
    assert wb._fonts[0].name == "TH Sarabun New"  # type: ignore[attr-defined]  # every unstyled cell
    data = wb["ข้อมูลรวม"]
    assert data["D2"].font.name == "TH Sarabun New"
    assert data["A1"].font.b and data["A1"].fill.fgColor.rgb == "00D9E1F2"
    assert data.freeze_panes == "E2"
    assert data.auto_filter.ref == "A1:T2"
    # the name is 34 code points, 29 of them with width (Thai marks take none): 29 + 2
    assert data.column_dimensions["D"].width == 31
    summary = wb["สรุปรายจังหวัด"]
    assert summary.freeze_panes == "B2"
    fills = {summary.cell(r, 2).value: summary.cell(r, 2).fill.fgColor.rgb for r in range(2, 5)}
    assert fills == {"ยังไม่ครบ": "00FFEB9C", "มีข้อผิดพลาด": "00FFC7CE", "ยังไม่ส่ง": "00EDEDED"}
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes in ("A2", "B2", "E2")
        assert ws.auto_filter.ref is not None
        assert ws.auto_filter.ref.startswith("A1:")
    for ws in wb.worksheets:  # printed: A4 landscape, one page wide, titles and page numbers
        setup, table = ws.page_setup, ws.title != "อ่านก่อน"
        assert (setup.orientation, setup.paperSize, setup.fitToWidth) == ("landscape", 9, 1), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToHeight == (0 if table else 1)
        assert ws.print_title_rows == ("$1:$1" if table else None)  # the header row on every page
        assert (ws.oddFooter.left.text, ws.oddFooter.right.text) == ("&A", "หน้า &P จาก &N")
        assert ws.oddHeader.center.text and ws.HeaderFooter.scaleWithDoc is False
        assert ws.sheet_format.defaultRowHeight >= 1.35 * 14 * 1.2  # a line of 14 pt Thai, marks and all
    assert summary["B1"].alignment.wrap_text and summary.column_dimensions["B"].width < 30
    assert summary.row_dimensions[1].height >= 2 * summary.sheet_format.defaultRowHeight  # two lines
    assert wb["อ่านก่อน"].row_dimensions[1].height >= 1.35 * 20 * 1.2  # the 20 pt title


def test_master_is_replaced_atomically_without_leftover_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with Ledger.open(tmp_path / "l.db") as ledger:
        build(ledger, target, backups=0)
    assert load_workbook(target).sheetnames == list(SHEETS)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("l.db")) == ["m.xlsx"]
    assert target.stat().st_mode & 0o777 == 0o640  # the operator's permissions survive the rebuild


def test_new_master_is_readable_by_others_not_private_like_a_temp_file(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        build(ledger, tmp_path / "m.xlsx")
    assert (tmp_path / "m.xlsx").stat().st_mode & 0o777 == 0o644


def test_failed_write_leaves_the_previous_master_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"previous master")

    save = Workbook.save

    def full_disk(self: Workbook, filename: str) -> None:
        save(self, filename)  # the temp file exists, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", full_disk)
    with Ledger.open(tmp_path / "l.db") as ledger, pytest.raises(MasterError, match=r"m\.xlsx"):
        build(ledger, target)
    assert target.read_bytes() == b"previous master"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("l.db")) == ["m.xlsx"]


def test_each_rebuild_backs_up_the_previous_master_keeping_the_last_n(tmp_path: Path) -> None:
    target = tmp_path / "out" / "master.xlsx"
    start = dt.datetime(2020, 11, 2, 3, 0, tzinfo=dt.UTC)
    made = []
    with Ledger.open(tmp_path / "l.db") as ledger:
        for i in range(5):
            made.append(build(ledger, target, backups=3, now=start + dt.timedelta(minutes=i)))
    assert made[0] is None  # nothing to back up the first time
    kept = sorted(p.name for p in (target.parent / "backups").iterdir())
    assert kept == [f"master-20201102T100{i}00.xlsx" for i in (2, 3, 4)]
    assert made[-1] == target.parent / "backups" / kept[-1]
    assert load_workbook(target.parent / "backups" / kept[-1], read_only=True).sheetnames == list(SHEETS)


def test_backup_is_a_copy_of_the_master_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "master.xlsx"
    target.write_bytes(b"yesterday")
    os.utime(target, (0, 0))
    with Ledger.open(tmp_path / "l.db") as ledger:
        backup = build(ledger, target, backups=1, now=dt.datetime(2020, 11, 2, 17, 0, 5, tzinfo=dt.UTC))
    assert backup == tmp_path / "backups" / "master-20201103T000005.xlsx"
    assert backup.read_bytes() == b"yesterday"
    assert target.read_bytes() != b"yesterday"


def test_rebuild_regenerates_a_deleted_master_from_the_ledger_alone(tmp_path: Path) -> None:
    from bot.entrypoints.config import Settings, StorageSettings
    from bot.entrypoints.wiring import rebuild

    settings = Settings(storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "m.xlsx"))
    with Ledger.open(settings.storage.dir / "ledger.sqlite3") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [record("อบต.ก"), record("อบต.ข")]))
    first = sheet(rebuild(settings), "ข้อมูลรวม")
    (tmp_path / "m.xlsx").unlink()
    assert sheet(rebuild(settings), "ข้อมูลรวม") == first
    assert [r[3] for r in first[1:]] == ["อบต.ก", "อบต.ข"]


def test_every_date_is_a_real_date_cell_in_bangkok_time_shown_in_the_buddhist_era(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [record("อบต.ก", province="ตาก")]), "2020-11-02T17:05:00Z")
        file_mail(ledger, 2, rejected("b", "ลำพูน"), "2020-10-28T02:15:00+00:00")
        build(ledger, tmp_path / "m.xlsx")
    wb = load_workbook(tmp_path / "m.xlsx")
    history, provinces = wb["ประวัติการส่ง"], wb["สรุปรายจังหวัด"]
    cells = [provinces["C4"], provinces["C3"], wb["ข้อมูลรวม"]["S2"], history["B2"], history["B3"]]
    late, early = BKK(2020, 11, 3, 0, 5), BKK(2020, 10, 28, 9, 15)  # 17:05 UTC is past midnight in Bangkok
    assert [c.value for c in cells] == [late, early, late, early, late]  # history: in arrival order
    assert {(c.is_date, c.number_format) for c in cells} == {(True, BE_DATETIME_FORMAT)}
    assert BE_DATETIME_FORMAT.startswith("[$-107041E]")  # Thai Buddhist calendar (07), Thai locale (041E)


def test_history_lists_every_mail_with_or_without_a_workbook_in_thai(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [record("อบต.ก")]), "2020-10-28T01:00:00+00:00")
        for n, (outcome, reason, _, _) in enumerate(ledgers.BARE_MAILS, 2):
            ledgers.file_bare_mail(
                ledger, n, outcome, f"2020-10-28T{n:02d}:00:00+00:00", reason=reason, reply=n == 2
            )
        file_mail(ledger, 20, rejected("b", "ลำพูน"), "2020-10-28T03:30:00+00:00")
        build(ledger, tmp_path / "m.xlsx")

    rows = sheet(tmp_path / "m.xlsx", "ประวัติการส่ง")[1:]
    assert [r[0] for r in rows] == list(range(1, 11))  # one line per mail, numbered in arrival order
    assert [(r[5], r[4]) for r in rows[:4]] == [
        ("ถูกต้อง", "k.xlsx"), ("ไม่มีไฟล์ Excel แนบ", None), ("ข้อความโต้ตอบ (ไม่มีไฟล์แนบ)", None),
        ("มีข้อผิดพลาด", "bad.xlsx"),
    ]  # fmt: skip
    bare = [r for r in rows if r[4] is None]
    assert [(r[5], r[10] or "") for r in bare] == [(th, why) for _, _, th, why in ledgers.BARE_MAILS]
    assert {(r[2], r[6], r[7], r[8]) for r in bare} == {(None, None, None, None)}  # no province, no counts
    assert [r[9] for r in bare][:2] == ["รอส่ง", "ไม่ตอบกลับ"]  # its reply's state, as for a file
    assert bare[0][11:13] == ("สอบถาม", "<m2@x>")


def test_no_code_reaches_a_cell_a_person_reads(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        listed = dataclasses.replace(accepted("a", "กาญจนบุรี", [record("อบต.ก")]), sender_verdict="verified")
        unlisted = dataclasses.replace(rejected("b", "ลำพูน"), sender_verdict="unknown_province")
        file_mail(ledger, 1, [listed, unlisted], reply=True)
        ledgers.file_bare_mail(ledger, 2, "held", reason="sender_unlisted")
        ledgers.file_bare_mail(ledger, 3, "suppressed", reason="auto_submitted")
        build(ledger, tmp_path / "m.xlsx")

    wb = load_workbook(tmp_path / "m.xlsx")
    code = re.compile(r"[a-z]+(_[a-z]+)+")  # lower_snake_case: a ledger or finding code
    shown = [
        (ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
        if isinstance(c.value, str) and not ws.column_dimensions[c.column_letter].hidden
    ]  # fmt: skip
    assert [s for s in shown if code.search(s[2])] == []
    findings = wb["ข้อผิดพลาด"]
    assert findings.column_dimensions["L"].hidden and findings["L1"].value == "รหัสเรื่อง (สำหรับผู้ดูแลระบบ)"
    assert findings["L2"].value == "lao_name_abbreviated"  # kept for filtering, where nobody reads it
    assert [c.value for c in wb["ประวัติการส่ง"]["N"]][1:3] == ["ตรงตามรายชื่อ", "ไม่มีรายชื่อผู้ส่งของจังหวัดนี้"]
