"""The comment's body (pure): the project's marker first, what needs someone next, never over the limit."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from forge_plans import EXAMPLE_PLAN, big_plan

from reconciler.gitops.comment import LIMITS, comment_body, marker
from reconciler.render.sized import render_sized

EXAMPLE: dict[str, Any] = json.loads(EXAMPLE_PLAN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ten_thousand() -> dict[str, Any]:
    return big_plan(10_000).to_json()


def test_the_marker_names_the_project_and_cannot_end_the_html_comment() -> None:
    assert marker("markets/hk.yaml") == "<!-- wabaplan:plan project=markets/hk.yaml -->"
    assert not marker("tw 2").startswith(marker("tw")) and not marker("tw2").startswith(marker("tw"))
    for name in ("a-->b", "x --!> y", "<!-- z", "new\nline"):
        inner = marker(name)[len("<!--") : -len("-->")]
        assert "-->" not in inner and "--!>" not in inner and "\n" not in inner and ">" not in inner


def test_a_plan_that_fits_is_shown_whole() -> None:
    body = comment_body(EXAMPLE, project="numbers.yaml", forge="github", plan_file="plan.json")
    assert body.startswith(marker("numbers.yaml") + "\n### wabaplan plan · `numbers.yaml`\n")
    assert "Shortened" not in body
    for action in EXAMPLE["actions"]:
        assert f"`{action['id']}`" in body
    assert body.index("**Needs attention**: 1 needs input") < body.index("<details><summary>All 14 actions")
    assert '+ profile.websites: ["https://harbourlane.example/hk/causeway-bay"]' in body


@pytest.mark.parametrize("limit", [700, 1_500, 3_000, 5_000, 6_000])
def test_a_plan_that_does_not_fit_is_cut_to_the_limit_with_a_pointer(limit: int) -> None:
    body = render_sized(EXAMPLE, marker=marker("p"), title="t", limit=limit, full_plan="The full plan: URL.")
    assert len(body) <= limit and body.startswith(marker("p"))
    assert "Shortened to fit" in body and body.rstrip().endswith("The full plan: URL.")
    assert body.count("<details>") == body.count("</details>")  # nothing left open


def test_even_a_limit_smaller_than_the_head_gives_one_comment_under_it() -> None:
    body = render_sized(EXAMPLE, marker=marker("p"), title="t", limit=120, full_plan="The full plan: URL.")
    assert len(body) <= 120 and body.startswith(marker("p"))


def test_ten_thousand_numbers_on_github(ten_thousand: dict[str, Any]) -> None:
    body = comment_body(
        ten_thousand, project="numbers.yaml", forge="github", plan_file="plans/hk.json", details_url=None
    )
    assert len(body) <= LIMITS["github"]
    attention = body[: body.index("<details>")]
    assert len(re.findall(r"BLOCKED-\d+", attention)) == 10 and len(re.findall(r"INPUT-\d+", attention)) == 4
    assert "**Needs attention**: 10 blocked, 4 needs input" in body
    shown = re.search(r"_… ([\d,]+) more actions not shown here\._", body)
    assert shown is not None
    assert "(not shown: " in body and "of 10,014 actions" in body
    assert (
        "The full plan is the saved plan `plans/hk.json`" in body and "`wabaplan show plans/hk.json`" in body
    )


def test_ten_thousand_numbers_on_gitlab_keep_the_whole_table(ten_thousand: dict[str, Any]) -> None:
    body = comment_body(ten_thousand, project="numbers.yaml", forge="gitlab", plan_file="plan.json")
    assert LIMITS["github"] < len(body) <= LIMITS["gitlab"]
    assert "more actions not shown" not in body
    assert "more actions' changes and reasons not shown here" in body


def test_a_long_reason_does_not_crowd_out_the_other_blocked_items() -> None:
    document = big_plan(3_000, blocked_every=500).to_json()
    for action in document["actions"]:
        if action["status"] == "blocked":
            action["reason"] += " x" * 20_000
    body = render_sized(document, marker=marker("p"), title="t", limit=10_000, full_plan="")
    assert len(re.findall(r"BLOCKED-\d+", body)) == 6
