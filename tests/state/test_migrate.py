"""`state migrate`: a local journal copied into PostgreSQL, once, and only into its own estate."""

from __future__ import annotations

from pathlib import Path

import pytest
from statekit import KEY

from reconciler.fingerprints import keyed
from reconciler.state import LocalState, StateError, open_backend
from reconciler.state.postgres import Location
from reconciler.state.transfer import migrate_local

TARGET = "https://graph.facebook.com"
PIN_KEY = 'numbers["+85251234567"].pin'


def _local_history(state_dir: Path) -> tuple[int, str]:
    local = LocalState(state_dir)
    fingerprint = keyed(local.key(), "482915")
    with local.journal(target=TARGET) as journal:
        run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={"update": 1})
        journal.record_action(
            run_id,
            action_id="a",
            address=PIN_KEY,
            op="set_pin",
            status="done",
            detail="set",
            started=1,
            finished=2,
        )
        journal.intend(run_id, action_id="b", op="add_number", subject='numbers["+85261234567"]')
        journal.record_code_request(number="+85261234567", method="SMS", at=3.0)
        journal.set_fingerprint(PIN_KEY, fingerprint, at=4.0)
        journal.finish_run(run_id, "interrupted")
    return run_id, fingerprint


def test_history_moves_once_and_goes_on_from_there(tmp_path: Path, pg_url: str) -> None:
    state_dir = tmp_path / ".wabaplan"
    run_id, fingerprint = _local_history(state_dir)
    local_key = LocalState(state_dir).key()
    done = migrate_local(state_dir, Location.parse(pg_url), local_key)
    assert done.copied == {"runs": 1, "actions": 1, "intents": 1, "code_requests": 1, "fingerprints": 1}
    assert done.already == 0 and done.fingerprints_left == 0

    again = migrate_local(state_dir, Location.parse(pg_url), local_key)  # idempotent
    assert set(again.copied.values()) == {0} and again.already == 1

    shared = open_backend(
        tmp_path / "elsewhere", {"WABAPLAN_STATE_URL": pg_url, "WABAPLAN_STATE_KEY": local_key.hex()}
    )
    try:
        assert shared.read_fingerprints(TARGET) == {PIN_KEY: fingerprint}
        assert shared.estate() == LocalState(state_dir).estate()
        with shared.journal(target=TARGET) as journal:
            assert [r.id for r in journal.runs()] == [run_id]
            assert [i.op for i in journal.open_intents(of_ended_runs=True)] == [
                "add_number"
            ]  # still to settle
            assert journal.last_code_request("+85261234567") is not None
            later = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
            assert later > run_id  # new runs number on from the copied ones
    finally:
        shared.close()


def test_fingerprints_made_under_another_key_are_left_behind_and_counted(tmp_path: Path, pg_url: str) -> None:
    state_dir = tmp_path / ".wabaplan"
    _local_history(state_dir)
    done = migrate_local(state_dir, Location.parse(pg_url), bytes.fromhex(KEY))
    assert done.copied["fingerprints"] == 0 and done.fingerprints_left == 1
    assert done.copied["runs"] == 1


def test_another_estates_history_is_never_merged_into(tmp_path: Path, pg_url: str) -> None:
    first, second = tmp_path / "one" / ".wabaplan", tmp_path / "two" / ".wabaplan"
    _local_history(first)
    _local_history(second)
    migrate_local(first, Location.parse(pg_url), bytes.fromhex(KEY))
    with pytest.raises(
        StateError, match=r"holds another estate's history \(1 runs of estate .*nothing was copied"
    ):
        migrate_local(second, Location.parse(pg_url), bytes.fromhex(KEY))


def test_nothing_to_migrate_is_said_plainly(tmp_path: Path, pg_url: str) -> None:
    with pytest.raises(StateError, match=r"no local journal in .*: nothing to migrate"):
        migrate_local(tmp_path / "empty", Location.parse(pg_url), bytes.fromhex(KEY))
