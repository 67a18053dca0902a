"""The local journal: `<state dir>/journal.db`, SQLite (WAL, synchronous=FULL, autocommit).

Opening checks the schema version before anything writes to the file, then `quick_check`; a newer or
damaged file is refused and left exactly as it was. `read_fingerprints` reads through a read-only
connection and never creates the file or its tables.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.state.errors import JournalError, StateUnavailable
from reconciler.state.journal import RUN_ORIGIN_COLUMNS, Journal, done_actions_sql
from reconciler.state.localdir import ensure_dir
from reconciler.state.records import DoneAction

FILE_NAME = "journal.db"
SCHEMA_VERSION = 4  # 2: events (`wabaplan watch`); 3: who ran what (`runs` columns, added by _upgrade);
# 4: confirmed (live state as last read) and events by subject (tables and indexes added as created)
BUSY_TIMEOUT = 30.0  # seconds a write waits for another program's write lock on the file

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT    NOT NULL,
    started     REAL    NOT NULL,
    finished    REAL,
    status      TEXT    NOT NULL,               -- running | succeeded | failed | waiting | interrupted
    target      TEXT    NOT NULL,               -- "simulator:<instance>" or the Graph URL the run wrote to
    config_hash TEXT    NOT NULL,
    simulated   INTEGER NOT NULL,
    summary     TEXT    NOT NULL                -- the plan's summary, JSON
    -- schema 3 adds (by _upgrade): actor, host, commit_sha, ci_url, checksum, detail
);
CREATE TABLE IF NOT EXISTS actions (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    action_id   TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    op          TEXT    NOT NULL,
    status      TEXT    NOT NULL,  -- done | failed | refused | skipped | waiting | needs_input | blocked
    detail      TEXT    NOT NULL,
    started     REAL    NOT NULL,
    finished    REAL    NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_by_run ON actions(run_id);
CREATE TABLE IF NOT EXISTS intents (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    action_id   TEXT    NOT NULL,
    op          TEXT    NOT NULL,
    subject     TEXT    NOT NULL,               -- the resource address the call acts on
    recorded    REAL    NOT NULL,
    outcome     TEXT,                           -- NULL while open; done | not_done | failed | unknown
    detail      TEXT,
    resolved    REAL
);
CREATE INDEX IF NOT EXISTS open_intents ON intents(outcome) WHERE outcome IS NULL;
CREATE TABLE IF NOT EXISTS code_requests (
    id          INTEGER PRIMARY KEY,
    target      TEXT    NOT NULL,
    number      TEXT    NOT NULL,               -- E.164
    method      TEXT    NOT NULL,               -- SMS | VOICE
    at          REAL    NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 0      -- 1 once Meta answered that it sent the code
);
CREATE INDEX IF NOT EXISTS code_requests_by_number ON code_requests(target, number, at);
CREATE TABLE IF NOT EXISTS fingerprints (
    target      TEXT    NOT NULL,
    key         TEXT    NOT NULL,               -- field address, e.g. numbers["+85251234567"].pin
    fingerprint TEXT    NOT NULL,               -- keyed HMAC (reconciler.fingerprints)
    detail      TEXT    NOT NULL,               -- e.g. the handle an uploaded picture produced
    at          REAL    NOT NULL,
    PRIMARY KEY (target, key)
);
CREATE TABLE IF NOT EXISTS events (
    key         TEXT    PRIMARY KEY,            -- SHA-256 of (WABA, time, field, value): Meta gives no ID
    target      TEXT    NOT NULL,
    field       TEXT    NOT NULL,               -- Meta's webhook field, e.g. message_template_status_update
    waba_id     TEXT    NOT NULL,
    subject     TEXT    NOT NULL,               -- the config address it concerns ('' when none)
    sent        INTEGER NOT NULL,               -- Meta's entry time (Unix seconds)
    change      TEXT    NOT NULL,               -- the change as Meta sent it, JSON {"field", "value"}
    received    REAL    NOT NULL,
    status      TEXT    NOT NULL,               -- accepted | done | ignored
    done_at     REAL,
    detail      TEXT    NOT NULL                -- what acting on it found, or why it was ignored
);
CREATE INDEX IF NOT EXISTS pending_events ON events(status) WHERE status = 'accepted';
CREATE INDEX IF NOT EXISTS events_by_subject ON events(target, subject, received);
CREATE TABLE IF NOT EXISTS confirmed (
    target      TEXT    NOT NULL,
    address     TEXT    NOT NULL,               -- wabas.NAME, numbers["+…"], wabas.NAME.templates["n/l"]
    waba_id     TEXT    NOT NULL,
    live        TEXT    NOT NULL,               -- the resource as last read, JSON (reconciler.confirmed)
    at          REAL    NOT NULL,               -- when it was read
    PRIMARY KEY (target, address)
);
"""


class SqliteJournal(Journal):
    BEGIN = "BEGIN IMMEDIATE"  # the write lock taken at once: no deadlock upgrading a read

    def __init__(self, connection: SqliteConnection, path: Path, target: str) -> None:
        super().__init__(connection, str(path), target)
        self.path = path

    @classmethod
    def open(cls, state_dir: Path, *, target: str = "", busy_timeout: float = BUSY_TIMEOUT) -> SqliteJournal:
        """Open (creating if need be) the journal; `target` scopes facts about Meta ('' for history).

        `busy_timeout`: how long a write waits while another program (an `sqlite3` shell, a backup) holds
        the file's write lock, before it fails with what to do."""
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            ensure_dir(state_dir)  # says what is wrong, and how to fix it
        path = state_dir / FILE_NAME
        db = None
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout)
            _check_version(db, path)  # before anything writes to it
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("the file is damaged")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
            _upgrade(db)
        except (sqlite3.DatabaseError, JournalError) as exc:
            if db is not None:
                db.close()
            if isinstance(exc, JournalError):
                raise
            raise JournalError(_unreadable(path, exc)) from None
        ensure_dir(state_dir)  # a usable journal: its directory keeps itself out of git
        return cls(SqliteConnection(db, path), path, target)

    @classmethod
    def read_fingerprints(cls, state_dir: Path, target: str) -> dict[str, str]:
        """The fingerprints recorded for `target`, without writing anything; {} before the first apply."""
        rows = _read_only(state_dir, "SELECT key, fingerprint FROM fingerprints WHERE target = ?", (target,))
        return dict(rows)

    @classmethod
    def read_done(cls, state_dir: Path, target: str, ops: Sequence[str]) -> list[DoneAction]:
        """The actions of these operations done at `target`, oldest first, without writing anything."""
        rows = _read_only(state_dir, done_actions_sql(len(ops)), (target, *ops))
        return [DoneAction(str(address), str(op), float(finished)) for address, op, finished in rows]


def _read_only(state_dir: Path, sql: str, args: tuple[str, ...]) -> list[Any]:
    """Rows of a query through a read-only connection; [] before the first apply (no file, no table)."""
    path = state_dir / FILE_NAME
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
    except sqlite3.DatabaseError as exc:
        raise JournalError(_unreadable(path, exc)) from None
    try:
        _check_version(db, path)
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise JournalError(_unreadable(path, exc)) from None
    except sqlite3.DatabaseError as exc:
        raise JournalError(_unreadable(path, exc)) from None
    finally:
        db.close()


def stored_version(state_dir: Path) -> int:
    """The journal's schema version, read without writing; 0 when there is no journal yet."""
    path = state_dir / FILE_NAME
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(db.execute("PRAGMA user_version").fetchone()[0])
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise JournalError(_unreadable(path, exc)) from None


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring the tables SCHEMA created, or found, to SCHEMA_VERSION in one transaction: tables new in a
    version are in SCHEMA already; columns new in one are added here (3: who ran what, on `runs`)."""
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")  # another process opening the same file waits, then finds it done
    try:
        have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        for column in RUN_ORIGIN_COLUMNS:
            if column not in have:
                db.execute(f"ALTER TABLE runs ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _check_version(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"{path} was written by a newer wabaplan (journal schema {version}, this one knows "
            f"{SCHEMA_VERSION}): upgrade wabaplan"
        )


def _unreadable(path: Path, exc: Exception) -> str:
    """Why the journal cannot be used, and what to do — never advice that throws it away unsaid."""
    reason = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and _LOCKED.search(reason):
        return _locked(path, reason)
    if isinstance(exc, sqlite3.OperationalError) and _UNWRITABLE.search(reason):
        return (
            f"{path} cannot be opened or written ({reason}): make its directory writable and give it disk "
            "space (or point WABAPLAN_STATE_DIR elsewhere, moving the whole directory); it is left as it was"
        )
    return (
        f"{path} cannot be read as a journal ({reason}); it is left as it was. Rescue its rows with "
        f"`sqlite3 {path} .recover > journal.sql`, or restore a backup. Starting without it forgets open "
        "intents (settled by reading Meta), recent code requests and fingerprints (every PIN, token and "
        "picture is set again): only then move it aside, and keep the copy"
    )


def _locked(path: Path, reason: str) -> str:
    return (
        f"the journal {path} is locked by another program ({reason}): close what holds it open for "
        "writing (an `sqlite3` shell, a backup or a database browser), then run again; it is left as it was"
    )


_UNWRITABLE = re.compile(r"unable to open|readonly|read-only|disk is full|disk I/O error|permission", re.I)
_LOCKED = re.compile(r"database is locked|database table is locked|database is busy", re.I)


class SqliteConnection:
    """sqlite3's connection, whose failures to write (disk full, read-only, I/O) become StateUnavailable:
    one line that says what to do, and no further change started. Everything else passes through."""

    def __init__(self, raw: sqlite3.Connection, path: Path) -> None:
        self.raw = raw
        self.path = path

    def execute(self, statement: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return self.raw.execute(statement, parameters)
        except sqlite3.OperationalError as exc:
            if _LOCKED.search(str(exc)):
                raise StateUnavailable(
                    f"{_locked(self.path, str(exc))}; no further change is started"
                ) from None
            if not _UNWRITABLE.search(str(exc)):
                raise
            raise StateUnavailable(
                f"the journal {self.path} cannot be written ({exc}): no further change is started; free disk "
                "space or make it writable, then run again (anything in flight is settled from Meta first)"
            ) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
