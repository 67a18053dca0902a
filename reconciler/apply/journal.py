"""The apply journal: `<state dir>/journal.db`, SQLite, one row per fact, committed as it happens.

    runs           one per apply: when, against what (config hash, simulated or not), plan summary, outcome
    actions        what each action of a run did: status, detail, timings
    intents        written *before* a call Meta cannot de-duplicate (add number, create template, request
                   code), resolved after; one still open means a crash fell between the two, and the next
                   apply settles it by reading Meta instead of calling again
    code_requests  when a one-time code was requested for a number, and how, so a valid code is not
                   requested twice
    fingerprints   keyed HMACs of write-only values wabaplan has set (PIN, verify token, picture), never the
                   values themselves

Facts about Meta are scoped by *target* — "simulator:<instance>" for `--sim` runs, else the Graph URL —
so a simulated apply's PIN fingerprint or code request never stands in for the real Meta's. Every write
commits at once (WAL, synchronous=FULL): a process killed between two steps loses nothing it recorded. Values
registered with `forbid()` (a PIN, a token, a one-time code) are masked in any text before it is
written, so the journal cannot end up holding a secret. docs/journal.md has the schema.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import WabaplanError

FILE_NAME = "journal.db"
SCHEMA_VERSION = 1
MASK = "***"

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
"""


class JournalError(WabaplanError):
    """The journal cannot be opened or is from a newer wabaplan."""


@dataclass(frozen=True)
class Run:
    id: int
    command: str
    started: float
    finished: float | None
    status: str
    target: str
    config_hash: str
    simulated: bool
    summary: dict[str, int]
    counts: dict[str, int]  # action status → how many


@dataclass(frozen=True)
class ActionRecord:
    run_id: int
    action_id: str
    address: str
    op: str
    status: str
    detail: str
    started: float
    finished: float


@dataclass(frozen=True)
class Intent:
    id: int
    run_id: int
    action_id: str
    op: str
    subject: str
    recorded: float
    outcome: str | None
    detail: str | None


@dataclass(frozen=True)
class CodeRequest:
    id: int
    number: str
    method: str
    at: float
    confirmed: bool  # False: wabaplan asked, but never saw Meta's answer (a crash, a lost response)


class Journal:
    def __init__(self, connection: sqlite3.Connection, path: Path, target: str) -> None:
        self._db = connection
        self.path = path
        self.target = target  # whose facts this journal reads and writes
        self._forbidden: set[str] = set()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, state_dir: Path, *, target: str = "") -> Journal:
        """Open (creating if need be) the journal; `target` scopes facts about Meta ('' for history)."""
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / FILE_NAME
        db = None
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            _check_version(db, path)  # before anything writes to it
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("the file is damaged")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.DatabaseError, JournalError) as exc:
            if db is not None:
                db.close()
            if isinstance(exc, JournalError):
                raise
            raise JournalError(_unreadable(path, exc)) from None
        return cls(db, path, target)

    @classmethod
    def read_fingerprints(cls, state_dir: Path, target: str) -> dict[str, str]:
        """The fingerprints recorded for `target`, without writing anything; {} before the first apply."""
        path = state_dir / FILE_NAME
        if not path.exists():
            return {}
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
        except sqlite3.DatabaseError as exc:
            raise JournalError(_unreadable(path, exc)) from None
        try:
            _check_version(db, path)
            rows = db.execute("SELECT key, fingerprint FROM fingerprints WHERE target = ?", (target,))
            return dict(rows.fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return {}
            raise JournalError(_unreadable(path, exc)) from None
        except sqlite3.DatabaseError as exc:
            raise JournalError(_unreadable(path, exc)) from None
        finally:
            db.close()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- secrets stay out

    def forbid(self, values: Iterable[str]) -> None:
        """Mask these values wherever they would appear in text written from now on.

        An all-digit value (a PIN, a one-time code) is masked unless it is part of a longer number: a
        six-digit PIN that happens to sit inside a 13-digit ID is not that PIN.
        """
        self._forbidden.update(v for v in values if v)

    def _clean(self, text: str | None) -> str:
        text = text or ""
        for value in sorted(self._forbidden, key=len, reverse=True):
            if value.isdigit():  # a PIN or code: not when it is part of a longer number (an ID)
                text = re.sub(rf"(?<!\d){re.escape(value)}(?!\d)", MASK, text)
            else:
                text = text.replace(value, MASK)
        return text

    # ---------------------------------------------------------------- runs and actions

    def start_run(
        self, *, config_hash: str, simulated: bool, command: str, summary: Mapping[str, int]
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO runs (command, started, status, target, config_hash, simulated, summary) "
            "VALUES (?, ?, 'running', ?, ?, ?, ?)",
            (
                command,
                time.time(),
                self._scope(),
                config_hash,
                int(simulated),
                json.dumps(dict(summary), sort_keys=True),
            ),
        )
        return int(cursor.lastrowid or 0)

    def close_abandoned_runs(self) -> int:
        """Runs still 'running' while we hold the lock died mid-way: mark them interrupted."""
        cursor = self._db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        return cursor.rowcount

    def finish_run(self, run_id: int, status: str) -> None:
        self._db.execute(
            "UPDATE runs SET status = ?, finished = ? WHERE id = ?", (status, time.time(), run_id)
        )

    def record_action(
        self,
        run_id: int,
        *,
        action_id: str,
        address: str,
        op: str,
        status: str,
        detail: str,
        started: float,
        finished: float,
    ) -> None:
        self._db.execute(
            "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, action_id, address, op, status, self._clean(detail), started, finished),
        )

    def runs(self, limit: int = 20) -> list[Run]:
        rows = self._db.execute(
            "SELECT id, command, started, finished, status, target, config_hash, simulated, summary "
            "FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        result = []
        for row in rows:
            counts = dict(
                self._db.execute(
                    "SELECT status, COUNT(*) FROM actions WHERE run_id = ? GROUP BY status", (row[0],)
                ).fetchall()
            )
            result.append(
                Run(
                    id=row[0],
                    command=row[1],
                    started=row[2],
                    finished=row[3],
                    status=row[4],
                    target=row[5],
                    config_hash=row[6],
                    simulated=bool(row[7]),
                    summary=json.loads(row[8]),
                    counts=counts,
                )
            )
        return result

    def actions(self, run_id: int) -> list[ActionRecord]:
        rows = self._db.execute(
            "SELECT * FROM actions WHERE run_id = ? ORDER BY finished, rowid", (run_id,)
        ).fetchall()
        return [ActionRecord(*row) for row in rows]

    # ---------------------------------------------------------------- intents

    def intend(self, run_id: int, *, action_id: str, op: str, subject: str) -> int:
        cursor = self._db.execute(
            "INSERT INTO intents (run_id, action_id, op, subject, recorded) VALUES (?, ?, ?, ?, ?)",
            (run_id, action_id, op, subject, time.time()),  # an address: never a secret
        )
        return int(cursor.lastrowid or 0)

    def resolve_intent(self, intent_id: int, *, outcome: str, detail: str = "") -> None:
        self._db.execute(
            "UPDATE intents SET outcome = ?, detail = ?, resolved = ? WHERE id = ?",
            (outcome, self._clean(detail), time.time(), intent_id),
        )

    def open_intents(self) -> list[Intent]:
        """Intents left open by a crash of a run against this journal's target."""
        return self._intents("WHERE i.outcome IS NULL AND r.target = ?", (self._scope(),))

    def intents(self) -> list[Intent]:
        return self._intents("", ())

    def _intents(self, where: str, args: tuple[str, ...]) -> list[Intent]:
        rows = self._db.execute(
            "SELECT i.id, i.run_id, i.action_id, i.op, i.subject, i.recorded, i.outcome, i.detail "
            f"FROM intents i JOIN runs r ON r.id = i.run_id {where} ORDER BY i.id",
            args,
        ).fetchall()
        return [Intent(*row) for row in rows]

    # ---------------------------------------------------------------- one-time codes

    def record_code_request(self, *, number: str, method: str, at: float) -> int:
        """Written before the request is sent, so a crash mid-request still counts as a code maybe sent."""
        cursor = self._db.execute(
            "INSERT INTO code_requests (target, number, method, at) VALUES (?, ?, ?, ?)",
            (self._scope(), number, method, at),
        )
        return int(cursor.lastrowid or 0)

    def forget_code_request(self, request_id: int) -> None:
        """Meta refused the request outright: no code is on its way, so nothing should wait for one."""
        self._db.execute("DELETE FROM code_requests WHERE id = ?", (request_id,))

    def confirm_code_request(self, request_id: int) -> None:
        self._db.execute("UPDATE code_requests SET confirmed = 1 WHERE id = ?", (request_id,))

    def last_code_request(self, number: str) -> CodeRequest | None:
        row = self._db.execute(
            "SELECT id, number, method, at, confirmed FROM code_requests WHERE target = ? AND number = ? "
            "ORDER BY at DESC, id DESC LIMIT 1",
            (self._scope(), number),
        ).fetchone()
        return CodeRequest(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    # ---------------------------------------------------------------- write-only fingerprints

    def set_fingerprint(self, key: str, fingerprint: str, *, detail: str = "", at: float) -> None:
        self._db.execute(
            "INSERT INTO fingerprints (target, key, fingerprint, detail, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(target, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "detail = excluded.detail, at = excluded.at",
            (self._scope(), key, fingerprint, self._clean(detail), at),
        )

    def fingerprints(self) -> dict[str, str]:
        sql = "SELECT key, fingerprint FROM fingerprints WHERE target = ?"
        return dict(self._db.execute(sql, (self._scope(),)).fetchall())

    def fingerprint_details(self) -> dict[str, str]:
        sql = "SELECT key, detail FROM fingerprints WHERE target = ?"
        return dict(self._db.execute(sql, (self._scope(),)).fetchall())

    def _scope(self) -> str:
        if not self.target:
            raise ValueError("this journal was opened without a target: facts about Meta need one")
        return self.target

    def dump(self) -> dict[str, list[Any]]:
        """Every row of every table (for tests and for support: it holds no secret)."""
        tables = ("runs", "actions", "intents", "code_requests", "fingerprints")
        return {t: [list(r) for r in self._db.execute(f"SELECT * FROM {t}")] for t in tables}


def _check_version(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"{path} was written by a newer wabaplan (journal schema {version}, this one knows "
            f"{SCHEMA_VERSION}): upgrade wabaplan"
        )


def _unreadable(path: Path, exc: Exception) -> str:
    return f"{path} cannot be read as a journal ({exc}): move it aside to start a new one"
