"""Read-only views of the ledger, the pandas figures, Thai dates, and the operator's `status` table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from bot.entrypoints.config import Settings, StorageSettings
from bot.entrypoints.status import status_json, status_lines
from storage import dataset, master_labels, summary, views
from storage.ledger import Ledger
from storage.thai import display_width, parse_iso, sheet_datetime, thai_date, thai_datetime
from tests.helpers.ledgers import DEADLINE, EXPECTED, accepted, file_bare_mail, file_mail, record, rejected
from validators import load_registry


def test_province_statuses_cover_partial_rejected_and_missing_in_registry_order(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [record("อบต.ก"), record("อบต.ข")]))
        file_mail(ledger, 2, rejected("b", "ลำพูน"))
        file_mail(ledger, 3, rejected("c", "ลำพูน"), "2020-10-29T02:00:00+00:00")
        statuses = dataset.province_statuses(ledger, {**EXPECTED, "สตูล": 40}, DEADLINE)

    assert [(s.province, s.status, s.code, s.versions, s.reported, s.expected) for s in statuses] == [
        ("กาญจนบุรี", "ยังไม่ครบ", "partial", 1, 2, 122),
        ("ลำพูน", "มีข้อผิดพลาด", "rejected", 2, 0, 59),
        ("ตาก", "ยังไม่ส่ง", "missing", 0, 0, 67),
        ("สตูล", "ยังไม่ส่ง", "missing", 0, 0, 40),
    ]
    assert statuses[1].last_received == dt.datetime(2020, 10, 29, 2, tzinfo=dt.UTC)
    assert (statuses[1].errors, statuses[1].warnings, statuses[1].sender) == (1, 1, "p@dla.go.th")


def test_a_province_is_complete_when_its_parts_together_cover_the_registry(tmp_path: Path) -> None:
    first = [record(f"อบต.{i}", province="ตาก") for i in range(2)]
    second = [record(f"อบต.{i}", province="ตาก") for i in range(2, 3)]
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", first))
        partial = dataset.province_statuses(ledger, {"ตาก": 3}, DEADLINE)
        file_mail(ledger, 2, accepted("b", "ตาก", second), "2020-11-03T02:00:00+00:00")  # after the deadline
        complete = dataset.province_statuses(ledger, {"ตาก": 3}, DEADLINE)

    assert [(s.status, s.reported, s.missing_count) for s in partial] == [("ยังไม่ครบ", 2, 1)]
    assert [(s.status, s.code, s.reported, s.missing_count) for s in complete] == [
        ("ครบ (ส่งหลังกำหนด)", "complete_late", 3, 0)
    ]


def test_the_latest_accepted_row_of_an_lao_wins_and_nothing_sent_in_parts_is_lost(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [record("อบต.ก", "นายเก่า", province="ตาก"),
                                                   record("อบต.ข", province="ตาก")]))  # fmt: skip
        file_mail(ledger, 2, accepted("b", "ตาก", [record("อบต.ก", "นายใหม่", province="ตาก")]))
        rows = dataset.current_rows(ledger)

    assert sorted((r.lao_full_name, r.executive_name, sub.id) for r, sub in rows) == [
        ("อบต.ก", "นายใหม่", 2),
        ("อบต.ข", "นายสมชาย ใจดี", 1),
    ]


def test_a_withdrawn_row_leaves_the_dataset_until_a_later_row_brings_it_back(tmp_path: Path) -> None:
    gone = record("อบต.ก", province="ตาก")
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [gone, record("อบต.ข", province="ตาก")]))
        assert ledger.withdraw("ตาก", gone.dla_code or "", "ส่งผิดจังหวัด") == 1
        after_withdrawal = dataset.reported_codes(ledger, "ตาก")
        file_mail(ledger, 2, accepted("b", "ตาก", [gone]))
        after_resend = dataset.reported_codes(ledger, "ตาก")

        in_master = {r.dla_code for r, _ in dataset.current_rows(ledger)}

    assert gone.dla_code not in after_withdrawal and len(after_withdrawal) == 1
    assert gone.dla_code in after_resend and len(after_resend) == 2
    assert in_master == after_resend  # the replies' count and the master's agree


def test_a_province_missing_from_the_registry_is_still_listed_after_the_others(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "บึงกาฬ", [record("อบต.ก", province="บึงกาฬ")]))
        statuses = dataset.province_statuses(ledger, {"ตาก": 67}, DEADLINE)
    assert [(s.province, s.status, s.expected) for s in statuses] == [
        ("ตาก", "ยังไม่ส่ง", 67),
        ("บึงกาฬ", "ยังไม่ครบ", 0),
    ]


def test_current_rows_follow_the_given_province_order(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [record("อบต.ตาก", province="ตาก")]))
        file_mail(ledger, 2, accepted("b", "กาญจนบุรี", [record("อบต.1"), record("อบต.2")]))
        rows = dataset.current_rows(ledger, list(EXPECTED))
    assert [(r.province, r.lao_full_name, sub.id) for r, sub in rows] == [
        ("กาญจนบุรี", "อบต.1", 2),
        ("กาญจนบุรี", "อบต.2", 2),
        ("ตาก", "อบต.ตาก", 1),
    ]


def test_submissions_carry_the_reply_state_of_their_mail(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [record("อบต.ก", province="ตาก")]), reply=True)
        file_mail(ledger, 2, rejected("b", "ลำพูน"))
        [pending] = ledger.pending_replies()
        ledger.mark_reply_sent(pending.id)
        file_mail(ledger, 3, rejected("c", "ลำพูน"), reply=True)
        subs = views.submissions(ledger)
    assert [(s.id, s.status, s.reply_state, s.message_id) for s in subs] == [
        (1, "accepted", "sent", "<m1@x>"),
        (2, "rejected", "none", "<m2@x>"),
        (3, "rejected", "pending", "<m3@x>"),
    ]


def test_queries_tolerate_a_column_the_ledger_grows_later(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        ledger.conn.execute("ALTER TABLE submissions ADD COLUMN sender_verified INTEGER NOT NULL DEFAULT 0")
        ledger.conn.execute("ALTER TABLE findings ADD COLUMN extra TEXT")
        file_mail(ledger, 1, rejected("b", "ลำพูน"))
        assert [s.status for s in views.submissions(ledger)] == ["rejected"]
        assert [f.code for f in views.latest_rejected_findings(ledger)] == [
            "lao_name_abbreviated",
            "executive_name_missing",
        ]


def test_naive_ledger_timestamps_are_taken_as_utc() -> None:
    assert parse_iso("2020-11-02T17:00:00") == dt.datetime(2020, 11, 2, 17, tzinfo=dt.UTC)
    assert thai_datetime(dt.datetime(2020, 11, 2, 17, 0)) == "3 พฤศจิกายน 2563 00:00 น."


def test_thai_dates_are_buddhist_era_with_thai_month_names() -> None:
    assert thai_date(dt.date(2020, 11, 2)) == "2 พฤศจิกายน 2563"
    assert thai_datetime(dt.datetime(2020, 1, 1, 3, 5, tzinfo=dt.UTC)) == "1 มกราคม 2563 10:05 น."


def test_thai_marks_above_and_below_take_no_width() -> None:
    assert display_width("ผู้บริหาร") == 6  # ู and ้ sit on ผ, ิ on ร
    assert display_width("นํ้า") == 2
    assert display_width("abc") == 3


def test_pass_rates_ignore_blanks_which_are_counted_apart_and_are_none_without_results() -> None:
    recs = [
        record("ก"),
        dataclasses.replace(record("ข"), issues=("ผ่าน",) * 9, overall="ผ่าน"),
        dataclasses.replace(record("ค"), issues=("",) * 9, overall=""),
        dataclasses.replace(record("ง", province="ตาก"), issues=("ไม่ผ่าน",) * 3),
    ]
    by_province = {r[0]: r for r in summary.province_figures(recs, {"กาญจนบุรี": 122, "ลำพูน": 59})}
    assert by_province["กาญจนบุรี"] == ["กาญจนบุรี", 3, 122, 1, 1, 1, 0.5, *[1.0] * 8, 0.5]
    assert by_province["ลำพูน"] == ["ลำพูน", 0, 59, 0, 0, 0, *[None] * 10]
    assert by_province["ตาก"][:7] == ["ตาก", 1, 0, 0, 1, 0, 0.0]  # not in the registry: listed last
    assert by_province["ตาก"][7:10] == [0.0, 0.0, 0.0]
    assert by_province["ตาก"][10:] == [None] * 6  # issues 4-9 were not given
    issues = summary.issue_figures(recs)  # ผ่าน, ไม่ผ่าน, given, not given, rate of those given
    assert issues[0] == ["ประเด็นที่ 1", 2, 1, 3, 1, 0.6667]
    assert issues[-1] == ["ผลการประเมินภาพรวม", 1, 2, 3, 1, 0.3333]


def test_history_is_every_mail_in_arrival_order_with_or_without_a_submission(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(
            ledger, 1, accepted("a", "ตาก", [record("อบต.ก", province="ตาก")]), "2020-10-28T05:00:00+00:00"
        )
        file_bare_mail(ledger, 2, "held", "2020-10-28T03:00:00+00:00", reason="dmarc_none")
        file_bare_mail(ledger, 3, "no_attachment", "2020-10-28T04:00:00+00:00", reply=True)
        file_bare_mail(ledger, 4, "new", "2020-10-28T06:00:00+00:00")
        lines = views.history(ledger)
        assert len(views.submissions(ledger)) == 1  # the submissions' view is unchanged

    assert [(type(x).__name__, x.mail_id) for x in lines] == [
        ("MailView", 2), ("MailView", 3), ("SubmissionView", 1), ("MailView", 4),
    ]  # fmt: skip
    held, bare, _, new = lines
    assert isinstance(held, views.MailView) and isinstance(bare, views.MailView)
    assert (held.state, held.outcome, held.reason, held.reply_state) == ("quarantined", "held", "dmarc_none",
                                                                         "none")  # fmt: skip
    assert (bare.outcome, bare.reply_state, bare.subject) == ("no_attachment", "pending", "สอบถาม")
    assert bare.received_at == dt.datetime(2020, 10, 28, 4, tzinfo=dt.UTC)
    assert isinstance(new, views.MailView) and (new.state, new.outcome) == ("new", None)


def test_spreadsheet_moments_are_naive_bangkok_times_to_the_second() -> None:
    moment = dt.datetime(2020, 11, 2, 17, 5, 9, 999, tzinfo=dt.UTC)
    assert sheet_datetime(moment) == dt.datetime(2020, 11, 3, 0, 5, 9)
    assert sheet_datetime(dt.datetime(2020, 11, 2, 17, 5)) == dt.datetime(2020, 11, 3, 0, 5)  # naive: UTC
    assert thai_datetime(moment) == "3 พฤศจิกายน 2563 00:05 น."  # what the BE format shows of that cell


def test_every_code_staff_may_meet_has_thai_words_and_an_unknown_one_says_so_in_thai() -> None:
    assert master_labels.reason("precedence_bulk_with_workbook").startswith("อีเมลที่ส่งถึงผู้รับจำนวนมาก")
    assert master_labels.reason("failed_12_times") == "ระบบประมวลผลไม่สำเร็จ 12 ครั้ง"
    assert master_labels.reason("brand_new_reason") == "เหตุผลอื่น (brand_new_reason)"
    assert (master_labels.reason(None), master_labels.sender_verdict(None)) == ("", "")
    assert master_labels.finding_heading("lao_not_found") == "ไม่พบชื่อ อปท. ในทะเบียน"
    outcomes = ["no_attachment", "conversation", "link_only", "suppressed", "held", "quarantined", None,
                "accepted", "partial", "late", "rejected", "unreadable", "duplicate", "mixed"]  # fmt: skip
    words = [master_labels.mail_outcome(o) for o in outcomes]
    assert all(re.fullmatch(r"[\u0E00-\u0E7F ()Excel]+", w) for w in words), words


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(storage=StorageSettings(dir=tmp_path / "state", master_workbook=tmp_path / "master.xlsx"))


def test_status_lists_all_76_provinces_aligned_with_a_total_line(settings: Settings) -> None:
    with Ledger.open(settings.storage.dir / "ledger.sqlite3") as ledger:
        file_mail(ledger, 1, accepted("a", "กาญจนบุรี", [record("อบต.ก")]))
        file_mail(ledger, 2, rejected("b", "ลำพูน"), "2020-11-03T02:00:00+00:00")
    lines = status_lines(settings)

    table = lines[:-2]
    assert len(table) == 1 + 76
    assert table[0].split() == ["จังหวัด", "สถานะ", "ส่งล่าสุดเมื่อ", "ครั้ง", "อปท.", "ผิด", "สังเกต", "ผู้ส่ง"]
    kan = next(line for line in table if line.startswith("กาญจนบุรี"))
    assert "ยังไม่ครบ" in kan and "28 ตุลาคม 2563 09:00 น." in kan and "1/122" in kan
    # every row puts the sender column at the same screen position
    starts = {display_width(line[: line.index("p@dla")]) for line in table if "p@dla" in line}
    assert len(starts) == 1
    assert lines[-1] == (
        "กำหนดส่ง 2 พฤศจิกายน 2563 · 76 จังหวัด · ครบ 0 · ครบ (ส่งหลังกำหนด) 0 · ยังไม่ครบ 1 · มีข้อผิดพลาด 1 · "
        "ยังไม่ส่ง 74"
    )


def test_status_json_has_machine_codes_and_bangkok_times(settings: Settings) -> None:
    with Ledger.open(settings.storage.dir / "ledger.sqlite3") as ledger:
        file_mail(
            ledger, 1, accepted("a", "ตาก", [record("อบต.ก", province="ตาก")]), "2020-11-03T02:00:00+00:00"
        )
    rows = {r["province"]: r for r in status_json(settings)}
    assert len(rows) == 76
    assert rows["ตาก"] == {
        "province": "ตาก", "status": "partial", "status_th": "ยังไม่ครบ",
        "last_received": "2020-11-03T09:00:00+07:00", "sender": "p@dla.go.th", "versions": 1,
        "reported": 1, "expected": rows["ตาก"]["expected"], "missing": rows["ตาก"]["expected"] - 1,
        "errors": 0, "warnings": 0,
    }  # fmt: skip
    assert rows["ตาก"]["expected"] == len(load_registry().laos_in("ตาก"))
    assert rows["สตูล"]["status"] == "missing"
    json.dumps(list(rows.values()), ensure_ascii=False)  # serialisable as is


def test_judging_an_old_mail_again_never_overrides_a_newer_row_nor_revives_a_withdrawal(
    tmp_path: Path,
) -> None:
    old, new = record("อบต.ก", "นายเก่า", province="ตาก"), record("อบต.ก", "นายใหม่", province="ตาก")
    other = record("อบต.ข", province="ตาก")
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [old, other]), "2020-10-28T02:00:00+00:00")
        file_mail(ledger, 2, accepted("b", "ตาก", [new]), "2020-10-30T02:00:00+00:00")
        ledger.withdraw("ตาก", other.dla_code or "", "ส่งผิด")
        # reprocessing mail 1 files its rows again, under new submission ids
        refiled = accepted("c", "ตาก", [old, other])
        ledger.record_judgement(1, "accepted", "p@dla.go.th", "2020-10-28T02:00:00+00:00", [refiled], None,
                                rejudge=True)  # fmt: skip
        rows = dataset.current_rows(ledger)
        statuses = dataset.province_statuses(ledger, {"ตาก": 2}, DEADLINE)

    assert [(r.lao_full_name, r.executive_name) for r, _ in rows] == [("อบต.ก", "นายใหม่")]
    assert [(s.status, s.reported) for s in statuses] == [("ยังไม่ครบ", 1)]


def test_a_withdrawal_changes_the_stamp_and_a_province_with_everything_withdrawn_has_not_sent(
    tmp_path: Path,
) -> None:
    only = record("อบต.ก", province="ตาก")
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, accepted("a", "ตาก", [only]))
        before = ledger.change_stamp()
        ledger.withdraw("ตาก", only.dla_code or "", "ส่งผิดจังหวัด")
        after = ledger.change_stamp()
        statuses = dataset.province_statuses(ledger, {"ตาก": 67}, DEADLINE)

    assert before != after
    assert [(s.status, s.code, s.reported, s.versions) for s in statuses] == [("ยังไม่ส่ง", "missing", 0, 1)]


def test_judging_an_old_rejected_mail_again_does_not_make_it_the_latest_version(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db") as ledger:
        file_mail(ledger, 1, rejected("a", "ลำพูน"), "2020-10-28T02:00:00+00:00")
        file_mail(
            ledger, 2, accepted("b", "ลำพูน", [record("อบต.ก", province="ลำพูน")]), "2020-10-30T02:00:00+00:00"
        )
        again = [rejected("c", "ลำพูน")]  # reprocessing files mail 1 anew, under new submission ids
        ledger.record_judgement(1, "rejected", "p@dla.go.th", "2020-10-28T02:00:00+00:00", again, None,
                                rejudge=True)  # fmt: skip
        findings = views.latest_rejected_findings(ledger)
        [status] = dataset.province_statuses(ledger, {"ลำพูน": 59}, DEADLINE)

    assert findings == []
    assert (status.errors, status.last_received) == (0, dt.datetime(2020, 10, 30, 2, tzinfo=dt.UTC))
