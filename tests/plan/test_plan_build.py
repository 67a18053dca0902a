"""Planning is pure: config + snapshot → ordered, costed actions with checked preconditions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from converged import converged_snapshot, settled_write_only

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.fingerprints import verify_token_key
from reconciler.plan.build import PlanOptions, WriteOnly, build_plan, resolve_targets
from reconciler.plan.model import Check, Kind, Op, Status
from reconciler.snapshot import LiveNumber, LiveSubscription, LiveWaba, Snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "numbers.yaml"
MIGRATING = "+85261234567"
ADDRESS = 'numbers["+85261234567"]'


@pytest.fixture(scope="module")
def example() -> Config:
    config = load(EXAMPLE).config
    assert config is not None
    return config


def migration_world(config: Config, *, two_step: bool | None, source_visible: bool = True) -> Snapshot:
    """The seed's starting point: everything converged except the number still at the other provider."""
    live = converged_snapshot(config)
    hk = live.wabas["2000000000001"]
    numbers = {k: v for k, v in hk.numbers.items() if k != MIGRATING}
    wabas = {**live.wabas, hk.id: replace(hk, numbers=numbers)}
    sources = {}
    if source_visible:
        sources["2000000000901"] = LiveWaba(
            id="2000000000901",
            name="Harbour Lane (via Acme BSP)",
            account_review_status="APPROVED",
            business_verification_status="verified",
            owner_business_id="1000000000001",
            numbers={
                MIGRATING: LiveNumber(
                    id="3000000000901",
                    e164=MIGRATING,
                    display_phone_number="+852 6123 4567",
                    waba_id="2000000000901",
                    status="CONNECTED",
                    verified_name="Harbour Lane",
                    name_status="APPROVED",
                    code_verification_status="VERIFIED",
                    platform_type="CLOUD_API",
                    two_step_enabled=two_step,
                )
            },
        )
    return replace(live, wabas=wabas, sources=sources)


def only_at_source(
    world: Snapshot, name: str, language: str, *, owner: str | None = None, **changes: Any
) -> Snapshot:
    """`world` with one of hk_retail's declared templates held only by the move's source WABA (as
    `changes` make it there), and that WABA owned by `owner` when given."""
    hk = world.wabas["2000000000001"]
    wanted = hk.template(name, language)
    assert wanted is not None
    source = world.sources["2000000000901"]
    source = replace(
        source,
        templates=(replace(wanted, **changes),),
        owner_business_id=owner or source.owner_business_id,
    )
    hk = replace(hk, templates=tuple(t for t in hk.templates if t.name != name))
    return replace(world, wabas={**world.wabas, hk.id: hk}, sources={source.id: source})


def ids(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.id for a in plan.actions]


def test_converged_estate_plans_nothing(example: Config) -> None:
    plan = build_plan(example, converged_snapshot(example), settled_write_only(example))
    assert plan.actions == ()
    assert not plan.has_changes


def test_migration_follows_metas_documented_order(example: Config) -> None:
    plan = build_plan(example, migration_world(example, two_step=False), settled_write_only(example))
    chain = [a.op for a in plan.actions if a.address == ADDRESS]
    assert chain[:4] == [Op.ADD_NUMBER_FOR_MIGRATION, Op.REQUEST_CODE, Op.VERIFY_CODE, Op.REGISTER]
    assert set(chain[4:]) == {Op.UPDATE_PROFILE}
    order = ids(plan)
    register = order.index(f"{ADDRESS}.register")
    assert order.index(f"{ADDRESS}.profile") > register
    add = next(a for a in plan.actions if a.op is Op.ADD_NUMBER_FOR_MIGRATION)
    assert add.params == {
        "waba_id": "2000000000001", "cc": "852", "phone_number": "61234567",
        "verified_name": "Harbour Lane", "migrate": True,
    }  # fmt: skip
    verify = next(a for a in plan.actions if a.op is Op.VERIFY_CODE)
    assert verify.status is Status.NEEDS_INPUT and "--otp +85261234567=CODE" in verify.reason
    register_action = next(a for a in plan.actions if a.op is Op.REGISTER)
    assert {c.kind for c in register_action.costs} >= {"downtime", "register_attempt"}
    assert all(p.outcome is Check.PASS for p in plan.preconditions)


def test_two_step_still_on_blocks_the_move_with_the_fix(example: Config) -> None:
    plan = build_plan(example, migration_world(example, two_step=True), settled_write_only(example))
    add = next(a for a in plan.actions if a.op is Op.ADD_NUMBER_FOR_MIGRATION)
    assert add.status is Status.BLOCKED
    assert "WhatsApp Manager" in add.reason and "Turn off" in add.reason
    register = next(a for a in plan.actions if a.op is Op.REGISTER)
    assert register.status is Status.BLOCKED and register.reason.startswith("waits for")
    failed = [p for p in plan.preconditions if p.outcome is Check.FAIL]
    assert [p.name for p in failed] == ["two-step verification off at the source"]
    assert plan.summary()["blocked"] == 5


def test_unreadable_source_gives_unknowns_that_name_who_must_act(example: Config) -> None:
    plan = build_plan(
        example, migration_world(example, two_step=None, source_visible=False), settled_write_only(example)
    )
    unknown = {p.name: p.detail for p in plan.preconditions if p.outcome is Check.UNKNOWN}
    assert "two-step verification off at the source" in unknown
    assert "source WABA's owner" in unknown["two-step verification off at the source"]
    add = next(a for a in plan.actions if a.op is Op.ADD_NUMBER_FOR_MIGRATION)
    assert add.status is Status.READY  # unknowns do not block: apply recognises Meta's refusal


@pytest.mark.parametrize(
    ("change", "name", "outcome"),
    [
        ({"business_verification_status": "pending"}, "source business verified", Check.FAIL),
        ({"account_review_status": "PENDING"}, "source WABA approved", Check.FAIL),
        ({"owner_business_id": "1999999999999"}, "source and destination in the same business", Check.FAIL),
        ({"owner_business_id": None}, "source and destination in the same business", Check.UNKNOWN),
    ],
)
def test_each_source_condition_is_checked(example: Config, change: dict, name: str, outcome: Check) -> None:
    world = migration_world(example, two_step=False)
    source = replace(world.sources["2000000000901"], **change)
    plan = build_plan(example, replace(world, sources={source.id: source}), settled_write_only(example))
    assert {p.name: p.outcome for p in plan.preconditions}[name] is outcome


@pytest.mark.parametrize(
    ("number_change", "fragment"),
    [
        ({"name_status": "PENDING_REVIEW"}, "must be approved"),
        ({"new_display_name": "Harbour Lane CWB", "new_name_status": "PENDING_REVIEW"}, "under review"),
        ({"status": "PENDING"}, "must register it"),
    ],
)
def test_number_conditions_at_the_source(example: Config, number_change: dict, fragment: str) -> None:
    world = migration_world(example, two_step=False)
    source = world.sources["2000000000901"]
    number = replace(source.numbers[MIGRATING], **number_change)
    source = replace(source, numbers={MIGRATING: number})
    plan = build_plan(example, replace(world, sources={source.id: source}), settled_write_only(example))
    add = next(a for a in plan.actions if a.op is Op.ADD_NUMBER_FOR_MIGRATION)
    assert add.status is Status.BLOCKED and fragment in add.reason


def test_destination_must_be_subscribed_first(example: Config) -> None:
    world = migration_world(example, two_step=False)
    hk = replace(world.wabas["2000000000001"], subscriptions=())
    plan = build_plan(example, replace(world, wabas={**world.wabas, hk.id: hk}), settled_write_only(example))
    order = ids(plan)
    assert order.index("wabas.hk_retail.webhooks") < order.index(f"{ADDRESS}.add")
    check = {p.name: p for p in plan.preconditions}["app subscribed to the destination"]
    assert check.outcome is Check.PASS and "planned" in check.detail


def test_destination_gate_blocks_new_work(example: Config) -> None:
    world = migration_world(example, two_step=False)
    hk = replace(world.wabas["2000000000001"], business_verification_status="pending")
    plan = build_plan(example, replace(world, wabas={**world.wabas, hk.id: hk}), settled_write_only(example))
    add = next(a for a in plan.actions if a.op is Op.ADD_NUMBER_FOR_MIGRATION)
    assert add.status is Status.BLOCKED and "business verification is pending" in add.reason


def test_number_part_way_resumes_at_the_right_step(example: Config) -> None:
    world = migration_world(example, two_step=False)
    hk = world.wabas["2000000000001"]
    added = LiveNumber(
        id="3000000000950", e164=MIGRATING, display_phone_number="+852 6123 4567", waba_id=hk.id,
        status="PENDING", code_verification_status="VERIFIED",
    )  # fmt: skip
    hk = replace(hk, numbers={**hk.numbers, MIGRATING: added})
    plan = build_plan(example, replace(world, wabas={**world.wabas, hk.id: hk}), settled_write_only(example))
    ops = [a.op for a in plan.actions if a.address == ADDRESS]
    assert ops[0] is Op.REGISTER and Op.ADD_NUMBER_FOR_MIGRATION not in ops and Op.VERIFY_CODE not in ops
    register = next(a for a in plan.actions if a.op is Op.REGISTER)
    assert register.params["phone_number_id"] == "3000000000950"


def test_profile_drift_is_field_level_and_honours_ignore_changes(example: Config) -> None:
    live = converged_snapshot(example)
    hk = live.wabas["2000000000001"]
    number = hk.numbers["+85251234567"]
    drifted = replace(number, profile=replace(number.profile, about="edited by hand", email="old@x.example"))
    hk = replace(hk, numbers={**hk.numbers, number.e164: drifted})
    plan = build_plan(example, replace(live, wabas={**live.wabas, hk.id: hk}), settled_write_only(example))
    [action] = plan.actions
    assert action.op is Op.UPDATE_PROFILE and action.kind is Kind.UPDATE
    assert [(c.dotted, c.before, c.after) for c in action.changes] == [
        ("profile.email", "old@x.example", "hello@harbourlane.example")
    ]  # profile.about is in ignore_changes


def test_pending_rename_that_matches_is_not_drift(example: Config) -> None:
    live = converged_snapshot(example)
    hk = live.wabas["2000000000001"]
    number = replace(
        hk.numbers["+85251234567"], verified_name="Harbour Ln", new_display_name="Harbour Lane",
        new_name_status="PENDING_REVIEW",
    )  # fmt: skip
    hk = replace(hk, numbers={**hk.numbers, number.e164: number})
    plan = build_plan(example, replace(live, wabas={**live.wabas, hk.id: hk}), settled_write_only(example))
    assert plan.actions == ()
    assert [p.address for p in plan.pending] == ['numbers["+85251234567"]']


def test_rename_is_planned_with_its_review_cost(example: Config) -> None:
    live = converged_snapshot(example)
    hk = live.wabas["2000000000001"]
    number = replace(hk.numbers["+85251234567"], verified_name="Harbour Ln")
    hk = replace(hk, numbers={**hk.numbers, number.e164: number})
    plan = build_plan(example, replace(live, wabas={**live.wabas, hk.id: hk}), settled_write_only(example))
    [action] = plan.actions
    assert action.op is Op.CHANGE_DISPLAY_NAME
    assert action.costs[0].kind == "display_name_review"


def test_pin_is_planned_by_fingerprint_only(example: Config) -> None:
    live = converged_snapshot(example)
    settled = settled_write_only(example)
    assert build_plan(example, live, settled).actions == ()
    key = 'numbers["+85251234567"].pin'
    changed = WriteOnly(desired={**settled.desired, key: "fp-new"}, known=settled.known)
    [action] = build_plan(example, live, changed).actions
    assert action.op is Op.SET_PIN and action.changes[0].sensitive
    unresolved = WriteOnly(
        desired=settled.desired, known=settled.known, unresolved={key: "export HK_MAIN_PIN"}
    )
    [blocked] = build_plan(example, live, unresolved).actions
    assert blocked.status is Status.BLOCKED and blocked.reason == "export HK_MAIN_PIN"


def test_a_verify_token_that_cannot_be_read_blocks_the_webhook_call(example: Config) -> None:
    live = converged_snapshot(example)
    settled = settled_write_only(example)
    key = verify_token_key("2000000000001")
    unresolved = WriteOnly(
        desired={k: v for k, v in settled.desired.items() if k != key},
        known=settled.known,
        unresolved={key: "${env:HK_WEBHOOK_VERIFY_TOKEN} is not set"},
    )
    [blocked] = build_plan(example, live, unresolved).actions
    assert blocked.op is Op.UPDATE_WEBHOOKS and blocked.status is Status.BLOCKED
    assert blocked.reason == "${env:HK_WEBHOOK_VERIFY_TOKEN} is not set"
    assert [c.dotted for c in blocked.changes] == ["verify_token"]

    hk = live.wabas["2000000000001"]
    unsubscribed = replace(live, wabas={**live.wabas, hk.id: replace(hk, subscriptions=())})
    [subscribe] = build_plan(example, unsubscribed, unresolved).actions
    assert subscribe.op is Op.SUBSCRIBE_APP and subscribe.status is Status.BLOCKED


def test_subscribing_keeps_the_apps_already_subscribed(example: Config) -> None:
    live = converged_snapshot(example)
    hk = live.wabas["2000000000001"]
    other = LiveSubscription("4000000000099", None, None)
    live = replace(live, wabas={**live.wabas, hk.id: replace(hk, subscriptions=(other,))})
    [subscribe] = build_plan(example, live, settled_write_only(example)).actions
    apps = next(c for c in subscribe.changes if c.dotted == "subscribed_apps")
    assert apps.before == ["4000000000099"] and apps.after == ["4000000000099", "4000000000001"]


def test_template_changes(example: Config) -> None:
    live = converged_snapshot(example)
    tw = live.wabas["2000000000002"]
    edited = replace(tw.templates[0], components=({**tw.templates[0].components[0], "text": "old text"},))
    tw = replace(tw, templates=(edited,))
    plan = build_plan(example, replace(live, wabas={**live.wabas, tw.id: tw}), settled_write_only(example))
    [action] = plan.actions
    assert action.op is Op.UPDATE_TEMPLATE and action.changes[0].dotted == "components[0].text"
    assert any(c.kind == "template_edit" for c in action.costs)
    recategorised = replace(tw.templates[0], category="MARKETING")
    tw = replace(tw, templates=(recategorised,))
    plan = build_plan(example, replace(live, wabas={**live.wabas, tw.id: tw}), settled_write_only(example))
    assert plan.actions[0].status is Status.BLOCKED and "category" in plan.actions[0].reason
    missing = replace(tw, templates=())
    plan = build_plan(
        example, replace(live, wabas={**live.wabas, tw.id: missing}), settled_write_only(example)
    )
    assert [a.op for a in plan.actions] == [Op.CREATE_TEMPLATE]


def test_templates_wait_for_a_move_into_their_waba(example: Config) -> None:
    world = migration_world(example, two_step=False)
    hk = replace(world.wabas["2000000000001"], templates=())
    plan = build_plan(example, replace(world, wabas={**world.wabas, hk.id: hk}), settled_write_only(example))
    creates = [a for a in plan.actions if a.op is Op.CREATE_TEMPLATE]
    assert creates and all(f"{ADDRESS}.register" in a.depends_on for a in creates)


@pytest.mark.parametrize(
    ("change", "copied"),
    [
        ({}, True),
        ({"quality_score": "UNKNOWN"}, True),  # approved, not scored yet: Meta still copies it
        ({"quality_score": "YELLOW"}, False),
        ({"status": "PENDING"}, False),
        ({"category": "MARKETING"}, False),  # not what the config declares: submitted afresh
        ({"owner": "1000000000999"}, False),  # another business portfolio: Meta will not copy
    ],
)
def test_a_template_the_source_holds_approved_is_copied_not_resubmitted(
    example: Config, change: dict, copied: bool
) -> None:
    world = only_at_source(
        migration_world(example, two_step=False),
        "login_code",
        "en_US",
        owner=change.get("owner"),
        id="5000000000903",
        quality_score=change.get("quality_score", "GREEN"),
        status=change.get("status", "APPROVED"),
        **({"category": change["category"]} if "category" in change else {}),
    )
    plan = build_plan(example, world, settled_write_only(example))
    [action] = [a for a in plan.actions if "login_code" in a.address]
    if copied:
        assert action.op is Op.MIGRATE_TEMPLATES and action.kind is Kind.CREATE
        assert action.params["source_template_id"] == "5000000000903"
        assert action.depends_on == ()  # copied at once: the copy is usable when the number registers
        assert not any(c.kind == "review" for c in action.costs)
    else:
        assert action.op is Op.CREATE_TEMPLATE
        assert f"{ADDRESS}.register" in action.depends_on


def test_target_narrows_to_a_resource_and_its_dependencies(example: Config) -> None:
    world = migration_world(example, two_step=False)
    hk = replace(world.wabas["2000000000001"], subscriptions=())
    world = replace(world, wabas={**world.wabas, hk.id: hk})
    plan = build_plan(
        example, world, settled_write_only(example), PlanOptions(targets=(f"{ADDRESS}.register",))
    )
    assert ids(plan) == [
        "wabas.hk_retail.webhooks", f"{ADDRESS}.add", f"{ADDRESS}.request_code", f"{ADDRESS}.verify_code",
        f"{ADDRESS}.register",
    ]  # fmt: skip


def test_refresh_only_reports_drift_without_actions(example: Config) -> None:
    live = converged_snapshot(example)
    hk = live.wabas["2000000000001"]
    number = hk.numbers["+85251234567"]
    drifted = replace(number, profile=replace(number.profile, email="old@x.example"))
    hk = replace(hk, numbers={**hk.numbers, number.e164: drifted})
    plan = build_plan(
        example, replace(live, wabas={**live.wabas, hk.id: hk}), settled_write_only(example),
        PlanOptions(refresh_only=True),
    )  # fmt: skip
    assert plan.actions == ()
    address = 'numbers["+85251234567"]'
    assert [(d.address, d.path, d.declared, d.live) for d in plan.drift] == [
        (address, "profile.email", "hello@harbourlane.example", "old@x.example")
    ]
    assert 'profile.email is "old@x.example" at Meta' in plan.drift[0].detail
    assert plan.has_changes  # what --detailed-exitcode reports as 2
    assert plan.unknown == ()  # the write-only values are those wabaplan set


def test_a_copy_may_differ_where_the_template_ignores_changes(example: Config) -> None:
    """spring_sale ignores its components (marketing edits them at Meta): an approved copy at the source
    whose text was edited there is still the template the config means."""
    world = only_at_source(
        migration_world(example, two_step=False),
        "spring_sale",
        "zh_HK",
        id="5000000000902",
        quality_score="GREEN",
        components=({"type": "BODY", "text": "edited at the old provider"},),
    )
    plan = build_plan(example, world, settled_write_only(example))
    [action] = [a for a in plan.actions if "spring_sale" in a.address]
    assert action.op is Op.MIGRATE_TEMPLATES


def test_every_action_the_planner_names_is_a_target_a_user_may_give(example: Config) -> None:
    """resolve_targets lists a number's step names (NUMBER_STEPS) apart from the builder that makes
    them: every action id of a full migration plan must resolve, or --target would refuse it."""
    plan = build_plan(example, migration_world(example, two_step=False), settled_write_only(example))
    assert plan.actions
    assert resolve_targets(example, ids(plan)) == tuple(ids(plan))
