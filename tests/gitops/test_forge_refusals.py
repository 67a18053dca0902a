"""When the forge refuses, or is not there, `wabaplan comment` says so in one line with the fix, exits 1, and
never shows the token — not in its output, not in the error, not in the error's chain."""

from __future__ import annotations

import os
import shutil
import socket
import traceback
from pathlib import Path

import httpx
import pytest
from fakeforge import FakeForge
from forge_plans import EXAMPLE_PLAN
from forgekit import GITHUB_TOKEN, TOKENS, comment
from leaks import assert_no_secret

from reconciler.gitops.ci import locate
from reconciler.gitops.comment import marker
from reconciler.gitops.connect import connect
from reconciler.gitops.forge import ForgeError, upsert
from reconciler.gitops.rest import Advice, ForgeToken, Rest


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLE_PLAN, tmp_path / "plan.json"))


FIXES = {
    ("github", 401): "GitHub refused the token (401 Unauthorized: Bad credentials): GITHUB_TOKEN is not a "
    "valid token",
    ("github", 403): "GitHub refused to list the comments of octo/shop#7 (403 Forbidden: Resource not "
    "accessible by integration): give the job `permissions: pull-requests: write`",
    ("github", 404): "GitHub found no pull request octo/shop#7 (404 Not Found: Not Found): check --repo "
    "octo/shop and --pr 7",
    ("github", 502): "GitHub answered 502 Bad Gateway: Server Error when asked to list the comments of "
    "octo/shop#7: re-run the job",
    ("gitlab", 401): "GitLab refused the token (401 Unauthorized: 401 Unauthorized): GITLAB_TOKEN is not a "
    "valid token",
    ("gitlab", 403): "GitLab refused to list the notes of 42!7 (403 Forbidden: 403 Forbidden): the token "
    "needs the api scope and at least the Reporter role in the project (CI_JOB_TOKEN cannot post merge "
    "request notes on most GitLab versions",
    ("gitlab", 404): "GitLab found no merge request 42!7 (404 Not Found: 404 Not found): check --repo 42 and "
    "--pr 7",
}


@pytest.mark.parametrize(("forge", "status"), sorted(FIXES))
def test_a_refusal_is_one_line_with_the_fix(
    request: pytest.FixtureRequest,
    plan_file: Path,
    capsys: pytest.CaptureFixture[str],
    forge: str,
    status: int,
) -> None:
    fake: FakeForge = request.getfixturevalue(forge)  # the `github` or `gitlab` CI run
    fake.refuse = status
    code, said = comment(capsys, str(plan_file))
    assert code == 1
    assert said.count("\n") == 1 and said.startswith("error: "), said
    assert FIXES[forge, status] in said
    assert_no_secret(said, *TOKENS)
    assert fake.writes() == []


@pytest.mark.parametrize("status", [401, 403])
def test_credentials_a_refusal_repeats_are_masked(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    github.refuse, github.echo_token = status, True
    code, said = comment(capsys, str(plan_file))
    assert code == 1 and "(sent authorization: Bearer ***)" in said
    assert_no_secret(said, *TOKENS)


def test_a_wrong_token_is_refused_and_not_shown(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_someOtherTokenThatIsWrong0123456789")
    github.echo_token = True
    code, said = comment(capsys, str(plan_file))
    assert code == 1 and "401 Unauthorized" in said
    assert_no_secret(said, "ghs_someOtherTokenThatIsWrong0123456789", *TOKENS)


def test_an_unknown_pull_request_is_404_with_the_fix(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = comment(capsys, str(plan_file), "--pr", "8")
    assert code == 1
    assert "GitHub found no pull request octo/shop#8 (404 Not Found: Not Found): check --repo" in said


def test_a_forge_that_is_not_there(
    monkeypatch: pytest.MonkeyPatch, github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
    code, said = comment(capsys, str(plan_file))
    assert code == 1 and said.count("\n") == 1
    assert f"error: cannot reach GitHub at http://127.0.0.1:{port}" in said
    assert_no_secret(said, *TOKENS)


def test_the_token_is_in_no_exception_or_its_chain(
    github: FakeForge, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.refuse, github.echo_token = 403, True
    where = locate(os.environ)
    assert GITHUB_TOKEN not in repr(where) + str(where.token) + f"{where.token}"
    with pytest.raises(ForgeError) as caught, connect(where) as forge:
        upsert(forge, marker("p"), marker("p") + "\nbody")
    everything = "\n".join([str(caught.value), repr(caught.value), *traceback.format_exception(caught.value)])
    assert_no_secret(everything, *TOKENS)


def test_a_next_page_on_another_host_is_not_followed(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token goes only to the forge's own API, whatever a Link header says."""
    github.link_origin = "http://elsewhere.example"
    code, said = comment(capsys, str(plan_file))
    assert code == 1 and said.count("\n") == 1
    assert "GitHub pointed the next page at elsewhere.example, not at 127.0.0.1: not followed" in said
    assert [m for m, _ in github.requests] == ["GET"]


def test_an_address_that_is_not_the_api(
    monkeypatch: pytest.MonkeyPatch, github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = os.environ["GITHUB_API_URL"]
    monkeypatch.setenv("GITHUB_API_URL", url + "/nowhere")  # answers 404 with JSON: the forge's own words
    code, said = comment(capsys, str(plan_file))
    assert code == 1 and said.count("\n") == 1 and "404 Not Found" in said


def test_a_page_that_is_not_json_is_one_line() -> None:
    """A proxy's login page where the API should be (a transport stands in: loopback adds nothing here)."""
    page = httpx.MockTransport(lambda request: httpx.Response(200, html="<html>sign in</html>"))
    advice = Advice("GitHub", "pull request octo/shop#7", "", "", "")
    rest = Rest("https://proxy.example/api", {}, ForgeToken(GITHUB_TOKEN), advice, page)
    with pytest.raises(
        ForgeError, match=r"GitHub answered text/html; charset=utf-8, not JSON, when asked to "
    ):
        next(rest.pages("/x", {}, "list"))
