"""The apply journal on its own: a SQLite file in a temporary state directory, no server."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from leaks import assert_no_secret

from reconciler.cli import main as wabaplan
from reconciler.graph.secrets import MASK as SECRETS_MASK
from reconciler.graph.secrets import Token
from reconciler.runtime import GraphTarget, journal_target
from reconciler.state.errors import JournalError
from reconciler.state.journal import MASK
from reconciler.state.records import ActionRecord, CodeRequest
from reconciler.state.sqlite import FILE_NAME, SCHEMA_VERSION
from reconciler.state.sqlite import SqliteJournal as Journal

ROOT = Path(__file__).resolve().parents[2]
NUMBER, OTHER = "+85251234567", "+85261234567"
ADDRESS = f'numbers["{NUMBER}"]'
SIM, REAL = "simulator", "https://graph.facebook.com"  # what runtime.journal_target gives
PAGE = 4096  # SQLite's default page size, which the journal keeps

COLUMNS = {
    "runs": [
        "id",
        "command",
        "started",
        "finished",
        "status",
        "target",
        "config_hash",
        "simulated",
        "summary",
        "actor",
        "host",
        "commit_sha",
        "ci_url",
        "checksum",
        "detail",
    ],
    "actions": ["run_id", "action_id", "address", "op", "status", "detail", "started", "finished"],
    "intents": ["id", "run_id", "action_id", "op", "subject", "recorded", "outcome", "detail", "resolved"],
    "code_requests": ["id", "target", "number", "method", "at", "confirmed"],
    "fingerprints": ["target", "key", "fingerprint", "detail", "at"],
    "events": [
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
    ],
    "confirmed": ["target", "address", "waba_id", "live", "at"],
}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def journal(state: Path) -> Iterator[Journal]:
    journal = Journal.open(state, target=REAL)
    yield journal
    journal.close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    """Every SQLite connection opened from now on, to check that none is left open."""
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(connection)
        return connection

    monkeypatch.setattr(sqlite3, "connect", recording)
    return opened


def _closed(connection: sqlite3.Connection) -> bool:
    try:
        connection.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def _files(state: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(state.iterdir())}


def _peek(state: Path, sql: str, *args: object) -> list[tuple]:
    """Read with a connection of our own, as another process would."""
    db = sqlite3.connect(state / FILE_NAME)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def _run(journal: Journal, **overrides: object) -> int:
    fields: dict = {"config_hash": "sha256:abc", "simulated": False, "command": "apply", "summary": {}}
    return journal.start_run(**{**fields, **overrides})


def _action(journal: Journal, run_id: int, action_id: str, status: str, **overrides: object) -> None:
    fields: dict = {
        "action_id": action_id,
        "address": ADDRESS,
        "op": "set_pin",
        "status": status,
        "detail": f"{action_id} {status}",
        "started": 1.0,
        "finished": 2.0,
    }
    journal.record_action(run_id, **{**fields, **overrides})


# ---------------------------------------------------------------- opening


def test_open_creates_the_documented_schema_at_the_current_version(state: Path) -> None:
    journal = Journal.open(state, target=REAL)  # the state directory does not exist yet
    try:
        assert journal.path == state / FILE_NAME and journal.target == REAL
        assert (state / FILE_NAME).is_file()
        assert _peek(state, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert _peek(state, "PRAGMA journal_mode") == [("wal",)]
        assert journal._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        tables = {r[0] for r in _peek(state, "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == set(COLUMNS)
        for table, columns in COLUMNS.items():
            assert [r[1] for r in _peek(state, f"PRAGMA table_info({table})")] == columns
        keys = {r[1]: r[5] for r in _peek(state, "PRAGMA table_info(fingerprints)") if r[5]}
        assert keys == {"target": 1, "key": 2}  # one fingerprint per target and key
        assert journal.runs() == [] and journal.open_intents() == [] and journal.fingerprints() == {}
    finally:
        journal.close()


def test_reopening_keeps_what_was_written(state: Path) -> None:
    with Journal.open(state, target=REAL) as journal:
        run_id = _run(journal)
    with Journal.open(state) as journal:  # no target: history only
        assert [(r.id, r.target) for r in journal.runs()] == [(run_id, REAL)]
    assert _peek(state, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_the_targets_used_here_are_those_apply_uses() -> None:
    token = Token("EAAB-test")
    assert journal_target(GraphTarget("http://127.0.0.1:8765", "v21.0", token, simulated=True)) == SIM
    assert journal_target(GraphTarget(REAL, "v21.0", token)) == REAL
    reset_since = GraphTarget(
        "http://127.0.0.1:8765", "v21.0", token, simulated=True, simulator_instance="b2"
    )
    assert journal_target(reset_since) == "simulator:b2"  # each life of the simulator has its own facts


@pytest.mark.parametrize(
    "scoped",
    [
        lambda j: _run(j),
        lambda j: j.open_intents(),
        lambda j: j.record_code_request(number=NUMBER, method="SMS", at=1.0),
        lambda j: j.last_code_request(NUMBER),
        lambda j: j.set_fingerprint(f"{ADDRESS}.pin", "aaaa", at=1.0),
        lambda j: j.fingerprints(),
        lambda j: j.fingerprint_details(),
    ],
    ids=[
        "start_run",
        "open_intents",
        "record_code_request",
        "last_code_request",
        "set_fingerprint",
        "fingerprints",
        "fingerprint_details",
    ],
)
def test_a_journal_without_a_target_refuses_facts_about_meta(
    state: Path, scoped: Callable[[Journal], object]
) -> None:
    with Journal.open(state, target=REAL) as journal:
        run_id = _run(journal)
        journal.intend(run_id, action_id="add", op="add_number", subject=ADDRESS)
        journal.record_code_request(number=NUMBER, method="SMS", at=1.0)
        journal.set_fingerprint(f"{ADDRESS}.pin", "aaaa", at=1.0)
    before = _peek(state, "SELECT COUNT(*) FROM runs UNION ALL SELECT COUNT(*) FROM code_requests")
    with Journal.open(state) as history:
        assert history.target == ""
        with pytest.raises(
            ValueError, match=r"^this journal was opened without a target: facts about Meta need one$"
        ):
            scoped(history)
        # history itself needs no target
        assert [r.id for r in history.runs()] == [run_id]
        assert [i.op for i in history.intents()] == ["add_number"]
        assert history.actions(run_id) == []
        assert len(history.dump()["fingerprints"]) == 1
    assert _peek(state, "SELECT COUNT(*) FROM runs UNION ALL SELECT COUNT(*) FROM code_requests") == before


def test_a_journal_from_a_newer_wabaplan_is_refused_and_left_byte_for_byte(
    state: Path, connections: list[sqlite3.Connection]
) -> None:
    state.mkdir()
    db = sqlite3.connect(state / FILE_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.execute("CREATE TABLE future (x)")
    db.commit()
    db.close()
    assert _peek(state, "PRAGMA journal_mode") == [("delete",)]
    before = _files(state)
    with pytest.raises(JournalError, match="upgrade") as refused:
        Journal.open(state, target=REAL)
    message = str(refused.value)
    assert str(state / FILE_NAME) in message
    assert f"schema {SCHEMA_VERSION + 1}" in message
    with pytest.raises(JournalError, match="upgrade"):
        Journal.read_fingerprints(state, REAL)
    assert _files(state) == before  # not switched to WAL, no -wal or -shm, no tables of ours
    assert all(_closed(c) for c in connections)
    assert _peek(state, "PRAGMA journal_mode") == [("delete",)]
    assert _peek(state, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert _peek(state, "SELECT name FROM sqlite_master") == [("future",)]


def test_a_file_that_is_not_sqlite_is_refused_with_a_fix(
    state: Path, connections: list[sqlite3.Connection]
) -> None:
    state.mkdir()
    junk = b"this is not a database, just a file in the way\n" * 200
    (state / FILE_NAME).write_bytes(junk)
    with pytest.raises(JournalError, match=r"left as it was\. Rescue its rows") as refused:
        Journal.open(state, target=REAL)
    assert str(state / FILE_NAME) in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert _files(state) == {FILE_NAME: junk}  # left as it was, for whoever looks into it
    assert connections and all(_closed(c) for c in connections)


def _written_journal(state: Path) -> bytes:
    """A healthy journal of a few pages, closed (so all of it is in journal.db), as bytes."""
    with Journal.open(state, target=REAL) as journal:
        run_id = _run(journal)
        for n in range(200):
            _action(journal, run_id, f"action-{n:03}", "done", detail="x" * 100)
        journal.set_fingerprint(f"{ADDRESS}.pin", "aaaa", at=1.0)
    assert sorted(p.name for p in state.iterdir()) == [".gitignore", FILE_NAME]  # checkpointed, no -wal left
    data = (state / FILE_NAME).read_bytes()
    assert data.startswith(b"SQLite format 3\x00") and len(data) >= 8 * PAGE
    return data


@pytest.mark.parametrize(
    ("start", "garbage"),
    [
        (2 * PAGE, b"\xa5" * PAGE),  # page 3 overwritten whole: SQLite raises "malformed" reading it
        (PAGE + 8, b"\x0f" * 64),  # page 2's cell pointers scrambled: quick_check reports, not raises
    ],
    ids=["page-overwritten", "cell-pointers-scrambled"],
)
def test_a_damaged_journal_is_refused_with_a_fix_not_a_sqlite_error(
    state: Path, connections: list[sqlite3.Connection], start: int, garbage: bytes
) -> None:
    data = bytearray(_written_journal(state))
    data[start : start + len(garbage)] = garbage
    (state / FILE_NAME).write_bytes(bytes(data))
    assert bytes(data[:16]) == b"SQLite format 3\x00"  # the header still says SQLite
    connections.clear()
    with pytest.raises(
        JournalError, match=r"cannot be read as a journal .*; it is left as it was"
    ) as refused:
        Journal.open(state, target=REAL)
    assert str(state / FILE_NAME) in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert (state / FILE_NAME).read_bytes() == bytes(data)  # refused before anything wrote to it
    assert connections and all(_closed(c) for c in connections)


def test_history_reports_an_unreadable_journal_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / FILE_NAME).write_text("not sqlite\n" * 100)
    monkeypatch.setenv("WABAPLAN_STATE_DIR", str(state))
    monkeypatch.delenv("WABAPLAN_DEBUG", raising=False)
    code = wabaplan(["history", "-c", str(tmp_path / "wabaplan.yaml")])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("error: ") and "it is left as it was" in err
    assert "Traceback" not in err and "internal error" not in err


def test_history_lists_runs_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    with Journal.open(state, target=SIM) as journal:
        first = _run(journal, simulated=True)
        _action(journal, first, "a", "done")
        _action(journal, first, "b", "skipped")
        journal.finish_run(first, "waiting")
    with Journal.open(state, target=REAL) as journal:
        second = _run(journal)
        journal.finish_run(second, "succeeded")
    monkeypatch.setenv("WABAPLAN_STATE_DIR", str(state))
    assert wabaplan(["history", "-c", str(tmp_path / "wabaplan.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"#{second} ") and "succeeded  no actions" in lines[0]
    assert lines[1].startswith(f"#{first} ") and "waiting (simulated)  1 done, 1 skipped" in lines[1]
    assert lines[2].split() == ["done", "a", "a", "done"]  # skipped actions are not listed
    assert len(lines) == 3


# ---------------------------------------------------------------- runs and actions


def test_runs_and_actions_round_trip(journal: Journal) -> None:
    first = _run(journal, config_hash="sha256:one", simulated=True, summary={"create": 2, "update": 1})
    _action(journal, first, "numbers.pin", "done", finished=30.0, detail="two-step PIN set")
    _action(journal, first, "numbers.add", "done", finished=20.0)
    _action(journal, first, "templates.create", "failed", finished=30.0)
    journal.finish_run(first, "failed")
    second = _run(journal, config_hash="sha256:two", command="apply")
    _action(journal, second, "numbers.profile", "waiting")

    newest, oldest = journal.runs()
    assert (newest.id, oldest.id) == (second, first)
    assert newest.status == "running" and newest.finished is None
    assert newest.counts == {"waiting": 1} and newest.simulated is False and newest.target == REAL
    assert oldest.status == "failed" and oldest.finished is not None and oldest.finished >= oldest.started
    assert oldest.config_hash == "sha256:one" and oldest.simulated is True and oldest.command == "apply"
    assert oldest.summary == {"create": 2, "update": 1}
    assert oldest.counts == {"done": 2, "failed": 1}
    assert [r.id for r in journal.runs(limit=1)] == [second]

    actions = journal.actions(first)
    assert [a.action_id for a in actions] == ["numbers.add", "numbers.pin", "templates.create"]  # by finish
    assert actions[1] == ActionRecord(
        run_id=first,
        action_id="numbers.pin",
        address=ADDRESS,
        op="set_pin",
        status="done",
        detail="two-step PIN set",
        started=1.0,
        finished=30.0,
    )
    assert [a.action_id for a in journal.actions(second)] == ["numbers.profile"]
    assert journal.actions(second + 1) == []


def test_an_action_of_an_unknown_run_is_refused(journal: Journal) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        _action(journal, 42, "numbers.pin", "done")


def test_runs_left_running_are_marked_interrupted(state: Path) -> None:
    with Journal.open(state, target=SIM) as sim:
        sim_dead = _run(sim, simulated=True)
        sim_done = _run(sim, simulated=True)
        sim.finish_run(sim_done, "waiting")
    with Journal.open(state, target=REAL) as journal:
        dead = _run(journal)
        intent = journal.intend(dead, action_id="add", op="add_number", subject=ADDRESS)
        for status in ("succeeded", "failed", "interrupted"):
            journal.finish_run(_run(journal), status)
        before = {r.id: r for r in journal.runs()}

        # the lock covers the whole state directory: a run of any target still 'running' has died
        assert journal.close_abandoned_runs() == 2
        after = {r.id: r for r in journal.runs()}
        assert after[dead].status == after[sim_dead].status == "interrupted"
        assert [r.id for r in journal.runs() if r.status == "running"] == []
        for run_id, run in before.items():
            if run_id not in (dead, sim_dead):
                assert after[run_id] == run  # ended runs are left as they were
        assert _peek(state, "SELECT status FROM runs WHERE id = ?", dead) == [("interrupted",)]
        assert [i.id for i in journal.open_intents()] == [intent]  # still there to be settled

        assert journal.close_abandoned_runs() == 0
        live = _run(journal)  # a run started after the clean-up is this process's own
        assert journal.runs(limit=1)[0].status == "running" and journal.runs(limit=1)[0].id == live


# ---------------------------------------------------------------- intents


def test_an_intent_is_open_until_resolved(journal: Journal) -> None:
    run_id = _run(journal)
    add = journal.intend(run_id, action_id=f"{ADDRESS}.add", op="add_number", subject=ADDRESS)
    template = 'wabas["main"].templates["hello/en_US"]'
    create = journal.intend(run_id, action_id="t.create", op="create_template", subject=template)
    assert [(i.id, i.op, i.subject, i.outcome) for i in journal.open_intents()] == [
        (add, "add_number", ADDRESS, None),
        (create, "create_template", template, None),
    ]
    journal.resolve_intent(add, outcome="done", detail="id 1234")
    assert [i.id for i in journal.open_intents()] == [create]
    resolved = next(i for i in journal.intents() if i.id == add)
    assert (resolved.run_id, resolved.action_id, resolved.outcome, resolved.detail) == (
        run_id,
        f"{ADDRESS}.add",
        "done",
        "id 1234",
    )
    assert _peek(journal.path.parent, "SELECT resolved IS NOT NULL FROM intents WHERE id = ?", add) == [(1,)]
    journal.resolve_intent(create, outcome="not_done")
    assert journal.open_intents() == []
    assert [i.outcome for i in journal.intents()] == ["done", "not_done"]


CRASH_AFTER_INTENT = """
import os, signal, sys
from pathlib import Path
from reconciler.state.sqlite import SqliteJournal as Journal

journal = Journal.open(Path(sys.argv[1]), target=sys.argv[3])
run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
journal.intend(run_id, action_id="add", op="add_number", subject=sys.argv[2])
os.kill(os.getpid(), signal.SIGKILL)  # the call was about to be made: no outcome, no close
"""


def test_an_intent_left_open_by_a_killed_process_is_still_open_next_time(state: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_INTENT, str(state), ADDRESS, REAL],
        env=env,
        timeout=30,
        check=False,
    )
    assert crashed.returncode == -9
    with Journal.open(state, target=SIM) as sim:
        assert sim.open_intents() == []  # the simulator's apply has nothing to settle
    with Journal.open(state, target=REAL) as journal:
        (intent,) = journal.open_intents()
        assert (intent.op, intent.subject, intent.action_id, intent.outcome) == (
            "add_number",
            ADDRESS,
            "add",
            None,
        )
        (run,) = journal.runs()
        assert run.status == "running" and run.finished is None  # the killed process could not mark it
        assert journal.close_abandoned_runs() == 1  # what the next apply does once it holds the lock
        assert journal.runs()[0].status == "interrupted"
        journal.resolve_intent(intent.id, outcome="done", detail="settled after an interrupted run")
    with Journal.open(state, target=REAL) as journal:
        assert journal.open_intents() == []


def test_an_intent_left_open_survives_closing_and_reopening(state: Path) -> None:
    with Journal.open(state, target=REAL) as journal:
        run_id = _run(journal)
        intent = journal.intend(run_id, action_id="req", op="request_code", subject=ADDRESS)
    with Journal.open(state, target=REAL) as journal:
        assert [(i.id, i.run_id, i.op) for i in journal.open_intents()] == [(intent, run_id, "request_code")]


def test_open_intents_belong_to_their_target(state: Path) -> None:
    with Journal.open(state, target=SIM) as sim:
        sim_run = _run(sim, simulated=True)
        sim_intent = sim.intend(sim_run, action_id="add", op="add_number", subject=ADDRESS)
    with Journal.open(state, target=REAL) as real:
        assert real.open_intents() == []  # a simulated crash is not Meta's to settle
        real_run = _run(real)
        real_intent = real.intend(real_run, action_id="create", op="create_template", subject=ADDRESS)
        assert [i.id for i in real.open_intents()] == [real_intent]
    with Journal.open(state, target=SIM) as sim:
        assert [i.id for i in sim.open_intents()] == [sim_intent]
        sim.resolve_intent(sim_intent, outcome="not_done")
        assert sim.open_intents() == []
    with Journal.open(state, target=f"{REAL}.example") as elsewhere:
        assert elsewhere.open_intents() == []  # another Graph URL is another target
    with Journal.open(state, target=REAL) as real:
        assert [i.id for i in real.open_intents()] == [real_intent]
    with Journal.open(state) as history:
        assert [i.id for i in history.intents()] == [sim_intent, real_intent]  # history shows both


# ---------------------------------------------------------------- one-time codes


def test_code_requests_newest_wins_and_confirmation_sticks(journal: Journal) -> None:
    assert journal.last_code_request(NUMBER) is None
    first = journal.record_code_request(number=NUMBER, method="SMS", at=100.0)
    assert journal.last_code_request(NUMBER) == CodeRequest(first, NUMBER, "SMS", 100.0, confirmed=False)
    journal.confirm_code_request(first)
    assert journal.last_code_request(NUMBER) == CodeRequest(first, NUMBER, "SMS", 100.0, confirmed=True)

    second = journal.record_code_request(number=NUMBER, method="VOICE", at=200.0)
    assert journal.last_code_request(NUMBER) == CodeRequest(second, NUMBER, "VOICE", 200.0, confirmed=False)
    journal.record_code_request(number=NUMBER, method="SMS", at=150.0)  # recorded later, but older
    assert journal.last_code_request(NUMBER) == CodeRequest(second, NUMBER, "VOICE", 200.0, confirmed=False)
    journal.confirm_code_request(second)
    last = journal.last_code_request(NUMBER)
    assert last is not None and last.id == second and last.confirmed

    assert journal.last_code_request(OTHER) is None
    other = journal.record_code_request(number=OTHER, method="SMS", at=300.0)
    assert journal.last_code_request(OTHER) == CodeRequest(other, OTHER, "SMS", 300.0, confirmed=False)
    assert journal.last_code_request(NUMBER).id == second  # type: ignore[union-attr]


def test_code_requests_belong_to_their_target(state: Path) -> None:
    with Journal.open(state, target=SIM) as sim:
        sim_request = sim.record_code_request(number=NUMBER, method="SMS", at=100.0)
        sim.confirm_code_request(sim_request)
    with Journal.open(state, target=REAL) as real:
        assert real.last_code_request(NUMBER) is None  # the simulator's code was never sent by Meta
        real_request = real.record_code_request(number=NUMBER, method="VOICE", at=50.0)  # older
        assert real.last_code_request(NUMBER) == CodeRequest(real_request, NUMBER, "VOICE", 50.0, False)
    with Journal.open(state, target=SIM) as sim:
        assert sim.last_code_request(NUMBER) == CodeRequest(sim_request, NUMBER, "SMS", 100.0, True)
        sim.record_code_request(number=NUMBER, method="SMS", at=500.0)
    with Journal.open(state, target=REAL) as real:
        assert real.last_code_request(NUMBER).id == real_request  # type: ignore[union-attr]
    assert _peek(state, "SELECT target, number, at FROM code_requests ORDER BY id") == [
        (SIM, NUMBER, 100.0),
        (REAL, NUMBER, 50.0),
        (SIM, NUMBER, 500.0),
    ]


# ---------------------------------------------------------------- fingerprints


def test_fingerprints_are_upserted_by_key(state: Path) -> None:
    pin, picture = f"{ADDRESS}.pin", f"{ADDRESS}.profile.picture"
    with Journal.open(state, target=REAL) as journal:
        journal.set_fingerprint(pin, "aaaa", at=1.0)
        journal.set_fingerprint(picture, "pppp", detail="handle 4::aW1h", at=1.0)
        journal.set_fingerprint(pin, "bbbb", detail="again", at=2.0)
        assert journal.fingerprints() == {pin: "bbbb", picture: "pppp"}
        assert journal.fingerprint_details() == {pin: "again", picture: "handle 4::aW1h"}
    assert _peek(state, "SELECT fingerprint, detail, at FROM fingerprints WHERE key = ?", pin) == [
        ("bbbb", "again", 2.0)
    ]
    assert Journal.read_fingerprints(state, REAL) == {pin: "bbbb", picture: "pppp"}


def test_fingerprints_belong_to_their_target(state: Path) -> None:
    pin, token = f"{ADDRESS}.pin", "wabas.main.webhooks.verify_token"
    with Journal.open(state, target=SIM) as sim:
        sim.set_fingerprint(pin, "5151", detail="simulated", at=1.0)
        sim.set_fingerprint(token, "5e5e", at=1.0)
    with Journal.open(state, target=REAL) as real:
        assert real.fingerprints() == {} and real.fingerprint_details() == {}  # never set at Meta
        real.set_fingerprint(pin, "9999", detail="at Meta", at=2.0)  # same key: its own row
        assert real.fingerprints() == {pin: "9999"}
        assert real.fingerprint_details() == {pin: "at Meta"}
    with Journal.open(state, target=SIM) as sim:
        assert sim.fingerprints() == {pin: "5151", token: "5e5e"}  # not overwritten by Meta's
        assert sim.fingerprint_details() == {pin: "simulated", token: ""}
    assert Journal.read_fingerprints(state, SIM) == {pin: "5151", token: "5e5e"}
    assert Journal.read_fingerprints(state, REAL) == {pin: "9999"}
    assert Journal.read_fingerprints(state, f"{REAL}.example") == {}
    assert _peek(state, "SELECT target, key FROM fingerprints ORDER BY target, key") == [
        (REAL, pin),
        (SIM, pin),
        (SIM, token),
    ]


def test_reading_fingerprints_without_a_journal_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "never-applied"
    assert Journal.read_fingerprints(missing, REAL) == {}
    assert not missing.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert Journal.read_fingerprints(empty, REAL) == {}
    assert list(empty.iterdir()) == []


def test_reading_fingerprints_writes_nothing(state: Path) -> None:
    pin = f"{ADDRESS}.pin"
    with Journal.open(state, target=REAL) as journal:
        journal.set_fingerprint(pin, "abab", at=1.0)
    path = state / FILE_NAME
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert Journal.read_fingerprints(state, REAL) == {pin: "abab"}
    assert Journal.read_fingerprints(state, SIM) == {}
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("schema", ["", "CREATE TABLE runs (x); PRAGMA user_version = 0;"])
def test_reading_fingerprints_before_the_table_exists_changes_nothing(state: Path, schema: str) -> None:
    """An empty file, or a SQLite file without our tables: {} and left as it is (no tables created)."""
    state.mkdir()
    db = sqlite3.connect(state / FILE_NAME)
    db.executescript(schema)
    db.close()
    before = _files(state)
    assert Journal.read_fingerprints(state, REAL) == {}
    assert _files(state) == before
    assert _peek(state, "SELECT name FROM sqlite_master") == ([("runs",)] if schema else [])


def test_reading_fingerprints_while_an_apply_has_the_journal_open(journal: Journal) -> None:
    journal.set_fingerprint("wabas.main.webhooks.verify_token", "ffff", at=1.0)
    assert Journal.read_fingerprints(journal.path.parent, REAL) == {
        "wabas.main.webhooks.verify_token": "ffff"
    }


# ---------------------------------------------------------------- secrets stay out


def test_a_journal_names_where_it_lives(journal: Journal, state: Path) -> None:
    """Errors and logs name the journal by its file (or, for PostgreSQL, its masked URL)."""
    assert journal.label == str(state / FILE_NAME)
    assert repr(journal) == f"SqliteJournal({str(state / FILE_NAME)!r})"


def test_the_journal_masks_as_everything_else_does() -> None:
    """One mask everywhere (journal, errors, logs): `***`, as docs/journal.md shows and leak checks read."""
    assert MASK == SECRETS_MASK == "***"


def test_what_is_shown_is_masked_as_what_is_stored(journal: Journal) -> None:
    journal.forbid(["482915"])
    assert (
        journal.mask("Meta refused PIN 482915 for 3000000000001") == "Meta refused PIN *** for 3000000000001"
    )


def test_forbidden_values_never_reach_the_file(state: Path) -> None:
    pin, token, code = "482915", "verify-me-7Hq2xx", "731-946"
    with Journal.open(state, target=REAL) as journal:
        run_id = _run(journal)
        journal.forbid([pin, token, code, ""])
        _action(journal, run_id, "numbers.pin", "failed", detail=f"Meta refused PIN {pin} (token {token})")
        intent = journal.intend(run_id, action_id="x", op="request_code", subject=ADDRESS)
        journal.resolve_intent(intent, outcome="failed", detail=f"code {code} was refused")
        journal.set_fingerprint(f"{ADDRESS}.pin", "0f0f", detail=f"set from {pin}", at=1.0)

        (action,) = journal.actions(run_id)
        assert action.detail == f"Meta refused PIN {MASK} (token {MASK})"
        (recorded,) = journal.intents()
        assert recorded.subject == ADDRESS and recorded.detail == f"code {MASK} was refused"
        assert journal.fingerprint_details() == {f"{ADDRESS}.pin": f"set from {MASK}"}

        db = sqlite3.connect(state / FILE_NAME)  # while the journal is open: rows may still be in the WAL
        try:
            dump = "\n".join(db.iterdump())
        finally:
            db.close()
        assert MASK in dump
        assert_no_secret(dump, pin, token, code)
    for path in state.iterdir():  # nor in any page SQLite wrote, once closed
        for secret in (pin, token, code):
            assert secret.encode() not in path.read_bytes(), path


def test_masking_prefers_the_longest_value_and_ignores_empty_ones(journal: Journal) -> None:
    run_id = _run(journal)
    journal.forbid(["1234", "123456", ""])
    _action(journal, run_id, "a", "done", detail="123456 then 1234 then 12", finished=1.0)
    journal.forbid(["tok", "tok-9Zq"])  # "tok" is a whole word inside "tok-9Zq": mask the longer first
    _action(journal, run_id, "b", "done", detail="tok-9Zq and tok", finished=2.0)
    assert [a.detail for a in journal.actions(run_id)] == [
        f"{MASK} then {MASK} then 12",
        f"{MASK} and {MASK}",
    ]


def test_digit_secrets_are_masked_unless_part_of_a_longer_number(journal: Journal) -> None:
    pin = "482915"
    phone_id = f"1{pin}000123"  # a 13-digit ID that happens to hold the PIN
    run_id = _run(journal)
    journal.forbid([pin])
    text = f"{pin} set on {phone_id}; pin={pin}&x, ({pin}), '{pin}' (id {phone_id}7) {pin}"
    _action(journal, run_id, "a", "done", detail=text)
    (action,) = journal.actions(run_id)
    assert action.detail == (
        f"{MASK} set on {phone_id}; pin={MASK}&x, ({MASK}), '{MASK}' (id {phone_id}7) {MASK}"
    )
    for ending in ("9", "0"):  # inside a longer number: not the PIN
        assert journal._clean(f"{pin}{ending} 7{pin}") == f"{pin}{ending} 7{pin}"
    for glued in (f"pin{pin}", f"%3D{pin}", f"{pin}abc"):  # run into letters: still the PIN
        assert pin not in journal._clean(glued)


def test_other_secrets_are_masked_wherever_they_appear(journal: Journal) -> None:
    token = "EAAG-sim-token-9x"
    journal.forbid([token])
    assert journal._clean(f"Bearer{token}; token={token}x") == f"Bearer{MASK}; token={MASK}x"


def test_intent_subjects_are_stored_as_given(journal: Journal) -> None:
    run_id = _run(journal)
    journal.forbid([NUMBER.lstrip("+")])  # even a forbidden value that is a whole word of the address
    intent = journal.intend(run_id, action_id="add", op="add_number", subject=ADDRESS)
    journal.resolve_intent(intent, outcome="done", detail=f"added {ADDRESS}")
    assert _peek(journal.path.parent, "SELECT subject, detail FROM intents") == [
        (ADDRESS, f'added numbers["+{MASK}"]')  # the detail is still masked
    ]
    (recorded,) = journal.intents()
    assert recorded.subject == ADDRESS


def test_values_are_only_masked_from_when_they_are_forbidden(journal: Journal) -> None:
    run_id = _run(journal)
    _action(journal, run_id, "before", "done", detail="tok-123", finished=1.0)
    journal.forbid(["tok-123"])
    _action(journal, run_id, "after", "done", detail="tok-123", finished=2.0)
    assert [a.detail for a in journal.actions(run_id)] == ["tok-123", MASK]


# ---------------------------------------------------------------- durability


def test_every_write_is_committed_at_once(journal: Journal) -> None:
    state = journal.path.parent

    def committed() -> bool:
        return not journal._db.in_transaction

    run_id = _run(journal, summary={"create": 1})
    assert committed()
    assert _peek(state, "SELECT id, status FROM runs") == [(run_id, "running")]
    _action(journal, run_id, "numbers.add", "done")
    assert _peek(state, "SELECT action_id, status FROM actions") == [("numbers.add", "done")]
    intent = journal.intend(run_id, action_id="numbers.add", op="add_number", subject=ADDRESS)
    assert _peek(state, "SELECT id, outcome FROM intents") == [(intent, None)]
    journal.resolve_intent(intent, outcome="done", detail="id 1")
    assert _peek(state, "SELECT outcome, detail FROM intents") == [("done", "id 1")]
    request = journal.record_code_request(number=NUMBER, method="SMS", at=5.0)
    assert _peek(state, "SELECT id, confirmed FROM code_requests") == [(request, 0)]
    journal.confirm_code_request(request)
    assert _peek(state, "SELECT confirmed FROM code_requests") == [(1,)]
    journal.set_fingerprint(f"{ADDRESS}.pin", "abcd", at=6.0)
    assert _peek(state, "SELECT key, fingerprint FROM fingerprints") == [(f"{ADDRESS}.pin", "abcd")]
    journal.finish_run(run_id, "succeeded")
    assert _peek(state, "SELECT status, finished IS NOT NULL FROM runs") == [("succeeded", 1)]
    assert committed()


def test_dump_holds_every_table(journal: Journal) -> None:
    run_id = _run(journal)
    _action(journal, run_id, "a", "done")
    assert set(journal.dump()) == set(COLUMNS)
    assert len(journal.dump()["actions"]) == 1


def test_a_verify_token_recorded_under_the_wabas_local_name_still_counts(tmp_path: Path) -> None:
    """Fingerprints of verify tokens are kept by WABA ID now; one an earlier wabaplan kept under the WABA's
    local name still says what was set, so upgrading does not plan the token again."""
    from reconciler.config.model import Config
    from reconciler.fingerprints import keyed, verify_token_key
    from reconciler.runtime import write_only
    from reconciler.state import LocalState

    config = Config.model_validate(
        {
            "wabas": {
                "hk_retail": {
                    "id": "2000000000001",
                    "webhooks": {
                        "app_id": "4000000000001",
                        "override_callback_uri": "https://hooks.example/hk",
                        "verify_token": "${env:HK_TOKEN}",
                    },
                }
            }
        }
    )
    state = LocalState(tmp_path / "state")
    with Journal.open(state.path, target=REAL) as journal:
        journal.set_fingerprint("wabas.hk_retail.webhooks.verify_token", keyed(state.key(), "tok-1"), at=1.0)
    target = GraphTarget(REAL, "v23.0", Token("t"))
    key = verify_token_key("2000000000001")
    same = write_only(config, base_dir=tmp_path, environ={"HK_TOKEN": "tok-1"}, state=state, target=target)
    assert same.desired[key] == same.known[key]
    changed = write_only(config, base_dir=tmp_path, environ={"HK_TOKEN": "tok-2"}, state=state, target=target)
    assert changed.desired[key] != changed.known[key]


# ---------------------------------------------------------------- each column as written


def test_a_run_reads_back_when_it_started_and_finished(journal: Journal, state: Path) -> None:
    running = _run(journal)
    done = _run(journal)
    journal.finish_run(done, "succeeded")
    stored = dict(
        (run_id, (started, finished))
        for run_id, started, finished in _peek(state, "SELECT id, started, finished FROM runs")
    )
    runs = {run.id: run for run in journal.runs()}
    assert (runs[running].started, runs[running].finished) == stored[running]
    assert runs[running].started is not None and runs[running].finished is None
    assert (runs[done].started, runs[done].finished) == stored[done]


def test_a_runs_summary_is_stored_with_its_keys_in_order(journal: Journal, state: Path) -> None:
    """The same summary is the same bytes, whatever order the plan counted in (exports compare alike)."""
    _run(journal, summary={"update": 2, "create": 1})
    assert _peek(state, "SELECT summary FROM runs") == [('{"create": 1, "update": 2}',)]


def test_history_shows_the_latest_twenty_runs_unless_asked(journal: Journal) -> None:
    ids = [_run(journal) for _ in range(21)]
    assert [run.id for run in journal.runs()] == ids[::-1][:20]  # `wabaplan history`'s default


def test_an_intent_resolved_without_a_word_has_no_detail(journal: Journal) -> None:
    run_id = _run(journal)
    intent = journal.intend(run_id, action_id="add", op="add_number", subject=ADDRESS)
    journal.resolve_intent(intent, outcome="done")
    assert [(i.outcome, i.detail) for i in journal.intents()] == [("done", "")]


def test_the_check_before_each_step_passes_on_a_healthy_journal_and_fails_once_it_is_gone(
    state: Path,
) -> None:
    journal = Journal.open(state, target=REAL)
    assert journal.check() is None
    journal.close()
    with pytest.raises(sqlite3.ProgrammingError):  # a closed store: no step may start
        journal.check()


def test_a_code_request_meta_refused_is_forgotten(journal: Journal) -> None:
    """Meta said no: no code is on its way, so the next apply must not wait for one."""
    first = journal.record_code_request(number=NUMBER, method="SMS", at=100.0)
    refused = journal.record_code_request(number=NUMBER, method="VOICE", at=200.0)
    journal.forget_code_request(refused)
    assert journal.last_code_request(NUMBER) == CodeRequest(first, NUMBER, "SMS", 100.0, confirmed=False)
    journal.forget_code_request(first)
    assert journal.last_code_request(NUMBER) is None


def test_an_intent_resolved_in_its_block_keeps_what_it_was_told(journal: Journal) -> None:
    run_id = _run(journal)
    with journal.intent(run_id, action_id="add", op="add_number", subject=ADDRESS) as told:
        told.resolve("not_done")
    with journal.intent(run_id, action_id="again", op="add_number", subject=ADDRESS) as quiet:
        pass
    assert [(i.action_id, i.outcome, i.detail) for i in journal.intents()] == [
        ("add", "not_done", ""),  # neither overwritten with `done` at the end of the block, nor given words
        ("again", "done", ""),
    ]
    assert told.resolved and quiet.resolved


def _event(journal: Journal, key: str, **given: object) -> bool:
    fields: dict = {"field": "message_template_status_update", "waba_id": "2000000000001", "subject": "",
                    "sent": 1767225600, "change": "{}", "at": 5.0}  # fmt: skip
    return journal.accept_event(key=key, **{**fields, **given})


def test_an_event_accepted_is_pending_with_no_detail_and_not_done(journal: Journal) -> None:
    assert _event(journal, "k1") is True and _event(journal, "k1") is False  # a redelivery
    (record,) = journal.events()
    assert (record.status, record.detail, record.done_at) == ("accepted", "", None)
    assert _event(journal, "k2", status="ignored", detail="not declared", at=6.0) is True
    assert journal.events()[0].done_at == 6.0  # ignored at once: done when received


def test_the_latest_hundred_events_unless_asked(journal: Journal) -> None:
    for n in range(101):
        _event(journal, f"k{n:03}", at=float(n))
    assert [e.key for e in journal.events()] == [f"k{n:03}" for n in range(100, 0, -1)]
