"""`wabaplan comment`'s arguments, frozen and typed, and the refusals of its flags (no network, no files)."""

from __future__ import annotations

import pytest

from reconciler.cli.args import CommentArgs, parse
from reconciler.cli.refusals import refuse_blank_project, refuse_details_url
from reconciler.errors import WabaplanError


def test_comment_args_are_typed() -> None:
    invocation = parse(["comment", "plan.json", "-c", "hk.yaml", "--forge", "gitlab", "--pr", "7"])
    assert invocation.command == "comment"
    assert invocation.args == CommentArgs(
        plan_file="plan.json",
        config="hk.yaml",
        project=None,
        forge="gitlab",
        repo=None,
        pr=7,
        details_url=None,
    )


@pytest.mark.parametrize("argv", [["--pr", "0"], ["--pr", "seven"], ["--forge", "bitbucket"], []])
def test_bad_values_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        parse(["comment", *argv] if argv else ["comment"])
    assert exit.value.code == 1
    assert "error:" in capsys.readouterr().err


def test_a_blank_project_is_refused() -> None:
    refuse_blank_project(None)
    refuse_blank_project("hk")
    with pytest.raises(WabaplanError, match=r"--project is blank"):
        refuse_blank_project("  ")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "artifacts/plan.json", "ftp://x"])
def test_details_url_must_be_a_web_address(url: str) -> None:
    with pytest.raises(WabaplanError, match=r"is not a web address"):
        refuse_details_url(url)
    refuse_details_url("https://github.com/octo/shop/actions/runs/1")
    refuse_details_url(None)


def test_validate_takes_the_ci_formats() -> None:
    for fmt in ("github", "gitlab"):
        assert parse(["validate", "--format", fmt]).args.format == fmt  # type: ignore[union-attr]
