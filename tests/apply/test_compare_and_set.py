"""Compare-and-set: between the plan and the first write to a resource, apply re-reads it and refuses if
someone changed what the plan was about to change; what Meta changes on its own does not count."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sim_estate import environ_for, estate_without_the_move

from reconciler.apply.run import ApplyOptions, apply
from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

TW = "+886912345678"


def apply_with_a_change_between_plan_and_write(
    tmp_path: Path, change: Callable[[Any, str], None]
) -> dict[str, Any]:
    path, config = estate_without_the_move(tmp_path / "estate")
    with run_simulator() as sim, open(os.devnull, "w") as quiet:
        number = next(n for n in sim.simulator.state.numbers.values() if n.e164 == TW)
        environ = environ_for(sim.base_url)
        applied = apply(
            config,
            path,
            ApplyOptions(auto_approve=True),
            environ=environ,
            # someone edits at Meta after the plan was made
            show_plan=lambda plan: change(number, sim.base_url),
            confirm=lambda: True,
            ask_code=lambda e164, stop: None,
            progress=LineProgress(quiet),
        )
        about_at_meta = number.profile.about
    assert applied.report is not None
    outcomes = {o.action.id: o for o in applied.report.outcomes}
    return {"outcomes": outcomes, "about": about_at_meta}


def test_a_field_changed_by_someone_since_the_plan_is_not_overwritten(tmp_path: Path) -> None:
    def edit(number: Any, meta: str) -> None:
        number.profile.about = "Edited by hand in WhatsApp Manager"

    result = apply_with_a_change_between_plan_and_write(tmp_path, edit)
    refused = result["outcomes"][f'numbers["{TW}"].profile']
    assert refused.status == "refused"
    assert refused.detail == (
        f'stale plan: numbers["{TW}"].profile.about changed at Meta since the plan was made; plan again'
    )
    assert result["about"] == "Edited by hand in WhatsApp Manager"  # the person's edit stands
    assert result["outcomes"]['numbers["+85251234567"].pin'].status == "done"  # the rest went on


def test_what_meta_changes_on_its_own_does_not_make_a_plan_stale(tmp_path: Path) -> None:
    def meta_rates(number: Any, meta: str) -> None:
        number.quality_rating = "YELLOW"

    result = apply_with_a_change_between_plan_and_write(tmp_path, meta_rates)
    assert result["outcomes"][f'numbers["{TW}"].profile'].status == "done"
    assert result["about"] == "台北門市 — tea and teaware."


ORDER_UPDATE_TW = {
    "name": "order_update",
    "language": "zh_TW",
    "category": "UTILITY",
    "components": [
        {
            "type": "BODY",
            "text": "您好 {{1}}，您的訂單 {{2}} 已出貨。",
            "example": {"body_text": [["美玲", "HL-20931"]]},
        }
    ],
}


def create_at_meta(meta: str, template: dict[str, Any]) -> None:
    """Someone creates the template in WhatsApp Manager (or a migration copies it) after the plan."""
    headers = {"Authorization": "Bearer sim-token-harbour"}
    answer = httpx.post(f"{meta}/v23.0/2000000000002/message_templates", json=template, headers=headers)
    assert answer.status_code == 200, answer.text


def test_a_template_created_since_the_plan_as_declared_is_taken_as_it_stands(tmp_path: Path) -> None:
    result = apply_with_a_change_between_plan_and_write(
        tmp_path, lambda number, meta: create_at_meta(meta, ORDER_UPDATE_TW)
    )
    outcome = result["outcomes"]['wabas.tw_retail.templates["order_update/zh_TW"]']
    assert outcome.status == "waiting"  # the one there is under review: no second one submitted
    assert "created meanwhile" in outcome.detail


def test_a_template_created_since_the_plan_with_other_content_is_a_stale_plan(tmp_path: Path) -> None:
    other = {**ORDER_UPDATE_TW, "components": [{"type": "BODY", "text": "Your order has shipped."}]}
    result = apply_with_a_change_between_plan_and_write(
        tmp_path, lambda number, meta: create_at_meta(meta, other)
    )
    outcome = result["outcomes"]['wabas.tw_retail.templates["order_update/zh_TW"]']
    assert outcome.status == "failed"
    assert outcome.detail.startswith("stale plan: template order_update (zh_TW) now exists")


def test_a_template_created_since_the_plan_may_differ_where_it_ignores_changes(tmp_path: Path) -> None:
    # spring_sale ignores its components: a version someone wrote at Meta is the one the config means
    edited = {
        "name": "spring_sale",
        "language": "zh_HK",
        "category": "MARKETING",
        "parameter_format": "NAMED",
        "components": [{"type": "BODY", "text": "春季優惠，由門市同事更新。"}],
    }

    def create_in_hk(number: Any, meta: str) -> None:
        headers = {"Authorization": "Bearer sim-token-harbour"}
        url = f"{meta}/v23.0/2000000000001/message_templates"
        answer = httpx.post(url, json=edited, headers=headers)
        assert answer.status_code == 200, answer.text

    result = apply_with_a_change_between_plan_and_write(tmp_path, create_in_hk)
    outcome = result["outcomes"]['wabas.hk_retail.templates["spring_sale/zh_HK"]']
    assert outcome.status == "waiting" and "created meanwhile" in outcome.detail
