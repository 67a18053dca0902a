"""Deregistering, deleting undeclared templates, and re-registering after an approved rename."""

from __future__ import annotations

from dataclasses import replace

import pytest
from converged import converged_snapshot, settled_write_only
from test_plan_build import EXAMPLE

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.plan.build import build_plan
from reconciler.plan.model import Kind, Op, Status
from reconciler.snapshot import LiveTemplate, Snapshot

MAIN = "+85251234567"
HK = "2000000000001"


@pytest.fixture(scope="module")
def example() -> Config:
    config = load(EXAMPLE).config
    assert config is not None
    return config


def with_number(config: Config, e164: str, **changes: object) -> Config:
    numbers = dict(config.numbers)
    numbers[e164] = numbers[e164].model_copy(update=changes)
    return config.model_copy(update={"numbers": numbers})


def with_waba(config: Config, name: str, **changes: object) -> Config:
    wabas = dict(config.wabas)
    wabas[name] = wabas[name].model_copy(update=changes)
    return config.model_copy(update={"wabas": wabas})


def change_live_number(live: Snapshot, **changes: object) -> Snapshot:
    hk = live.wabas[HK]
    number = replace(hk.numbers[MAIN], **changes)
    return replace(live, wabas={**live.wabas, HK: replace(hk, numbers={**hk.numbers, MAIN: number})})


def test_registered_false_plans_a_guarded_deregister(example: Config) -> None:
    live = converged_snapshot(example)
    guarded = with_number(example, MAIN, registered=False)
    [action] = build_plan(guarded, live, settled_write_only(example)).actions
    assert action.op is Op.DEREGISTER and action.kind is Kind.DELETE
    assert action.status is Status.BLOCKED and "prevent_destroy is true" in action.reason
    assert {c.kind for c in action.costs} == {"downtime", "register_attempt"}

    lifecycle = example.numbers[MAIN].lifecycle.model_copy(update={"prevent_destroy": False})
    allowed = with_number(example, MAIN, registered=False, lifecycle=lifecycle)
    [action] = build_plan(allowed, live, settled_write_only(example)).actions
    assert action.status is Status.READY and action.params == {
        "phone_number_id": live.wabas[HK].numbers[MAIN].id
    }

    # Already deregistered: nothing to do, and nothing else is planned for a number meant to be off.
    off = change_live_number(live, status="DISCONNECTED", verified_name="Old name")
    assert build_plan(allowed, off, settled_write_only(example)).actions == ()


def test_undeclared_templates_are_deleted_only_when_the_waba_opts_in(example: Config) -> None:
    live = converged_snapshot(example)
    hk = live.wabas[HK]
    extra = (
        LiveTemplate(id="600000000000091", name="old_promo", language="en_US", status="APPROVED",
                     category="MARKETING"),
        LiveTemplate(id="600000000000092", name="draft", language="en_US", status="REJECTED",
                     category="UTILITY"),
        LiveTemplate(id="600000000000093", name="going", language="en_US", status="PENDING_DELETION",
                     category="UTILITY"),
    )  # fmt: skip
    live = replace(live, wabas={**live.wabas, HK: replace(hk, templates=hk.templates + extra)})
    assert build_plan(example, live, settled_write_only(example)).actions == ()

    opted = with_waba(example, "hk_retail", delete_undeclared_templates=True)
    actions = build_plan(opted, live, settled_write_only(example)).actions
    assert sorted(a.id for a in actions) == [
        'wabas.hk_retail.templates["draft/en_US"]',
        'wabas.hk_retail.templates["old_promo/en_US"]',
    ]
    by_name = {a.params["name"]: a for a in actions}
    assert all(a.op is Op.DELETE_TEMPLATE and a.kind is Kind.DELETE for a in actions)
    assert [c.kind for c in by_name["old_promo"].costs] == ["template_name_lock"]
    assert by_name["draft"].costs == ()
    # The example's hk_retail has prevent_destroy: true, so the deletes are blocked with the fix.
    assert all(a.status is Status.BLOCKED and "prevent_destroy" in a.reason for a in actions)

    unguarded = with_waba(
        opted,
        "hk_retail",
        lifecycle=opted.wabas["hk_retail"].lifecycle.model_copy(update={"prevent_destroy": False}),
    )
    actions = build_plan(unguarded, live, settled_write_only(example)).actions
    assert {a.status for a in actions} == {Status.READY}
    assert by_name["old_promo"].params["template_id"] == "600000000000091"


def test_approved_rename_is_followed_by_a_re_register(example: Config) -> None:
    live = change_live_number(converged_snapshot(example), needs_reregister=True)
    [action] = build_plan(example, live, settled_write_only(example)).actions
    assert action.op is Op.REGISTER and action.status is Status.READY
    assert "re-register" in action.summary and action.changes[0].sensitive
    assert [c.kind for c in action.costs] == ["register_attempt"]

    no_pin = with_number(example, MAIN, pin=None)
    [blocked] = build_plan(no_pin, live, settled_write_only(example)).actions
    assert blocked.status is Status.BLOCKED and "declare pin" in blocked.reason
