"""Meta's verdicts in a plan: their own items, with Meta's reason and the fix; what Meta turned down is not
proposed again unchanged; a guard's refusal is marked so apply can tell it from waiting."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from converged import converged_snapshot, settled_write_only

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.events.verdicts import Subject
from reconciler.plan.build import PlanOptions, build_plan
from reconciler.plan.model import Plan
from reconciler.snapshot import LiveWaba, Snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "numbers.yaml"
HK, TW = "2000000000001", "2000000000002"
MAIN, TW_MAIN = "+85251234567", "+886912345678"


@pytest.fixture(scope="module")
def example() -> Config:
    config = load(EXAMPLE).config
    assert config is not None
    return config


def with_waba(snapshot: Snapshot, waba: LiveWaba) -> Snapshot:
    return replace(snapshot, wabas={**snapshot.wabas, waba.id: waba})


def ruled(example: Config) -> Snapshot:
    """The converged estate, then Meta's rulings: a template paused, another disabled, the WABA's review
    rejected, the main line flagged and RED, the Taiwan line's own name declined."""
    live = converged_snapshot(example)
    hk = live.wabas[HK]
    templates = tuple(
        replace(t, status={"order_update": "PAUSED", "login_code": "DISABLED"}.get(t.name, t.status))
        for t in hk.templates
    )
    main = replace(hk.numbers[MAIN], status="FLAGGED", quality_rating="RED")
    hk = replace(
        hk, templates=templates, account_review_status="REJECTED", numbers={**hk.numbers, MAIN: main}
    )
    tw = live.wabas[TW]
    declined = replace(tw.numbers[TW_MAIN], name_status="DECLINED")
    return with_waba(with_waba(live, hk), replace(tw, numbers={**tw.numbers, TW_MAIN: declined}))


def test_each_ruling_is_a_verdict_with_the_fix_and_not_drift(example: Config) -> None:
    options = PlanOptions(refresh_only=True)
    plan = build_plan(example, ruled(example), settled_write_only(example), options)
    found = {(v.address, v.subject, v.status) for v in plan.verdicts}
    assert found == {
        ("wabas.hk_retail", Subject.ACCOUNT_REVIEW, "REJECTED"),
        ('wabas.hk_retail.templates["order_update/en_US"]', Subject.TEMPLATE_STATUS, "PAUSED"),
        ('wabas.hk_retail.templates["login_code/en_US"]', Subject.TEMPLATE_STATUS, "DISABLED"),
        (f'numbers["{MAIN}"]', Subject.NUMBER_STATUS, "FLAGGED"),
        (f'numbers["{MAIN}"]', Subject.QUALITY_RATING, "RED"),
        (f'numbers["{TW_MAIN}"]', Subject.DISPLAY_NAME, "DECLINED"),
    }
    assert all(v.fix for v in plan.verdicts)
    assert plan.drift == () and plan.has_changes  # --detailed-exitcode: 2
    assert Plan.from_json(plan.to_json()) == plan


def test_a_declined_rename_is_not_requested_again_but_another_name_is(example: Config) -> None:
    live = converged_snapshot(example)
    tw = live.wabas[TW]
    wanted = example.numbers[TW_MAIN].display_name
    number = replace(
        tw.numbers[TW_MAIN],
        verified_name="Old Name",
        name_status="DECLINED",
        new_display_name=wanted,
        new_name_status="DECLINED",
    )
    live = with_waba(live, replace(tw, numbers={**tw.numbers, TW_MAIN: number}))
    plan = build_plan(example, live, settled_write_only(example))
    assert f'numbers["{TW_MAIN}"].display_name' not in {a.id for a in plan.actions}
    (verdict,) = plan.verdicts
    assert verdict.subject is Subject.DISPLAY_NAME and repr(wanted) in verdict.fix

    renamed = example.model_copy(
        update={"numbers": {**example.numbers, TW_MAIN: example.numbers[TW_MAIN].model_copy(
            update={"display_name": "Harbour Lane Tea TW"})}}
    )  # fmt: skip
    again = build_plan(renamed, live, settled_write_only(renamed))
    rename = next(a for a in again.actions if a.id == f'numbers["{TW_MAIN}"].display_name')
    assert again.verdicts[0].fix == f"the plan does: {rename.summary}"


def test_a_guard_refusal_is_marked_and_only_then_written(example: Config) -> None:
    spec = example.numbers[TW_MAIN].model_copy(update={"registered": False})
    guarded = example.model_copy(update={"numbers": {**example.numbers, TW_MAIN: spec}})
    plan = build_plan(guarded, converged_snapshot(guarded), settled_write_only(guarded))
    (deregister,) = plan.actions
    assert deregister.guard and deregister.to_json()["guard"] is True
    assert Plan.from_json(plan.to_json()) == plan
    unguarded = replace(deregister, guard=False)
    assert "guard" not in unguarded.to_json() and "guard" not in unguarded.reviewed()


def test_refresh_only_tells_drift_from_unknown_and_from_a_move_not_made(example: Config) -> None:
    """A PIN changed in the config since wabaplan set it is drift (masked); one that cannot be read, or
    that this runner never set, is unknown; the number still at its old provider is pending migration."""
    moving, tw_pin = 'numbers["+85261234567"]', f'numbers["{TW_MAIN}"].pin'
    live = converged_snapshot(example)
    hk = live.wabas[HK]
    live = with_waba(live, replace(hk, numbers={k: v for k, v in hk.numbers.items() if k != "+85261234567"}))
    settled = settled_write_only(example)
    main_pin = f'numbers["{MAIN}"].pin'
    write_only = replace(
        settled,
        desired={**settled.desired, main_pin: "fp-new"},
        known={k: v for k, v in settled.known.items() if k != tw_pin},
    )
    plan = build_plan(example, live, write_only, PlanOptions(refresh_only=True))
    assert [(d.address, d.path, d.declared, d.live) for d in plan.drift] == [
        (f'numbers["{MAIN}"]', "pin", "(sensitive)", "(sensitive)")
    ]
    assert [(u.address, u.path) for u in plan.unknown] == [(f'numbers["{TW_MAIN}"]', "pin")]
    assert "no fingerprint of it here" in plan.unknown[0].reason
    assert [p.address for p in plan.pending] == [moving]
    assert plan.pending[0].detail.startswith("pending migration from WABA 2000000000901")

    unset = replace(settled, unresolved={tw_pin: "HK_X is not set: export it"})
    plan = build_plan(example, converged_snapshot(example), unset, PlanOptions(refresh_only=True))
    assert [(u.path, u.reason) for u in plan.unknown] == [("pin", "HK_X is not set: export it")]
    assert plan.drift == () and not plan.has_changes  # what --detailed-exitcode reports as 0
