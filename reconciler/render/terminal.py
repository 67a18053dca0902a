"""Whether output is for a person at a terminal (colour, a live status line) or for a log (plain lines).

A CI job's output is a log, even where the runner gives the job a pseudo-terminal: with CI, GITHUB_ACTIONS
or GITLAB_CI set (to anything but "", "0" or "false"), there is no colour and no live progress, only one
line per finished action. NO_COLOR (https://no-color.org) turns colour off anywhere. The caller passes in
whether its stream is a terminal and the environment: nothing here reads either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from reconciler.render.progress import LineProgress, LiveProgress

CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI")


def in_ci(environ: Mapping[str, str]) -> bool:
    return any(environ.get(name, "").strip().lower() not in ("", "0", "false") for name in CI_VARIABLES)


def wants_colour(*, terminal: bool, environ: Mapping[str, str]) -> bool:
    return terminal and not environ.get("NO_COLOR") and not in_ci(environ)


def wants_live_progress(*, terminal: bool, environ: Mapping[str, str]) -> bool:
    return terminal and not in_ci(environ)


def progress_for(out: TextIO, *, terminal: bool, environ: Mapping[str, str]) -> LineProgress:
    """Apply's progress on `out`: live on a person's terminal, one line per action anywhere else."""
    if wants_live_progress(terminal=terminal, environ=environ):
        return LiveProgress(out)
    return LineProgress(out)
