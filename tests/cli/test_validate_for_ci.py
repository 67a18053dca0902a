"""`validate --format github|gitlab`: problems as GitHub annotations on the pull request's diff, or as a
GitLab Code Quality report; both name files relative to the repository root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.config.annotations import github_annotations, gitlab_code_quality, repo_path
from reconciler.config.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parents[2]
MANY = ROOT / "tests" / "fixtures" / "invalid" / "many-problems-at-once.yaml"
EXAMPLE = ROOT / "examples" / "numbers.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_annotation_escapes_what_github_documents() -> None:
    odd = Diagnostic("conf,ig:s/50%.yaml", 3, 5, 'numbers["+852"]', "50% off\r\nnext: line", "a, b: c")
    assert github_annotations([odd]) == (
        "::error file=conf%2Cig%3As/50%25.yaml,line=3,col=5,title=wabaplan validate::"
        'numbers["+852"]: 50%25 off%0D%0Anext: line (a, b: c)\n'
    )


def test_github_format_annotates_every_problem_then_sums_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(ROOT))
    code, out, _ = run(capsys, "validate", "-c", str(MANY), "--format", "github")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 6
    name = "tests/fixtures/invalid/many-problems-at-once.yaml"
    assert all(line.startswith(f"::error file={name},line=") for line in lines[:5])
    assert ",col=17,title=wabaplan validate::numbers[\"+85251234567\"].profile.vertical: 'RETAL'" in out
    assert lines[5] == f"{MANY}: 5 problems"


def test_github_format_of_a_valid_file_is_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "-c", str(EXAMPLE), "--format", "github")
    assert code == 0 and out == f"{EXAMPLE}: valid — 2 WABAs, 3 numbers, 4 templates\n"


def test_gitlab_format_is_a_code_quality_report_alone_on_stdout(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    copy = tmp_path / "config" / "numbers.yaml"
    copy.parent.mkdir()
    shutil.copy(MANY, copy)
    code, out, err = run(capsys, "validate", "-c", str(copy), "--format", "gitlab")
    issues = json.loads(out)
    assert code == 1 and len(issues) == 5 and err == f"{copy}: 5 problems\n"
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] == "major" and issue["check_name"] == "wabaplan/numbers"
        assert issue["location"]["path"] == "config/numbers.yaml" and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == 5

    copy.write_text("# a comment moves every line down\n" + MANY.read_text(encoding="utf-8"))
    _, moved, _ = run(capsys, "validate", "-c", str(copy), "--format", "gitlab")
    again = json.loads(moved)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]  # the same problems
    assert [i["location"]["lines"]["begin"] for i in again] == [
        i["location"]["lines"]["begin"] + 1 for i in issues
    ]


def test_gitlab_format_of_a_valid_file_is_an_empty_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", "-c", str(EXAMPLE), "--format", "gitlab")
    assert code == 0 and json.loads(out) == [] and "valid" in err


def test_an_unreadable_file_is_still_one_problem_in_either_format() -> None:
    missing = Diagnostic("gone.yaml", 1, 1, "", "file not found", "check the path")
    assert github_annotations([missing]).startswith("::error file=gone.yaml,line=1,col=1,")
    assert json.loads(gitlab_code_quality([missing]))[0]["check_name"] == "wabaplan/file"


@pytest.mark.parametrize(
    ("file", "root", "shown"),
    [
        ("/work/repo/config/hk.yaml", "/work/repo", "config/hk.yaml"),
        ("/work/repo/config/hk.yaml", "/work/repo/", "config/hk.yaml"),
        ("/elsewhere/hk.yaml", "/work/repo", "/elsewhere/hk.yaml"),
        ("/work/repository/hk.yaml", "/work/repo", "/work/repository/hk.yaml"),
        ("./config/hk.yaml", "/work/repo", "config/hk.yaml"),
        ("config\\hk.yaml", "", "config/hk.yaml"),
    ],
)
def test_paths_are_relative_to_the_repository(file: str, root: str, shown: str) -> None:
    assert repo_path(file, root) == shown
