"""A hostile environment for local state ends in one line that says what to do — never a traceback, and
never advice that throws the journal away."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sim_estate import ROOT, SECRETS, copy_estate

from reconciler.state import JournalError, StateUnavailable
from reconciler.state.sqlite import SCHEMA_VERSION, SqliteJournal

TARGET = "https://graph.facebook.com"


def wabaplan(config: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **SECRETS, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **env}
    environ.pop("WABAPLAN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args, "-c", str(config)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", [("plan", "--sim"), ("apply", "--sim", "--auto-approve")])
def test_a_state_directory_under_a_regular_file_is_one_clear_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    config = copy_estate(tmp_path / "estate")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should be\n")
    done = wabaplan(config, *command, WABAPLAN_STATE_DIR=str(blocker / "state"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and "WABAPLAN_STATE_DIR" in done.stderr, done.stderr
    assert (
        done.stderr.count("\n") == 1
        and "Traceback" not in done.stderr
        and "internal error" not in done.stderr
    )


def test_a_full_disk_stops_the_journal_with_what_to_do(tmp_path: Path) -> None:
    with SqliteJournal.open(tmp_path / "state", target=TARGET) as journal:
        run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
        pages = journal._db.raw.execute("PRAGMA page_count").fetchone()[0]
        journal._db.raw.execute(f"PRAGMA max_page_count = {pages}")  # as full as a full disk
        with pytest.raises(
            StateUnavailable, match=r"cannot be written \(database or disk is full\): no further"
        ):
            for n in range(10_000):
                journal.record_action(
                    run_id, action_id=f"a{n}", address="x", op="set_pin", status="done", detail="d" * 500,
                    started=1.0, finished=2.0,
                )  # fmt: skip
    assert (tmp_path / "state" / "journal.db").exists()  # kept, with everything written before


def test_a_terminal_that_cannot_show_unicode_still_gets_the_plan(tmp_path: Path) -> None:
    config = copy_estate(tmp_path / "estate")
    done = wabaplan(config, "plan", "--sim", PYTHONIOENCODING="ascii", LANG="C", LC_ALL="C")
    assert done.returncode == 0, done.stderr
    assert "Plan:" in done.stdout and "UnicodeEncodeError" not in done.stderr


def test_a_proxy_in_the_environment_does_not_stand_between_sim_and_its_simulator(tmp_path: Path) -> None:
    """HTTP_PROXY pointing nowhere: the loopback simulator is reached directly (it took 13 s of retries)."""
    config = copy_estate(tmp_path / "estate")
    proxy = "http://127.0.0.1:1"
    done = wabaplan(config, "plan", "--sim", HTTP_PROXY=proxy, HTTPS_PROXY=proxy, ALL_PROXY=proxy)
    assert done.returncode == 0, done.stderr
    assert "Plan:" in done.stdout and "will retry" not in done.stderr


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """A second, real connection (as an `sqlite3` shell would) that holds the file's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO runs (command, started, status, target, config_hash, simulated, summary) "
                  "VALUES ('other', 0, 'running', '', '', 0, '{}')")  # fmt: skip
    return other


def test_a_journal_locked_by_another_program_while_writing_says_what_to_do(tmp_path: Path) -> None:
    """The busy wait is bounded (0 s here: the lock is already held when the write is tried)."""
    with SqliteJournal.open(tmp_path / "state", target=TARGET, busy_timeout=0) as journal:
        run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
        other = _hold_write_lock(journal.path)
        try:
            with pytest.raises(StateUnavailable) as raised:
                journal.finish_run(run_id, "succeeded")
        finally:
            other.rollback()
            other.close()
        assert [run.status for run in journal.runs()] == ["running"]  # nothing half-written
    message = str(raised.value)
    assert "locked by another program (database is locked)" in message
    assert "close what holds it open for writing" in message and "then run again" in message
    assert "move" not in message and "\n" not in message  # never advice that discards it


def test_a_journal_locked_by_another_program_when_opened_says_what_to_do(tmp_path: Path) -> None:
    """Opening an up-to-date journal writes nothing, so another program's lock does not stop it; opening
    one that must be upgraded first (written by an older wabaplan) waits for that lock, then says so."""
    SqliteJournal.open(tmp_path / "state", target=TARGET).close()
    path = tmp_path / "state" / "journal.db"
    other = _hold_write_lock(path)
    try:
        SqliteJournal.open(tmp_path / "state", target=TARGET, busy_timeout=0).close()
    finally:
        other.rollback()
        other.close()
    with sqlite3.connect(path) as older:
        older.execute(f"PRAGMA user_version={SCHEMA_VERSION - 1}")
    before = path.read_bytes()
    other = _hold_write_lock(path)
    try:
        with pytest.raises(JournalError) as raised:
            SqliteJournal.open(tmp_path / "state", target=TARGET, busy_timeout=0)
    finally:
        other.rollback()
        other.close()
    message = str(raised.value)
    assert message.startswith(f"the journal {path} is locked by another program (database is locked)")
    assert "it is left as it was" in message and "recover" not in message and "move" not in message
    assert path.read_bytes() == before
