"""Who ran what (state schema 3): every run records its actor, host, commit and CI job; saved plans and
refused applies are runs too. Each behaviour on local state and on PostgreSQL; an old (version 2) store
is migrated, keeping its runs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from statekit import KEY

from reconciler.cli import main
from reconciler.config import load
from reconciler.state import StateBackend, open_backend
from reconciler.state.githead import head_commit
from reconciler.state.journal import RUN_ORIGIN_COLUMNS
from reconciler.state.postgres import MIGRATIONS, Location
from reconciler.state.records import Identity, RunNote, RunStatus, identity
from reconciler.state.sqlite import FILE_NAME, SCHEMA, SCHEMA_VERSION

TARGET = "https://graph.facebook.com"
MEI = Identity(pid=1, host="runner-7", user="mei", ci_url="https://ci.example/jobs/42", commit="ab" * 20)
OLD_RUN = ("apply", 100.0, 101.0, "succeeded", TARGET, "sha256:old", 0, '{"create": 1}')


def test_a_run_records_who_ran_it_and_the_plan(backend: StateBackend) -> None:
    with backend.journal(TARGET) as journal:
        run_id = journal.start_run(
            config_hash="sha256:c", simulated=False, command="apply", summary={"create": 1}, who=MEI,
            checksum="sha256:plan",
        )  # fmt: skip
        journal.finish_run(run_id, RunStatus.SUCCEEDED)
    with backend.journal() as history:
        (run,) = history.runs()
    assert (run.actor, run.host, run.commit, run.ci_url) == ("mei", "runner-7", "ab" * 20, MEI.ci_url)
    assert (run.checksum, run.detail, run.status) == ("sha256:plan", "", "succeeded")


def test_a_refusal_and_a_saved_plan_are_runs_that_end_as_they_begin(backend: StateBackend) -> None:
    with backend.journal("") as journal:  # refused before a target was known (a lock held)
        journal.forbid(["482915"])
        note = RunNote("apply", RunStatus.REFUSED, "sha256:c", simulated=True,
                       detail="WABA 1 is locked by `wabaplan apply`; PIN 482915")  # fmt: skip
        journal.record_run(note, MEI)
    with backend.journal(TARGET) as journal:
        note = RunNote("plan", RunStatus.PLANNED, "sha256:c", simulated=False, summary={"update": 2},
                       checksum="sha256:p", detail="saved to plan.json")  # fmt: skip
        journal.record_run(note, MEI)
    with backend.journal() as history:
        planned, refused = history.runs()
        assert history.actions(refused.id) == []
    assert (planned.command, planned.status, planned.target, planned.summary) == (
        "plan", "planned", TARGET, {"update": 2},
    )  # fmt: skip
    assert planned.started == planned.finished and planned.checksum == "sha256:p"
    assert (refused.status, refused.target, refused.simulated) == ("refused", "", True)
    assert refused.detail == "WABA 1 is locked by `wabaplan apply`; PIN ***"  # never a secret


def test_an_old_local_journal_gains_the_columns_and_keeps_its_runs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    db = sqlite3.connect(state / FILE_NAME)
    db.executescript(SCHEMA)  # the tables of version 2: `runs` without the columns of 3
    db.execute(f"INSERT INTO runs ({_OLD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", OLD_RUN)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    backend = open_backend(state, {})
    assert backend.schema() == (2, SCHEMA_VERSION) == (2, 4)
    _assert_migrated(backend)
    assert backend.schema() == (4, 4)


def test_an_old_database_gains_the_columns_and_keeps_its_runs(pg_url: str, tmp_path: Path) -> None:
    location = Location.parse(pg_url)
    with psycopg.connect(location.conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(location.schema)))
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(location.schema)))
        for version in (1, 2):
            connection.execute(MIGRATIONS[version])  # type: ignore[call-overload]
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (2)")
        connection.execute("INSERT INTO meta VALUES ('estate', 'e1')")
        connection.execute(
            f"INSERT INTO runs ({_OLD_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", OLD_RUN
        )  # type: ignore[call-overload]
    backend = open_backend(tmp_path, {"WABAPLAN_STATE_URL": pg_url, "WABAPLAN_STATE_KEY": KEY})
    try:
        assert backend.schema() == (2, 4)
        _assert_migrated(backend)
        assert backend.schema() == (4, 4) and backend.estate() == "e1"
    finally:
        backend.close()


_OLD_COLUMNS = "command, started, finished, status, target, config_hash, simulated, summary"


def _assert_migrated(backend: StateBackend) -> None:
    with backend.journal(TARGET) as journal:
        journal.start_run(config_hash="sha256:new", simulated=False, command="apply", summary={}, who=MEI)
    with backend.journal() as history:
        new, old = history.runs()
        dumped = history.dump()["runs"]
    assert (old.config_hash, old.status, old.actor, old.commit, old.detail) == (
        "sha256:old", "succeeded", "", "", "",
    )  # fmt: skip
    assert (new.actor, new.commit) == ("mei", "ab" * 20)
    assert all(len(row) == 9 + len(RUN_ORIGIN_COLUMNS) for row in dumped)


# ---------------------------------------------------------------- who: the CI environment, or the checkout


def test_who_comes_from_github_gitlab_or_jenkins(tmp_path: Path) -> None:
    github = identity(
        {"GITHUB_ACTOR": "mei", "GITHUB_SHA": "1" * 40, "GITHUB_SERVER_URL": "https://ghe.example",
         "GITHUB_REPOSITORY": "acme/waba", "GITHUB_RUN_ID": "77", "GITHUB_ACTIONS": "true", "USER": "runner"},
        tmp_path,
    )  # fmt: skip
    assert (github.user, github.commit, github.ci_url) == (
        "mei", "1" * 40, "https://ghe.example/acme/waba/actions/runs/77",
    )  # fmt: skip
    gitlab = identity(
        {"GITLAB_USER_LOGIN": "jo", "CI_COMMIT_SHA": "2" * 40, "CI_JOB_URL": "https://gl.example/-/jobs/9"}
    )
    assert (gitlab.user, gitlab.commit, gitlab.ci_url) == ("jo", "2" * 40, "https://gl.example/-/jobs/9")
    jenkins = identity({"USER": "ci", "GIT_COMMIT": "3" * 40, "BUILD_URL": "https://j.example/job/1/"})
    assert (jenkins.user, jenkins.commit, jenkins.ci_url) == ("ci", "3" * 40, "https://j.example/job/1/")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def test_a_local_run_names_the_checkouts_head_branch_packed_detached_or_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "estate").mkdir(parents=True)
    assert head_commit(repo / "estate") == ""  # no repository yet
    _git(repo, "init", "-q", "-b", "main")
    assert head_commit(repo / "estate") == ""  # a branch with no commit
    _git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    first = _git(repo, "rev-parse", "HEAD")
    assert head_commit(repo / "estate") == first == identity({}, repo / "estate").commit
    _git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert head_commit(repo) == first
    _git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    _git(repo, "checkout", "-q", "--detach", first)
    assert head_commit(repo) == first
    _git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"), "main")
    assert head_commit(tmp_path / "side") == _git(repo, "rev-parse", "main") != first
    assert identity({"GITHUB_SHA": "f" * 40}, repo).commit == "f" * 40  # CI's word first


# ---------------------------------------------------------------- plan --out, on both backends


def test_a_saved_plan_is_recorded_only_in_a_state_that_exists(
    estate: Path, backend_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:  # fmt: skip
    for name, value in {**backend_env, "GITLAB_USER_LOGIN": "jo", "CI_COMMIT_SHA": "c" * 40,
                        "CI_JOB_URL": "https://gl.example/-/jobs/9"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    saved = tmp_path / "plan.json"
    backend = open_backend(estate.parent / ".wabaplan", backend_env)
    try:
        assert main(["plan", "-c", str(estate), "--sim"]) == 0
        assert main(["plan", "-c", str(estate), "--sim", "--out", str(saved)]) == 0
        err = capsys.readouterr().err
        assert "not recorded in `wabaplan history`: no state yet: the first apply creates it" in err
        assert backend.schema()[0] == 0  # neither plan created a journal, a table or a schema
        assert not (estate.parent / ".wabaplan" / FILE_NAME).exists()
        assert main(["apply", "-c", str(estate), "--sim", "--auto-approve"]) == 3
        assert main(["plan", "-c", str(estate), "--sim"]) == 0  # not saved: not recorded
        assert main(["plan", "-c", str(estate), "--sim", "--out", str(saved)]) == 0
        capsys.readouterr()
        assert main(["history", "-c", str(estate), "--format", "json"]) == 0
        planned, applied = json.loads(capsys.readouterr().out)["runs"]
    finally:
        backend.close()
    plan = json.loads(saved.read_text("utf-8"))
    assert (planned["command"], planned["status"], planned["checksum"]) == (
        "plan",
        "planned",
        plan["checksum"],
    )
    assert planned["summary"] == plan["summary"] and planned["detail"] == f"saved to {saved}"
    assert (planned["actor"], planned["commit"], planned["ci_url"]) == (
        "jo",
        "c" * 40,
        "https://gl.example/-/jobs/9",
    )
    assert planned["target"] == applied["target"] and applied["actor"] == "jo"
    assert main(["history", "-c", str(estate)]) == 0
    text = capsys.readouterr().out
    assert "planned (simulated)  no actions (planned: " in text
    assert "    by jo on " in text and f"at commit {'c' * 12}, https://gl.example/-/jobs/9" in text
    assert f"    plan {plan['checksum'][:19]}…: saved to {saved}" in text


def test_an_apply_refused_by_a_held_lock_is_recorded_as_who_tried_what(
    estate: Path, backend_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    for name, value in {**backend_env, "GITHUB_ACTOR": "mei", "GITHUB_SHA": "d" * 40}.items():
        monkeypatch.setenv(name, value)
    config = load(estate).config
    assert config is not None
    holder = open_backend(estate.parent / ".wabaplan", backend_env)
    try:
        with holder.lock(frozenset(w.id for w in config.wabas.values()), command="apply", timeout=None):
            assert main(["apply", "-c", str(estate), "--sim", "--auto-approve"]) == 1
        assert "is locked by `wabaplan apply`" in capsys.readouterr().err
        with holder.journal() as history:
            (refused,) = history.runs()
    finally:
        holder.close()
    assert (refused.command, refused.status, refused.actor, refused.commit) == (
        "apply",
        "refused",
        "mei",
        "d" * 40,
    )
    assert "is locked by `wabaplan apply`" in refused.detail and refused.target == "" and refused.simulated
    assert refused.config_hash.startswith("sha256:") and refused.checksum == ""  # nothing was planned
