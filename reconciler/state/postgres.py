"""Shared state on PostgreSQL: the journal, per-WABA advisory locks and their holders, in one schema.

Selected by `WABAPLAN_STATE_URL=postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`
(schema `wabaplan` by default; other query parameters are libpq's). Tables are created, and migrated, on
first use, under a transaction-scoped advisory lock so two runners never migrate at once; the version
sits in `schema_version`, and a database written by a newer wabaplan is refused before anything is
written. Reading (`plan`) never creates anything.

Locks are session-level advisory locks, one per WABA ID, taken on the apply's one connection: the server
drops them when the process or its connection dies, so a lock is never stale. `lock_holders` says who
holds which, for refusals and `wabaplan state show`. Journal writes go over the same connection, so an
apply that lost it cannot start another write (docs/state.md).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from reconciler.state import keys
from reconciler.state.errors import JournalError, LockHeld, StateError, StateUnavailable
from reconciler.state.journal import RUN_ORIGIN_COLUMNS, Journal
from reconciler.state.records import Holder, identity

SCHEMA_VERSION = 4
DEFAULT_SCHEMA = "wabaplan"
POLL_SECONDS = 0.1
CONNECT_TIMEOUT = 10
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE meta (
    key         TEXT PRIMARY KEY,                 -- estate | key_check
    value       TEXT NOT NULL
);
CREATE TABLE runs (
    id          BIGSERIAL PRIMARY KEY,
    command     TEXT NOT NULL,
    started     DOUBLE PRECISION NOT NULL,
    finished    DOUBLE PRECISION,
    status      TEXT NOT NULL,                    -- running | succeeded | failed | waiting | interrupted
    target      TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    simulated   INTEGER NOT NULL,
    summary     TEXT NOT NULL
);
CREATE TABLE run_owners (                         -- the session a running run lives on
    run_id        BIGINT PRIMARY KEY REFERENCES runs(id),
    backend_pid   INTEGER NOT NULL,
    backend_start TIMESTAMPTZ NOT NULL
);
CREATE TABLE actions (
    id          BIGSERIAL PRIMARY KEY,
    run_id      BIGINT NOT NULL REFERENCES runs(id),
    action_id   TEXT NOT NULL,
    address     TEXT NOT NULL,
    op          TEXT NOT NULL,
    status      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    started     DOUBLE PRECISION NOT NULL,
    finished    DOUBLE PRECISION NOT NULL
);
CREATE INDEX actions_by_run ON actions(run_id);
CREATE TABLE intents (
    id          BIGSERIAL PRIMARY KEY,
    run_id      BIGINT NOT NULL REFERENCES runs(id),
    action_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    subject     TEXT NOT NULL,
    recorded    DOUBLE PRECISION NOT NULL,
    outcome     TEXT,
    detail      TEXT,
    resolved    DOUBLE PRECISION
);
CREATE INDEX open_intents ON intents(outcome) WHERE outcome IS NULL;
CREATE TABLE code_requests (
    id          BIGSERIAL PRIMARY KEY,
    target      TEXT NOT NULL,
    number      TEXT NOT NULL,
    method      TEXT NOT NULL,
    at          DOUBLE PRECISION NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX code_requests_by_number ON code_requests(target, number, at);
CREATE TABLE fingerprints (
    target      TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (target, key)
);
CREATE TABLE lock_holders (                       -- who holds each WABA's advisory lock
    waba_id       TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,                  -- one ID per acquisition: `wabaplan state unlock ID`
    command       TEXT NOT NULL,
    pid           INTEGER,
    host          TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    ci_url        TEXT NOT NULL,
    started       DOUBLE PRECISION NOT NULL,
    backend_pid   INTEGER NOT NULL,
    backend_start TIMESTAMPTZ NOT NULL
);
""",
    2: """
CREATE TABLE events (                             -- webhook events `wabaplan watch` accepted
    key         TEXT PRIMARY KEY,
    target      TEXT NOT NULL,
    field       TEXT NOT NULL,
    waba_id     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    sent        BIGINT NOT NULL,
    change      TEXT NOT NULL,
    received    DOUBLE PRECISION NOT NULL,
    status      TEXT NOT NULL,                    -- accepted | done | ignored
    done_at     DOUBLE PRECISION,
    detail      TEXT NOT NULL
);
CREATE INDEX pending_events ON events(status) WHERE status = 'accepted';
""",
    # who ran what: actor, host, commit_sha, ci_url; the plan's checksum; why a run was refused
    3: "ALTER TABLE runs "
    + ", ".join(f"ADD COLUMN {c} TEXT NOT NULL DEFAULT ''" for c in RUN_ORIGIN_COLUMNS),
    # confirmed live state (watch, plan --refresh-only), and events found by what they name
    4: """
CREATE INDEX events_by_subject ON events(target, subject, received);
CREATE TABLE confirmed (                          -- live state as last read (watch, plan --refresh-only)
    target      TEXT NOT NULL,
    address     TEXT NOT NULL,
    waba_id     TEXT NOT NULL,
    live        TEXT NOT NULL,
    at          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (target, address)
);
""",
}

# A session is alive while the server lists it with the same pid and start time (pids are reused).
ALIVE = (
    "EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = {alias}.backend_pid "
    "AND a.backend_start = {alias}.backend_start)"
)


@dataclass(frozen=True)
class Location:
    """A parsed WABAPLAN_STATE_URL: what libpq is given, the schema, and how to name it safely."""

    conninfo: str
    schema: str
    display: str  # the URL with any password masked
    password: str

    @classmethod
    def parse(cls, url: str) -> Location:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise StateError("WABAPLAN_STATE_URL must start with postgresql:// (or be unset for local state)")
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
        if not SCHEMA_NAME.fullmatch(schema):
            raise StateError(
                f"schema={schema!r} in WABAPLAN_STATE_URL is not a plain lower-case PostgreSQL name "
                "(letters, digits, _): choose one like wabaplan or team_a"
            )
        libpq = [(k, v) for k, v in query if k != "schema"]
        conninfo = urlunsplit(parts._replace(query=urlencode(libpq)))
        password = parts.password or next((v for k, v in libpq if k == "password"), "")
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
        shown = urlencode([(k, "***" if k == "password" else v) for k, v in libpq], safe="*")
        display = urlunsplit(parts._replace(netloc=netloc, query=shown))  # the schema is named apart
        return cls(conninfo, schema, display, password)

    def describe(self) -> str:
        return f"{self.display} (schema {self.schema})"


class PgConnection:
    """A psycopg connection in autocommit, speaking the journal's `?` placeholders; a lost or refused
    connection becomes a `StateUnavailable` that says what happens next, never a driver traceback."""

    def __init__(self, raw: psycopg.Connection[Any], location: Location) -> None:
        self.raw = raw
        self.location = location

    def execute(self, statement: str, parameters: Any = ()) -> psycopg.Cursor[Any]:
        try:
            return self.raw.execute(statement.replace("?", "%s"), parameters or None)  # type: ignore[arg-type]
        except psycopg.OperationalError as exc:
            raise StateUnavailable(
                f"lost the connection to the state database {self.location.display} "
                f"({_first_line(exc, self.location)}): no further change is started; once it is back, "
                "run again: anything in flight is settled from Meta first"
            ) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            if self.raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                raise  # inside a migration: `migrate` says what to grant
            user, schema = self.raw.info.user, self.location.schema
            raise StateError(
                f"user {user} may not use wabaplan's tables in {self.location.describe()} "
                f"({_first_line(exc, self.location)}): GRANT USAGE ON SCHEMA {schema} TO {user}; "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {user}; "
                f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {user}"
            ) from None

    def close(self) -> None:
        self.raw.close()


def connect(location: Location) -> PgConnection:
    """Connect, or fail in one line that says how to fix it (the password is never shown)."""
    try:
        raw = psycopg.connect(location.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        raise StateUnavailable(_connect_advice(location, _first_line(exc, location))) from None
    connection = PgConnection(raw, location)
    connection.execute(
        sql.SQL("SET search_path TO {}").format(sql.Identifier(location.schema)).as_string(raw)
    )
    return connection


def _first_line(exc: BaseException, location: Location) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.removeprefix("connection failed: ")
    return text.replace(location.password, "***") if location.password else text


def _connect_advice(location: Location, reason: str) -> str:
    where = f"the state database {location.display}"
    if "does not exist" in reason and "database" in reason:
        return f"{where} cannot be used ({reason}): create the database (createdb), or fix WABAPLAN_STATE_URL"
    if "role" in reason or "authentication" in reason or "password" in reason:
        return f"{where} refused the login ({reason}): fix the user or password in WABAPLAN_STATE_URL"
    return (
        f"cannot reach {where} ({reason}): start PostgreSQL or fix the host and port in WABAPLAN_STATE_URL; "
        "nothing was changed at Meta"
    )


def installed_version(connection: PgConnection) -> int:
    """The schema version in the database: 0 when wabaplan has not created its tables yet."""
    row = connection.execute(
        "SELECT to_regclass(?) IS NOT NULL", (f"{connection.location.schema}.schema_version",)
    ).fetchone()
    if not row[0]:
        return 0
    version = connection.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return int(version or 0)


def check_version(connection: PgConnection) -> int:
    version = installed_version(connection)
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"the state database {connection.location.describe()} was written by a newer wabaplan "
            f"(state schema {version}, this one knows {SCHEMA_VERSION}): upgrade wabaplan"
        )
    return version


def migrate(connection: PgConnection) -> None:
    """Create or upgrade the tables, one migration at a time, while holding the schema's migration lock."""
    if check_version(connection) == SCHEMA_VERSION:
        return
    schema = connection.location.schema
    try:
        with connection.raw.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(schema, "schema migration"),))
            ident = sql.Identifier(schema).as_string(connection.raw)
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {ident}")
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = check_version(connection)  # another runner may have migrated while we waited
            for version in range(current + 1, SCHEMA_VERSION + 1):
                connection.raw.execute(MIGRATIONS[version])  # type: ignore[call-overload]
            # one row: the version the tables are at now
            connection.execute("DELETE FROM schema_version")
            connection.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            if current == 0:
                connection.execute(
                    "INSERT INTO meta (key, value) VALUES ('estate', ?)", (secrets.token_hex(16),)
                )
    except psycopg.errors.InsufficientPrivilege as exc:
        user = connection.raw.info.user
        database = connection.raw.info.dbname
        raise StateError(
            f"user {user} may not create wabaplan's tables in {connection.location.describe()} "
            f"({_first_line(exc, connection.location)}): GRANT CREATE ON DATABASE {database} TO {user}, "
            "or have the database owner run `wabaplan state show` once to create them"
        ) from None


def lock_key(schema: str, name: str) -> int:
    """A signed 64-bit advisory lock key for `name` (a WABA ID) in this schema."""
    digest = hashlib.sha256(f"wabaplan:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresJournal(Journal):
    ACTION_ORDER = "finished, id"

    def __init__(self, connection: PgConnection, target: str) -> None:
        super().__init__(connection, connection.location.describe(), target)

    def close(self) -> None:
        """The connection belongs to the state backend (it carries the locks): left open."""

    def start_run(self, **fields: Any) -> int:
        run_id = super().start_run(**fields)
        self._db.execute(
            "INSERT INTO run_owners (run_id, backend_pid, backend_start) "
            "SELECT ?, pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()",
            (run_id,),
        )
        return run_id

    def _abandoned(self) -> str:
        """A running run is abandoned once the session that started it is gone."""
        owner = ALIVE.format(alias="o")
        return f"NOT EXISTS (SELECT 1 FROM run_owners o WHERE o.run_id = runs.id AND {owner})"


class AdvisoryLocks:
    """Per-WABA session locks on one connection, with a row per held lock saying who holds it."""

    def __init__(self, connection: PgConnection) -> None:
        self._db = connection
        self._schema = connection.location.schema

    @contextmanager
    def hold(
        self, scope: frozenset[str], *, command: str, timeout: float | None, environ: Mapping[str, str]
    ) -> Iterator[str]:
        """Hold every WABA's lock in `scope` for the block (all or none: no deadlock between runners)."""
        wabas = sorted(scope)
        deadline = time.monotonic() + (timeout or 0.0)
        while True:
            blocked = self._try_all(wabas)
            if blocked is None:
                break
            if time.monotonic() >= deadline:
                raise LockHeld(self._refusal(blocked, timeout))
            time.sleep(POLL_SECONDS)
        holder = secrets.token_hex(4)
        who = identity(environ)
        try:
            self._db.execute(
                "INSERT INTO lock_holders (waba_id, holder, command, pid, host, user_name, ci_url, started, "
                "backend_pid, backend_start) SELECT w, ?, ?, ?, ?, ?, ?, ?, a.pid, a.backend_start "
                "FROM unnest(?::text[]) AS w, pg_stat_activity a WHERE a.pid = pg_backend_pid() "
                "ON CONFLICT (waba_id) DO UPDATE SET holder = excluded.holder, command = excluded.command, "
                "pid = excluded.pid, host = excluded.host, user_name = excluded.user_name, "
                "ci_url = excluded.ci_url, started = excluded.started, backend_pid = excluded.backend_pid, "
                "backend_start = excluded.backend_start",
                (holder, command, who.pid, who.host, who.user, who.ci_url, time.time(), wabas),
            )
            yield holder
        finally:
            self._release(wabas, holder)

    def _keys(self, wabas: list[str]) -> list[int]:
        return [lock_key(self._schema, waba) for waba in wabas]

    def _try_all(self, wabas: list[str]) -> str | None:
        """Take every lock, or none (one round trip to try them all, one to give back a partial catch):
        the first WABA whose lock another session holds, else None."""
        got = dict(
            self._db.execute(
                "SELECT w, pg_try_advisory_lock(k) FROM unnest(?::text[], ?::bigint[]) AS t(w, k)",
                (wabas, self._keys(wabas)),
            ).fetchall()
        )
        refused = [waba for waba in wabas if not got[waba]]
        if refused:
            taken = [waba for waba in wabas if got[waba]]
            self._db.execute(
                "SELECT pg_advisory_unlock(k) FROM unnest(?::bigint[]) AS k", (self._keys(taken),)
            )
            return refused[0]
        return None

    def _release(self, wabas: list[str], holder: str) -> None:
        try:
            self._db.execute("DELETE FROM lock_holders WHERE holder = ?", (holder,))
            self._db.execute(
                "SELECT pg_advisory_unlock(k) FROM unnest(?::bigint[]) AS k", (self._keys(wabas),)
            )
        except StateUnavailable:
            pass  # the connection is gone, and the server dropped the locks with it

    def holders(self) -> list[Holder]:
        rows = self._db.execute(
            "SELECT holder, waba_id, command, pid, host, user_name, ci_url, started, "
            f"{ALIVE.format(alias='h')} FROM lock_holders h ORDER BY started, waba_id"
        ).fetchall()
        return [Holder(*row) for row in rows]

    def _refusal(self, waba: str, timeout: float | None) -> str:
        holder = next((h for h in self.holders() if h.scope == waba and h.alive), None)
        who = holder.describe() if holder else "another wabaplan run"
        if timeout:
            return f"WABA {waba} is still locked by {who} after waiting {timeout:g} s"
        return (
            f"WABA {waba} is locked by {who}: wait for it to finish, or pass --lock-timeout SECONDS to wait"
        )

    def unlock(self, holder_id: str) -> list[Holder]:
        """Forget a holder whose session is gone (the server already dropped its locks)."""
        mine = [h for h in self.holders() if h.id == holder_id]
        if not mine:
            raise StateError(f"no lock holder {holder_id}: `wabaplan state show` lists them")
        if any(h.alive for h in mine):
            raise LockHeld(
                f"lock holder {holder_id} is alive ({mine[0].describe()}): it releases its locks when it "
                "ends; stop that run instead"
            )
        self._db.execute("DELETE FROM lock_holders WHERE holder = ?", (holder_id,))
        return mine


def meta(connection: PgConnection) -> dict[str, str]:
    return dict(connection.execute("SELECT key, value FROM meta").fetchall())


def check_key(connection: PgConnection, key: bytes, *, remember: bool = True) -> bool:
    """Refuse a key other than the one this database's fingerprints were made with; with `remember`,
    keep this one's check (the first key, or a new one while no fingerprint depends on the old). True
    when the database now holds this key's check (so it cannot be refused later in the run)."""
    check = keys.key_check(key)
    stored = meta(connection).get("key_check")
    if stored == check:
        return True
    if stored is None and not remember:
        return False
    if stored is not None and connection.execute("SELECT COUNT(*) FROM fingerprints").fetchone()[0]:
        raise keys.StateKeyError(
            f"{keys.ENV} is not the key the state in {connection.location.describe()} was written with: "
            "set it to that key (with another, every PIN, token and picture would be set again)"
        )
    if remember:
        connection.execute(
            "INSERT INTO meta (key, value) VALUES ('key_check', ?) ON CONFLICT (key) DO UPDATE SET value = ?",
            (check, check),
        )
    return remember
