"""The events table, in both backends: accepted once by key, pending until finished, added by migration."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from reconciler.state import StateBackend, open_backend
from reconciler.state.journal import Journal
from reconciler.state.postgres import MIGRATIONS, SCHEMA_VERSION, Location
from reconciler.state.records import ConfirmedRecord, EventStatus
from reconciler.state.sqlite import FILE_NAME
from reconciler.state.sqlite import SCHEMA_VERSION as SQLITE_VERSION
from reconciler.watch.inbox import GroupCommit

KEY = "ab" * 32


@pytest.fixture(params=["local", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateBackend]:
    environ = {"WABAPLAN_STATE_KEY": KEY}
    if request.param == "postgres":
        environ["WABAPLAN_STATE_URL"] = request.getfixturevalue("pg_url")
    backend = open_backend(tmp_path / "state", environ)
    yield backend
    backend.close()


@pytest.fixture
def journal(backend: StateBackend) -> Iterator[Journal]:
    with backend.journal("simulator") as journal:
        yield journal


def _accept(journal: Journal, key: str, status: str = EventStatus.ACCEPTED, at: float = 1.0) -> bool:
    return journal.accept_event(
        key=key, field="message_template_status_update", waba_id="2000000000001",
        subject='wabas.hk.templates["a/en_US"]', sent=1767225600, change='{"field":"x","value":{}}',
        status=status, detail="" if status == EventStatus.ACCEPTED else "not declared", at=at,
    )  # fmt: skip


def test_an_event_is_accepted_once_and_pending_until_finished(journal: Journal) -> None:
    assert _accept(journal, "k1", at=1.0) is True
    assert _accept(journal, "k1", at=2.0) is False  # Meta's redelivery
    assert _accept(journal, "k2", at=3.0) is True
    assert _accept(journal, "k3", EventStatus.IGNORED, at=4.0) is True
    assert [e.key for e in journal.pending_events()] == ["k1", "k2"]
    journal.finish_event("k1", EventStatus.DONE, "status APPROVED", at=5.0)
    assert [e.key for e in journal.pending_events()] == ["k2"]
    assert journal.event_counts() == {"accepted": 1, "done": 1, "ignored": 1}
    done = {e.key: e for e in journal.events()}["k1"]
    assert (done.status, done.detail, done.done_at, done.received) == ("done", "status APPROVED", 5.0, 1.0)


def test_events_are_kept_per_target(backend: StateBackend, journal: Journal) -> None:
    _accept(journal, "k1")
    with backend.journal("https://graph.facebook.com") as other:
        assert other.pending_events() == [] and len(journal.pending_events()) == 1


def test_a_version_1_journal_gains_the_table(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with open_backend(state, {}).journal("t") as journal:
        _accept(journal, "k1")
    db = sqlite3.connect(state / FILE_NAME)
    db.execute("DROP TABLE events")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with open_backend(state, {}).journal("t") as journal:
        assert _accept(journal, "k1") is True
    db = sqlite3.connect(state / FILE_NAME)
    assert db.execute("PRAGMA user_version").fetchone() == (SQLITE_VERSION,) == (4,)
    db.close()


def test_a_version_1_database_gains_the_table(pg_url: str) -> None:
    location = Location.parse(pg_url)
    with psycopg.connect(location.conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(location.schema)))
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(location.schema)))
        connection.execute(MIGRATIONS[1])  # type: ignore[call-overload]
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (1)")
        connection.execute("INSERT INTO meta VALUES ('estate', 'e1')")
    backend = open_backend(Path("/nonexistent"), {"WABAPLAN_STATE_URL": pg_url, "WABAPLAN_STATE_KEY": KEY})
    try:
        assert backend.schema() == (1, SCHEMA_VERSION)
        assert _accept(backend.journal("t"), "k1") is True
        assert backend.schema() == (4, 4) and backend.estate() == "e1"
    finally:
        backend.close()


def test_deliveries_that_arrive_together_share_a_transaction(backend: StateBackend, journal: Journal) -> None:
    """64 deliveries at once: every one recorded (a redelivery among them known as one), in far fewer
    commits than deliveries, each answered only once its commit is done."""
    commits = GroupCommit(lambda: backend.journal("simulator"))

    def row(key: str) -> dict[str, object]:
        return {"key": key, "field": "f", "waba_id": "w", "subject": "", "sent": 0, "change": "{}", "at": 1.0}

    async def deliver() -> list[list[bool]]:
        keys = [f"k{n}" for n in range(64)] + ["k0"]
        return list(await asyncio.gather(*(commits.record([row(key)]) for key in keys)))

    try:
        answers = asyncio.run(deliver())
    finally:
        commits.close()
    assert answers[:64] == [[True]] * 64 and answers[64] == [False]  # the same key twice: recorded once
    assert commits.transactions < 10
    assert journal.event_counts() == {"accepted": 64}


def test_confirmed_state_is_kept_per_target_and_forgotten_on_request(journal: Journal) -> None:
    journal.confirm([ConfirmedRecord('numbers["+85251234567"]', "w", '{"id": "1"}', 5.0)])
    journal.confirm([ConfirmedRecord('numbers["+85251234567"]', "w", '{"id": "2"}', 6.0)])  # read again
    assert journal.confirmed() == {
        'numbers["+85251234567"]': ConfirmedRecord('numbers["+85251234567"]', "w", '{"id": "2"}', 6.0)
    }
    journal.forget_confirmed(['numbers["+85251234567"]'])
    assert journal.confirmed() == {}
