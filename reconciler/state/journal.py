"""The apply journal: one row per fact, committed as it happens, in whichever store the state lives.

    runs           one per apply: when, against what (config hash, simulated or not), plan summary, outcome,
                   who (actor, host, commit, CI job); also applies refused before they began, and saved plans
    actions        what each action of a run did: status, detail, timings
    intents        written *before* a call Meta cannot de-duplicate (add number, create template, request
                   code), resolved after; one still open means a crash fell between the two, and the next
                   apply settles it by reading Meta instead of calling again
    code_requests  when a one-time code was requested for a number, and how, so a valid code is not
                   requested twice
    fingerprints   keyed HMACs of write-only values wabaplan has set (PIN, verify token, picture), never the
                   values themselves
    events         webhook events `wabaplan watch` accepted, by a key derived from their content (Meta gives
                   none), so a redelivery is recognised and acted on once; pending until acted on
    confirmed      each resource's live state as last read (by `watch` or `plan --refresh-only`) and when,
                   so a refresh can skip what was confirmed recently and named by no event since

`Journal` holds the SQL both stores share (`?` placeholders; the PostgreSQL connection translates them);
`state.sqlite` and `state.postgres` open it. Facts about Meta are scoped by *target* — "simulator:<instance>"
for `--sim` runs, else the Graph URL — so a simulated apply's PIN fingerprint or code request never stands
in for the real Meta's. Every write commits at once: a process killed between two steps loses nothing it
recorded. Values registered with `forbid()` (a PIN, a token, a one-time code) are masked in any text
before it is written, so the journal cannot end up holding a secret. docs/journal.md has the schema.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from reconciler.state.records import (
    ActionRecord,
    CodeRequest,
    ConfirmedRecord,
    EventRecord,
    EventStatus,
    Identity,
    Intent,
    IntentOutcome,
    Run,
    RunNote,
    RunStatus,
)

MASK = "***"
# added to `runs` by schema 3: who ran, at which commit, from which job; the plan's checksum; why refused
RUN_ORIGIN_COLUMNS = ("actor", "host", "commit_sha", "ci_url", "checksum", "detail")
RUN_COLUMNS = (
    "id",
    "command",
    "started",
    "finished",
    "status",
    "target",
    "config_hash",
    "simulated",
    "summary",
    *RUN_ORIGIN_COLUMNS,
)
COLUMNS = {  # every table both stores keep, and its columns in order (docs/journal.md)
    "runs": RUN_COLUMNS,
    "actions": ("run_id", "action_id", "address", "op", "status", "detail", "started", "finished"),
    "intents": ("id", "run_id", "action_id", "op", "subject", "recorded", "outcome", "detail", "resolved"),
    "code_requests": ("id", "target", "number", "method", "at", "confirmed"),
    "fingerprints": ("target", "key", "fingerprint", "detail", "at"),
    "events": (
        "key",
        "target",
        "field",
        "waba_id",
        "subject",
        "sent",
        "change",
        "received",
        "status",
        "done_at",
        "detail",
    ),
    "confirmed": ("target", "address", "waba_id", "live", "at"),
}
EVENT_COLUMNS = "key, field, waba_id, subject, sent, change, received, status, done_at, detail"


def done_actions_sql(ops: int) -> str:
    """The actions of `ops` operations done at a target (`?` the target, then each op), oldest first."""
    marks = ", ".join("?" for _ in range(ops))
    return (
        "SELECT a.address, a.op, a.finished FROM actions a JOIN runs r ON r.id = a.run_id "
        f"WHERE r.target = ? AND a.status = 'done' AND a.op IN ({marks}) ORDER BY a.finished, a.run_id"
    )


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What the journal needs of a database connection (sqlite3's, or `state.postgres.PgConnection`)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def close(self) -> None: ...


class Journal:
    """Runs, actions, intents, code requests and fingerprints over one open connection."""

    ACTION_ORDER = "finished, rowid"  # the order actions were written in, among equal end times
    BEGIN = "BEGIN"  # SQLite's journal takes its write lock at once (BEGIN IMMEDIATE)

    def __init__(self, connection: Any, label: str, target: str) -> None:
        self._db: Any = connection
        self.label = label  # where it lives, as error messages name it
        self.target = target  # whose facts this journal reads and writes ('' for history only)
        self._forbidden: set[str] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r})"

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

    def mask(self, text: str) -> str:
        """`text` with every forbidden value masked: for what is shown, as for what is stored."""
        return self._clean(text)

    def _clean(self, text: str | None) -> str:
        text = text or ""
        for value in sorted(self._forbidden, key=len, reverse=True):
            if value.isdigit():  # a PIN or code: not when it is part of a longer number (an ID)
                text = re.sub(rf"(?<!\d){re.escape(value)}(?!\d)", MASK, text)
            else:
                text = text.replace(value, MASK)
        return text

    def check(self) -> None:
        """Raise StateUnavailable now if the store can no longer be written (a lost connection): asked
        before each step, so no change to Meta starts that the journal could not record."""
        self._db.execute("SELECT 1").fetchone()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The writes inside committed together, with one sync to disk: all of them, or none."""
        self._db.execute(self.BEGIN)
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _insert(self, sql: str, args: tuple[Any, ...]) -> int:
        return int(self._db.execute(f"{sql} RETURNING id", args).fetchone()[0])

    # ---------------------------------------------------------------- runs and actions

    def start_run(
        self,
        *,
        config_hash: str,
        simulated: bool,
        command: str,
        summary: Mapping[str, int],
        who: Identity | None = None,
        checksum: str = "",
    ) -> int:
        """A run under way (status `running`), against this journal's target."""
        return self._new_run(
            (command, time.time(), None, RunStatus.RUNNING, self._scope(), config_hash, simulated, summary),
            who,
            checksum,
            "",
        )

    def record_run(self, note: RunNote, who: Identity) -> int:
        """A run that began and ended at once: a refused apply, a saved plan. Its target is this journal's,
        or '' when it was refused before one was known (a lock held)."""
        now, n = time.time(), note
        row = (n.command, now, now, n.status, self.target, n.config_hash, n.simulated, n.summary)
        return self._new_run(row, who, n.checksum, n.detail)

    def _new_run(self, row: tuple[Any, ...], who: Identity | None, checksum: str, detail: str) -> int:
        command, started, finished, status, target, config_hash, simulated, summary = row
        origin = (who.user, who.host, who.commit, who.ci_url) if who is not None else ("", "", "", "")
        marks = ", ".join("?" for _ in RUN_COLUMNS[1:])
        return self._insert(
            f"INSERT INTO runs ({', '.join(RUN_COLUMNS[1:])}) VALUES ({marks})",
            (
                command,
                started,
                finished,
                str(status),
                target,
                config_hash,
                int(simulated),
                json.dumps(dict(summary), sort_keys=True),
                *origin,
                checksum,
                self._clean(detail),
            ),
        )

    def close_abandoned_runs(self) -> int:
        """Runs still 'running' whose process died: mark them interrupted (they stay unfinished)."""
        cursor = self._db.execute(
            f"UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND {self._abandoned()}"
        )
        return int(cursor.rowcount)

    def _abandoned(self) -> str:
        """SQL true for a running run whose owner is gone. Locally the lock covers the whole state
        directory, so while we hold it every run still 'running' died."""
        return "TRUE"

    def finish_run(self, run_id: int, status: str) -> None:
        self._db.execute(
            "UPDATE runs SET status = ?, finished = ? WHERE id = ?", (str(status), time.time(), run_id)
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
            "INSERT INTO actions (run_id, action_id, address, op, status, detail, started, finished) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, action_id, address, op, status, self._clean(detail), started, finished),
        )

    def runs(self, limit: int = 20) -> list[Run]:
        rows = self._db.execute(
            f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        counts: dict[int, dict[str, int]] = {int(row[0]): {} for row in rows}
        if rows:
            marks = ", ".join("?" for _ in rows)
            for run_id, status, count in self._db.execute(
                f"SELECT run_id, status, COUNT(*) FROM actions WHERE run_id IN ({marks}) "
                "GROUP BY run_id, status",
                tuple(int(row[0]) for row in rows),
            ).fetchall():
                counts[int(run_id)][status] = int(count)
        return [
            # the columns in Run's order, the action counts after the summary
            Run(int(row[0]), *row[1:7], bool(row[7]), json.loads(row[8]), counts[int(row[0])], *row[9:])
            for row in rows
        ]

    def actions(self, run_id: int) -> list[ActionRecord]:
        rows = self._db.execute(
            "SELECT run_id, action_id, address, op, status, detail, started, finished FROM actions "
            f"WHERE run_id = ? ORDER BY {self.ACTION_ORDER}",
            (run_id,),
        ).fetchall()
        return [ActionRecord(*row) for row in rows]

    # ---------------------------------------------------------------- intents

    def intend(self, run_id: int, *, action_id: str, op: str, subject: str) -> int:
        return self._insert(
            "INSERT INTO intents (run_id, action_id, op, subject, recorded) VALUES (?, ?, ?, ?, ?)",
            (run_id, action_id, op, subject, time.time()),  # an address: never a secret
        )

    def resolve_intent(self, intent_id: int, *, outcome: str, detail: str = "") -> None:
        self._db.execute(
            "UPDATE intents SET outcome = ?, detail = ?, resolved = ? WHERE id = ?",
            (str(outcome), self._clean(detail), time.time(), intent_id),
        )

    @contextmanager
    def intent(self, run_id: int, *, action_id: str, op: str, subject: str) -> Iterator[OpenIntent]:
        """Record an intent for the block, to be resolved inside it (`.resolve(outcome, detail)`).

        Left unresolved, it is `done` when the block ends and `failed` when an error escapes it, so no
        forgotten branch leaves it open. An interruption (Ctrl-C, cancellation) leaves it open on
        purpose, like a crash: the call may be on its way, and the next apply settles it by reading Meta.
        """
        opened = OpenIntent(self, self.intend(run_id, action_id=action_id, op=op, subject=subject))
        try:
            yield opened
        except Exception as exc:
            if not opened.resolved:
                opened.resolve(IntentOutcome.FAILED, f"{type(exc).__name__}: {exc}")
            raise
        if not opened.resolved:
            opened.resolve(IntentOutcome.DONE)

    def open_intents(self, *, of_ended_runs: bool = False) -> list[Intent]:
        """Intents left open by a crash of a run against this journal's target (with `of_ended_runs`,
        not those of a run still under way: with shared state, another runner's)."""
        ended = " AND r.status <> 'running'" if of_ended_runs else ""
        return self._intents(f"WHERE i.outcome IS NULL AND r.target = ?{ended}", (self._scope(),))

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
        return self._insert(
            "INSERT INTO code_requests (target, number, method, at) VALUES (?, ?, ?, ?)",
            (self._scope(), number, method, at),
        )

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

    # ---------------------------------------------------------------- webhook events

    def accept_event(
        self,
        *,
        key: str,
        field: str,
        waba_id: str,
        subject: str,
        sent: int,
        change: str,
        status: str = EventStatus.ACCEPTED,
        detail: str = "",
        at: float,
    ) -> bool:
        """Record an event before answering Meta; False when its key is known already (a redelivery)."""
        cursor = self._db.execute(
            f"INSERT INTO events ({EVENT_COLUMNS}, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            (key, field, waba_id, subject, sent, change, at, str(status),
             None if status == EventStatus.ACCEPTED else at, self._clean(detail), self._scope()),
        )  # fmt: skip
        return int(cursor.rowcount) == 1

    def accept_events(self, events: Sequence[Mapping[str, Any]]) -> list[bool]:
        """`accept_event` for each (its keyword arguments), in one transaction: one sync to disk for a
        group of deliveries, each answered 200 only once this returns."""
        with self.transaction():
            return [self.accept_event(**event) for event in events]

    def pending_events(self) -> list[EventRecord]:
        """Events accepted and not yet acted on (a receiver stopped, or killed, before it got to them)."""
        return self._events("WHERE target = ? AND status = ? ORDER BY received, key", (EventStatus.ACCEPTED,))

    def finish_event(self, key: str, status: str, detail: str, *, at: float) -> None:
        self._db.execute(
            "UPDATE events SET status = ?, detail = ?, done_at = ? WHERE key = ?",
            (str(status), self._clean(detail), at, key),
        )

    def finish_events(self, finished: Sequence[tuple[str, str, str]], *, at: float) -> None:
        """`finish_event` for each (key, status, detail), in one transaction."""
        with self.transaction():
            for key, status, detail in finished:
                self.finish_event(key, status, detail, at=at)

    def named_since(self) -> dict[str, float]:
        """Each config address events have named: when the latest of them was received."""
        sql = "SELECT subject, MAX(received) FROM events WHERE target = ? AND subject <> '' GROUP BY subject"
        return {str(s): float(t) for s, t in self._db.execute(sql, (self._scope(),)).fetchall()}

    # ---------------------------------------------------------------- confirmed live state

    def confirm(self, records: Iterable[ConfirmedRecord]) -> None:
        """Record resources as read (their live state, and when), in one transaction."""
        with self.transaction():
            for r in records:
                self._db.execute(
                    "INSERT INTO confirmed (target, address, waba_id, live, at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(target, address) DO UPDATE SET waba_id = excluded.waba_id, "
                    "live = excluded.live, at = excluded.at",
                    (self._scope(), r.address, r.waba_id, self._clean(r.live), r.at),
                )

    def confirmed(self) -> dict[str, ConfirmedRecord]:
        sql = "SELECT address, waba_id, live, at FROM confirmed WHERE target = ?"
        rows = self._db.execute(sql, (self._scope(),)).fetchall()
        return {str(r[0]): ConfirmedRecord(str(r[0]), str(r[1]), str(r[2]), float(r[3])) for r in rows}

    def forget_confirmed(self, addresses: Iterable[str]) -> None:
        """These resources are to be read again (apply wrote to them)."""
        with self.transaction():
            for address in sorted(set(addresses)):
                sql = "DELETE FROM confirmed WHERE target = ? AND address = ?"
                self._db.execute(sql, (self._scope(), address))

    def events(self, limit: int = 100) -> list[EventRecord]:
        """The latest events received for this target, newest first."""
        return self._events("WHERE target = ? ORDER BY received DESC, key LIMIT ?", (limit,))

    def event_counts(self) -> dict[str, int]:
        sql = "SELECT status, COUNT(*) FROM events WHERE target = ? GROUP BY status"
        return {str(s): int(n) for s, n in self._db.execute(sql, (self._scope(),)).fetchall()}

    def _events(self, where: str, args: tuple[object, ...]) -> list[EventRecord]:
        rows = self._db.execute(f"SELECT {EVENT_COLUMNS} FROM events {where}", (self._scope(), *args))
        return [EventRecord(*row) for row in rows.fetchall()]

    def _scope(self) -> str:
        if not self.target:
            raise ValueError("this journal was opened without a target: facts about Meta need one")
        return self.target

    def dump(self) -> dict[str, list[Any]]:
        """Every row of every table (for tests, support and `state migrate`: it holds no secret)."""
        return {
            table: [
                list(row) for row in self._db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            ]
            for table, columns in COLUMNS.items()
        }


class OpenIntent:
    """An intent recorded and not yet resolved (see `Journal.intent`)."""

    def __init__(self, journal: Journal, intent_id: int) -> None:
        self._journal = journal
        self.id = intent_id
        self.resolved = False

    def resolve(self, outcome: str, detail: str = "") -> None:
        self._journal.resolve_intent(self.id, outcome=outcome, detail=detail)
        self.resolved = True


__all__ = [
    "COLUMNS",
    "MASK",
    "RUN_ORIGIN_COLUMNS",
    "ActionRecord",
    "CodeRequest",
    "ConfirmedRecord",
    "EventRecord",
    "EventStatus",
    "Intent",
    "Journal",
    "OpenIntent",
    "Run",
    "RunStatus",
]
