"""`apply --reviewed PLAN`: the plan reviewed on a pull request, applied after the merge only if planning
the merged config against Meta now comes to the same actions (the same checksum)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sim_estate import Cli

from reconciler.apply.run import ReviewedPlanDiffers, StalePlan, _check_reviewed, _check_saved
from reconciler.cli.args import parse
from reconciler.cli.refusals import refuse_reviewed_with_plan, refuse_unconfirmed
from reconciler.errors import WabaplanError
from reconciler.plan.model import Plan

TW = 'numbers["+886912345678"]'
SHOP = "https://shop.harbourlane.example/tw"


def reviewed_on_the_pull_request(estate: Path, cli: Cli, tmp_path: Path) -> tuple[Path, list[str]]:
    """`plan --out` on the pull request's config: the plan its reviewers approve."""
    reviewed = tmp_path / "reviewed.json"
    code, out = cli("plan", "-c", str(estate), "--sim", "--out", str(reviewed))
    assert code == 0, out
    return reviewed, [a["id"] for a in json.loads(reviewed.read_text(encoding="utf-8"))["actions"]]


def apply_reviewed(estate: Path, cli: Cli, reviewed: Path) -> tuple[int, str]:
    return cli("apply", "--reviewed", str(reviewed), "-c", str(estate), "--sim")


def nothing_was_applied(estate: Path, cli: Cli, out: str) -> None:
    assert "Apply:" not in out
    _, now = cli("plan", "-c", str(estate), "--sim")
    assert 'numbers["+85251234567"].pin' in now and f"{TW}.profile" in now


def test_a_merge_that_only_reformats_the_config_applies_the_reviewed_plan(
    estate: Path, cli: Cli, tmp_path: Path
) -> None:
    reviewed, planned = reviewed_on_the_pull_request(estate, cli, tmp_path)
    # The merge loses the comments and the layout, and edits what plans nothing (`about` is ignored).
    merged = yaml.safe_dump(yaml.safe_load(estate.read_text(encoding="utf-8")), allow_unicode=True)
    merged = merged.replace("Tea, teaware and gifts since 1998.", "Tea since 1998.")
    estate.write_text("# merged from the reviewed pull request\n" + merged, encoding="utf-8")

    code, out = cli("apply", str(reviewed), "-c", str(estate), "--sim")
    assert code == 1 and "config file changed since the plan" in out  # a saved plan wants the same file
    code, out = apply_reviewed(estate, cli, reviewed)
    assert code in (0, 3), out  # 3: the move waits on its source's owner, as planned
    assert all(f"{action_id}: " in out for action_id in planned)
    assert 'numbers["+85251234567"].pin: done' in out and f"{TW}.profile: done" in out


def test_a_merged_config_that_changes_an_action_is_refused_with_the_difference(
    estate: Path, cli: Cli, tmp_path: Path
) -> None:
    reviewed, _ = reviewed_on_the_pull_request(estate, cli, tmp_path)
    text = estate.read_text(encoding="utf-8")
    estate.write_text(text.replace(SHOP, "https://shop.harbourlane.example/taipei"), encoding="utf-8")

    code, out = apply_reviewed(estate, cli, reviewed)
    assert code == 1, out
    assert "the plan made now is not the reviewed plan" in out and "nothing was applied" in out
    [line] = [line for line in out.splitlines() if line.strip().startswith("~ ")]  # one action changed
    assert line.strip() == (
        f'~ {TW}.profile: change of profile.websites: ["https://harbourlane.example/tw"] → '
        f'["https://harbourlane.example/tw", "{SHOP}"] (reviewed), '
        'now ["https://harbourlane.example/tw"] → '
        '["https://harbourlane.example/tw", "https://shop.harbourlane.example/taipei"]'
    )  # the profile's params carry the same new value: not said twice
    assert "Plan again (`wabaplan plan --out`), have that plan reviewed, and apply it" in out
    nothing_was_applied(estate, cli, out)


def test_meta_changed_since_the_review_so_the_reviewed_plan_is_refused(
    estate: Path, cli: Cli, tmp_path: Path
) -> None:
    reviewed, _ = reviewed_on_the_pull_request(estate, cli, tmp_path)
    # Someone edits the Taiwan number's websites in WhatsApp Manager before the merge is applied.
    state = estate.parent / ".wabaplan" / "sim" / "state.json"
    meta = json.loads(state.read_text(encoding="utf-8"))
    [number] = [n for n in meta["state"]["state"]["numbers"].values() if n["e164"] == "+886912345678"]
    number["profile"]["websites"] = ["https://harbourlane.example/taipei"]
    state.write_text(json.dumps(meta), encoding="utf-8")

    code, out = apply_reviewed(estate, cli, reviewed)
    assert code == 1, out
    assert (
        f'~ {TW}.profile: change of profile.websites: ["https://harbourlane.example/tw"] → ' in out
    )  # what the reviewers saw at Meta, then what is there now
    assert '(reviewed), now ["https://harbourlane.example/taipei"] → ' in out
    nothing_was_applied(estate, cli, out)


# ------------------------------------------------------------------ without the simulator


def test_reviewed_and_a_saved_plan_together_are_refused() -> None:
    args = parse(["apply", "plan.json", "--reviewed", "reviewed.json"]).args
    with pytest.raises(
        WabaplanError, match=r"apply takes one plan: plan\.json .* or --reviewed reviewed\.json"
    ):
        refuse_reviewed_with_plan(args)  # type: ignore[arg-type]
    alone = parse(["apply", "--reviewed", "reviewed.json", "--sim"]).args
    refuse_reviewed_with_plan(alone)  # type: ignore[arg-type]
    refuse_unconfirmed(alone, interactive=False)  # type: ignore[arg-type]  # approved in review


@pytest.mark.parametrize("check", [_check_saved, _check_reviewed])
def test_a_plan_is_applied_only_where_it_was_made(check: object) -> None:
    made = Plan(actions=(), graph_url="https://graph.facebook.com", api_version="v23.0")
    check(made, made)  # type: ignore[operator]
    for elsewhere, said in (
        (Plan(actions=(), graph_url="https://graph.facebook.com", api_version="v24.0"), "(Graph API v24.0)"),
        (Plan(actions=(), graph_url="http://127.0.0.1:8080", api_version="v23.0"), "http://127.0.0.1:8080"),
        (Plan(actions=(), graph_url="simulator", api_version="v23.0", simulated=True), "drop --sim"),
    ):
        with pytest.raises(StalePlan, match="the plan was made against ") as refused:
            check(made, elsewhere)  # type: ignore[operator]
        assert said in str(refused.value)
        assert not isinstance(refused.value, ReviewedPlanDiffers)


def test_a_reviewed_move_resumes_after_the_owner_and_the_code_and_stops_at_anything_unreviewed(
    estate: Path, cli: Cli, tmp_path: Path
) -> None:
    """The merge applies the reviewed plan, which stops on people (the source's owner, the SMS code) and on
    Meta's review; each resumed `apply --reviewed` carries on with what is left of that same plan."""
    import re

    reviewed, _ = reviewed_on_the_pull_request(estate, cli, tmp_path)
    code, out = apply_reviewed(estate, cli, reviewed)
    assert code == 3 and "two-step verification is still on at the source" in out, out
    assert cli("sim", "disable-two-step", "+85261234567", "-c", str(estate))[0] == 0
    code, out = apply_reviewed(estate, cli, reviewed)
    assert code == 3 and "awaiting the code sent to +85261234567" in out, out
    _, inbox = cli("sim", "inbox", "+85261234567", "-c", str(estate))
    otp = re.search(r"--otp \+85261234567=(\d{6})", inbox).group(1)  # type: ignore[union-attr]
    code, out = cli(
        "apply", "--reviewed", str(reviewed), "-c", str(estate), "--sim", "--otp", f"+85261234567={otp}"
    )
    assert code == 3 and 'numbers["+85261234567"].register: done' in out, out
    cli("sim", "approve-pending", "-c", str(estate))
    code, out = apply_reviewed(estate, cli, reviewed)
    assert code == 0, out

    # what was not reviewed is still refused on a resumed run
    text = estate.read_text(encoding="utf-8")
    estate.write_text(text.replace(SHOP, "https://shop.harbourlane.example/taipei"), encoding="utf-8")
    code, out = apply_reviewed(estate, cli, reviewed)
    assert code == 1 and "the plan made now is not the reviewed plan" in out, out
    assert f"~ {TW}.profile: change of profile.websites" in out
