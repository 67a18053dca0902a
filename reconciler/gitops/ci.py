"""Where this run comments: the forge, its API, the repository, the pull request and the token.

Read from the CI environment (passed in, never os.environ here); --forge, --repo and --pr override it.

    GitHub Actions   GITHUB_ACTIONS, GITHUB_REPOSITORY, GITHUB_EVENT_PATH or GITHUB_API_URL set
                     API  GITHUB_API_URL (https://api.github.com)       repository  GITHUB_REPOSITORY
                     pull request  the event file's pull_request.number (or an issue comment's issue
                     that is a pull request), else GITHUB_REF refs/pull/N/…     token  GITHUB_TOKEN
    GitLab CI        GITLAB_CI, CI_API_V4_URL, CI_PROJECT_ID or CI_MERGE_REQUEST_IID set
                     API  CI_API_V4_URL (https://gitlab.com/api/v4)     project  CI_PROJECT_ID
                     merge request  CI_MERGE_REQUEST_IID                token  GITLAB_TOKEN
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.gitops.forge import ForgeError
from reconciler.gitops.rest import ForgeToken

FORGES = ("github", "gitlab")
GITHUB_SIGNS = ("GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_API_URL")
GITLAB_SIGNS = ("GITLAB_CI", "CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID")
GITHUB_API = "https://api.github.com"
GITLAB_API = "https://gitlab.com/api/v4"
JOB_TOKEN_DOCS = "https://docs.gitlab.com/ci/jobs/ci_job_token/"
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_PULL_REF = re.compile(r"refs/pull/(\d+)/(?:merge|head)")


@dataclass(frozen=True)
class Where:
    forge: str  # "github" | "gitlab"
    api_url: str
    repo: str  # OWNER/NAME on GitHub; a project's ID or path on GitLab
    number: int  # the pull request's number, the merge request's IID
    token: ForgeToken = field(repr=False)
    web_url: str = ""  # GitLab: the project's page (CI_PROJECT_URL), for the note's address


def locate(
    environ: Mapping[str, str],
    *,
    forge: str | None = None,
    repo: str | None = None,
    number: int | None = None,
    read: Callable[[str], str] = lambda path: Path(path).read_text(encoding="utf-8"),
) -> Where:
    """Where to comment; `read` reads GitHub's event file."""
    chosen = forge or detect(environ)
    if chosen == "github":
        return _github(environ, repo, number, read)
    return _gitlab(environ, repo, number)


def detect(environ: Mapping[str, str]) -> str:
    if any(environ.get(name) for name in GITHUB_SIGNS):
        return "github"
    if any(environ.get(name) for name in GITLAB_SIGNS):
        return "gitlab"
    raise ForgeError(
        "cannot tell where to comment: this run is in neither GitHub Actions (no GITHUB_ACTIONS, "
        "GITHUB_REPOSITORY) nor GitLab CI (no GITLAB_CI, CI_PROJECT_ID); pass --forge github|gitlab "
        "with --repo and --pr"
    )


def _github(
    environ: Mapping[str, str], repo: str | None, number: int | None, read: Callable[[str], str]
) -> Where:
    repo = repo or environ.get("GITHUB_REPOSITORY", "")
    if not _REPO.fullmatch(repo):
        said = f"{repo!r} is not OWNER/NAME" if repo else "GITHUB_REPOSITORY is not set"
        raise ForgeError(f"no GitHub repository to comment in ({said}): pass --repo OWNER/NAME")
    token = _token(
        environ,
        "GITHUB_TOKEN",
        "give the step `env: GITHUB_TOKEN: ${{ github.token }}` and the job "
        "`permissions: pull-requests: write`",
    )
    api = _api(environ, "GITHUB_API_URL", GITHUB_API)
    return Where("github", api, repo, number or _pull_request(environ, read), token)


def _pull_request(environ: Mapping[str, str], read: Callable[[str], str]) -> int:
    path = environ.get("GITHUB_EVENT_PATH", "")
    if path:
        found = _number_in_event(_event(path, read))
        if found:
            return found
    ref = _PULL_REF.fullmatch(environ.get("GITHUB_REF", ""))
    if ref:
        return int(ref.group(1))
    event = environ.get("GITHUB_EVENT_NAME") or "this event"
    raise ForgeError(
        f"this run is not for a pull request ({event} names none): run the job on `pull_request`, "
        "or pass --pr NUMBER"
    )


def _event(path: str, read: Callable[[str], str]) -> dict[str, Any]:
    try:
        event = json.loads(read(path))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ForgeError(f"cannot read GITHUB_EVENT_PATH {path} ({exc}): pass --pr NUMBER") from None
    return event if isinstance(event, dict) else {}


def _number_in_event(event: dict[str, Any]) -> int | None:
    """pull_request and pull_request_target events; issue_comment events on a pull request."""
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("number"), int):
        return int(pull["number"])
    issue = event.get("issue")
    if isinstance(issue, dict) and issue.get("pull_request") and isinstance(issue.get("number"), int):
        return int(issue["number"])
    return None


def _gitlab(environ: Mapping[str, str], repo: str | None, number: int | None) -> Where:
    project = repo or environ.get("CI_PROJECT_ID", "")
    if not project:
        raise ForgeError(
            "no GitLab project to comment in (CI_PROJECT_ID is not set): pass --repo GROUP/PROJECT"
        )
    iid = number or environ.get("CI_MERGE_REQUEST_IID", "")
    if not str(iid).isdigit():
        raise ForgeError(
            "this pipeline is not for a merge request (CI_MERGE_REQUEST_IID is not set): run the job in "
            'merge request pipelines (`rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`), '
            "or pass --pr IID"
        )
    token = _token(
        environ,
        "GITLAB_TOKEN",
        f"CI_JOB_TOKEN cannot post merge request notes on most GitLab versions ({JOB_TOKEN_DOCS}), so "
        "create a project access token (api scope, Reporter role or above) and store it as the masked "
        "CI/CD variable GITLAB_TOKEN",
    )
    api = _api(environ, "CI_API_V4_URL", GITLAB_API)
    web = environ.get("CI_PROJECT_URL", "") if not repo else ""
    return Where("gitlab", api, project, int(iid), token, web.rstrip("/"))


def _api(environ: Mapping[str, str], name: str, default: str) -> str:
    url = environ.get(name) or default
    if not url.startswith(("https://", "http://")):
        raise ForgeError(f"{name} is {url!r}, not an http(s) address of the forge's API: unset it or fix it")
    return url.rstrip("/")


def _token(environ: Mapping[str, str], name: str, fix: str) -> ForgeToken:
    value = environ.get(name, "")
    if not value.strip():
        raise ForgeError(f"{name} is not set: {fix}")
    try:
        return ForgeToken(value)
    except ValueError:
        raise ForgeError(f"{name} holds spaces or line breaks, so it is not a token: set it again") from None
