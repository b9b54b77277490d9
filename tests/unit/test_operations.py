"""Operator commands on the embedded backends: health, reprocess after a registry update, rebuild."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.entrypoints.cli import main
from bot.entrypoints.config import load_settings
from bot.entrypoints.wiring import registry_for
from bot.usecase.incoming import parse_mail
from storage.ledger import Ledger
from tests.helpers import REGISTRY_CSV
from tests.helpers.builders import make_report
from tests.helpers.mails import deliver
from validators import load_registry

REGISTRY = REGISTRY_CSV


def write_config(tmp_path: Path, registry: Path | None = None, deadline: str = "2099-01-01") -> Path:
    cfg = tmp_path / "config.toml"
    extra = f'registry = "{registry}"\n' if registry else ""
    cfg.write_text(
        f'[mailbox]\npath = "mailbox"\n[smtp]\npath = "outbox"\n[storage]\ndir = "state"\n'
        f'master_workbook = "master.xlsx"\n[round]\ndeadline = {deadline}\n{extra}'
        "[limits]\nworkers = 1\n",
        encoding="utf-8",
    )
    return cfg


def rejected_for_a_registry_gap(tmp_path: Path, deadline: str = "2099-01-01") -> Path:
    """One `run --once` with DLA's registry of the time, which lacks one LAO of ลำพูน: the ลำพูน report
    naming it is rejected. Returns the config, still pointing at that old registry."""
    lines = REGISTRY.read_text(encoding="utf-8").splitlines()
    old = tmp_path / "old-registry.csv"
    old.write_text(
        "\n".join(x for x in lines if "องค์การบริหารส่วนตำบลหนองหนาม" not in x) + "\n", encoding="utf-8"
    )
    cfg = write_config(tmp_path, old, deadline)
    deliver(tmp_path / "mailbox", "1.report", make_report("ลำพูน"))
    assert main(["run", "--config", str(cfg), "--once"]) == 0
    return cfg


def test_health_is_critical_before_any_poll_and_ok_after_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path)
    assert main(["health", "--config", str(cfg)]) == 1
    assert capsys.readouterr().out.startswith("CRITICAL no successful poll")

    assert main(["run", "--config", str(cfg), "--once"]) == 0
    assert main(["health", "--config", str(cfg)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("OK last_poll=") and "unsent_replies=0 quarantined=0" in line
    beat = json.loads((tmp_path / "state" / "heartbeat.json").read_text())
    assert dt.datetime.fromisoformat(beat["last_poll"]) <= dt.datetime.now(dt.UTC)


def test_rejected_report_is_accepted_after_registry_update_and_reprocess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = rejected_for_a_registry_gap(tmp_path)
    replies_before = sorted((tmp_path / "outbox").glob("*.eml"))

    write_config(tmp_path)  # the updated (bundled) registry has it
    assert main(["reprocess", "--config", str(cfg), "--rejected"]) == 0

    out = capsys.readouterr().out
    assert "reprocessed 1 mail(s): accepted=1" in out and "no replies were sent" in out
    assert sorted((tmp_path / "outbox").glob("*.eml")) == replies_before  # replies suppressed by default
    status = {
        r[0]: r[1] for r in load_workbook(tmp_path / "master.xlsx")["สรุปรายจังหวัด"].iter_rows(values_only=True)
    }
    assert status["ลำพูน"] == "ครบ"  # the whole province in one file


def test_reprocessed_report_that_first_arrived_after_the_deadline_is_answered_late(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The mail arrives today: long after the deadline.
    cfg = rejected_for_a_registry_gap(tmp_path, deadline="2020-11-02")
    write_config(tmp_path, deadline="2020-11-02")
    capsys.readouterr()

    assert main(["reprocess", "--config", str(cfg), "--rejected", "--send-replies"]) == 0

    assert (
        "reprocessed 1 mail(s): late=1" in capsys.readouterr().out
    )  # not "accepted": the first arrival counts


def test_reprocess_with_send_replies_answers_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path)
    deliver(tmp_path / "mailbox", "1.report", make_report("ลำพูน", rows=[{"lao_full_name": "อบต.หนองหนาม"}]))
    main(["run", "--config", str(cfg), "--once"])
    assert main(["reprocess", "--config", str(cfg), "--rejected", "--send-replies"]) == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


def test_quarantined_mail_is_reported_and_can_be_reprocessed_once_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path)
    text = (
        cfg.read_text(encoding="utf-8")
        + '[operations]\nmax_attempts = 1\noperator_address = "ops@dla.go.th"\n'
    )
    cfg.write_text(text, encoding="utf-8")
    raw = deliver(tmp_path / "mailbox", "1.report", make_report("ลำพูน"))
    mail = parse_mail(raw)
    with Ledger.open(tmp_path / "state" / "ledger.sqlite3") as ledger:  # an earlier attempt died mid-way
        ledger.register_mail(hashlib.sha256(raw).hexdigest(), mail.fingerprint, mail.message_id,
                             mail.from_address, mail.subject, ("x", "1", "1"))  # fmt: skip

    assert main(["run", "--config", str(cfg), "--once"]) == 0
    assert main(["health", "--config", str(cfg)]) == 1
    assert "quarantined=1" in capsys.readouterr().out
    [notice] = [p.read_text() for p in (tmp_path / "outbox").glob("*.eml")]
    assert "To: ops@dla.go.th" in notice and "quarantined" in notice
    assert list((tmp_path / "mailbox" / ".localreport.quarantine" / "cur").iterdir())

    assert main(["reprocess", "--config", str(cfg), "--message-id", mail.message_id, "--send-replies"]) == 0
    assert "accepted=1" in capsys.readouterr().out
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


def test_registry_import_prints_what_changed_and_installs_for_the_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path)
    laos = [lao for lao in load_registry().laos if lao.province_th == "ลำพูน"]
    upgraded = next(lao for lao in laos if lao.full_name_th == "องค์การบริหารส่วนตำบลหนองหนาม")
    rows = [
        f"{lao.province_th},{lao.district_th},-,{lao.dla_code},"
        f"{'เทศบาลตำบล' if lao is upgraded else lao.type_th},{lao.name_th},"
        for lao in laos[1:]  # the export drops the first LAO and upgrades หนองหนาม
    ]
    export = tmp_path / "dla-export.csv"
    export.write_bytes(
        ("จังหวัด,อำเภอ,ตำบล,รหัส อปท.,ประเภท อปท.,อปท.,หมายเหตุ\n" + "\n".join(rows)).encode("cp874")
    )

    assert main(["registry", "import", str(export)]) == 0  # a dry run first
    assert "dry run" in capsys.readouterr().out
    assert main(["registry", "import", str(export), "--config", str(cfg)]) == 0

    out = capsys.readouterr().out
    assert f"removed {laos[0].dla_code} {laos[0].full_name_th}" in out
    assert f"retyped {upgraded.dla_code}: องค์การบริหารส่วนตำบลหนองหนาม -> เทศบาลตำบลหนองหนาม" in out
    installed = registry_for(load_settings(cfg))
    assert [lao.full_name_th for lao in installed.laos if lao.dla_code == upgraded.dla_code] == [
        "เทศบาลตำบลหนองหนาม"
    ]
    assert installed.provinces() == ["ลำพูน"]


def test_reprocess_without_sending_needs_no_mail_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOCALREPORT_TEST_NO_PASSWORD", raising=False)
    cfg = tmp_path / "imap.toml"
    cfg.write_text(
        '[mailbox]\nbackend = "imap"\nhost = "imap.example.test"\nusername = "u"\n'
        'password_env = "LOCALREPORT_TEST_NO_PASSWORD"\n[smtp]\nbackend = "smtp"\n'
        'host = "smtp.example.test"\npassword_env = "LOCALREPORT_TEST_NO_PASSWORD"\nusername = "u"\n'
        '[storage]\ndir = "state"\n'
        'master_workbook = "master.xlsx"\n',
        encoding="utf-8",
    )

    assert main(["reprocess", "--config", str(cfg), "--rejected"]) == 0
    assert "nothing to reprocess" in capsys.readouterr().out
