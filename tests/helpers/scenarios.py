"""The scenario harness: a reporting desk on the embedded backends (Maildir in, reply files out).

    desk = Desk(tmp_path, pool)                   # pool: a started JudgePool, shared (scenario_fixtures)
    desk.deliver(outlook_thai(Letter(files=…)))   # a raw mail into the Maildir (`at=`: its arrival time)
    cycle = desk.run()                            # bot.entrypoints.daemon.run_once; the replies it wrote
    cycle.reply.kind, cycle.reply.subject, cycle.reply.body, cycle.reply.attachments
    desk.province("ลำพูน").status                  # the master's สรุปรายจังหวัด row
    desk.codes("ลำพูน")                            # the รหัส อปท. of the province in ข้อมูลรวม
    desk.cli("withdraw", "--code", …)             # `localreport …` with this desk's config file

Everything read back is read the way a person would: the master workbook with openpyxl, the reply
files with the email package, `localreport status --json` through the CLI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import io
import json
import logging
import os
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from openpyxl import load_workbook

from bot.adapters.judge_pool import JudgePool
from bot.entrypoints.cli import main as localreport
from bot.entrypoints.config import MailboxSettings, RoundSettings, Settings, SmtpSettings, StorageSettings
from bot.entrypoints.daemon import run_once
from bot.usecase.service import CycleSummary
from storage.master import SHEET_DATA, SHEET_PROVINCES
from tests.helpers.replies import decoded
from tests.helpers.scenario_reports import LAMPHUN

ON_TIME = dt.date(2099, 1, 1)  # a deadline no scenario reaches, unless it sets its own


@dataclass(frozen=True, slots=True)
class ReplyView:
    """One reply file of the outbox, as the province's mail client shows it."""

    path: Path = field(repr=False)
    kind: str  # X-Localreport-Outcome
    subject: str
    body: str = field(repr=False)  # the text/plain alternative
    attachments: tuple[str, ...]  # file names as the client shows them (RFC 2231 decoded)
    to: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> ReplyView:
        raw = path.read_bytes()
        # A reply to an internationalised address carries raw UTF-8 headers (RFC 6532): read them as text.
        msg = (
            email.message_from_bytes(raw, policy=email.policy.default) if raw.isascii()
            else email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
        )  # fmt: skip
        assert isinstance(msg, EmailMessage)
        compat = email.message_from_bytes(raw) if raw.isascii() else email.message_from_string(raw.decode())
        plain = msg.get_body(("plain",))
        assert plain is not None, f"{path.name} has no text/plain body"
        return cls(
            path=path,
            kind=str(msg["X-Localreport-Outcome"]),
            subject=decoded(str(compat["Subject"])),  # compat32: the default policy splits Thai words
            body=str(plain.get_content()).replace("\r\n", "\n"),
            attachments=tuple(str(p.get_filename()) for p in msg.iter_attachments()),
            to=str(msg["To"]),
            message_id=str(msg["Message-ID"]),
            in_reply_to=str(msg["In-Reply-To"] or ""),
            references=tuple(str(msg["References"] or "").split()),
        )

    @property
    def word(self) -> str:
        """The status word in brackets that ends the subject."""
        return self.subject.rpartition("[")[2].rstrip("]")

    def count(self, text: str) -> int:
        """How often `text` stands in the body, lines re-joined (templates wrap long lists)."""
        return " ".join(self.body.split()).count(" ".join(text.split()))


@dataclass(frozen=True, slots=True)
class Cycle:
    """One run of the bot: its summary and the reply files it wrote, oldest first."""

    summary: CycleSummary
    replies: tuple[ReplyView, ...]

    @property
    def reply(self) -> ReplyView:
        assert len(self.replies) == 1, f"expected one reply, got {[r.subject for r in self.replies]}"
        return self.replies[0]


@dataclass(frozen=True, slots=True)
class ProvinceRow:
    """A province's row of the master's สรุปรายจังหวัด sheet."""

    province: str
    status: str  # ครบ / ครบ (ส่งหลังกำหนด) / ยังไม่ครบ / มีข้อผิดพลาด / ยังไม่ส่ง
    versions: int
    reported: int
    expected: int
    missing: int


class Desk:
    """The bot's desk in `root`: its Maildir, outbox, ledger and master, with a deadline it controls."""

    def __init__(self, root: Path, pool: JudgePool | None = None, deadline: dt.date = ON_TIME) -> None:
        self.root, self.pool, self.deadline = root, pool, deadline
        self._delivered = 0
        self._answered: set[Path] = set()

    @property
    def settings(self) -> Settings:
        return Settings(
            mailbox=MailboxSettings(path=self.root / "mailbox"),
            smtp=SmtpSettings(path=self.root / "outbox"),
            storage=StorageSettings(dir=self.root / "state", master_workbook=self.root / "master.xlsx"),
            round=RoundSettings(deadline=self.deadline),
        )

    # -------------------------------------------------------------------------------- mail in, replies out

    def deliver(self, raw: bytes, *, at: dt.datetime | None = None) -> Path:
        """Put a raw mail into the Maildir's new/ as a server would; `at` is when it arrived."""
        self._delivered += 1
        new = self.settings.mailbox.path / "new"
        new.mkdir(parents=True, exist_ok=True)
        path = new / f"{self._delivered:04d}.scenario.localhost"
        path.write_bytes(raw)
        if at is not None:
            os.utime(path, (at.timestamp(), at.timestamp()))
        return path

    def run(self) -> Cycle:
        """One `run --once`; the replies written during it."""
        summary = run_once(self.settings, pool=self.pool)
        outbox = self.settings.smtp.path
        new = sorted(set(outbox.glob("*.eml")) - self._answered, key=lambda p: p.stat().st_mtime_ns)
        self._answered.update(new)
        return Cycle(summary, tuple(ReplyView.read(p) for p in new))

    def send(self, raw: bytes, *, at: dt.datetime | None = None) -> Cycle:
        """Deliver one mail and run the bot once."""
        self.deliver(raw, at=at)
        return self.run()

    # ----------------------------------------------------------------------------------- the master

    def province(self, name: str = LAMPHUN) -> ProvinceRow:
        """The province's row of สรุปรายจังหวัด."""
        header, *rows = self._sheet(SHEET_PROVINCES)
        col = {str(h): i for i, h in enumerate(header)}
        status = next(i for i, h in enumerate(header) if str(h).startswith("สถานะ"))
        row = next(r for r in rows if r[0] == name)

        def number(title: str) -> int:
            value = row[col[title]]
            assert isinstance(value, int), f"{title} of {name} is {value!r}, not a number"
            return value

        return ProvinceRow(
            province=name, status=str(row[status]), versions=number("จำนวนครั้งที่ส่ง"),
            reported=number("อปท. ที่รายงาน"), expected=number("อปท. ในทะเบียน"), missing=number("ยังขาด (แห่ง)"),
        )  # fmt: skip

    def data(self, name: str = LAMPHUN) -> dict[str, dict[str, object]]:
        """รหัส อปท. → its row of ข้อมูลรวม (header → value), for the province's rows."""
        header, *rows = self._sheet(SHEET_DATA)
        col = {str(h): i for i, h in enumerate(header)}
        out: dict[str, dict[str, object]] = {}
        for row in rows:
            if row[col["จังหวัด"]] == name:
                code = str(row[col["รหัส อปท."]])
                assert code not in out, f"LAO {code} stands twice in {SHEET_DATA}"
                out[code] = {str(h): v for h, v in zip(header, row, strict=False)}
        return out

    def codes(self, name: str = LAMPHUN) -> set[str]:
        """The รหัส อปท. of the province's rows in ข้อมูลรวม."""
        return set(self.data(name))

    def _sheet(self, title: str) -> list[tuple[object, ...]]:
        wb = load_workbook(self.settings.storage.master_workbook, read_only=True)
        try:
            return [tuple(r) for r in wb[title].iter_rows(values_only=True) if any(v is not None for v in r)]
        finally:
            wb.close()

    # --------------------------------------------------------------------------------- the operator

    def config_file(self) -> Path:
        """This desk's settings written as a config file, for the `localreport` commands."""
        s = self.settings
        path = self.root / "config.toml"
        text = json.dumps  # a JSON string is a TOML basic string
        path.write_text(
            f"[mailbox]\npath = {text(str(s.mailbox.path))}\n[smtp]\npath = {text(str(s.smtp.path))}\n"
            f"[storage]\ndir = {text(str(s.storage.dir))}\n"
            f"master_workbook = {text(str(s.storage.master_workbook))}\n"
            f"[round]\ndeadline = {s.round.deadline.isoformat()}\n",
            encoding="utf-8",
        )
        return path

    def cli(self, *args: str) -> tuple[int, str]:
        """`localreport <args> --config <this desk>`: exit code and standard output."""
        out = io.StringIO()
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level  # the CLI configures logging; give pytest its own back
        try:
            with contextlib.redirect_stdout(out):
                code = localreport(["--log-level", "WARNING", *args, "--config", str(self.config_file())])
        finally:
            root.handlers[:], root.level = handlers, level
        return code, out.getvalue()

    def status(self, name: str = LAMPHUN) -> dict[str, object]:
        """The province's object of `localreport status --json`."""
        code, out = self.cli("status", "--json")
        assert code == 0, out
        found: dict[str, object] = next(p for p in json.loads(out) if p["province"] == name)
        return found
