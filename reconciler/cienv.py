"""The web address of the CI job a run is in, from the environment it is given (pure: never os.environ).

    GitHub Actions   GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID[/attempts/N]
    GitLab CI        CI_JOB_URL
    Jenkins          BUILD_URL

Anywhere else (a person's terminal, cron on a host): None. One reading for every use: the journal's record
of who ran what (`state.records.identity`) and the link a notification carries (`notify`). Only an
http(s) address is taken: the value is shown to people and kept in the journal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_WEB = ("https://", "http://")


def job_url(environ: Mapping[str, str]) -> str | None:
    for given in ("CI_JOB_URL", "BUILD_URL"):  # GitLab's, Jenkins's: the whole address
        url = environ.get(given, "").strip()
        if url.startswith(_WEB):
            return url
    server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/") or "https://github.com"
    repo = environ.get("GITHUB_REPOSITORY", "").strip()
    run = environ.get("GITHUB_RUN_ID", "").strip()
    if not (environ.get("GITHUB_ACTIONS") and _REPO.fullmatch(repo) and run.isdigit()):
        return None
    if not server.startswith(_WEB):
        return None
    attempt = environ.get("GITHUB_RUN_ATTEMPT", "").strip()
    suffix = f"/attempts/{attempt}" if attempt.isdigit() and attempt != "1" else ""
    return f"{server}/{repo}/actions/runs/{run}{suffix}"
