"""In CI (CI, GITHUB_ACTIONS or GITLAB_CI set) output is for a log: no colour, no live progress line."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.render.progress import LineProgress, LiveProgress
from reconciler.render.terminal import in_ci, progress_for, wants_colour, wants_live_progress

SAVED_PLAN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "plan.json"


@pytest.mark.parametrize(
    ("environ", "ci"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "1"}, True),
        ({"GITHUB_ACTIONS": "true"}, True),
        ({"GITLAB_CI": "true"}, True),
        ({"CI": "false"}, False),
        ({"CI": "0", "GITHUB_ACTIONS": ""}, False),
        ({"CI": " False "}, False),
    ],
)
def test_what_counts_as_ci(environ: dict[str, str], ci: bool) -> None:
    assert in_ci(environ) is ci


def test_colour_only_for_a_person_at_a_terminal() -> None:
    assert wants_colour(terminal=True, environ={})
    assert not wants_colour(terminal=False, environ={})
    assert not wants_colour(terminal=True, environ={"NO_COLOR": "1"})
    assert not wants_colour(terminal=True, environ={"GITHUB_ACTIONS": "true"})


def test_live_progress_only_outside_ci() -> None:
    assert wants_live_progress(terminal=True, environ={})
    assert not wants_live_progress(terminal=True, environ={"GITLAB_CI": "true"})
    ci = progress_for(io.StringIO(), terminal=True, environ={"CI": "true"})
    assert type(ci) is LineProgress
    live = progress_for(io.StringIO(), terminal=True, environ={})
    try:
        assert isinstance(live, LiveProgress)
    finally:
        live.close()


@pytest.mark.parametrize(("ci", "coloured"), [("", True), ("true", False)])
def test_show_on_a_terminal_is_plain_in_ci(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ci: str, coloured: bool
) -> None:
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    if ci:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["show", str(SAVED_PLAN)]) == 0
    assert ("\x1b[" in capsys.readouterr().out) is coloured
