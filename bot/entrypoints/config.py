"""Settings: one TOML file → one frozen pydantic object, loaded once at start and passed down in slices."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ConfigError
from bot.usecase.rules import Contact, Identity, Letter, Patience, ReplyLimits, RoundRules, Rules, Trust
from parsers.limits import MIB, Limits
from validators import Form, Registry

Security = Literal["ssl", "starttls", "none"]
LETTER, CONTACT = Letter(), Contact()  # the defaults the letter gives


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OAuthSettings(_Section):
    token_url: str = "https://oauth2.googleapis.com/token"
    client_id: str = ""
    client_secret_env: str = "LOCALREPORT_OAUTH_CLIENT_SECRET"
    refresh_token_env: str = "LOCALREPORT_OAUTH_REFRESH_TOKEN"


class _ServerSettings(_Section):
    """What an IMAP or SMTP connection needs; each backend section sets its own defaults, names the backend
    that talks to a server and the keys that backend needs."""

    SECTION: ClassVar[str]
    SERVER_BACKEND: ClassVar[str]
    SERVER_NEEDS: ClassVar[tuple[str, ...]] = ("host",)

    host: str = ""
    port: int
    security: Security = "ssl"
    username: str = ""
    auth: Literal["password", "xoauth2"] = "password"
    password_env: str
    timeout_seconds: float = 60.0

    @model_validator(mode="after")
    def _server_keys_set(self) -> Self:
        if getattr(self, "backend", None) == self.SERVER_BACKEND and not all(
            getattr(self, key) for key in self.SERVER_NEEDS
        ):
            needs = " and ".join(f"{self.SECTION}.{key}" for key in self.SERVER_NEEDS)
            raise ValueError(f"{self.SECTION}.backend = {self.SERVER_BACKEND!r} needs {needs}")
        return self


class MailboxSettings(_ServerSettings):
    SECTION, SERVER_BACKEND, SERVER_NEEDS = "mailbox", "imap", ("host", "username")

    backend: Literal["maildir", "imap"] = "maildir"
    path: Path = Path("demo/mailbox")
    port: int = 993
    password_env: str = "LOCALREPORT_IMAP_PASSWORD"
    folder: str = "INBOX"
    processed_folder: str = "localreport/processed"
    quarantine_folder: str = "localreport/quarantine"
    idle: bool = True
    spam_sweep: bool = True  # imap: move reports the provider filed as spam back to `folder`


class SmtpSettings(_ServerSettings):
    SECTION, SERVER_BACKEND = "smtp", "smtp"

    backend: Literal["files", "smtp"] = "files"
    path: Path = Path("demo/outbox")
    port: int = 465
    password_env: str = "LOCALREPORT_SMTP_PASSWORD"
    from_address: str = "Localreport.dla@gmail.com"
    from_name: str = "ระบบรับรายงาน สถ."
    sent_folder: str = ""


class StorageSettings(_Section):
    dir: Path = Path("demo/state")
    master_workbook: Path = Path("demo/master.xlsx")
    master_backups: int = Field(default=10, ge=0)


class ScheduleSettings(_Section):
    interval_seconds: int = Field(default=300, ge=10)


class RoundSettings(_Section):
    deadline: dt.date = dt.date(2020, 11, 2)
    letter: str = Field(default=LETTER.reference, min_length=1)  # the letter the replies cite
    letter_date: dt.date | None = None  # cited only when set
    form: Path | None = None  # None: the bundled FY2563 form
    registry: Path | None = None  # None: <storage.dir>/registry.csv if present, else the bundled registry


class ContactSettings(_Section):
    """The signature block of every reply (defaults: those of the letter)."""

    unit: str = Field(default=CONTACT.unit, min_length=1)
    group: str = CONTACT.group
    telephone: str = Field(default=CONTACT.telephone, min_length=1)
    coordinator: str = ""
    coordinator_email: str = ""

    def contact(self) -> Contact:
        return Contact(self.unit, self.group, self.telephone, self.coordinator, self.coordinator_email)


class OperationsSettings(_Section):
    max_attempts: int = Field(default=3, ge=1)
    operator_address: str = ""


class LimitsSettings(_Section):
    seconds_per_attachment: float = Field(default=30.0, gt=0)
    worker_memory_mib: int = Field(default=512, ge=128)
    workers: int = Field(default=2, ge=1, le=16)
    attachment_mib: int = Field(default=20, ge=1)
    zip_entries: int = Field(default=500, ge=10)
    uncompressed_mib: int = Field(default=200, ge=1)
    compression_ratio: int = Field(default=100, ge=10)
    sheet_rows: int = Field(default=20_000, ge=100)
    sheet_cols: int = Field(default=200, ge=20)
    cells: int = Field(default=2_000_000, ge=10_000)

    def parser_limits(self) -> Limits:
        """The checks made on every attachment before any reader sees it."""
        return Limits(
            attachment_bytes=self.attachment_mib * MIB, zip_entries=self.zip_entries,
            total_uncompressed_bytes=self.uncompressed_mib * MIB, entry_ratio=self.compression_ratio,
            sheet_rows=self.sheet_rows, sheet_cols=self.sheet_cols, cells=self.cells,
        )  # fmt: skip


class RepliesSettings(_Section):
    per_sender_per_hour: int | None = Field(default=10, ge=1)  # None: no per-sender limit
    daily_cap: int | None = Field(default=400, ge=1)  # rolling 24 h; Gmail allows 500 (2,000 Workspace)
    own_addresses: tuple[str, ...] = ()  # besides smtp.from_address and mailbox.username


class AuthenticationSettings(_Section):
    require_dmarc: bool = False
    authserv_id: str = "mx.google.com"


class SendersSettings(_Section):
    unlisted: Literal["unverified", "hold"] = "unverified"
    map: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # province → addresses or *@domain


class RemindersSettings(_Section):
    """The deadline chase: reminders to provinces that are not complete (bot/usecase/chase.py)."""

    enabled: bool = False
    days_before: tuple[int, ...] = (7, 3, 1)  # days before round.deadline, at `time` in Bangkok
    time: dt.time = dt.time(9, 0)


class DigestSettings(_Section):
    """A daily digest for DLA staff: who is complete, what changed, what needs a person."""

    enabled: bool = False
    recipients: tuple[str, ...] = ()
    time: dt.time = dt.time(8, 0)  # in Bangkok
    attach_master_max_mib: float = Field(default=5.0, ge=0)  # 0: never attach the master workbook


class Settings(_Section):
    mailbox: MailboxSettings = MailboxSettings()
    smtp: SmtpSettings = SmtpSettings()
    storage: StorageSettings = StorageSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    round: RoundSettings = RoundSettings()
    contact: ContactSettings = ContactSettings()
    limits: LimitsSettings = LimitsSettings()
    operations: OperationsSettings = OperationsSettings()
    oauth: OAuthSettings = OAuthSettings()
    replies: RepliesSettings = RepliesSettings()
    authentication: AuthenticationSettings = AuthenticationSettings()
    senders: SendersSettings = SendersSettings()
    reminders: RemindersSettings = RemindersSettings()
    digest: DigestSettings = DigestSettings()

    def rules(self, registry: Registry, form: Form) -> Rules:
        """What the use case decides by, each group from its own section(s)."""
        # The digest's recipients are DLA staff: their answers to it are ours, never answered as a province's.
        own = (
            self.smtp.from_address,
            self.mailbox.username,
            *self.replies.own_addresses,
            *self.digest.recipients,
        )
        return Rules(
            round=RoundRules(registry, form, self.round.deadline),
            identity=Identity(
                self.smtp.from_address,
                self.smtp.from_name,
                tuple(a for a in own if a),
                Letter(self.round.letter, self.round.letter_date, self.round.deadline),
                self.contact.contact(),
            ),
            limits=ReplyLimits(self.replies.per_sender_per_hour, self.replies.daily_cap),
            trust=Trust(
                self.authentication.authserv_id if self.authentication.require_dmarc else None,
                {k: tuple(v) for k, v in self.senders.map.items()},
                self.senders.unlisted == "hold",
            ),
            patience=Patience(self.operations.max_attempts, self.operations.operator_address),
            parse=self.limits.parser_limits(),
        )

    def resolved(self, base: Path) -> Settings:
        """Relative paths in the file are relative to the file's folder."""

        def fix(p: Path) -> Path:
            return p if p.is_absolute() else (base / p)

        return self.model_copy(
            update={
                "mailbox": self.mailbox.model_copy(update={"path": fix(self.mailbox.path)}),
                "smtp": self.smtp.model_copy(update={"path": fix(self.smtp.path)}),
                "storage": self.storage.model_copy(
                    update={
                        "dir": fix(self.storage.dir),
                        "master_workbook": fix(self.storage.master_workbook),
                    }
                ),
                "round": self.round.model_copy(
                    update={
                        "form": fix(self.round.form) if self.round.form else None,
                        "registry": fix(self.round.registry) if self.round.registry else None,
                    }
                ),
            }
        )


def load_settings(path: Path) -> Settings:
    """Read and validate the TOML file; every problem is a ConfigError naming the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"config file not found: {path} (copy config.example.toml and edit it)") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}; give the path of a TOML text file") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from e
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {_explain(err)}" for err in e.errors()
        )
        raise ConfigError(f"config file {path}: {problems}") from e
    return settings.resolved(path.resolve().parent)


def _explain(err: object) -> str:
    if isinstance(err, dict) and err.get("type") == "extra_forbidden":
        return "unknown key"
    return str(err.get("msg", err)) if isinstance(err, dict) else str(err)


def secret(env_name: str) -> str:
    """A password from the environment variable the config names; never from the file itself."""
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(f"environment variable {env_name} is not set (it holds the password)")
    return value
