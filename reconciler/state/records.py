"""What the state store remembers, as frozen values: runs, actions, intents, code requests, lock holders.

Statuses are `StrEnum`s, so a value compares equal to the text stored in either backend.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from reconciler.cienv import job_url
from reconciler.state.githead import head_commit


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    WAITING = "waiting"
    INTERRUPTED = "interrupted"
    REFUSED = "refused"  # an apply stopped before it changed anything: a lock held, a guard, a stale plan
    PLANNED = "planned"  # `plan --out`: a plan saved for review (`command` is "plan")


class IntentOutcome(StrEnum):
    DONE = "done"
    NOT_DONE = "not_done"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Run:
    id: int
    command: str
    started: float
    finished: float | None
    status: str
    target: str
    config_hash: str
    simulated: bool
    summary: dict[str, int]
    counts: dict[str, int]  # action status → how many
    actor: str = ""  # who ran it: the CI's user (GITHUB_ACTOR, GITLAB_USER_LOGIN), else the OS user
    host: str = ""
    commit: str = ""  # the commit the config was at (GITHUB_SHA, CI_COMMIT_SHA, or the local git HEAD)
    ci_url: str = ""  # the pipeline or job that ran it
    checksum: str = ""  # the plan applied, saved or refused (its `checksum`), when there was one
    detail: str = ""  # why it was refused, or where a plan was saved


@dataclass(frozen=True)
class RunNote:
    """A run that began and ended at once (a refused apply, a saved plan), for `Journal.record_run`."""

    command: str
    status: RunStatus
    config_hash: str
    simulated: bool
    summary: Mapping[str, int] = field(default_factory=dict)
    checksum: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ActionRecord:
    run_id: int
    action_id: str
    address: str
    op: str
    status: str
    detail: str
    started: float
    finished: float


@dataclass(frozen=True)
class DoneAction:
    """An action an apply finished `done` at a target (`read_done`): what, on what, and when (Unix s)."""

    address: str
    op: str
    finished: float


class EventStatus(StrEnum):
    ACCEPTED = "accepted"  # recorded, not yet acted on (a restart acts on it)
    DONE = "done"  # acted on: `detail` says what was found
    IGNORED = "ignored"  # about nothing the config declares, or a field wabaplan does not act on


@dataclass(frozen=True)
class EventRecord:
    """A webhook event as the store keeps it (`events` table): the change as Meta sent it, and its fate."""

    key: str
    field: str
    waba_id: str
    subject: str
    sent: int
    change: str
    received: float
    status: str
    done_at: float | None
    detail: str


@dataclass(frozen=True)
class ConfirmedRecord:
    """A resource's live state as last read from Meta, and when (`confirmed` table): what a refresh may
    use instead of reading it again while it is recent and no event has named it since."""

    address: str  # wabas.NAME (the account and which numbers and templates it holds), numbers["+…"],
    #               wabas.NAME.templates["name/lang"]
    waba_id: str
    live: str  # JSON, as reconciler.confirmed writes it (Meta shows no secret, so it holds none)
    at: float  # when it was read


@dataclass(frozen=True)
class Intent:
    id: int
    run_id: int
    action_id: str
    op: str
    subject: str
    recorded: float
    outcome: str | None
    detail: str | None


@dataclass(frozen=True)
class CodeRequest:
    id: int
    number: str
    method: str
    at: float
    confirmed: bool  # False: wabaplan asked, but never saw Meta's answer (a crash, a lost response)


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a lock: enough to find them and ask."""

    id: str  # what `wabaplan state unlock ID` takes
    scope: str  # a WABA ID, or "estate" for the local lock over the whole state directory
    command: str
    pid: int | None
    host: str
    user: str
    ci_url: str  # the CI job's URL, when the environment names one
    started: float
    alive: bool  # the lock is still held (its session or process is alive)

    def describe(self) -> str:
        try:
            when = datetime.fromtimestamp(self.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        except (ValueError, OverflowError, OSError):
            when = "an unknown time"
        who = f"{self.user} " if self.user else ""
        job = f", {self.ci_url}" if self.ci_url else ""
        return f"`wabaplan {self.command}` ({who}pid {self.pid} on {self.host}{job}, started {when})"


@dataclass(frozen=True)
class Identity:
    """Who is running: what a lock holder's record says of them."""

    pid: int
    host: str
    user: str
    ci_url: str
    commit: str = ""


def identity(environ: Mapping[str, str], repo: Path | None = None) -> Identity:
    """This process, its user and, on a CI runner, the job's URL and the commit (GitHub Actions, GitLab CI,
    Jenkins); off CI, the commit is `repo`'s git HEAD when there is one to read."""
    commit = environ.get("GITHUB_SHA") or environ.get("CI_COMMIT_SHA") or environ.get("GIT_COMMIT") or ""
    if not commit and repo is not None:
        commit = head_commit(repo)
    ci_url = job_url(environ) or ""
    user = environ.get("GITHUB_ACTOR") or environ.get("GITLAB_USER_LOGIN") or environ.get("USER") or ""
    if not user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = ""
    return Identity(os.getpid(), socket.gethostname(), user, ci_url, commit)
