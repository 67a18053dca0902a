"""What the tests of `wabaplan comment` share: the tokens (secrets to look for) and running the command."""

from __future__ import annotations

import pytest

from reconciler.cli import main

GITHUB_TOKEN = "ghs_fakeGitHubToken0123456789abcdefXYZ"
GITLAB_TOKEN = "glpat-fakeGitLabToken0123456789xyz"
JOB_TOKEN = "glcbt-fakeJobToken0123456789"
TOKENS = (GITHUB_TOKEN, GITLAB_TOKEN, JOB_TOKEN)
OTHERS = 230  # other comments on the pull request: three pages at 100 a page


def comment(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """`wabaplan comment ARGV…`: the exit code, and stdout and stderr together."""
    code = main(["comment", *argv])
    out, err = capsys.readouterr()
    return code, out + err
