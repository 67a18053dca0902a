"""apply's executor at the wire: dependency order, parallelism, compare-and-set before each resource's first
write, --allow-destroy, and what a failure stops. Plans are made by the planner against the simulator's app
in this process (tests/stepkit.py) or, for what the planner would not make here, written out.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from stepkit import Call, Harness, edited, harness, plan_now

from reconciler.apply.executor import execute
from reconciler.apply.steps import StepContext
from reconciler.diff import FieldChange
from reconciler.outcome import ApplyReport, Outcome
from reconciler.plan.model import Action, Cost, Kind, Op, Plan, Status
from reconciler.plan.params import ChangeDisplayNameParams, DeleteTemplateParams, SetPinParams, WebhooksParams

HK_WABA, TW_WABA = "2000000000001", "2000000000002"
HK_MAIN, HK_MAIN_ID = 'numbers["+85251234567"]', "3000000000001"
TW, TW_ID = 'numbers["+886912345678"]', "3000000000002"
ORDER_UPDATE = 'wabas.hk_retail.templates["order_update/en_US"]'


class Seen:
    """A Progress listener: what started and finished, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.counts: list[tuple[int, int]] = []

    def started(self, action: Action) -> None:
        self.events.append(f"start {action.id}")

    def finished(self, outcome: Outcome, done: int, total: int) -> None:
        self.events.append(f"end {outcome.action.id}")
        self.counts.append((done, total))


def applied(h: Harness, plan: Plan | None = None, *, targets: tuple[str, ...] = (), meanwhile: Any = None,
            progress: Seen | None = None, parallelism: int = 8, check_unmoved: bool = True,
            **overrides: Any) -> ApplyReport:  # fmt: skip
    """Plan (unless given), let `meanwhile()` change Meta, then execute: the report."""

    async def work(ctx: StepContext) -> ApplyReport:
        made = plan or await plan_now(ctx, targets=targets)
        if meanwhile is not None:
            meanwhile()
        h.wire.calls.clear()
        return await execute(
            made, ctx, parallelism=parallelism, progress=progress, check_unmoved=check_unmoved
        )

    return h.run(work, **overrides)


def outcomes(report: ApplyReport) -> dict[str, tuple[str, str]]:
    return {o.action.id: (o.status, o.detail) for o in report.outcomes}


def act(
    address: str, op: Op, params: Any, *, name: str = "", kind: Kind = Kind.OPERATION, **more: Any
) -> Action:
    return Action(id=f"{address}.{name or op.value}", address=address, kind=kind, op=op,
                  summary=f"{op.value} {address}",
                  params=params, **more)  # fmt: skip


def hk_pin(**more: Any) -> Action:
    return act(HK_MAIN, Op.SET_PIN, SetPinParams(phone_number_id=HK_MAIN_ID), name="pin", **more)


def tw_pin(**more: Any) -> Action:
    return act(TW, Op.SET_PIN, SetPinParams(phone_number_id=TW_ID), name="pin", **more)


def tw_subscribe(**more: Any) -> Action:
    params = WebhooksParams(waba_id=TW_WABA, app_id="4000000000001", override_callback_uri=None)
    return act("wabas.tw_retail.webhooks", Op.SUBSCRIBE_APP, params, **more)


def delete_order_update(**more: Any) -> Action:
    params = DeleteTemplateParams(waba_id=HK_WABA, template_id="5000000000001", name="order_update")
    return act(ORDER_UPDATE, Op.DELETE_TEMPLATE, params, kind=Kind.DELETE, **more)


def profile_email(document: dict[str, Any]) -> None:
    document["numbers"]["+852 5123 4567"]["profile"]["email"] = "shop@harbourlane.example"


# ------------------------------------------------------------------ order, parallelism, failures


def test_the_example_runs_in_dependency_order_and_stops_where_a_code_is_needed(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.control.disable_two_step("3000000000901")
        report = applied(h)
        writes = h.wire.writes()
        recorded = {r.action_id: (r.status, r.detail) for r in h.journal.actions(h.run_id)}
    got = outcomes(report)
    moving = 'numbers["+85261234567"]'
    assert writes.index(f"POST {HK_WABA}/phone_numbers") < next(
        i for i, w in enumerate(writes) if w.endswith("/request_code")
    )  # added before a code is asked for it
    assert got[f"{moving}.verify_code"][0] == "needs_input"
    assert got[f"{moving}.register"] == ("skipped", f"waits for {moving}.verify_code (needs input)")
    assert got['wabas.hk_retail.templates["login_code/en_US"]'] == (
        "skipped", f"waits for {moving}.register (skipped)"
    )  # fmt: skip
    assert not any(w.endswith("/register") for w in writes)
    assert recorded == got  # every outcome journalled, as reported
    assert [o.action.id for o in report.outcomes] == list(got)  # the report in the plan's order


def test_a_failed_action_skips_its_dependents_only(tmp_path: Path) -> None:
    plan = Plan(actions=(hk_pin(), tw_pin(depends_on=(hk_pin().id,)), tw_subscribe()))
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", HK_MAIN_ID, 400, 100, message="the pin is too short")
        report = applied(h, plan)
        writes = h.wire.writes()
    assert outcomes(report) == {
        hk_pin().id: ("failed", outcomes(report)[hk_pin().id][1]),
        tw_pin().id: ("skipped", f"waits for {hk_pin().id} (failed)"),
        tw_subscribe().id: ("done", "subscribed"),
    }
    assert "the pin is too short" in outcomes(report)[hk_pin().id][1]
    assert writes == [f"POST {HK_MAIN_ID}", f"POST {TW_WABA}/subscribed_apps"]  # no PIN for Taiwan


def test_a_graph_error_a_step_does_not_catch_is_a_failure_too(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/subscribed_apps", 403, 200, message="no permission on this WABA")
        report = applied(h, Plan(actions=(tw_subscribe(),)))
    [(status, detail)] = outcomes(report).values()
    assert status == "failed" and "no permission on this WABA" in detail


def test_a_dependency_outside_the_plan_does_not_hold_an_action_back(tmp_path: Path) -> None:
    plan = Plan(actions=(tw_pin(depends_on=('numbers["+85299999999"].add',)),))
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
    assert outcomes(report)[tw_pin().id][0] == "done"


def test_actions_waiting_on_each_other_are_skipped_not_run(tmp_path: Path) -> None:
    plan = Plan(
        actions=(hk_pin(depends_on=(tw_pin().id,)), tw_pin(depends_on=(hk_pin().id,)), tw_subscribe())
    )
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
        writes = h.wire.writes()
    assert outcomes(report) == {
        hk_pin().id: ("skipped", "its dependencies are not in this plan"),
        tw_pin().id: ("skipped", "its dependencies are not in this plan"),
        tw_subscribe().id: ("done", "subscribed"),
    }
    assert writes == [f"POST {TW_WABA}/subscribed_apps"]


def test_one_at_a_time_means_one_request_at_meta_at_a_time(tmp_path: Path) -> None:
    plan = Plan(actions=(hk_pin(), tw_pin(), tw_subscribe()))
    for parallelism, peak in ((1, 1), (0, 1), (2, 2), (8, 3)):  # 0 is taken as 1
        seen = Seen()
        with harness(tmp_path / f"state{parallelism}") as h:
            report = applied(h, plan, progress=seen, parallelism=parallelism)
            assert (h.wire.peak, len(h.wire.writes())) == (peak, 3), parallelism
        assert [o.status for o in report.outcomes] == ["done"] * 3
        assert seen.counts == [(1, 3), (2, 3), (3, 3)]
        assert sorted(seen.events) == sorted(f"{e} {a.id}" for a in plan.actions for e in ("start", "end"))


def test_an_action_starts_only_once_what_it_depends_on_has_ended(tmp_path: Path) -> None:
    plan = Plan(actions=(hk_pin(), tw_pin(), tw_subscribe(depends_on=(tw_pin().id,))))
    seen = Seen()
    with harness(tmp_path / "state") as h:
        applied(h, plan, progress=seen, parallelism=3)
        writes = h.wire.writes()
    assert seen.events[:2] == [f"start {hk_pin().id}", f"start {tw_pin().id}"]  # both out before either ends
    assert seen.events.index(f"start {tw_subscribe().id}") > seen.events.index(f"end {tw_pin().id}")
    assert writes[-1] == f"POST {TW_WABA}/subscribed_apps"


# ------------------------------------------------------------------ what is not run


def test_a_blocked_action_is_reported_with_its_fix_and_a_guarded_one_refused(tmp_path: Path) -> None:
    plan = Plan(actions=(
        hk_pin(status=Status.BLOCKED, reason="turn two-step off first"),
        tw_pin(status=Status.BLOCKED, reason="prevent_destroy is set", guard=True),
        tw_subscribe(depends_on=(hk_pin().id,)),
    ))  # fmt: skip
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
        assert h.wire.calls == []
    assert outcomes(report) == {
        hk_pin().id: ("blocked", "turn two-step off first"),
        tw_pin().id: ("refused", "prevent_destroy is set"),
        tw_subscribe().id: ("skipped", f"waits for {hk_pin().id} (blocked)"),
    }


def test_a_blocked_action_behind_a_blocked_one_is_skipped(tmp_path: Path) -> None:
    plan = Plan(actions=(
        hk_pin(status=Status.BLOCKED, reason="first"),
        tw_pin(depends_on=(hk_pin().id,), status=Status.BLOCKED, reason="x", guard=True),
    ))  # fmt: skip
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
    assert outcomes(report)[tw_pin().id] == ("skipped", f"waits for {hk_pin().id} (blocked)")


def test_a_delete_needs_allow_destroy_and_says_what_it_costs(tmp_path: Path) -> None:
    lock = Cost("template_name_lock", "its name is locked for 30 days")
    review = Cost("review", "a new one goes to Meta's review")
    plan = Plan(actions=(delete_order_update(costs=(lock, review)),))
    with harness(tmp_path / "refused") as h:
        refused = applied(h, plan)
        assert h.wire.calls == []
    with harness(tmp_path / "allowed") as h:
        allowed = applied(h, plan, allow_destroy=True)
        deletes = h.wire.to("DELETE", f"{HK_WABA}/message_templates")
    [(status, detail)] = outcomes(refused).values()
    assert status == "refused"
    assert detail == (
        f"delete_template {ORDER_UPDATE}; its name is locked for 30 days; a new one goes to Meta's review: "
        "rerun with --allow-destroy to do it"
    )
    assert [o.status for o in allowed.outcomes] == ["done"] and len(deletes) == 1


def test_a_delete_behind_a_failed_action_is_skipped_not_refused(tmp_path: Path) -> None:
    plan = Plan(
        actions=(
            hk_pin(status=Status.BLOCKED, reason="first"),
            delete_order_update(depends_on=(hk_pin().id,)),
        )
    )
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
    assert outcomes(report)[delete_order_update().id] == ("skipped", f"waits for {hk_pin().id} (blocked)")


# ------------------------------------------------------------------ compare-and-set


def test_a_number_changed_at_meta_since_the_plan_is_refused_before_any_write(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,), meanwhile=lambda: h.wire.control.edit_profile(
            HK_MAIN_ID, address="1 Queen's Road, Central"))  # fmt: skip
        assert h.wire.writes() == []  # the re-read is a batch of GETs; nothing written
    assert outcomes(report) == {
        f"{HK_MAIN}.profile": (
            "refused",
            f"stale plan: {HK_MAIN}.profile.address changed at Meta since the plan was made; plan again",
        )
    }


def test_a_planned_field_changed_at_meta_is_named(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,), meanwhile=lambda: h.wire.control.edit_profile(
            HK_MAIN_ID, email="someone@else.example"))  # fmt: skip
    [(status, detail)] = outcomes(report).values()
    assert (status, detail) == (
        "refused", f"stale plan: {HK_MAIN}.profile.email changed at Meta since the plan was made; plan again"
    )  # fmt: skip


def test_a_list_field_changed_at_meta_is_named(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,), meanwhile=lambda: h.wire.control.edit_profile(
            HK_MAIN_ID, websites=["https://harbourlane.example/hk", "https://other.example"]))  # fmt: skip
    [(_, detail)] = outcomes(report).values()
    assert (
        detail
        == f"stale plan: {HK_MAIN}.profile.websites changed at Meta since the plan was made; plan again"
    )


def test_a_number_as_planned_is_written(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,))
        writes = h.wire.writes()
    assert [o.status for o in report.outcomes] == ["done"]
    assert writes == [f"POST {HK_MAIN_ID}/whatsapp_business_profile"]


def test_without_the_check_a_moved_number_is_written_all_the_same(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:
        moved = lambda: h.wire.control.edit_profile(HK_MAIN_ID, address="elsewhere")  # noqa: E731
        report = applied(h, targets=(HK_MAIN,), check_unmoved=False, meanwhile=moved)
        assert h.wire.calls[0].method == "POST" and h.wire.calls[0].path.endswith("whatsapp_business_profile")
    assert [o.status for o in report.outcomes] == ["done"]


def test_actions_on_one_number_share_one_re_read_made_before_either_writes(tmp_path: Path) -> None:
    def both(document: dict[str, Any]) -> None:
        profile_email(document)
        document["numbers"]["+852 5123 4567"]["display_name"] = "Harbour Lane Tea"

    config = edited(tmp_path / "estate", both)
    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,), parallelism=1)
        calls = h.wire.calls
    assert [o.status for o in report.outcomes] == ["done", "waiting"]  # the sibling's write is not a change
    assert [c.path for c in calls if c.path == ""] == [""]  # one batched re-read
    assert calls[0].path == ""  # and it came first


def test_a_number_the_plan_had_no_id_for_is_not_re_read(tmp_path: Path) -> None:
    change = FieldChange(path=("profile", "email"), before="a", after="b")
    from reconciler.plan.params import UpdateProfileParams

    params = UpdateProfileParams(phone_number_id=None, profile={"email": "b@harbourlane.example"})
    profile = act(HK_MAIN, Op.UPDATE_PROFILE, params,
                  name="profile", changes=(change,))  # fmt: skip
    plan = Plan(actions=(profile,), live_fingerprints={HK_MAIN: "not what meta holds"})
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
        assert h.wire.calls[0].path == f"{HK_WABA}/phone_numbers"  # no re-read: it finds the id
    assert [o.status for o in report.outcomes] == ["done"]


def test_the_id_learnt_earlier_in_the_run_is_used_for_the_re_read(tmp_path: Path) -> None:
    plan = Plan(actions=(act(HK_MAIN, Op.SET_PIN, None, name="pin"),), live_fingerprints={HK_MAIN: "stale"})
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> ApplyReport:
            ctx.phone_ids[HK_MAIN] = HK_MAIN_ID
            return await execute(plan, ctx)

        report = h.run(work)
    [(status, detail)] = outcomes(report).values()
    assert status == "refused" and detail.startswith(f"stale plan: {HK_MAIN}")


def test_a_template_edited_at_meta_since_the_plan_is_refused(tmp_path: Path) -> None:
    def reword(document: dict[str, Any]) -> None:
        document["wabas"]["hk_retail"]["templates"][0]["components"][0]["text"] = (
            "Hi {{1}}, {{2}} is on its way."
        )

    config = edited(tmp_path / "estate", reword)

    def edit_at_meta() -> None:
        h.wire.simulator.state.templates["5000000000001"].category = "MARKETING"

    with harness(tmp_path / "moved", config=config) as h:
        moved = applied(h, targets=(ORDER_UPDATE,), meanwhile=edit_at_meta)
        assert h.wire.writes() == []
    with harness(tmp_path / "kept", config=config) as h:
        kept = applied(h, targets=(ORDER_UPDATE,))
        assert h.wire.writes() == ["POST 5000000000001"]
    assert outcomes(moved) == {
        ORDER_UPDATE: (
            "refused", f"stale plan: {ORDER_UPDATE} changed at Meta since the plan was made; plan again"
        )
    }  # fmt: skip
    assert [o.status for o in kept.outcomes] == ["waiting"]


def test_webhooks_changed_at_meta_since_the_plan_are_refused(tmp_path: Path) -> None:
    def unsubscribe() -> None:
        h.wire.simulator.state.wabas[HK_WABA].subscriptions.clear()

    with harness(tmp_path / "moved") as h:
        moved = applied(h, targets=("wabas.hk_retail.webhooks",), meanwhile=unsubscribe)
        assert h.wire.writes() == []
    with harness(tmp_path / "kept") as h:
        kept = applied(h, targets=("wabas.hk_retail.webhooks",))
        assert h.wire.writes() == [f"POST {HK_WABA}/subscribed_apps"]
    assert outcomes(moved) == {
        "wabas.hk_retail.webhooks": (
            "refused",
            "stale plan: wabas.hk_retail.webhooks changed at Meta since the plan was made; plan again",
        )
    }  # fmt: skip
    assert [o.status for o in kept.outcomes] == ["done"]


# ------------------------------------------------------------------ the journal, secrets, interruption


def test_every_outcome_is_journalled_with_its_times_and_secrets_masked(tmp_path: Path) -> None:
    plan = Plan(actions=(hk_pin(), tw_subscribe(status=Status.BLOCKED, reason="later")))
    with harness(tmp_path / "state") as h:
        h.journal.forbid(["482915"])
        h.wire.answer("POST", HK_MAIN_ID, 400, 100, message="pin=482915 is refused")
        report = applied(h, plan)
        records = h.journal.actions(h.run_id)
    failed = next(o for o in report.outcomes if o.status == "failed")
    assert "482915" not in failed.detail and "pin=***" in failed.detail  # masked before anyone sees it
    assert [(r.action_id, r.address, r.op, r.status) for r in records] == [
        (tw_subscribe().id, "wabas.tw_retail.webhooks", "subscribe_app", "blocked"),
        (hk_pin().id, HK_MAIN, "set_pin", "failed"),
    ]
    assert records[1].detail == failed.detail
    assert all(r.started <= r.finished == 1000.0 for r in records)


def test_no_write_starts_once_the_journal_cannot_record_it(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.journal._db.close()  # the state lost mid-apply
        with pytest.raises(Exception):  # noqa: B017 - finishing cannot be journalled either
            applied(h, Plan(actions=(tw_subscribe(),)))
        assert h.wire.calls == []


def test_an_interrupted_apply_stops_every_step_it_started(tmp_path: Path) -> None:
    plan = Plan(actions=(hk_pin(), tw_pin(), tw_subscribe()))
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> list[str]:
            task = asyncio.create_task(execute(plan, ctx, parallelism=3))

            def interrupt(call: Call) -> None:
                task.cancel()
                h.wire.before = None

            h.wire.before = interrupt
            with pytest.raises(asyncio.CancelledError):
                await task
            # every step has stopped by the time execute gives up: none is left to outlive the client
            assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
            at_interrupt = len(h.wire.calls)
            for _ in range(20):
                await asyncio.sleep(0)
            return [str(c) for c in h.wire.calls[at_interrupt:]]

        after = h.run(work)
    assert after == []  # nothing reached Meta after the interruption


def test_each_outcome_lasts_no_longer_than_the_apply(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:

        async def work(ctx: StepContext) -> tuple[ApplyReport, float]:
            made = await plan_now(ctx, targets=(HK_MAIN, TW))
            h.wire.control.edit_profile(HK_MAIN_ID, address="elsewhere")  # refused
            h.wire.answer("POST", TW_ID, 400, 100, message="no")  # a step's failure
            h.wire.answer(
                "POST", f"{HK_WABA}/subscribed_apps", 403, 200, message="no"
            )  # Meta's error, uncaught
            hooks = WebhooksParams(waba_id=HK_WABA, app_id="4000000000001", override_callback_uri=None)
            hk_subscribe = act("wabas.hk_retail.webhooks", Op.SUBSCRIBE_APP, hooks, name="again")
            actions = (*made.actions, tw_subscribe(), tw_pin(), hk_subscribe)
            plan = Plan(actions=actions, live_fingerprints=made.live_fingerprints)
            began = time.monotonic()
            report = await execute(plan, ctx)
            return report, time.monotonic() - began

        report, took = h.run(work)
    got = outcomes(report)
    assert got[f"{HK_MAIN}.profile"][0] == "refused" and got[tw_subscribe().id][0] == "done"
    assert got[tw_pin().id][0] == got["wabas.hk_retail.webhooks.again"][0] == "failed"
    assert all(0 < o.seconds <= took for o in report.outcomes), [
        (o.status, o.seconds, took) for o in report.outcomes
    ]


# ------------------------------------------------------------------ more of the schedule and the check


def test_by_default_eight_actions_run_at_once(tmp_path: Path) -> None:
    numbers = (HK_MAIN, TW, 'numbers["+85261234567"]')
    pins = tuple(
        act(numbers[i % 3], Op.SET_PIN, SetPinParams(phone_number_id=f"300000000001{i}"), name=f"pin{i}")
        for i in range(9)
    )  # nine PINs for nine numbers' IDs: Meta knows none of them, each one its own request

    async def work(ctx: StepContext) -> ApplyReport:
        return await execute(Plan(actions=pins), ctx)

    with harness(tmp_path / "state") as h:
        report = h.run(work)
        assert (h.wire.peak, len(h.wire.writes())) == (8, 9)
    assert len(report.outcomes) == 9


def test_a_step_waiting_on_metas_review_lets_the_next_action_run(tmp_path: Path) -> None:
    params = ChangeDisplayNameParams(phone_number_id=TW_ID, display_name="HL TW")
    rename = act(TW, Op.CHANGE_DISPLAY_NAME, params, name="display_name")
    plan = Plan(actions=(rename, hk_pin()))
    with harness(tmp_path / "state") as h:

        def decline_once_the_pin_is_set(call: Call) -> None:
            if call.path == HK_MAIN_ID and call.method == "POST":
                h.wire.control.review_display_name(TW_ID, False)

        h.wire.before = decline_once_the_pin_is_set
        ticks = [0.0]

        def clock() -> float:
            ticks[0] += 1.0
            return ticks[0]

        report = applied(h, plan, parallelism=1, wait=True, poll_interval=0.0, clock=clock, wait_timeout=50.0)
    # one slot: the PIN was set while the rename waited, so Meta's verdict came within the wait
    assert outcomes(report)[rename.id] == (
        "failed",
        "Meta declined the display name 'HL TW' (name status DECLINED)",
    )


def test_a_waba_itself_has_nothing_to_compare(tmp_path: Path) -> None:
    subscribe = act("wabas.tw_retail", Op.SUBSCRIBE_APP, tw_subscribe().params)
    plan = Plan(actions=(subscribe,), live_fingerprints={"wabas.tw_retail": "anything"})
    with harness(tmp_path / "state") as h:
        report = applied(h, plan)
        assert h.wire.writes() == [f"POST {TW_WABA}/subscribed_apps"]
    assert [o.status for o in report.outcomes] == ["done"]


def test_a_display_name_changed_at_meta_is_named(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)

    def renamed() -> None:
        h.wire.simulator.state.numbers[HK_MAIN_ID].verified_name = "Harbour Lane Ltd"

    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,), meanwhile=renamed)
    [(_, detail)] = outcomes(report).values()
    assert detail == f"stale plan: {HK_MAIN}.display_name changed at Meta since the plan was made; plan again"


def test_a_field_the_config_leaves_out_is_not_named_when_it_moves(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        report = applied(h, targets=(TW,), meanwhile=lambda: h.wire.control.edit_profile(
            TW_ID, email="tw@harbourlane.example"))  # fmt: skip
        assert h.wire.writes() == []
    assert outcomes(report) == {
        f"{TW}.profile": ("refused", f"stale plan: {TW} changed at Meta since the plan was made; plan again")
    }


def test_every_field_changed_at_meta_is_named(tmp_path: Path) -> None:
    config = edited(tmp_path / "estate", profile_email)
    with harness(tmp_path / "state", config=config) as h:
        report = applied(h, targets=(HK_MAIN,), meanwhile=lambda: h.wire.control.edit_profile(
            HK_MAIN_ID, address="elsewhere", vertical="OTHER"))  # fmt: skip
    [(_, detail)] = outcomes(report).values()
    assert detail == (
        f"stale plan: {HK_MAIN}.profile.address, {HK_MAIN}.profile.vertical changed at Meta since the plan "
        "was made; plan again"
    )
