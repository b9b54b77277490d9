"""The ledger's SQLite schema, its version (`PRAGMA user_version`) and the forward migrations.

`SCHEMA` is the current schema, created on open (every statement is idempotent). A change to the tables
raises `SCHEMA_VERSION` and adds the statements that take a ledger of the version before to it in
`MIGRATIONS`; `migrate` applies them in order, each step in one transaction, when a ledger is opened. A
ledger written by release 0.1.0 has user_version 0 and the version-1 tables (it predates versioning);
tests/fixtures/release-0.1.0/ keeps one, and tests/unit/test_ledger_migration.py opens it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.errors import LedgerError

SCHEMA_VERSION = 3
WITHDRAWALS = """
CREATE TABLE IF NOT EXISTS withdrawals (
    id INTEGER PRIMARY KEY,
    province TEXT NOT NULL,
    dla_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    withdrawn_at TEXT NOT NULL,
    last_mail INTEGER NOT NULL                  -- rows of mails up to this id are out; a later mail's is back
);
CREATE INDEX IF NOT EXISTS withdrawals_province ON withdrawals(province)
"""
REPLIES = """
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER REFERENCES mails(id),       -- NULL: a reminder or a digest (v3); a mail may get two
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',      -- pending | sending (unknown) | sent | suppressed | failed
    created_at TEXT NOT NULL,
    sent_at TEXT,
    reason TEXT,                                -- suppressed: rate_limited_sender; failed: why (a code)
    attempts INTEGER NOT NULL DEFAULT 0,        -- (v3) each attempt counted as it starts
    last_error TEXT,                            -- (v3) the transport's last refusal
    next_attempt_at TEXT                        -- (v3) a transient refusal: not before this time
);
"""
# The deadline chase (v3): one reminder per province address per scheduled day, one digest per day.
CHASE = """;
CREATE TABLE IF NOT EXISTS reminders (
    id INTEGER PRIMARY KEY,
    province TEXT NOT NULL,
    day TEXT NOT NULL,                          -- the scheduled day in Bangkok, ISO date
    to_address TEXT NOT NULL,
    reply_id INTEGER NOT NULL REFERENCES replies(id),
    reported INTEGER NOT NULL,                  -- the province's k of m when the reminder was queued
    expected INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (province, day, to_address)
);
CREATE TABLE IF NOT EXISTS digests (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL UNIQUE,                   -- the day in Bangkok, ISO date
    figures TEXT NOT NULL,                      -- JSON: province → [status code, reported]
    created_at TEXT NOT NULL
)
"""
# version → the statements that take a ledger of version - 1 to it.
MIGRATIONS: dict[int, str] = {
    # 2: the mail whose reply a mail answers (a conversation, not a report), explicit withdrawals, and the
    # key and index every reply's count of its province reads (records.dla_code, filled from the JSON).
    2: "ALTER TABLE mails ADD COLUMN thread_of INTEGER REFERENCES mails(id);"
    "CREATE INDEX IF NOT EXISTS submissions_province ON submissions(province, status);"
    "ALTER TABLE records ADD COLUMN dla_code TEXT;"
    "UPDATE records SET dla_code = "
    "COALESCE(json_extract(data, '$.dla_code'), json_extract(data, '$.lao_full_name'));" + WITHDRAWALS,
    # 3: every reply's attempts, its last error and when to try again (a refusal is recorded against the
    # reply, a reply the server refuses for good ends `failed`), why handling a mail last failed, and its
    # size (a mail met again is recognised from a header fetch only when its size matches too) and when the
    # server received it (the history dates a mail without a workbook by it).
    # The replies table is rebuilt: a reminder or a digest answers no mail (mail_id may be NULL).
    # Reminders and digests (the deadline chase) are new tables.
    3: REPLIES.replace("replies (", "replies_v3 (", 1)
    + ";INSERT INTO replies_v3 (id, mail_id, message_id, kind, to_address, raw, state, created_at, sent_at, "
    "reason, attempts) SELECT id, mail_id, message_id, kind, to_address, raw, state, created_at, sent_at, "
    "reason, CASE WHEN state IN ('sent', 'sending') THEN 1 ELSE 0 END FROM replies;"
    "DROP TABLE replies;"
    "ALTER TABLE replies_v3 RENAME TO replies;"
    "CREATE INDEX IF NOT EXISTS replies_mail ON replies(mail_id);"
    "CREATE INDEX IF NOT EXISTS replies_state ON replies(state);"
    "ALTER TABLE mails ADD COLUMN last_error TEXT;"
    "ALTER TABLE mails ADD COLUMN size INTEGER;"
    "ALTER TABLE mails ADD COLUMN received_at TEXT;" + CHASE,
}

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS mails (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,                  -- Message-ID + From + Subject + attachment hashes
    message_id TEXT NOT NULL,
    from_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'new',          -- new | judged | quarantined
    outcome TEXT,                               -- accepted | rejected | unreadable | no_attachment | ...
    judged_at TEXT,
    reason TEXT,                                -- why a mail was suppressed or held (policy reason code)
    thread_of INTEGER REFERENCES mails(id),     -- the mail whose reply this one answers (v2)
    last_error TEXT,                            -- why handling it last failed: class: message (v3)
    size INTEGER,                               -- its bytes (v3): with the identity, known before download
    received_at TEXT                            -- when the server received it (v3; NULL before)
);
CREATE INDEX IF NOT EXISTS mails_message_id ON mails(message_id);
CREATE INDEX IF NOT EXISTS mails_fingerprint ON mails(fingerprint);
CREATE TABLE IF NOT EXISTS mail_sources (
    mailbox TEXT NOT NULL,
    uidvalidity TEXT NOT NULL,
    uid TEXT NOT NULL,
    mail_id INTEGER NOT NULL REFERENCES mails(id),
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES mails(id),
    attachment_sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    province TEXT,
    status TEXT NOT NULL,                       -- accepted | rejected | unreadable | duplicate
    rows INTEGER NOT NULL,
    expected INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    sender TEXT NOT NULL,
    received_at TEXT NOT NULL,
    sender_verdict TEXT                         -- verified | unverified | unknown_province | NULL (no map)
);
CREATE INDEX IF NOT EXISTS submissions_sha ON submissions(attachment_sha256);
CREATE INDEX IF NOT EXISTS submissions_province ON submissions(province, status);
CREATE TABLE IF NOT EXISTS records (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    data TEXT NOT NULL,                         -- LaoRecord as JSON
    dla_code TEXT                               -- its รหัส อปท. (else its name): the dataset's key (v2)
);
CREATE INDEX IF NOT EXISTS records_submission ON records(submission_id);
CREATE TABLE IF NOT EXISTS findings (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    severity TEXT NOT NULL, code TEXT NOT NULL, sheet TEXT, row INTEGER, col TEXT,
    header TEXT, value TEXT, suggestion TEXT, message TEXT NOT NULL, ctx TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_submission ON findings(submission_id);
"""
    + REPLIES
    + """;
CREATE INDEX IF NOT EXISTS replies_mail ON replies(mail_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
    + WITHDRAWALS
    + """;
CREATE INDEX IF NOT EXISTS replies_state ON replies(state);
"""
    + CHASE
)


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the ledger at `path` to SCHEMA_VERSION and return the version it had (0 for a new file, or
    for one of release 0.1.0, which predates versioning); refuse a ledger newer than this release.

    Each step runs in one IMMEDIATE transaction that reads the version again first: two processes opening
    an old ledger at once (the daemon and `status`) migrate it once, the second finding it done.
    """
    found = _version(conn, path)
    if found == SCHEMA_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        now = _version(conn, path)
        if (
            conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mails'").fetchone()
            is None
        ):
            _run(conn, SCHEMA)  # a new file: the current schema at once
        else:
            for version in range(max(now, 1) + 1, SCHEMA_VERSION + 1):  # 0.1.0: the version-1 tables
                _run(conn, MIGRATIONS[version])
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return found


def _version(conn: sqlite3.Connection, path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"ledger {path} has schema version {version}, newer than this release's {SCHEMA_VERSION}: "
            "run the localreport release that wrote it, or a newer one"
        )
    return version


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Execute a script statement by statement inside the caller's transaction (executescript commits)."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):  # a ";" inside a literal or comment does not end it
            if statement.strip(" \n;"):
                conn.execute(statement)
            statement = ""
