"""Shared state on PostgreSQL, over a real connection: schema versions, per-WABA locks and their holders,
keys, and what happens when the database is missing, refuses, or goes away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from statekit import KEY, OTHER_KEY

from reconciler.state import (
    JournalError,
    LockHeld,
    PostgresState,
    StateError,
    StateKeyError,
    StateUnavailable,
    open_backend,
)
from reconciler.state.postgres import SCHEMA_VERSION, Location

ROOT = Path(__file__).resolve().parents[2]
WABA_A, WABA_B, WABA_C = "2000000000001", "2000000000002", "2000000000003"
CI = {"CI_JOB_URL": "https://gitlab.example/acme/waba/-/jobs/42", "GITLAB_USER_LOGIN": "mei"}


def _state(url: str, tmp_path: Path, **extra: str) -> PostgresState:
    state = open_backend(tmp_path / "state", {"WABAPLAN_STATE_URL": url, "WABAPLAN_STATE_KEY": KEY, **extra})
    assert isinstance(state, PostgresState)
    return state


@pytest.fixture
def runner_a(pg_url: str, tmp_path: Path) -> Iterator[PostgresState]:
    state = _state(pg_url, tmp_path, **CI)
    yield state
    state.close()


@pytest.fixture
def runner_b(pg_url: str, tmp_path: Path) -> Iterator[PostgresState]:
    state = _state(pg_url, tmp_path)
    yield state
    state.close()


def _peek(url: str, query: str) -> list[tuple[object, ...]]:
    location = Location.parse(url)
    with psycopg.connect(location.conninfo, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{location.schema}"')
        return connection.execute(query).fetchall()  # type: ignore[arg-type]


# ---------------------------------------------------------------- schema


def test_the_schema_is_created_on_first_write_at_the_current_version(
    pg_url: str, runner_a: PostgresState
) -> None:
    with runner_a.journal(target="t") as journal:
        journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
    assert _peek(pg_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    tables = {
        r[0] for r in _peek(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    }
    assert {"runs", "actions", "intents", "code_requests", "fingerprints", "lock_holders", "meta"} <= tables
    (estate,) = _peek(pg_url, "SELECT value FROM meta WHERE key = 'estate'")[0]
    assert len(str(estate)) == 32


def test_a_database_written_by_a_newer_wabaplan_is_refused_before_any_write(
    pg_url: str, runner_a: PostgresState, runner_b: PostgresState
) -> None:
    with runner_a.journal(target="t"):
        pass
    location = Location.parse(pg_url)
    with psycopg.connect(location.conninfo, autocommit=True) as connection:
        connection.execute(f'INSERT INTO "{location.schema}".schema_version VALUES ({SCHEMA_VERSION + 1})')
    before = _peek(pg_url, "SELECT COUNT(*) FROM runs")
    for attempt in (
        lambda: runner_b.journal(target="t"),
        lambda: runner_b.read_fingerprints("t"),
        lambda: runner_b.lock(frozenset({WABA_A}), command="apply", timeout=None).__enter__(),
    ):
        with pytest.raises(
            JournalError, match=rf"newer wabaplan \(state schema {SCHEMA_VERSION + 1}.*upgrade"
        ):
            attempt()
    assert _peek(pg_url, "SELECT COUNT(*) FROM runs") == before


# ---------------------------------------------------------------- locks


def test_disjoint_wabas_are_locked_at_the_same_time(runner_a: PostgresState, runner_b: PostgresState) -> None:
    with (
        runner_a.lock(frozenset({WABA_A, WABA_B}), command="apply", timeout=None),
        runner_b.lock(frozenset({WABA_C}), command="apply", timeout=None),
    ):
        held = {h.scope: h for h in runner_a.holders()}
        assert set(held) == {WABA_A, WABA_B, WABA_C} and all(h.alive for h in held.values())
    assert runner_a.holders() == []  # released, and their records with them


def test_an_overlapping_apply_is_refused_naming_the_holder(
    runner_a: PostgresState, runner_b: PostgresState
) -> None:
    with runner_a.lock(frozenset({WABA_A, WABA_B}), command="apply", timeout=None):
        with (
            pytest.raises(LockHeld) as refused,
            runner_b.lock(frozenset({WABA_B, WABA_C}), command="apply", timeout=None),
        ):
            pass
        message = str(refused.value)
        assert f"WABA {WABA_B} is locked by `wabaplan apply` (mei pid {os.getpid()} on" in message
        assert CI["CI_JOB_URL"] in message and "--lock-timeout" in message
        # all or nothing: the refused run holds no lock it took on the way
        assert {h.scope for h in runner_a.holders()} == {WABA_A, WABA_B}
    with runner_b.lock(frozenset({WABA_B, WABA_C}), command="apply", timeout=None):
        pass


def test_a_lock_timeout_waits_for_the_holder(runner_a: PostgresState, runner_b: PostgresState) -> None:
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with runner_a.lock(frozenset({WABA_A}), command="apply", timeout=None):
            entered.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(30)
    with pytest.raises(LockHeld, match=r"still locked by .* after waiting 0\.2 s"):
        runner_b.lock(frozenset({WABA_A}), command="apply", timeout=0.2).__enter__()
    release.set()
    with runner_b.lock(frozenset({WABA_A}), command="apply", timeout=30):
        assert [h.scope for h in runner_b.holders()] == [WABA_A]
    holder.join(30)


HOLD = """
import sys, time
from pathlib import Path
from reconciler.state import open_backend
state = open_backend(Path(sys.argv[2]), {"WABAPLAN_STATE_URL": sys.argv[1], "WABAPLAN_STATE_KEY": "ab" * 32})
with state.lock(frozenset({sys.argv[3]}), command="apply", timeout=None):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_killed_holder_frees_its_locks_at_once(
    pg_url: str, tmp_path: Path, runner_b: PostgresState
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, pg_url, str(tmp_path / "a"), WABA_A],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(LockHeld, match=f"pid {holder.pid} on"):
            runner_b.lock(frozenset({WABA_A}), command="apply", timeout=None).__enter__()
        (record,) = runner_b.holders()
        with pytest.raises(LockHeld, match="is alive"):
            runner_b.unlock(record.id)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
        if holder.stdout is not None:
            holder.stdout.close()
    # the server notices the dead connection; no timeout of ours is involved
    deadline = time.monotonic() + 30
    while runner_b.holders() and runner_b.holders()[0].alive and time.monotonic() < deadline:
        time.sleep(0.05)
    with runner_b.lock(frozenset({WABA_A}), command="apply", timeout=None):
        pass


def test_unlock_forgets_a_dead_holders_record(
    pg_url: str, runner_a: PostgresState, runner_b: PostgresState
) -> None:
    with runner_a.lock(frozenset({WABA_A}), command="apply", timeout=None):
        (record,) = runner_a.holders()
        location = Location.parse(pg_url)
        with psycopg.connect(location.conninfo, autocommit=True) as admin:  # the holder's session dies
            admin.execute(f'SELECT pg_terminate_backend(backend_pid) FROM "{location.schema}".lock_holders')
        runner_a._connection = None  # its connection is gone with its session
        deadline = time.monotonic() + 30
        while runner_b.holders()[0].alive and time.monotonic() < deadline:
            time.sleep(0.05)
        (stale,) = runner_b.holders()
        assert stale.id == record.id and not stale.alive
        assert [h.id for h in runner_b.unlock(record.id)] == [record.id]
        assert runner_b.holders() == []
    with pytest.raises(StateError, match="no lock holder nope"):
        runner_b.unlock("nope")


# ---------------------------------------------------------------- keys


def test_shared_state_needs_the_key_from_the_environment(pg_url: str, tmp_path: Path) -> None:
    state = open_backend(tmp_path, {"WABAPLAN_STATE_URL": pg_url})
    with pytest.raises(StateKeyError, match="WABAPLAN_STATE_KEY is not set: shared state"):
        state.key()
    bad = open_backend(tmp_path, {"WABAPLAN_STATE_URL": pg_url, "WABAPLAN_STATE_KEY": "hunter2"})
    with pytest.raises(StateKeyError, match="not 64 hex digits") as refused:
        bad.key()
    assert "hunter2" not in str(refused.value)


def test_a_runner_with_another_key_is_refused(pg_url: str, runner_a: PostgresState, tmp_path: Path) -> None:
    other = _state(pg_url, tmp_path, WABAPLAN_STATE_KEY=OTHER_KEY)
    with runner_a.lock(frozenset({WABA_A}), command="apply", timeout=None):
        assert runner_a.key() == bytes.fromhex(KEY)
        assert other.key() == bytes.fromhex(OTHER_KEY)  # no fingerprint depends on the key yet
        with runner_a.journal(target="t") as journal:
            journal.set_fingerprint('numbers["+85251234567"].pin', "abcd", at=1.0)
    try:
        for attempt in (
            other.key,
            lambda: other.lock(frozenset({WABA_B}), command="apply", timeout=None).__enter__(),
        ):
            with pytest.raises(StateKeyError, match=r"not the key the state .* was written with") as refused:
                attempt()
            assert OTHER_KEY not in str(refused.value) and KEY not in str(refused.value)
        assert [h.scope for h in other.holders()] == []  # refused before taking any lock
    finally:
        other.close()


# ---------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://postgres:s3cret-pw@127.0.0.1:1/test",
            r"cannot reach the state database .*start PostgreSQL",
        ),
        ("postgresql://postgres:s3cret-pw@127.0.0.1:5432/no_such_db_here", r"create the database"),
        ("postgresql://no_such_role:s3cret-pw@127.0.0.1:5432/test", r"refused the login .*fix the user"),
    ],
    ids=["unreachable", "no-database", "no-role"],
)
def test_connection_failures_are_one_line_with_the_fix_and_no_password(
    pg_url: str, tmp_path: Path, url: str, expected: str
) -> None:
    state = open_backend(tmp_path, {"WABAPLAN_STATE_URL": url, "WABAPLAN_STATE_KEY": KEY})
    with pytest.raises(StateUnavailable, match=expected) as refused:
        state.lock(frozenset({WABA_A}), command="apply", timeout=None).__enter__()
    message = str(refused.value)
    assert "\n" not in message and "s3cret-pw" not in message and ":***@" in message
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="must start with postgresql://"):
        open_backend(tmp_path, {"WABAPLAN_STATE_URL": "mysql://x@y/z"})
    with pytest.raises(StateError, match="not a plain lower-case PostgreSQL name"):
        open_backend(tmp_path, {"WABAPLAN_STATE_URL": "postgresql://x@y/z?schema=Robert'); DROP"})


def test_a_lost_connection_stops_further_writes_with_a_clear_error(
    pg_url: str, runner_a: PostgresState
) -> None:
    with runner_a.lock(frozenset({WABA_A}), command="apply", timeout=None):
        journal = runner_a.journal(target="t")
        run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
        location = Location.parse(pg_url)
        with psycopg.connect(location.conninfo, autocommit=True) as admin:
            admin.execute(f'SELECT pg_terminate_backend(backend_pid) FROM "{location.schema}".lock_holders')
        with pytest.raises(StateUnavailable, match=r"lost the connection"):
            journal.check()  # what the executor asks before each step
        with pytest.raises(StateUnavailable, match=r"lost the connection .*no further change is started"):
            journal.intend(run_id, action_id="a", op="add_number", subject='numbers["+85251234567"]')
    # the run is left 'running' by a session that is gone: the next apply marks it interrupted
    runner_a.close()
    with runner_a.journal(target="t") as journal:
        assert journal.close_abandoned_runs() == 1
        assert journal.runs()[0].status == "interrupted"


@pytest.fixture
def weak_role(pg_url: str) -> Iterator[str]:
    """A login that may connect to the test database and nothing more."""
    name = f"weak_{Location.parse(pg_url).schema}"
    location = Location.parse(pg_url)
    with psycopg.connect(location.conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN')  # type: ignore[arg-type]
    try:
        yield pg_url.replace("postgresql://postgres@", f"postgresql://{name}@", 1)
    finally:
        with psycopg.connect(location.conninfo, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{location.schema}" CASCADE')  # type: ignore[arg-type]
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')  # type: ignore[arg-type]


def test_a_user_without_privileges_is_told_what_to_grant(
    pg_url: str, weak_role: str, tmp_path: Path, runner_a: PostgresState
) -> None:
    weak = _state(weak_role, tmp_path / "weak")
    try:
        with pytest.raises(
            StateError, match=r"may not create wabaplan's tables .*GRANT CREATE ON DATABASE test"
        ):
            weak.lock(frozenset({WABA_A}), command="apply", timeout=None).__enter__()
        with runner_a.lock(frozenset({WABA_A}), command="apply", timeout=None):
            pass  # the owner made the tables; the weak user still may not read them
        weak.close()
        with pytest.raises(
            StateError, match=r"may not use wabaplan's tables .*GRANT USAGE ON SCHEMA"
        ) as refused:
            weak.read_fingerprints("t")
        assert "\n" not in str(refused.value) and "Traceback" not in str(refused.value)
    finally:
        weak.close()


def test_a_password_never_shows_wherever_the_url_carries_it() -> None:
    for url in (
        "postgresql://ops:hunter22@db.internal:5433/waba?schema=team_a&sslmode=require",
        "postgresql://ops@db.internal:5433/waba?password=hunter22&schema=team_a&sslmode=require",
    ):
        location = Location.parse(url)
        assert "hunter22" not in location.describe() and "hunter22" in location.conninfo
        assert location.schema == "team_a" and "schema=" not in location.conninfo
        assert location.describe().endswith("(schema team_a)") and "sslmode=require" in location.describe()
        assert location.password == "hunter22"
