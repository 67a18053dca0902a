"""The journal behaves the same on local state and on PostgreSQL (each test runs on both)."""

from __future__ import annotations

from pathlib import Path

import pytest
from statekit import KEY

from reconciler.state import StateBackend, open_backend
from reconciler.state.journal import COLUMNS, Journal

TARGET, OTHER_TARGET = "https://graph.facebook.com", "simulator:abc"
ADDRESS = 'numbers["+85251234567"]'


def _run(journal: Journal) -> int:
    return journal.start_run(
        config_hash="sha256:abc", simulated=False, command="apply", summary={"create": 1}
    )


def test_runs_actions_and_history_round_trip(backend: StateBackend) -> None:
    with backend.journal(target=TARGET) as journal:
        first = _run(journal)
        journal.record_action(
            first,
            action_id="a",
            address=ADDRESS,
            op="set_pin",
            status="done",
            detail="ok",
            started=1,
            finished=2,
        )
        journal.record_action(
            first,
            action_id="b",
            address=ADDRESS,
            op="set_pin",
            status="failed",
            detail="no",
            started=1,
            finished=2,
        )
        journal.finish_run(first, "failed")
        second = _run(journal)
    with backend.journal() as history:
        runs = history.runs()
        assert [r.id for r in runs] == [second, first] and second > first
        assert runs[1].counts == {"done": 1, "failed": 1} and runs[1].status == "failed"
        assert runs[1].summary == {"create": 1} and runs[1].finished is not None
        assert [a.action_id for a in history.actions(first)] == ["a", "b"]  # in the order written
        assert set(history.dump()) == set(COLUMNS)


def test_the_intent_block_cannot_be_left_open(backend: StateBackend) -> None:
    with backend.journal(target=TARGET) as journal:
        run_id = _run(journal)
        with journal.intent(run_id, action_id="x", op="add_number", subject=ADDRESS) as ok:
            assert [i.id for i in journal.open_intents()] == [ok.id]  # recorded before the call
        with (
            pytest.raises(RuntimeError),
            journal.intent(run_id, action_id="y", op="add_number", subject=ADDRESS) as broken,
        ):
            raise RuntimeError("the network went away")
        with journal.intent(run_id, action_id="z", op="request_code", subject=ADDRESS) as told:
            told.resolve("unknown", "answer lost")
        outcomes = {i.id: (i.outcome, i.detail) for i in journal.intents()}
        assert outcomes[ok.id] == ("done", "")
        assert outcomes[broken.id] == ("failed", "RuntimeError: the network went away")
        assert outcomes[told.id] == ("unknown", "answer lost")
        assert journal.open_intents() == []


def test_facts_about_meta_belong_to_their_target(backend: StateBackend) -> None:
    with backend.journal(target=TARGET) as journal:
        run_id = _run(journal)
        journal.intend(run_id, action_id="add", op="add_number", subject=ADDRESS)
        request = journal.record_code_request(number="+85251234567", method="SMS", at=5.0)
        journal.confirm_code_request(request)
        journal.set_fingerprint(f"{ADDRESS}.pin", "aaaa", at=1.0)
        journal.set_fingerprint(f"{ADDRESS}.pin", "bbbb", detail="second", at=2.0)  # upserted
    with backend.journal(target=OTHER_TARGET) as other:
        assert other.open_intents() == [] and other.fingerprints() == {}
        assert other.last_code_request("+85251234567") is None
    with backend.journal(target=TARGET) as journal:
        assert journal.fingerprints() == {f"{ADDRESS}.pin": "bbbb"}
        assert journal.fingerprint_details() == {f"{ADDRESS}.pin": "second"}
        last = journal.last_code_request("+85251234567")
        assert last is not None and last.confirmed and last.method == "SMS"
        assert [i.op for i in journal.open_intents()] == ["add_number"]
    assert backend.read_fingerprints(TARGET) == {f"{ADDRESS}.pin": "bbbb"}
    assert backend.read_fingerprints(OTHER_TARGET) == {}


def test_done_actions_are_read_by_target_and_operation_oldest_first(backend: StateBackend) -> None:
    """What a plan reads to know when a move completed: done actions only, of its target, in time order."""
    rows = [
        (TARGET, "register", "done", 30.0),
        (TARGET, "add_number_for_migration", "done", 20.0),
        (TARGET, "register", "failed", 25.0),
        (TARGET, "set_pin", "done", 26.0),
        (OTHER_TARGET, "register", "done", 27.0),
    ]
    for target, op, status, finished in rows:
        with backend.journal(target=target) as journal:
            run_id = _run(journal)
            journal.record_action(
                run_id,
                action_id=f"{ADDRESS}.{op}",
                address=ADDRESS,
                op=op,
                status=status,
                detail="",
                started=finished - 1,
                finished=finished,
            )
    done = backend.read_done(TARGET, ("add_number_for_migration", "register"))
    assert [(d.address, d.op, d.finished) for d in done] == [
        (ADDRESS, "add_number_for_migration", 20.0),
        (ADDRESS, "register", 30.0),
    ]


def test_open_intents_of_a_run_still_under_way_are_not_settled(backend: StateBackend) -> None:
    with backend.journal(target=TARGET) as journal:
        ended = _run(journal)
        journal.intend(ended, action_id="a", op="add_number", subject=ADDRESS)
        journal.finish_run(ended, "interrupted")
        live = _run(journal)
        journal.intend(live, action_id="b", op="add_number", subject=ADDRESS)
        assert [i.run_id for i in journal.open_intents(of_ended_runs=True)] == [ended]
        assert [i.run_id for i in journal.open_intents()] == [ended, live]


def test_secrets_are_masked_before_they_are_written(backend: StateBackend) -> None:
    with backend.journal(target=TARGET) as journal:
        journal.forbid(["482915", "EAAB-secret-token"])
        run_id = _run(journal)
        journal.record_action(
            run_id,
            action_id="a",
            address=ADDRESS,
            op="set_pin",
            status="failed",
            detail="pin=482915 token EAAB-secret-token id 1482915000",
            started=1,
            finished=2,
        )
        with journal.intent(run_id, action_id="b", op="add_number", subject=ADDRESS) as intent:
            intent.resolve("failed", "sent 482915")
        dump = repr(journal.dump())
    assert "482915" not in dump.replace("1482915000", "") and "EAAB-secret-token" not in dump
    assert "pin=*** token *** id 1482915000" in dump


def test_reading_before_any_apply_creates_nothing(backend_env: dict[str, str], tmp_path: Path) -> None:
    state = open_backend(tmp_path / "state", backend_env)
    try:
        assert state.read_fingerprints(TARGET) == {}
        assert state.read_done(TARGET, ("register",)) == []
        assert state.holders() == []
    finally:
        state.close()
    assert not (tmp_path / "state" / "journal.db").exists()


def test_the_key_is_the_environments_when_given(backend_env: dict[str, str], tmp_path: Path) -> None:
    state = open_backend(tmp_path / "state", {**backend_env, "WABAPLAN_STATE_KEY": KEY})
    try:
        assert state.key() == bytes.fromhex(KEY)
    finally:
        state.close()
