"""`wabaplan comment` against a fake GitHub and GitLab on loopback: one comment per project, kept current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fakeforge import FakeForge, Stored
from forge_plans import EXAMPLE_PLAN, big_plan, write
from forgekit import OTHERS, TOKENS, comment
from leaks import assert_no_secret

from reconciler.gitops.comment import marker


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLE_PLAN, tmp_path / "plan.json"))


def ours(comments: list[Stored], project: str = "numbers.yaml") -> list[Stored]:
    return [c for c in comments if c.body.startswith(marker(project))]


def test_github_first_run_creates_the_comment_and_says_where(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = comment(capsys, str(plan_file))
    assert code == 0, said
    [posted] = ours(github.github)
    assert said.startswith("created the plan comment of numbers.yaml on octo/shop#7: https://github.com/")
    assert f"#issuecomment-{posted.id}" in said
    assert "**Plan: 5 to create, 6 to update, 0 to delete, 3 operations.**" in posted.body
    assert github.writes() == [("POST", "/repos/octo/shop/issues/7/comments")]
    assert_no_secret(said, *TOKENS)


def test_github_second_run_updates_the_same_comment_found_past_the_first_pages(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment(capsys, str(plan_file))
    github.seed(OTHERS)  # people commented since: ours is now on the first of four pages, then more
    [first] = ours(github.github)
    write(big_plan(50).to_json(), plan_file)  # a new push, a new plan
    github.requests.clear()

    code, said = comment(capsys, str(plan_file))

    assert code == 0 and said.startswith("updated the plan comment of numbers.yaml on octo/shop#7"), said
    [after] = ours(github.github)
    assert after.id == first.id and "50 to update" in after.body
    assert github.writes() == [("PATCH", f"/repos/octo/shop/issues/comments/{first.id}")]


def test_github_finds_its_comment_on_the_last_page(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.github.append(_stored(github, marker("numbers.yaml") + "\nan old plan"))  # after 230 others
    code, _ = comment(capsys, str(plan_file))
    assert code == 0
    lists = [r for r in github.requests if r[0] == "GET"]
    assert len(lists) == 3  # 230 + 1 comments, 100 a page, followed by the link header
    assert len(ours(github.github)) == 1 and github.writes()[0][0] == "PATCH"


def test_an_unchanged_plan_writes_nothing(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment(capsys, str(plan_file))
    github.requests.clear()
    code, said = comment(capsys, str(plan_file))
    assert code == 0 and said.startswith("left unchanged the plan comment of numbers.yaml on octo/shop#7")
    assert github.writes() == []


def test_two_projects_keep_two_comments(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):  # two pushes
        assert comment(capsys, str(plan_file), "-c", "markets/hk.yaml")[0] == 0
        assert comment(capsys, str(plan_file), "--project", "tw")[0] == 0
    assert len(ours(github.github, "markets/hk.yaml")) == 1
    assert len(ours(github.github, "tw")) == 1
    assert [m for m, _ in github.writes()] == ["POST", "POST"]  # the second push planned the same


def test_a_quoted_marker_in_someone_elses_reply_is_not_ours(
    github: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.github.append(_stored(github, "> " + marker("numbers.yaml") + "\n> Plan: …\n\nwhy 5 creates?"))
    assert comment(capsys, str(plan_file))[0] == 0
    assert github.writes() == [("POST", "/repos/octo/shop/issues/7/comments")]


def test_a_10000_number_plan_fits_github_and_shows_every_blocked_item_first(
    github: FakeForge, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write(big_plan(10_000).to_json(), tmp_path / "plan.json")
    code, said = comment(capsys, str(plan), "--details-url", "https://github.com/octo/shop/actions/runs/1")
    assert code == 0, said
    [posted] = ours(github.github)
    assert len(posted.body) <= 65_536
    blocked = [f"BLOCKED-{n}" for n in range(0, 10_000, 1_000)]
    assert all(b in posted.body for b in blocked)
    assert all(f"INPUT-{n}" in posted.body for n in range(1, 10_000, 2_500))
    first_row = posted.body.index("<details><summary>All 10,014 actions")
    assert all(posted.body.index(b) < first_row for b in blocked)
    assert "Shortened to fit the 65,536-character comment limit" in posted.body
    assert posted.body.rstrip().endswith("The full plan: https://github.com/octo/shop/actions/runs/1")
    assert len(github.writes()) == 1


def test_gitlab_creates_then_updates_one_note(
    gitlab: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = comment(capsys, str(plan_file))
    assert code == 0, said
    [note] = ours(gitlab.gitlab)
    assert said.startswith("created the plan comment of numbers.yaml on 42!7: ")
    assert f"https://gitlab.example/group/shop/-/merge_requests/7#note_{note.id}" in said
    write(big_plan(3).to_json(), plan_file)
    code, said = comment(capsys, str(plan_file))
    assert code == 0 and said.startswith("updated"), said
    [after] = ours(gitlab.gitlab)
    assert after.id == note.id and "3 to update" in after.body
    notes = "/api/v4/projects/42/merge_requests/7/notes"
    assert gitlab.writes() == [("POST", notes), ("PUT", f"{notes}/{note.id}")]
    assert_no_secret(said, *TOKENS)


@pytest.mark.parametrize("link", [True, False], ids=["link-header", "x-next-page"])
def test_gitlab_pages_by_link_or_by_x_next_page(
    gitlab: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str], link: bool
) -> None:
    gitlab.gitlab_link = link
    gitlab.gitlab.append(_stored(gitlab, marker("numbers.yaml") + "\nan old plan"))
    assert comment(capsys, str(plan_file))[0] == 0
    assert len([r for r in gitlab.requests if r[0] == "GET"]) == 3
    assert [m for m, _ in gitlab.writes()] == ["PUT"]


def test_gitlab_project_given_as_its_path(
    gitlab: FakeForge, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = comment(capsys, str(plan_file), "--repo", "group/shop", "--pr", "7")
    assert code == 0, said
    assert said.startswith("created the plan comment of numbers.yaml on group/shop!7 (comment ")


def test_a_10000_number_plan_on_gitlab_stays_under_its_limit(
    gitlab: FakeForge, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write(big_plan(10_000).to_json(), tmp_path / "plan.json")
    code, said = comment(capsys, str(plan))
    assert code == 0, said
    [note] = ours(gitlab.gitlab)
    assert 65_536 < len(note.body) <= 1_000_000
    assert "<details><summary>All 10,014 actions</summary>" in note.body
    assert "10,014 more actions not shown" not in note.body  # the whole table fits on GitLab


def _stored(fake: FakeForge, body: str) -> Stored:
    return Stored(fake._id(), body)
