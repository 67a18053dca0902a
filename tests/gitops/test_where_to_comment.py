"""Where to comment, told by the CI environment (GitHub Actions, GitLab CI) or by --forge/--repo/--pr."""

from __future__ import annotations

import json

import pytest

from reconciler.gitops.ci import GITHUB_API, GITLAB_API, detect, locate
from reconciler.gitops.forge import ForgeError

TOKEN = "ghs_whereTestToken0123456789"
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "octo/shop",
    "GITHUB_EVENT_PATH": "/runner/event.json",
    "GITHUB_TOKEN": TOKEN,
}
GITLAB = {
    "GITLAB_CI": "true",
    "CI_API_V4_URL": "https://gitlab.example/api/v4",
    "CI_PROJECT_ID": "42",
    "CI_MERGE_REQUEST_IID": "9",
    "GITLAB_TOKEN": TOKEN,
}


def event(payload: dict[str, object]):  # type: ignore[no-untyped-def]
    return lambda path: json.dumps(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "opened", "number": 7, "pull_request": {"number": 7}},  # pull_request, pull_request_target
        {"action": "created", "issue": {"number": 7, "pull_request": {"url": "…"}}},  # issue_comment on a PR
    ],
    ids=["pull_request", "issue_comment"],
)
def test_github_pull_request_from_the_event_file(payload: dict[str, object]) -> None:
    where = locate(GITHUB, read=event(payload))
    assert (where.forge, where.api_url, where.repo, where.number) == ("github", GITHUB_API, "octo/shop", 7)


def test_github_falls_back_to_the_pull_ref() -> None:
    environ = {**GITHUB, "GITHUB_REF": "refs/pull/12/merge", "GITHUB_API_URL": "https://ghe.example/api/v3/"}
    where = locate(environ, read=event({"ref": "refs/heads/main"}))
    assert (where.number, where.api_url) == (12, "https://ghe.example/api/v3")


def test_a_push_names_no_pull_request() -> None:
    environ = {**GITHUB, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}
    with pytest.raises(ForgeError, match=r"not for a pull request \(push names none\).*pass --pr NUMBER"):
        locate(environ, read=event({"ref": "refs/heads/main"}))


def test_flags_override_the_environment() -> None:
    where = locate(GITHUB, repo="other/repo", number=3, read=event({}))
    assert (where.repo, where.number) == ("other/repo", 3)


def test_an_unreadable_event_file_says_so() -> None:
    def missing(path: str) -> str:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(ForgeError, match=r"cannot read GITHUB_EVENT_PATH /runner/event\.json .*--pr"):
        locate(GITHUB, read=missing)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({**GITHUB, "GITHUB_TOKEN": ""}, r"GITHUB_TOKEN is not set: .*pull-requests: write"),
        ({**GITHUB, "GITHUB_TOKEN": "two words"}, r"GITHUB_TOKEN holds spaces or line breaks"),
        ({**GITHUB, "GITHUB_REPOSITORY": ""}, r"GITHUB_REPOSITORY is not set\): pass --repo OWNER/NAME"),
        ({**GITHUB, "GITHUB_REPOSITORY": "shop"}, r"'shop' is not OWNER/NAME"),
        ({**GITHUB, "GITHUB_API_URL": "api.github.com"}, r"GITHUB_API_URL is 'api.github.com', not an http"),
    ],
)
def test_github_refusals(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ForgeError, match=message):
        locate(environ, read=event({"pull_request": {"number": 1}}))


def test_gitlab_merge_request_pipeline() -> None:
    where = locate({**GITLAB, "CI_PROJECT_URL": "https://gitlab.example/group/shop/"})
    assert (where.forge, where.api_url, where.repo, where.number) == (
        "gitlab",
        "https://gitlab.example/api/v4",
        "42",
        9,
    )
    assert where.web_url == "https://gitlab.example/group/shop"
    assert locate({**GITLAB, "CI_API_V4_URL": ""}).api_url == GITLAB_API


def test_gitlab_without_gitlab_token_explains_ci_job_token() -> None:
    environ = {**GITLAB, "GITLAB_TOKEN": "", "CI_JOB_TOKEN": "glcbt-x"}
    with pytest.raises(ForgeError) as caught:
        locate(environ)
    said = str(caught.value)
    assert said.startswith("GITLAB_TOKEN is not set: CI_JOB_TOKEN cannot post merge request notes")
    assert "https://docs.gitlab.com/ci/jobs/ci_job_token/" in said and "project access token" in said
    assert "glcbt-x" not in said


def test_gitlab_branch_pipeline_names_no_merge_request() -> None:
    with pytest.raises(ForgeError, match=r"CI_MERGE_REQUEST_IID is not set.*merge_request_event.*--pr IID"):
        locate({**GITLAB, "CI_MERGE_REQUEST_IID": ""})


def test_the_forge_is_told_by_the_environment_or_named() -> None:
    assert detect(GITHUB) == "github" and detect(GITLAB) == "gitlab"
    assert detect({"GITHUB_API_URL": "https://ghe.example/api/v3"}) == "github"
    assert locate({**GITLAB, **GITHUB}, forge="gitlab").forge == "gitlab"
    with pytest.raises(ForgeError, match=r"neither GitHub Actions .* nor GitLab CI .*--forge github\|gitlab"):
        detect({"CI": "true"})
