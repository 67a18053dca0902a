"""`wabaplan state show | migrate | unlock`, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from statekit import KEY

from reconciler.cli import main
from reconciler.state import LocalState, open_backend
from reconciler.state.keys import user_key_dir


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def test_show_on_local_state_before_and_after_an_apply(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "state", "show", "-c", str(estate))
    assert code == 0, out
    assert f"backend       local, {estate.parent / '.wabaplan'}" in out
    assert "schema        none yet" in out and "last runs     none" in out
    assert run(capsys, "apply", "-c", str(estate), "--sim", "--auto-approve")[0] == 3
    code, out = run(capsys, "state", "show", "-c", str(estate))
    assert "schema        version 4 (this wabaplan knows 4)" in out
    assert "#1  " in out and "waiting (simulated)" in out and "locks held    none" in out
    code, out = run(capsys, "state", "show", "-c", str(estate), "--format", "json")
    document = json.loads(out)
    assert document["shared"] is False and document["last_runs"][0]["status"] == "waiting"


def test_show_names_who_holds_which_wabas_and_unlock_waits_for_them_to_die(
    estate: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WABAPLAN_STATE_URL", pg_url)
    monkeypatch.setenv("WABAPLAN_STATE_KEY", KEY)
    environ = {"WABAPLAN_STATE_URL": pg_url, "WABAPLAN_STATE_KEY": KEY, "GITHUB_ACTOR": "mei"}
    holder = open_backend(estate.parent / "elsewhere", environ)
    with holder.lock(frozenset({"2000000000001"}), command="apply", timeout=None):
        code, out = run(capsys, "state", "show", "-c", str(estate))
        assert code == 0, out
        assert "backend       PostgreSQL, postgresql://postgres@127.0.0.1:5432/test" in out
        assert "locks held    1" in out and "WABA 2000000000001: `wabaplan apply` (mei pid" in out
        (record,) = holder.holders()
        code, out = run(capsys, "state", "unlock", record.id, "-c", str(estate))
        assert code == 1 and "is alive" in out
    holder.close()
    code, out = run(capsys, "state", "unlock", "nope", "-c", str(estate))
    assert code == 1 and "no lock holder nope" in out


def test_adopting_shared_state_keeps_history_and_fingerprints(
    estate: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(estate)
    assert run(capsys, "apply", "-c", config, "--sim", "--auto-approve")[0] == 3
    _, before = run(capsys, "plan", "-c", config, "--sim")
    assert 'numbers["+85251234567"].pin' not in before  # set, and remembered locally

    # the team moves to PostgreSQL, keeping this machine's key so the fingerprints stay valid
    local_key = LocalState(estate.parent / ".wabaplan").key()
    assert [p.name for p in user_key_dir().glob("*.key")]
    monkeypatch.setenv("WABAPLAN_STATE_KEY", local_key.hex())
    code, out = run(capsys, "state", "migrate", "-c", config, "--to", pg_url)
    assert code == 0, out
    assert "1 runs" in out and "fingerprints were made" not in out
    assert local_key.hex() not in out

    monkeypatch.setenv("WABAPLAN_STATE_URL", pg_url)
    code, after = run(capsys, "plan", "-c", config, "--sim")
    assert code == 0 and 'numbers["+85251234567"].pin' not in after, after
    code, history = run(capsys, "history", "-c", config)
    assert code == 0 and history.startswith("#1 "), history
    code, out = run(capsys, "state", "migrate", "-c", config)  # again: nothing new
    assert code == 0 and "0 runs" in out and "1 runs were there already" in out


def test_migrate_with_another_key_says_what_stays_behind(
    estate: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(estate)
    run(capsys, "apply", "-c", config, "--sim", "--auto-approve")
    code, out = run(capsys, "state", "migrate", "-c", config, "--to", pg_url)
    assert code == 1 and "WABAPLAN_STATE_KEY is not set" in out
    monkeypatch.setenv("WABAPLAN_STATE_KEY", KEY)
    code, out = run(capsys, "state", "migrate", "-c", config, "--to", pg_url)
    assert code == 0 and "fingerprints were made with this machine's key" in out, out
    assert "0 fingerprints" in out


def test_history_as_json_holds_every_run_and_action(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "history", "-c", str(estate), "--format", "json")
    assert code == 0 and json.loads(out) == {"runs": []}
    assert run(capsys, "apply", "-c", str(estate), "--sim", "--auto-approve")[0] == 3
    code, out = run(capsys, "history", "-c", str(estate), "--format", "json")
    (only,) = json.loads(out)["runs"]
    assert only["status"] == "waiting" and only["simulated"] is True
    assert {a["status"] for a in only["actions"]} >= {"done", "skipped"}
    assert sum(only["counts"].values()) == len(only["actions"])
