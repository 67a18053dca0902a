"""argv → frozen, typed args; every refusal of a flag combination, without files, network or a terminal."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reconciler.cli.args import ApplyArgs, PlanArgs, SimNumberArgs, parse
from reconciler.cli.codes import declared, otp_pairs
from reconciler.cli.refusals import (
    refuse_refresh_only_plan,
    refuse_resend_with_code,
    refuse_unconfirmed,
    refuse_wait_with_sim,
    refuse_world_that_is_a_plan,
)
from reconciler.config import Config
from reconciler.errors import WabaplanError
from reconciler.plan.model import Plan

CONFIG = Config.model_validate({"wabas": {"hk": {"id": "1"}}, "numbers": {"+852 6123 4567": {"waba": "hk"}}})
PATH = Path("numbers.yaml")


def apply_args(*argv: str) -> ApplyArgs:
    args = parse(["apply", *argv]).args
    assert isinstance(args, ApplyArgs)
    return args


def test_args_are_frozen_and_typed() -> None:
    invocation = parse(["-v", "plan", "--target", "a", "--target", "b", "--sim"])
    assert invocation.command == "plan" and invocation.verbose
    assert invocation.args == PlanArgs(
        config="numbers.yaml",
        out=None,
        format="text",
        detailed_exitcode=False,
        target=("a", "b"),
        refresh_only=False,
        sim="",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        invocation.args.sim = None  # type: ignore[misc]


def test_a_sim_command_is_named_with_sim() -> None:
    invocation = parse(["sim", "inbox", "+85261234567", "--world", "w.yaml"])
    assert invocation.command == "sim inbox"
    assert invocation.args == SimNumberArgs(config="numbers.yaml", world="w.yaml", number="+85261234567")


def test_a_saved_plan_after_sim_is_taken_for_its_world() -> None:
    with pytest.raises(WabaplanError, match=r"put the plan first: wabaplan apply plan\.json --sim"):
        refuse_world_that_is_a_plan(apply_args("--sim", "plan.json"))
    refuse_world_that_is_a_plan(apply_args("plan.json", "--sim"))
    refuse_world_that_is_a_plan(apply_args("--sim", "world.yaml"))


def test_a_refresh_only_plan_is_not_applied() -> None:
    with pytest.raises(WabaplanError, match=r"drift\.json is a --refresh-only plan"):
        refuse_refresh_only_plan("drift.json", Plan(actions=(), refresh_only=True))
    refuse_refresh_only_plan("plan.json", Plan(actions=()))
    refuse_refresh_only_plan(None, None)


def test_wait_is_refused_with_sim() -> None:
    with pytest.raises(WabaplanError, match="--wait with --sim would wait for a reviewer who never comes"):
        refuse_wait_with_sim(apply_args("--wait", "--sim"))
    refuse_wait_with_sim(apply_args("--wait"))
    refuse_wait_with_sim(apply_args("--sim"))


def test_someone_must_confirm() -> None:
    with pytest.raises(WabaplanError, match="not on a terminal, so nobody can confirm"):
        refuse_unconfirmed(apply_args(), interactive=False)
    refuse_unconfirmed(apply_args(), interactive=True)
    refuse_unconfirmed(apply_args("--auto-approve"), interactive=False)
    refuse_unconfirmed(apply_args("plan.json"), interactive=False)


def test_resend_code_is_refused_for_a_number_whose_code_is_given() -> None:
    given = frozenset({"+85261234567", "+85251234567"})
    with pytest.raises(
        WabaplanError, match=r"--resend-code \+85251234567 .* WABAPLAN_OTP_85251234567\) stale"
    ):
        refuse_resend_with_code(frozenset({"+85261234567", "+85251234567"}), given)
    refuse_resend_with_code(frozenset({"+886912345678"}), given)
    refuse_resend_with_code(frozenset(), given)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["+85261234567"], "--otp takes NUMBER=CODE"),
        (["+85261234567="], "--otp takes NUMBER=CODE"),
        (["123456=+85261234567"], "takes the phone number first"),
        (["+85261234567=12345"], "the code must be the six digits Meta sent"),
        (["+85261234567=123456", "+852 6123 4567=654321"], "two different codes"),
        (["+85251234567=123456"], r"\+85251234567: no such number in numbers\.yaml"),
        (["not a number=123456"], "^--otp: "),
    ],
)
def test_otp_pairs_refused(pairs: list[str], message: str) -> None:
    with pytest.raises(WabaplanError, match=message):
        otp_pairs(pairs, CONFIG, PATH)


def test_otp_pairs_in_e164_with_six_digits() -> None:
    pairs = ["+852 6123 4567=123-456", "+85261234567=123456"]
    assert otp_pairs(pairs, CONFIG, PATH) == {"+85261234567": "123456"}
    assert declared("--resend-code", "+852 6123 4567", CONFIG, PATH) == "+85261234567"


def test_a_plan_file_that_never_ends_is_refused_at_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`apply /dev/zero` (or a pipe that never ends) stops at the saved plan's size limit, with the fix."""
    from reconciler.plan import saved

    monkeypatch.setattr(saved, "MAX_PLAN_BYTES", 1024 * 1024)
    with pytest.raises(WabaplanError, match=r"/dev/zero holds more than .*plan --out"):
        saved.load_saved_plan(Path("/dev/zero"))


def test_apply_targets_parse_and_are_refused_beside_a_plan() -> None:
    from reconciler.cli.refusals import refuse_target_with_plan

    args = parse(["apply", "--target", "wabas.tw_retail", "--target", "numbers['+886 912 345 678']"]).args
    assert isinstance(args, ApplyArgs) and args.target == ("wabas.tw_retail", "numbers['+886 912 345 678']")
    refuse_target_with_plan(args)  # alone: fine
    for plan in (["plan.json"], ["--reviewed", "plan.json"]):
        with pytest.raises(WabaplanError, match=r"--target with plan\.json: .*drop --target"):
            refuse_target_with_plan(parse(["apply", *plan, "--target", "wabas.tw_retail"]).args)  # type: ignore[arg-type]
