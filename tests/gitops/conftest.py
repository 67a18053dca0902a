"""A fake GitHub and GitLab on loopback, and the CI environment of a pull request on each."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeforge import FakeForge
from forgekit import GITHUB_TOKEN, GITLAB_TOKEN, JOB_TOKEN, OTHERS
from loopback import serve


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CI variable of the machine running the tests (CI=true, GITHUB_*, GITLAB_*, CI_*) leaks in."""
    for name in list(os.environ):
        if name == "CI" or name.startswith(("GITHUB_", "GITLAB_", "CI_")):
            monkeypatch.delenv(name)


@pytest.fixture
def fake() -> FakeForge:
    forge = FakeForge(token=GITHUB_TOKEN)
    forge.seed(OTHERS)
    return forge


@pytest.fixture
def forge_url(fake: FakeForge) -> Iterator[str]:
    with serve(fake.app()) as url:
        yield url


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeForge, forge_url: str) -> FakeForge:
    """A `pull_request` run of GitHub Actions for octo/shop#7, its API the fake."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {"number": 7}}))
    for name, value in {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": forge_url,
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_TOKEN": GITHUB_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    return fake


@pytest.fixture
def gitlab(monkeypatch: pytest.MonkeyPatch, fake: FakeForge, forge_url: str) -> FakeForge:
    """A merge request pipeline of GitLab CI for project 42, merge request !7, its API the fake."""
    fake.token = GITLAB_TOKEN
    for name, value in {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_API_V4_URL": f"{forge_url}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_PROJECT_URL": "https://gitlab.example/group/shop",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_JOB_TOKEN": JOB_TOKEN,
        "GITLAB_TOKEN": GITLAB_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    return fake
