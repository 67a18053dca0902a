"""The planner's rules one by one, each stated on the plan it builds (pure: config + snapshot → Plan).

Webhooks, templates and numbers on each of their paths; the guards (prevent_destroy, ignore_changes on
every field, a secret that cannot be read); what the plan records beside its actions (fingerprints of what
it saw, notes, what it could not read); `--target`; and the exact words a reviewer reads where they carry
Meta's rules (costs, the fix of a block)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest
from converged import converged_snapshot, settled_write_only

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.fingerprints import verify_token_key
from reconciler.plan.build import (
    NUMBER_STEPS,
    PlanOptions,
    WriteOnly,
    _propagate_blocks,
    build_plan,
    resolve_targets,
    summarise_checks,
)
from reconciler.plan.live import number_fingerprint, template_fingerprint, webhooks_fingerprint
from reconciler.plan.model import Action, Check, Kind, Op, Plan, PlanError, Precondition, Status
from reconciler.snapshot import (
    LiveNumber,
    LiveProfile,
    LiveSubscription,
    LiveTemplate,
    LiveWaba,
    Snapshot,
    Unreadable,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "numbers.yaml"
HK, TW, SOURCE = "2000000000001", "2000000000002", "2000000000901"
MAIN, TW_MAIN, MOVING = "+85251234567", "+886912345678", "+85261234567"
A_MAIN, A_TW, A_MOVING = f'numbers["{MAIN}"]', f'numbers["{TW_MAIN}"]', f'numbers["{MOVING}"]'
REGISTER_COST = "uses 1 of the 10 register calls Meta allows per number per rolling 72 h"


@pytest.fixture(scope="module")
def example() -> Config:
    config = load(EXAMPLE).config
    assert config is not None
    return config


# ------------------------------------------------------------------ helpers


def plan_of(config: Config, live: Snapshot, write_only: WriteOnly | None = None, **options: object) -> Plan:
    settled = settled_write_only(config) if write_only is None else write_only
    return build_plan(config, live, settled, PlanOptions(**options))  # type: ignore[arg-type]


def by_id(plan: Plan) -> dict[str, Action]:
    return {a.id: a for a in plan.actions}


def with_number(config: Config, e164: str, **changes: object) -> Config:
    return config.model_copy(
        update={"numbers": {**config.numbers, e164: config.numbers[e164].model_copy(update=changes)}}
    )


def with_lifecycle(config: Config, e164: str, **changes: object) -> Config:
    lifecycle = config.numbers[e164].lifecycle.model_copy(update=changes)
    return with_number(config, e164, lifecycle=lifecycle)


def with_waba(config: Config, name: str, **changes: object) -> Config:
    return config.model_copy(
        update={"wabas": {**config.wabas, name: config.wabas[name].model_copy(update=changes)}}
    )


def with_waba_lifecycle(config: Config, name: str, **changes: object) -> Config:
    lifecycle = config.wabas[name].lifecycle.model_copy(update=changes)
    return with_waba(config, name, lifecycle=lifecycle)


def live_waba(live: Snapshot, waba_id: str, **changes: object) -> Snapshot:
    return replace(live, wabas={**live.wabas, waba_id: replace(live.wabas[waba_id], **changes)})


def live_number(live: Snapshot, waba_id: str, e164: str, **changes: object) -> Snapshot:
    waba = live.wabas[waba_id]
    number = replace(waba.numbers[e164], **changes)
    return live_waba(live, waba_id, numbers={**waba.numbers, e164: number})


def without_number(live: Snapshot, waba_id: str, e164: str) -> Snapshot:
    waba = live.wabas[waba_id]
    return live_waba(live, waba_id, numbers={k: v for k, v in waba.numbers.items() if k != e164})


def moving_in(config: Config, **source_number: object) -> Snapshot:
    """Everything converged but the storefront number, still registered at its source WABA."""
    live = without_number(converged_snapshot(config), HK, MOVING)
    number = LiveNumber(
        id="3000000000901", e164=MOVING, display_phone_number="+852 6123 4567", waba_id=SOURCE,
        status="CONNECTED", verified_name="Harbour Lane", name_status="APPROVED",
        code_verification_status="VERIFIED", platform_type="CLOUD_API", two_step_enabled=False,
    )  # fmt: skip
    source = LiveWaba(
        id=SOURCE, account_review_status="APPROVED", business_verification_status="verified",
        owner_business_id="1000000000001", numbers={MOVING: replace(number, **source_number)},
    )  # fmt: skip
    return replace(live, sources={SOURCE: source})


def new_tw_number(config: Config) -> Snapshot:
    """The Taiwan line not at Meta at all yet."""
    return without_number(converged_snapshot(config), TW, TW_MAIN)


def chain(plan: Plan, address: str) -> list[Op]:
    return [a.op for a in plan.actions if a.address == address]


# ------------------------------------------------------------------ what a plan carries


def test_a_plan_carries_what_it_was_planned_with_and_against(example: Config) -> None:
    live = converged_snapshot(example)
    plan = plan_of(example, live, config_hash="sha256:abc", simulated=True, notes=("read: a note",))
    assert (plan.config_hash, plan.graph_url, plan.api_version) == (
        "sha256:abc", "https://graph.facebook.com", "v23.0"
    )  # fmt: skip
    assert plan.simulated is True and plan.refresh_only is False and plan.targets == ()
    assert plan.notes[0] == "read: a note"


def test_options_left_out_plan_for_real_meta_with_nothing_remembered(example: Config) -> None:
    """No write-only fingerprints at all: a PIN or picture neither desired nor known is not planned."""
    plan = build_plan(example, converged_snapshot(example))
    assert plan.actions == ()
    assert plan.simulated is False and plan.refresh_only is False and plan.config_hash == ""
    assert plan.targets == () and plan.verdicts == () and plan.incomplete == ()


def test_the_planners_inputs_are_frozen_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        PlanOptions().targets = ("wabas.hk_retail",)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        WriteOnly().desired = {}  # type: ignore[misc]


def test_the_plan_fingerprints_every_resource_it_saw(example: Config) -> None:
    """What apply checks again before writing (compare-and-set): each WABA's webhooks, each number and each
    declared template Meta holds, as they were read."""
    live = converged_snapshot(example)
    plan = plan_of(example, live)
    hk, tw = live.wabas[HK], live.wabas[TW]
    expected = {
        "wabas.hk_retail.webhooks": webhooks_fingerprint(hk.account_review_status, hk.subscriptions),
        "wabas.tw_retail.webhooks": webhooks_fingerprint(tw.account_review_status, tw.subscriptions),
        A_MAIN: number_fingerprint(hk.numbers[MAIN]),
        A_MOVING: number_fingerprint(hk.numbers[MOVING]),
        A_TW: number_fingerprint(tw.numbers[TW_MAIN]),
    }
    for waba_name, waba in (("hk_retail", hk), ("tw_retail", tw)):
        for t in waba.templates:
            expected[f'wabas.{waba_name}.templates["{t.name}/{t.language}"]'] = template_fingerprint(t)
    assert dict(plan.live_fingerprints) == expected


def test_a_completed_move_says_migrate_from_may_go(example: Config) -> None:
    plan = plan_of(example, converged_snapshot(example))
    assert f"{A_MOVING}: the move is complete; migrate_from can be removed from the config" in plan.notes


# ------------------------------------------------------------------ a WABA that cannot be read


def test_an_unreadable_waba_makes_the_plan_incomplete_and_the_rest_is_planned(example: Config) -> None:
    live = converged_snapshot(example)
    hk_gone = replace(
        live,
        wabas={TW: replace(live.wabas[TW], subscriptions=())},
        unreadable={HK: Unreadable(HK, "(#200) permission denied")},
    )
    plan = plan_of(example, hk_gone)
    said = (
        f"wabas.hk_retail: WABA {HK} cannot be planned: (#200) permission denied (check the ID, and that "
        "the access token's system user has the WABA assigned)"
    )
    assert plan.incomplete == (said,)
    assert said in plan.notes
    assert [a.id for a in plan.actions] == ["wabas.tw_retail.webhooks"]  # hk's numbers are not planned

    unread = replace(hk_gone, unreadable={})
    assert plan_of(example, unread).incomplete == (
        said.replace("(#200) permission denied", "it was not read"),
    )


def test_the_first_waba_unreadable_does_not_stop_the_second(example: Config) -> None:
    live = converged_snapshot(example)
    only_tw = replace(live, wabas={TW: replace(live.wabas[TW], templates=())})
    plan = plan_of(example, only_tw)
    assert [a.op for a in plan.actions] == [Op.CREATE_TEMPLATE]


# ------------------------------------------------------------------ the WABA's gate


def test_new_work_in_a_waba_waits_for_what_it_expects_each_said(example: Config) -> None:
    live = live_waba(
        converged_snapshot(example), HK, account_review_status=None, business_verification_status=None,
        templates=(),
    )  # fmt: skip
    creates = [a for a in plan_of(example, live).actions if a.op is Op.CREATE_TEMPLATE]
    assert creates and {a.status for a in creates} == {Status.BLOCKED}
    assert creates[0].reason == (
        f"WABA review status is not reported, expected APPROVED (Meta must finish reviewing WABA {HK}); "
        "business verification is not reported, expected verified (finish it in Meta Business Suite → "
        "Security Centre)"
    )
    live = live_waba(live, HK, account_review_status="PENDING", business_verification_status="verified")
    [create, *_] = [a for a in plan_of(example, live).actions if a.op is Op.CREATE_TEMPLATE]
    assert create.reason == (
        f"WABA review status is PENDING, expected APPROVED (Meta must finish reviewing WABA {HK})"
    )


def test_a_waba_that_expects_nothing_is_never_gated(example: Config) -> None:
    expect = example.wabas["tw_retail"].expect.model_copy(
        update={"account_review_status": None, "business_verification_status": None}
    )
    live = live_waba(
        converged_snapshot(example), TW, account_review_status="PENDING",
        business_verification_status="pending", templates=(),
    )  # fmt: skip
    [create] = plan_of(with_waba(example, "tw_retail", expect=expect), live).actions
    assert create.op is Op.CREATE_TEMPLATE and create.status is Status.READY and create.reason == ""


# ------------------------------------------------------------------ webhooks


def test_subscribing_an_app_is_a_create_with_its_params(example: Config) -> None:
    live = live_waba(converged_snapshot(example), TW, subscriptions=())
    [action] = plan_of(example, live).actions
    assert (action.id, action.address, action.kind, action.op) == (
        "wabas.tw_retail.webhooks", "wabas.tw_retail.webhooks", Kind.CREATE, Op.SUBSCRIBE_APP
    )  # fmt: skip
    assert action.summary == f"subscribe app 4000000000001 to WABA {TW}'s webhooks"
    assert action.params == {"waba_id": TW, "app_id": "4000000000001", "override_callback_uri": None}
    assert [c.dotted for c in action.changes] == ["subscribed_apps"]  # no override, no token to send
    assert action.status is Status.READY and action.reason == ""


def test_subscribing_with_an_override_sends_the_uri_and_the_verify_token(example: Config) -> None:
    live = live_waba(converged_snapshot(example), HK, subscriptions=())
    [action] = plan_of(example, live).actions
    uri = "https://hooks.harbourlane.example/whatsapp/hk"
    assert [(c.dotted, c.before, c.after, c.sensitive) for c in action.changes] == [
        ("subscribed_apps", [], ["4000000000001"], False),
        ("override_callback_uri", None, uri, False),
        ("verify_token", None, None, True),
    ]
    assert action.params["override_callback_uri"] == uri


def test_an_override_changed_at_meta_is_put_back(example: Config) -> None:
    uri = "https://hooks.harbourlane.example/whatsapp/hk"
    old = LiveSubscription("4000000000001", None, "https://old.example/hook")
    live = live_waba(converged_snapshot(example), HK, subscriptions=(old,))
    [action] = plan_of(example, live).actions
    assert (action.kind, action.op) == (Kind.UPDATE, Op.UPDATE_WEBHOOKS)
    assert action.summary == f"update the webhook callback override of WABA {HK}"
    assert [(c.dotted, c.before, c.after) for c in action.changes] == [
        ("override_callback_uri", "https://old.example/hook", uri)
    ]
    assert action.params == {"waba_id": HK, "app_id": "4000000000001", "override_callback_uri": uri}
    assert action.status is Status.READY


def test_webhooks_honour_ignore_changes_field_by_field(example: Config) -> None:
    # tw_retail ignores webhooks.override_callback_uri: an override set at Meta stays
    other = LiveSubscription("4000000000001", None, "https://someone.example/hook")
    live = live_waba(converged_snapshot(example), TW, subscriptions=(other,))
    assert plan_of(example, live).actions == ()
    # hk_retail ignoring its verify token: a new token is not sent
    key = verify_token_key(HK)
    settled = settled_write_only(example)
    changed = replace(settled, desired={**settled.desired, key: "fp-new-token"})
    [update] = plan_of(example, converged_snapshot(example), changed).actions
    assert [(c.dotted, c.before, c.after, c.sensitive) for c in update.changes] == [
        ("verify_token", None, None, True)
    ]  # a secret: its value is never in the plan
    ignoring = with_waba_lifecycle(example, "hk_retail", ignore_changes=["webhooks.verify_token"])
    assert plan_of(ignoring, converged_snapshot(example), changed).actions == ()
    # and the whole of webhooks
    unsubscribed = live_waba(converged_snapshot(example), HK, subscriptions=())
    whole = with_waba_lifecycle(example, "hk_retail", ignore_changes=["webhooks"])
    assert plan_of(whole, unsubscribed).actions == ()


def test_a_waba_without_webhooks_declared_subscribes_nothing(example: Config) -> None:
    live = live_waba(converged_snapshot(example), TW, subscriptions=())
    assert plan_of(with_waba(example, "tw_retail", webhooks=None), live).actions == ()


def test_a_verify_token_that_cannot_be_read_blocks_only_where_one_is_declared(example: Config) -> None:
    """tw_retail declares no verify token: an unset variable under its key blocks nothing there."""
    live = live_waba(converged_snapshot(example), TW, subscriptions=())
    settled = settled_write_only(example)
    unresolved = replace(settled, unresolved={verify_token_key(TW): "${env:X} is not set"})
    [subscribe] = plan_of(example, live, unresolved).actions
    assert subscribe.status is Status.READY and subscribe.reason == ""


# ------------------------------------------------------------------ templates


def test_a_new_template_is_created_with_its_params_and_review_cost(example: Config) -> None:
    live = live_waba(converged_snapshot(example), HK, templates=())
    actions = [a for a in plan_of(example, live).actions if a.op is Op.CREATE_TEMPLATE]
    declared = example.wabas["hk_retail"].templates
    assert sorted((a.params["index"], a.id) for a in actions) == [
        (i, f'wabas.hk_retail.templates["{t.name}/{t.language}"]') for i, t in enumerate(declared)
    ]
    assert {a.params["waba_id"] for a in actions} == {HK}
    login = next(a for a in actions if "login_code" in a.id)
    assert login.id == login.address == 'wabas.hk_retail.templates["login_code/en_US"]'
    assert login.kind is Kind.CREATE and login.depends_on == ()  # no number moves in: nothing to wait for
    assert login.summary == "create template login_code (en_US, AUTHENTICATION)"
    assert [(c.kind, c.detail) for c in login.costs] == [
        ("review", "Meta reviews new templates (up to 24 h) before they can be sent")
    ]
    template = login.params["template"]
    assert template["category"] == "AUTHENTICATION"
    assert not {"name", "language", "lifecycle"} & set(template) and None not in template.values()
    assert all(None not in component.values() for component in template["components"])
    assert template["components"][0] == {"type": "BODY", "add_security_recommendation": True}
    assert [(c.path, c.before, c.after) for c in login.changes] == [
        ((k,), None, v) for k, v in template.items()
    ]
    assert len(declared) == 3


def test_ignore_changes_on_templates_leaves_them_all_alone(example: Config) -> None:
    extra = LiveTemplate("600000000000091", "old_promo", "en_US", "APPROVED", "MARKETING")
    live = live_waba(converged_snapshot(example), HK, templates=(extra,))
    config = with_waba(example, "hk_retail", delete_undeclared_templates=True)
    config = with_waba_lifecycle(config, "hk_retail", ignore_changes=["templates"], prevent_destroy=False)
    assert plan_of(config, live).actions == ()


def edited(example: Config, status: str, **changes: object) -> tuple[Plan, LiveTemplate]:
    """tw_retail's order_update held by Meta with `status`, its body text changed there."""
    live = converged_snapshot(example)
    tw = live.wabas[TW]
    held = tw.templates[0]
    held = replace(held, status=status, components=({**held.components[0], "text": "old text"},), **changes)
    return plan_of(example, live_waba(live, TW, templates=(held,))), held


def test_an_edit_is_an_update_with_what_meta_holds_named(example: Config) -> None:
    plan, held = edited(example, "APPROVED")
    [action] = plan.actions
    assert (action.kind, action.op, action.status) == (Kind.UPDATE, Op.UPDATE_TEMPLATE, Status.READY)
    assert action.summary == "update template order_update (zh_TW)"
    assert action.params["template_id"] == held.id and action.params["waba_id"] == TW
    assert action.params["index"] == 0
    assert [(c.kind, c.detail) for c in action.costs] == [
        ("review", "the edited template goes back to Meta review"),
        ("template_edit", "approved templates may be edited once per 24 h, 10 times per 30 days"),
    ]


@pytest.mark.parametrize("status", ["REJECTED", "PAUSED"])
def test_a_rejected_or_paused_template_may_be_edited_without_the_approved_limits(
    example: Config, status: str
) -> None:
    plan, _ = edited(example, status)
    [action] = plan.actions
    assert action.status is Status.READY and action.reason == ""
    assert [c.kind for c in action.costs] == ["review"]


@pytest.mark.parametrize("status", ["PENDING", "IN_APPEAL"])
def test_a_template_under_review_cannot_be_edited(example: Config, status: str) -> None:
    plan, _ = edited(example, status)
    [action] = plan.actions
    assert action.status is Status.BLOCKED
    assert action.reason == f"a {status} template cannot be edited; wait until Meta has reviewed it"
    assert [c.kind for c in action.costs] == ["review"]


def test_an_approved_templates_category_cannot_change(example: Config) -> None:
    plan, _ = edited(example, "APPROVED", category="MARKETING")
    [action] = plan.actions
    assert action.status is Status.BLOCKED and action.reason == (
        "the category of an approved template cannot be changed: give the template a new name "
        "(deleting it locks the name for 30 days)"
    )


def test_a_template_pending_review_that_matches_is_pending_not_drift(example: Config) -> None:
    live = converged_snapshot(example)
    held = replace(live.wabas[TW].templates[0], status="PENDING")
    plan = plan_of(example, live_waba(live, TW, templates=(held,)))
    assert plan.actions == ()
    assert [(p.address, p.detail) for p in plan.pending] == [
        (
            'wabas.tw_retail.templates["order_update/zh_TW"]',
            "template is under Meta review and matches the config",
        )
    ]
    rejected = replace(held, status="REJECTED")
    unchanged = plan_of(example, live_waba(live, TW, templates=(rejected,)))
    assert unchanged.actions == () and unchanged.pending == ()  # its verdict says what to change


# ------------------------------------------------------------------ undeclared templates


def extra_templates(example: Config, *statuses: str) -> tuple[Config, Snapshot]:
    live = converged_snapshot(example)
    extra = tuple(
        LiveTemplate(f"60000000000009{i}", f"extra_{i}", "en_US", status, "MARKETING")
        for i, status in enumerate(statuses)
    )
    live = live_waba(live, HK, templates=live.wabas[HK].templates + extra)
    config = with_waba(example, "hk_retail", delete_undeclared_templates=True)
    return config, live


@pytest.mark.parametrize("status", ["DELETED", "PENDING_DELETION", "DISABLED"])
def test_a_template_already_going_is_not_deleted_again(example: Config, status: str) -> None:
    config, live = extra_templates(example, status)
    assert plan_of(config, live).actions == ()


def test_deleting_an_undeclared_template_is_guarded_by_prevent_destroy(example: Config) -> None:
    config, live = extra_templates(example, "APPROVED")
    [guarded] = plan_of(config, live).actions
    address = 'wabas.hk_retail.templates["extra_0/en_US"]'
    assert guarded.id == guarded.address == address
    assert guarded.guard is True and guarded.status is Status.BLOCKED
    assert guarded.reason == (
        "wabas.hk_retail.lifecycle.prevent_destroy is true: set it to false to let apply delete templates "
        "in this WABA"
    )
    assert guarded.summary == "delete template extra_0 (en_US, APPROVED): not declared in the config"
    assert [(c.dotted, c.before, c.after) for c in guarded.changes] == [("status", "APPROVED", None)]
    assert [(c.kind, c.detail) for c in guarded.costs] == [
        ("template_name_lock", "an approved template's name is locked for 30 days")
    ]
    extra = live.wabas[HK].templates[-1]
    assert guarded.params == {"waba_id": HK, "template_id": extra.id, "name": "extra_0"}
    assert plan_of(config, live).live_fingerprints[address] == template_fingerprint(extra)

    unguarded = with_waba_lifecycle(config, "hk_retail", prevent_destroy=False)
    [delete] = plan_of(unguarded, live).actions
    assert delete.guard is False and delete.status is Status.READY and delete.reason == ""


# ------------------------------------------------------------------ a number already live


def test_a_rename_asks_meta_with_the_old_and_new_names(example: Config) -> None:
    live = live_number(converged_snapshot(example), HK, MAIN, verified_name="Harbour Ln")
    [rename] = plan_of(example, live).actions
    assert rename.id == f"{A_MAIN}.display_name" and rename.kind is Kind.UPDATE
    assert rename.summary == "request display name 'Harbour Lane'"
    assert [(c.dotted, c.before, c.after) for c in rename.changes] == [
        ("display_name", "Harbour Ln", "Harbour Lane")
    ]
    assert rename.params == {
        "phone_number_id": live.wabas[HK].numbers[MAIN].id,
        "display_name": "Harbour Lane",
    }
    assert rename.depends_on == ()
    assert [(c.kind, c.detail) for c in rename.costs] == [
        (
            "display_name_review",
            "Meta reviews the new name (up to 3 business days), then the number must re-register "
            "(1 of 10 register calls per 72 h)",
        )
    ]
    ignoring = with_lifecycle(example, MAIN, ignore_changes=["display_name"])
    assert plan_of(ignoring, live).actions == ()


def test_a_rename_under_review_without_a_status_is_still_pending(example: Config) -> None:
    live = live_number(
        converged_snapshot(example), HK, MAIN, verified_name="Harbour Ln", new_display_name="Harbour Lane",
    )  # fmt: skip
    plan = plan_of(example, live)
    assert plan.actions == ()
    assert [(p.address, p.detail) for p in plan.pending] == [
        (A_MAIN, "display name 'Harbour Lane' is under Meta review")
    ]


def test_a_pin_wabaplan_never_set_says_so(example: Config) -> None:
    settled = settled_write_only(example)
    key = f"{A_MAIN}.pin"
    fresh = replace(settled, known={k: v for k, v in settled.known.items() if k != key})
    live = converged_snapshot(example)
    [pin] = plan_of(example, live, fresh).actions
    assert pin.id == key and pin.address == A_MAIN and pin.kind is Kind.UPDATE
    assert pin.summary == f"set the two-step verification PIN of {MAIN} (wabaplan has not set it before)"
    assert pin.params == {"phone_number_id": live.wabas[HK].numbers[MAIN].id}
    assert pin.status is Status.READY and pin.reason == ""
    changed = replace(settled, desired={**settled.desired, key: "fp-other"})
    [pin] = plan_of(example, live, changed).actions
    assert pin.summary == f"set the two-step verification PIN of {MAIN}"
    assert plan_of(with_lifecycle(example, MAIN, ignore_changes=["pin"]), live, changed).actions == ()


def test_a_re_register_comes_after_a_new_pin_and_is_blocked_by_an_unreadable_one(example: Config) -> None:
    settled = settled_write_only(example)
    key = f"{A_MAIN}.pin"
    live = live_number(converged_snapshot(example), HK, MAIN, needs_reregister=True)
    changed = replace(settled, desired={**settled.desired, key: "fp-other"})
    actions = by_id(plan_of(example, live, changed))
    register = actions[f"{A_MAIN}.register"]
    assert register.depends_on == (key,)
    assert register.summary == f"re-register {MAIN} to bring its approved name 'Harbour Lane' into use"
    assert register.params == {
        "phone_number_id": live.wabas[HK].numbers[MAIN].id, "data_localization_region": None,
    }  # fmt: skip
    assert [(c.kind, c.detail) for c in register.costs] == [("register_attempt", REGISTER_COST)]
    assert register.status is Status.READY and register.reason == ""
    # the PIN it sends is a write-only field at the number's `.pin` (where --refresh-only looks for it)
    assert [(c.dotted, c.before, c.after, c.sensitive) for c in register.changes] == [
        ("pin", None, None, True)
    ]

    no_pin = with_number(example, MAIN, pin=None)
    [blocked] = plan_of(no_pin, live).actions
    assert blocked.status is Status.BLOCKED and blocked.reason == (
        "re-registering needs the number's two-step PIN: declare pin: ${env:NAME} for it"
    )

    unset = replace(settled, unresolved={key: "${env:HK_MAIN_PIN} is not set"})
    actions = by_id(plan_of(example, live, unset))
    assert actions[f"{A_MAIN}.register"].status is Status.BLOCKED
    assert actions[f"{A_MAIN}.register"].reason in ("${env:HK_MAIN_PIN} is not set", f"waits for {key}")
    assert actions[key].reason == "${env:HK_MAIN_PIN} is not set"
    # the re-register alone (the PIN ignored) says the variable itself
    ignoring = with_lifecycle(example, MAIN, ignore_changes=["pin"])
    [alone] = plan_of(ignoring, live, unset).actions
    assert alone.status is Status.BLOCKED and alone.reason == "${env:HK_MAIN_PIN} is not set"
    assert alone.depends_on == ()


def test_deregistering_names_the_number_and_what_it_costs(example: Config) -> None:
    live = converged_snapshot(example)
    off = with_number(example, MAIN, registered=False)
    [guarded] = plan_of(off, live).actions
    assert guarded.guard is True and guarded.reason == (
        f"{A_MAIN}.lifecycle.prevent_destroy is true: set it to false to let apply deregister the number "
        "(with --allow-destroy)"
    )
    [action] = plan_of(with_lifecycle(off, MAIN, prevent_destroy=False), live).actions
    assert action.id == f"{A_MAIN}.deregister" and action.guard is False and action.reason == ""
    assert action.summary == f"deregister {MAIN} from Cloud API"
    assert [(c.dotted, c.before, c.after) for c in action.changes] == [("registered", True, False)]
    assert [(c.kind, c.detail) for c in action.costs] == [
        ("downtime", "the number stops sending and receiving until it registers again"),
        ("register_attempt", "uses 1 of the 10 deregister calls Meta allows per number per rolling 72 h"),
    ]


def test_a_number_meant_off_and_not_at_meta_plans_nothing(example: Config) -> None:
    off = with_number(example, TW_MAIN, registered=False)
    assert plan_of(off, new_tw_number(example)).actions == ()


# ------------------------------------------------------------------ profile and picture


def test_a_profile_meta_does_not_show_is_set_whole(example: Config) -> None:
    live = live_number(converged_snapshot(example), TW, TW_MAIN, profile=None)
    [action] = plan_of(example, live).actions
    assert action.id == f"{A_TW}.profile" and action.summary == "update the business profile"
    spec = example.numbers[TW_MAIN].profile
    assert spec is not None
    assert action.params == {
        "phone_number_id": live.wabas[TW].numbers[TW_MAIN].id,
        "profile": {"about": spec.about, "vertical": "RETAIL", "websites": list(spec.websites or ())},
    }
    assert [(c.dotted, c.before) for c in action.changes] == [
        ("profile.about", None), ("profile.vertical", None), ("profile.websites", []),
    ]  # fmt: skip
    assert plan_of(with_lifecycle(example, TW_MAIN, ignore_changes=["profile"]), live).actions == ()


def test_a_profile_with_no_websites_declared_leaves_metas_alone(example: Config) -> None:
    spec = example.numbers[TW_MAIN].profile
    assert spec is not None
    config = with_number(example, TW_MAIN, profile=spec.model_copy(update={"websites": None}))
    live = live_number(
        converged_snapshot(example), TW, TW_MAIN, profile=LiveProfile(spec.about, vertical="RETAIL",
        websites=("https://elsewhere.example",)),
    )  # fmt: skip
    assert plan_of(config, live).actions == ()


def test_a_picture_is_uploaded_when_its_fingerprint_changed(example: Config) -> None:
    settled = settled_write_only(example)
    key = f"{A_MAIN}.profile.picture"
    changed = replace(settled, desired={**settled.desired, key: "fp-new-logo"})
    [upload] = plan_of(example, converged_snapshot(example), changed).actions
    assert upload.id == f"{A_MAIN}.picture" and upload.kind is Kind.UPDATE and upload.op is Op.UPLOAD_PICTURE
    assert upload.summary == "upload profile picture assets/harbour-lane-logo.png"
    assert upload.params == {"picture": "assets/harbour-lane-logo.png"}
    assert [(c.dotted, c.before, c.after) for c in upload.changes] == [
        ("profile.picture", "(uploaded before)", "assets/harbour-lane-logo.png")
    ]
    assert upload.status is Status.READY and upload.reason == "" and upload.depends_on == ()

    never = replace(settled, known={k: v for k, v in settled.known.items() if k != key})
    [first] = plan_of(example, converged_snapshot(example), never).actions
    assert first.changes[0].before is None

    unset = replace(settled, unresolved={key: "assets/harbour-lane-logo.png cannot be read"})
    [blocked] = plan_of(example, converged_snapshot(example), unset).actions
    assert (
        blocked.status is Status.BLOCKED and blocked.reason == "assets/harbour-lane-logo.png cannot be read"
    )

    ignoring = with_lifecycle(example, MAIN, ignore_changes=["profile.picture"])
    assert plan_of(ignoring, converged_snapshot(example), changed).actions == ()


# ------------------------------------------------------------------ a number new to Meta


def test_a_new_number_is_added_verified_and_registered_in_order(example: Config) -> None:
    plan = plan_of(example, new_tw_number(example))
    assert chain(plan, A_TW) == [
        Op.ADD_NUMBER, Op.REQUEST_CODE, Op.VERIFY_CODE, Op.REGISTER, Op.UPDATE_PROFILE,
    ]  # fmt: skip
    steps = by_id(plan)
    add = steps[f"{A_TW}.add"]
    assert add.summary == f"add {TW_MAIN} to WABA {TW}" and add.kind is Kind.CREATE
    assert add.params == {
        "waba_id": TW, "cc": "886", "phone_number": "912345678", "verified_name": "Harbour Lane Taiwan",
        "migrate": False,
    }  # fmt: skip
    assert [(c.dotted, c.before, c.after) for c in add.changes] == [("waba", None, TW)]
    assert add.costs == () and add.depends_on == () and add.status is Status.READY and add.reason == ""

    request = steps[f"{A_TW}.request_code"]
    assert request.kind is Kind.OPERATION and request.depends_on == (add.id,)
    assert request.summary == f"send a one-time code to {TW_MAIN} by VOICE (zh_TW)"
    assert request.params == {
        "waba_id": TW, "cc": "886", "phone_number": "912345678", "code_method": "VOICE", "language": "zh_TW",
    }  # fmt: skip
    verify = steps[f"{A_TW}.verify_code"]
    assert verify.kind is Kind.OPERATION and verify.depends_on == (request.id,)
    assert verify.summary == f"verify the one-time code sent to {TW_MAIN}"
    assert verify.status is Status.NEEDS_INPUT and verify.reason == (
        f"the code sent to {TW_MAIN}: pass --otp {TW_MAIN}=CODE, set WABAPLAN_OTP_886912345678, "
        "or type it when asked"
    )
    assert verify.params == {"waba_id": TW, "cc": "886", "phone_number": "912345678"}

    register = steps[f"{A_TW}.register"]
    assert register.kind is Kind.OPERATION and register.depends_on == (verify.id,)
    assert register.summary == f"register {TW_MAIN} on Cloud API with its two-step PIN"
    assert register.params == {
        "waba_id": TW, "cc": "886", "phone_number": "912345678", "data_localization_region": "SG",
    }  # fmt: skip
    assert [(c.kind, c.detail) for c in register.costs] == [("register_attempt", REGISTER_COST)]
    assert [(c.dotted, c.sensitive) for c in register.changes] == [("pin", True)]
    assert register.status is Status.READY and register.reason == ""

    profile = steps[f"{A_TW}.profile"]
    assert profile.depends_on == (register.id,) and profile.params["phone_number_id"] is None


def test_a_code_given_or_simulated_changes_what_verifying_waits_for(example: Config) -> None:
    given = plan_of(example, new_tw_number(example), codes=frozenset({TW_MAIN}))
    verify = by_id(given)[f"{A_TW}.verify_code"]
    assert verify.status is Status.READY and verify.reason == ""
    assert verify.summary == f"verify the one-time code sent to {TW_MAIN} (the code is given)"

    simulated = plan_of(example, new_tw_number(example), simulated=True)
    verify = by_id(simulated)[f"{A_TW}.verify_code"]
    assert verify.status is Status.NEEDS_INPUT and verify.reason == (
        f"the code sent to {TW_MAIN}: the simulated SMS is in `wabaplan sim inbox`; pass --otp "
        f"{TW_MAIN}=CODE or set WABAPLAN_OTP_886912345678"
    )


def test_adding_a_number_needs_its_display_name(example: Config) -> None:
    config = with_number(example, TW_MAIN, display_name=None)
    add = by_id(plan_of(config, new_tw_number(example)))[f"{A_TW}.add"]
    assert add.status is Status.BLOCKED
    assert add.reason == "Meta needs a display name to add a number: set display_name"


def test_registering_needs_a_pin_that_can_be_read(example: Config) -> None:
    no_pin = with_number(example, TW_MAIN, pin=None)
    register = by_id(plan_of(no_pin, new_tw_number(example)))[f"{A_TW}.register"]
    assert register.status is Status.BLOCKED
    assert register.reason == "registration sets the two-step PIN: declare pin: ${env:NAME}"

    settled = settled_write_only(example)
    unset = replace(settled, unresolved={f"{A_TW}.pin": "secrets/tw-pin.txt cannot be read"})
    register = by_id(plan_of(example, new_tw_number(example), unset))[f"{A_TW}.register"]
    assert register.status is Status.BLOCKED and register.reason == "secrets/tw-pin.txt cannot be read"


def test_registering_in_an_unverified_business_costs_the_messaging_cap(example: Config) -> None:
    live = live_waba(new_tw_number(example), TW, business_verification_status="pending")
    register = by_id(plan_of(example, live))[f"{A_TW}.register"]
    assert [(c.kind, c.detail) for c in register.costs] == [
        ("register_attempt", REGISTER_COST),
        ("messaging_cap", "until the business is verified, at most 50 business-initiated messages per 24 h"),
    ]


def test_a_number_added_but_not_verified_resumes_at_the_code(example: Config) -> None:
    added = LiveNumber(
        id="3000000000777", e164=TW_MAIN, display_phone_number="+886 912 345 678", waba_id=TW,
        status="PENDING", code_verification_status="NOT_VERIFIED",
    )  # fmt: skip
    live = new_tw_number(example)
    live = live_waba(live, TW, numbers={TW_MAIN: added})
    plan = plan_of(example, live)
    assert chain(plan, A_TW) == [Op.REQUEST_CODE, Op.VERIFY_CODE, Op.REGISTER, Op.UPDATE_PROFILE]
    steps = by_id(plan)
    assert steps[f"{A_TW}.request_code"].params["phone_number_id"] == "3000000000777"
    assert steps[f"{A_TW}.request_code"].depends_on == ()
    assert steps[f"{A_TW}.verify_code"].params["phone_number_id"] == "3000000000777"
    assert steps[f"{A_TW}.register"].params["phone_number_id"] == "3000000000777"
    assert steps[f"{A_TW}.profile"].params["phone_number_id"] is None  # set once it has registered
    assert plan.live_fingerprints[A_TW] == number_fingerprint(added)


def test_templates_do_not_wait_for_a_number_that_is_not_moving(example: Config) -> None:
    live = live_waba(new_tw_number(example), TW, templates=())
    [create] = [a for a in plan_of(example, live).actions if a.op is Op.CREATE_TEMPLATE]
    assert create.depends_on == ()


def test_a_new_number_waits_for_its_wabas_subscription(example: Config) -> None:
    live = live_waba(new_tw_number(example), TW, subscriptions=())
    add = by_id(plan_of(example, live))[f"{A_TW}.add"]
    assert add.depends_on == ("wabas.tw_retail.webhooks",)


# ------------------------------------------------------------------ a number moving in


def test_a_move_costs_downtime_first_and_flags_the_add(example: Config) -> None:
    plan = plan_of(example, moving_in(example))
    steps = by_id(plan)
    add = steps[f"{A_MOVING}.add"]
    assert add.summary == f"add {MOVING} to WABA {HK} for migration from WABA {SOURCE}"
    assert [(c.dotted, c.before, c.after) for c in add.changes] == [("waba", SOURCE, HK)]
    assert [(c.kind, c.detail) for c in add.costs] == [
        (
            "template_copy",
            "only APPROVED templates with GREEN quality are copied; the rest must be re-created",
        )
    ]
    register = steps[f"{A_MOVING}.register"]
    assert [(c.kind, c.detail) for c in register.costs] == [
        ("downtime", "the number moves when it registers here: the old provider stops serving it then"),
        ("register_attempt", REGISTER_COST),
    ]
    assert plan.pending == ()


def test_a_move_into_an_unverified_business_also_costs_the_messaging_cap(example: Config) -> None:
    live = live_waba(moving_in(example), HK, business_verification_status="pending")
    register = by_id(plan_of(example, live))[f"{A_MOVING}.register"]
    assert [c.kind for c in register.costs] == ["downtime", "register_attempt", "messaging_cap"]


def test_a_moving_number_keeps_the_name_it_carries_unless_the_config_renames_it(example: Config) -> None:
    plan = plan_of(example, moving_in(example))
    assert f"{A_MOVING}.display_name" not in by_id(plan)
    renamed = with_number(example, MOVING, display_name="Harbour Lane CWB")
    rename = by_id(plan_of(renamed, moving_in(example)))[f"{A_MOVING}.display_name"]
    assert rename.depends_on == (f"{A_MOVING}.register",)
    assert [(c.before, c.after) for c in rename.changes] == [("Harbour Lane", "Harbour Lane CWB")]
    assert rename.params == {"phone_number_id": None, "display_name": "Harbour Lane CWB"}
    nameless = moving_in(example, verified_name=None)
    assert f"{A_MOVING}.display_name" not in by_id(plan_of(renamed, nameless))


def test_a_moving_numbers_profile_is_compared_with_the_one_it_carries(example: Config) -> None:
    spec = example.numbers[MOVING].profile
    assert spec is not None
    carried = LiveProfile(
        spec.about, spec.address, None, spec.email, spec.vertical, tuple(spec.websites or ())
    )
    plan = plan_of(example, moving_in(example, profile=carried))
    assert chain(plan, A_MOVING) == [
        Op.ADD_NUMBER_FOR_MIGRATION,
        Op.REQUEST_CODE,
        Op.VERIFY_CODE,
        Op.REGISTER,
    ]
    unseen = replace(moving_in(example, profile=carried), sources={})
    assert Op.UPDATE_PROFILE in chain(plan_of(example, unseen), A_MOVING)


def test_the_destination_subscription_is_checked_for_a_move(example: Config) -> None:
    subscribed = {p.name: p for p in plan_of(example, moving_in(example)).preconditions}
    check = subscribed["app subscribed to the destination"]
    assert (check.outcome, check.detail) == (Check.PASS, "an app is subscribed")

    nothing = with_waba(example, "hk_retail", webhooks=None)
    live = live_waba(moving_in(example), HK, subscriptions=())
    plan = plan_of(nothing, live)
    check = {p.name: p for p in plan.preconditions}["app subscribed to the destination"]
    assert check.outcome is Check.FAIL
    add = by_id(plan)[f"{A_MOVING}.add"]
    assert add.status is Status.BLOCKED and add.reason.startswith("app subscribed to the destination: ")


def test_a_move_is_pending_migration_under_refresh_only(example: Config) -> None:
    plan = plan_of(example, moving_in(example), refresh_only=True)
    assert plan.actions == () and plan.refresh_only is True
    assert [p.address for p in plan.pending] == [A_MOVING]
    assert plan.pending[0].detail.startswith(f"pending migration from WABA {SOURCE}")


def test_a_template_is_copied_only_from_a_source_in_the_destinations_business(example: Config) -> None:
    """Meta copies within one business portfolio: a destination whose owner it does not show gets the
    template submitted afresh."""
    world = moving_in(example)
    hk = world.wabas[HK]
    login = hk.template("login_code", "en_US")
    assert login is not None
    source = replace(
        world.sources[SOURCE], templates=(replace(login, id="5000000000903", quality_score="GREEN"),)
    )
    world = replace(world, sources={SOURCE: source})
    world = live_waba(world, HK, templates=tuple(t for t in hk.templates if t.name != "login_code"))
    [copy] = [a for a in plan_of(example, world).actions if "login_code" in a.id]
    assert copy.op is Op.MIGRATE_TEMPLATES
    assert copy.summary == (
        f"copy template login_code (en_US, AUTHENTICATION) from WABA {SOURCE}, where Meta approved it"
    )
    assert [(c.kind, c.detail) for c in copy.costs] == [
        (
            "template_copy",
            "the copy keeps its approval, no new review; Meta re-checks its category and its quality starts "
            "UNKNOWN",
        )
    ]
    assert copy.params["source_waba_id"] == SOURCE and copy.params["waba_id"] == HK
    assert copy.params["index"] == 2 and copy.params["template"]["category"] == "AUTHENTICATION"
    assert copy.status is Status.READY

    ownerless = live_waba(world, HK, owner_business_id=None)
    [create] = [a for a in plan_of(example, ownerless).actions if "login_code" in a.id]
    assert create.op is Op.CREATE_TEMPLATE


# ------------------------------------------------------------------ blocks propagate


def test_a_blocked_step_blocks_each_step_after_it_naming_the_one_before(example: Config) -> None:
    plan = plan_of(example, moving_in(example, two_step_enabled=True))
    steps = by_id(plan)
    assert steps[f"{A_MOVING}.add"].status is Status.BLOCKED
    for step, before in [
        ("request_code", "add"), ("verify_code", "request_code"), ("register", "verify_code"),
        ("profile", "register"),
    ]:  # fmt: skip
        action = steps[f"{A_MOVING}.{step}"]
        assert action.status is Status.BLOCKED and action.reason == f"waits for {A_MOVING}.{before}"


# ------------------------------------------------------------------ --target


def test_every_step_a_number_can_take_is_a_target_that_resolves(example: Config) -> None:
    """resolve_targets lists the steps (NUMBER_STEPS) apart from the builder: each action id the planner
    gives a number — on every path — must be accepted by --target, and each listed step is one it gives."""
    settled = settled_write_only(example)
    pin, picture = f"{A_MAIN}.pin", f"{A_MAIN}.profile.picture"
    changed = replace(settled, desired={**settled.desired, pin: "fp-1", picture: "fp-2"})
    live = live_number(converged_snapshot(example), HK, MAIN, verified_name="Harbour Ln")
    plans = [
        plan_of(example, live, changed),
        plan_of(
            with_lifecycle(with_number(example, MAIN, registered=False), MAIN, prevent_destroy=False), live
        ),
        plan_of(example, moving_in(example)),
    ]
    ids = [a.id for plan in plans for a in plan.actions if a.address.startswith("numbers[")]
    assert resolve_targets(example, ids) == tuple(ids)
    assert {i.rpartition(".")[2] for i in ids} == set(NUMBER_STEPS)


def test_a_target_is_read_as_meta_would_read_it(example: Config) -> None:
    assert resolve_targets(example, ["  wabas.hk_retail  "]) == ("wabas.hk_retail",)
    assert resolve_targets(example, ['numbers["+852 5123 4567"].pin']) == (f"{A_MAIN}.pin",)
    with pytest.raises(PlanError) as bad:
        resolve_targets(example, ['numbers["+852 12"]'])
    assert str(bad.value).startswith('--target numbers["+852 12"]: ')


def test_a_target_naming_nothing_says_what_was_meant_or_what_there_is(example: Config) -> None:
    with pytest.raises(PlanError) as close:
        resolve_targets(example, ["wabas.hk_retial"])
    assert str(close.value) == (
        "--target 'wabas.hk_retial' names nothing in the configuration (did you mean wabas.hk_retail?)"
    )
    with pytest.raises(PlanError) as far:
        resolve_targets(example, ["zzz"])
    assert str(far.value) == (
        f"--target 'zzz' names nothing in the configuration (e.g. {A_MAIN}, {A_TW}, {A_MOVING})"
    )  # resources, not a number's steps

    no_numbers = example.model_copy(update={"numbers": {}})
    with pytest.raises(PlanError) as wabas_only:
        resolve_targets(no_numbers, ["zzz"])
    assert str(wabas_only.value) == (
        "--target 'zzz' names nothing in the configuration (e.g. wabas.hk_retail, "
        'wabas.hk_retail.templates["order_update/en_US"], wabas.hk_retail.templates["spring_sale/zh_HK"])'
    )


def test_a_target_selects_what_lies_under_it(example: Config) -> None:
    live = live_waba(converged_snapshot(example), HK, templates=())
    plan = plan_of(example, live, targets=("wabas.hk_retail.templates",))
    assert {a.op for a in plan.actions} == {Op.CREATE_TEMPLATE} and len(plan.actions) == 3
    assert plan.targets == ("wabas.hk_retail.templates",)


def test_a_target_keeps_only_its_own_checks_pending_items_and_verdicts(example: Config) -> None:
    world = moving_in(example)
    held = replace(world.wabas[TW].templates[0], status="PENDING")
    world = live_waba(world, TW, templates=(held,), account_review_status="REJECTED")
    everything = plan_of(example, world)
    assert everything.preconditions and everything.pending and everything.verdicts
    tw = plan_of(example, world, targets=("wabas.tw_retail",))
    assert tw.actions == () and tw.preconditions == ()
    assert [p.address for p in tw.pending] == ['wabas.tw_retail.templates["order_update/zh_TW"]']
    assert [v.address for v in tw.verdicts] == ["wabas.tw_retail"]
    moving = plan_of(example, world, targets=(A_MOVING,))
    assert moving.preconditions and {p.address for p in moving.preconditions} == {A_MOVING}
    assert moving.pending == () and moving.verdicts == ()


# ------------------------------------------------------------------ counting checks


def test_checks_are_counted_by_outcome_every_outcome_named() -> None:
    checks = [
        Precondition("a", "x", Check.PASS, ""),
        Precondition("a", "y", Check.PASS, ""),
        Precondition("a", "z", Check.UNKNOWN, ""),
    ]
    assert summarise_checks(checks) == {"pass": 2, "fail": 0, "unknown": 1}
    assert summarise_checks([]) == {"pass": 0, "fail": 0, "unknown": 0}


def test_an_app_of_someone_else_subscribed_lets_a_move_start_beside_ours(example: Config) -> None:
    """Another app already subscribed: ours is planned, but the destination is subscribed already."""
    live = live_waba(moving_in(example), HK, subscriptions=(LiveSubscription("4000000000099"),))
    plan = plan_of(example, live)
    check = {p.name: p for p in plan.preconditions}["app subscribed to the destination"]
    assert (check.outcome, check.detail) == (Check.PASS, "an app is subscribed")
    assert by_id(plan)[f"{A_MOVING}.add"].depends_on == ("wabas.hk_retail.webhooks",)


def test_a_gate_and_a_failed_check_are_both_said(example: Config) -> None:
    live = live_waba(moving_in(example), HK, business_verification_status="pending")
    add = by_id(plan_of(example, live))[f"{A_MOVING}.add"]
    gate = (
        "business verification is pending, expected verified (finish it in Meta Business Suite → Security "
        "Centre)"
    )
    assert add.reason.startswith(f"{gate}; destination business verified: is pending")


def second_move(example: Config) -> Config:
    """A second number moving into hk_retail, from another source WABA (declared after the first)."""
    spec = example.numbers[MOVING]
    assert spec.migrate_from is not None
    other = spec.model_copy(
        update={"migrate_from": spec.migrate_from.model_copy(update={"waba_id": "2000000000902"})}
    )
    return example.model_copy(update={"numbers": {**example.numbers, "+85261234568": other}})


@pytest.mark.parametrize("first", ["unreadable", "another business"])
def test_a_template_is_copied_from_whichever_source_holds_it(example: Config, first: str) -> None:
    config = second_move(example)
    world = moving_in(example)
    hk = world.wabas[HK]
    login = hk.template("login_code", "en_US")
    assert login is not None
    held = replace(
        world.sources[SOURCE],
        id="2000000000902",
        numbers={},
        templates=(replace(login, quality_score="GREEN"),),
    )
    sources = {"2000000000902": held}
    if first == "another business":
        sources[SOURCE] = replace(
            world.sources[SOURCE], owner_business_id="1000000000999", templates=held.templates
        )
    world = replace(world, sources=sources)
    world = live_waba(world, HK, templates=tuple(t for t in hk.templates if t.name != "login_code"))
    [copy] = [a for a in plan_of(config, world).actions if "login_code" in a.id]
    assert copy.op is Op.MIGRATE_TEMPLATES and copy.params["source_waba_id"] == "2000000000902"


def test_a_template_is_created_when_the_only_source_cannot_be_read(example: Config) -> None:
    world = replace(moving_in(example), sources={})
    world = live_waba(world, HK, templates=())
    creates = [
        a for a in plan_of(example, world).actions if a.address.startswith("wabas.hk_retail.templates")
    ]
    assert len(creates) == 3 and {a.op for a in creates} == {Op.CREATE_TEMPLATE}
    assert all(a.depends_on == (f"{A_MOVING}.register",) for a in creates)


def test_a_waba_declaring_no_verify_token_never_sends_one(example: Config) -> None:
    """Whatever fingerprints the state holds under tw_retail's key, it declares no token to send."""
    settled = settled_write_only(example)
    stray = replace(settled, desired={**settled.desired, verify_token_key(TW): "fp-stray"})
    assert plan_of(example, converged_snapshot(example), stray).actions == ()


def test_a_block_reaches_every_action_behind_it_in_whatever_order_they_are_listed() -> None:
    """The builder lists dependencies first, but blocking must not rely on it: listed last, the blocked
    action still blocks the whole chain in front of it."""

    def step(name: str, *after: str, status: Status = Status.READY) -> Action:
        return Action(id=name, address="x", kind=Kind.OPERATION, op=Op.REGISTER, summary=name,
                      status=status, depends_on=after)  # fmt: skip

    listed = [step("c", "b"), step("b", "a"), step("a", status=Status.BLOCKED)]
    blocked = {a.id: (a.status, a.reason) for a in _propagate_blocks(listed)}
    assert blocked == {
        "a": (Status.BLOCKED, ""),
        "b": (Status.BLOCKED, "waits for a"),
        "c": (Status.BLOCKED, "waits for b"),
    }


def test_a_number_declaring_no_profile_plans_no_profile_and_no_picture(example: Config) -> None:
    settled = settled_write_only(example)
    stray = replace(settled, desired={**settled.desired, f"{A_TW}.profile.picture": "fp-stray"})
    assert (
        plan_of(with_number(example, TW_MAIN, profile=None), converged_snapshot(example), stray).actions == ()
    )
