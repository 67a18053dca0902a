"""The web address of the CI job a run is in, from the environment it is given (pure: never os.environ).

    GitHub Actions   GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID[/attempts/N]
    GitLab CI        CI_JOB_URL

Anywhere else (a person's terminal, cron on a host): None, and the message carries no link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def job_url(environ: Mapping[str, str]) -> str | None:
    gitlab = environ.get("CI_JOB_URL", "").strip()
    if gitlab.startswith(("https://", "http://")):
        return gitlab
    server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/") or "https://github.com"
    repo = environ.get("GITHUB_REPOSITORY", "").strip()
    run = environ.get("GITHUB_RUN_ID", "").strip()
    if not (environ.get("GITHUB_ACTIONS") and _REPO.fullmatch(repo) and run.isdigit()):
        return None
    if not server.startswith(("https://", "http://")):
        return None
    attempt = environ.get("GITHUB_RUN_ATTEMPT", "").strip()
    suffix = f"/attempts/{attempt}" if attempt.isdigit() and attempt != "1" else ""
    return f"{server}/{repo}/actions/runs/{run}{suffix}"
