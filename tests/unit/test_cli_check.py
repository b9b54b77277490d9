"""`localreport check`: no config, the bundled registry and form, exit codes and the JSON contract."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from bot.entrypoints.cli import main
from tests.helpers.builders import layout, make_report


def test_exit_codes_say_accepted_rejected_or_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok, bad, pdf = tmp_path / "ok.xlsx", tmp_path / "bad.xlsx", tmp_path / "scan.xlsx"
    ok.write_bytes(make_report("ระนอง"))
    bad.write_bytes(make_report("ระนอง", rows=[{"lao_full_name": "อบจ.ระนอง"}]))
    pdf.write_bytes(b"%PDF-1.4 not a workbook")

    assert main(["check", str(ok)]) == 0
    assert main(["check", str(ok), str(bad)]) == 1
    assert main(["check", str(ok), str(bad), str(pdf)]) == 2
    assert main(["check", str(tmp_path / "missing.xlsx")]) == 2
    assert "ถูกต้อง" in capsys.readouterr().out


def test_json_gives_excel_row_and_column_thai_message_and_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make_report("ระนอง", rows=[{"lao_full_name": "อบจ.ระนอง"}]))

    assert main(["check", "--json", str(bad)]) == 1

    [result] = json.loads(capsys.readouterr().out)
    assert (result["file"], result["status"], result["province"]) == (str(bad), "rejected", "ระนอง")
    where = layout()
    [finding] = [f for f in result["findings"] if f["severity"] == "error"]
    assert finding == {
        "severity": "error", "code": "lao_name_abbreviated", "sheet": finding["sheet"],
        "row": where.row_of(0), "column": where.columns["lao_full_name"], "value": "อบจ.ระนอง",
        "message": "เขียนชื่อย่อ ให้เขียนชื่อเต็มของหน่วยงาน", "suggestion": "องค์การบริหารส่วนจังหวัดระนอง",
    }  # fmt: skip
    assert set(result) == {"file", "status", "province", "rows", "findings"}


def test_the_command_leaves_sigpipe_alone_so_a_dropped_socket_cannot_kill_the_daemon(tmp_path: Path) -> None:
    ok = tmp_path / "ok.xlsx"
    ok.write_bytes(make_report("ระนอง"))
    main(["check", str(ok)])
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # Python's own setting: EPIPE is an exception
