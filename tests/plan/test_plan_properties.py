"""Properties of planning: a converged estate plans nothing; order respects dependencies; no secret leaks."""

from __future__ import annotations

import json
import random
import string
from dataclasses import replace
from typing import Any

from converged import converged_snapshot, settled_write_only
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from strategies import configs

from reconciler.config.model import Config
from reconciler.fingerprints import keyed
from reconciler.plan.address import parse as parse_address
from reconciler.plan.build import PlanOptions, WriteOnly, build_plan
from reconciler.plan.model import Plan
from reconciler.render import render_json, render_markdown, render_text
from reconciler.snapshot import Snapshot

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def accepted(data: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError:
        assume(False)
        raise


def perturb(snapshot: Snapshot, seed: int) -> Snapshot:
    """Meta drifted: numbers missing or half-onboarded, templates gone, apps unsubscribed."""
    rng = random.Random(seed)
    wabas = {}
    for waba_id, waba in snapshot.wabas.items():
        numbers = {}
        for e164, number in waba.numbers.items():
            roll = rng.random()
            if roll < 0.3:
                continue
            if roll < 0.5:
                number = replace(
                    number, status="PENDING", code_verification_status=rng.choice(["VERIFIED", None])
                )
            elif roll < 0.7 and number.profile is not None:
                number = replace(
                    number, profile=replace(number.profile, about="drifted"), verified_name="Old"
                )
            numbers[e164] = number
        templates = tuple(t for t in waba.templates if rng.random() < 0.5)
        subscriptions = waba.subscriptions if rng.random() < 0.5 else ()
        wabas[waba_id] = replace(waba, numbers=numbers, templates=templates, subscriptions=subscriptions)
    return replace(snapshot, wabas=wabas)


@SETTINGS
@given(configs())
def test_desired_equal_to_live_plans_nothing(data: dict[str, Any]) -> None:
    config = accepted(data)
    plan = build_plan(config, converged_snapshot(config), settled_write_only(config))
    assert plan.actions == ()


@SETTINGS
@given(configs(), st.integers(0, 2**32))
def test_every_action_comes_after_what_it_depends_on(data: dict[str, Any], seed: int) -> None:
    config = accepted(data)
    plan = build_plan(config, perturb(converged_snapshot(config), seed), settled_write_only(config))
    seen: set[str] = set()
    ids = [a.id for a in plan.actions]
    assert len(ids) == len(set(ids))
    for action in plan.actions:
        assert set(action.depends_on) <= seen, f"{action.id} runs before {set(action.depends_on) - seen}"
        seen.add(action.id)


@SETTINGS
@given(configs(), st.integers(0, 2**32), st.text(string.digits, min_size=6, max_size=6))
def test_rendering_never_depends_on_a_secret(data: dict[str, Any], seed: int, pin: str) -> None:
    """Non-interference: the PIN reaches the planner only as a keyed fingerprint, and no output shows it.

    Two plans whose PINs differ (both unknown to the state directory) render identically, so no output
    can contain or encode the PIN.
    """
    config = accepted(data)
    key = b"k" * 32
    live = perturb(converged_snapshot(config), seed)
    outputs = []
    for value in (pin, str((int(pin) + 1) % 10**6).zfill(6)):
        desired = {
            f'numbers["{e164}"].pin': keyed(key, value) for e164, spec in config.numbers.items() if spec.pin
        }
        document = build_plan(config, live, WriteOnly(desired=desired)).to_json()
        outputs.append(
            (
                render_text(document),
                render_text(document, colour=True),
                render_markdown(document),
                render_json(document),
            )
        )
    assert outputs[0] == outputs[1]


@SETTINGS
@given(configs(), st.integers(0, 2**32), st.booleans())
def test_a_plan_reads_back_as_the_plan_it_was(data: dict[str, Any], seed: int, refresh_only: bool) -> None:
    """What `plan --out` saves, `Plan.from_json` reads back: the same value, so the same checksum."""
    config = accepted(data)
    live = perturb(converged_snapshot(config), seed)
    plan = build_plan(config, live, settled_write_only(config), PlanOptions(refresh_only=refresh_only))
    saved = json.loads(json.dumps(plan.to_json()))
    read_back = Plan.from_json(saved)
    assert read_back == plan
    assert read_back.checksum() == plan.checksum() == saved["checksum"]
    assert read_back.to_json() == saved


@SETTINGS
@given(configs(), st.integers(0, 2**32))
def test_every_address_a_plan_names_parses_back_to_itself(data: dict[str, Any], seed: int) -> None:
    config = accepted(data)
    plan = build_plan(config, perturb(converged_snapshot(config), seed), settled_write_only(config))
    for text in (
        [a.address for a in plan.actions] + [a.id for a in plan.actions] + list(plan.live_fingerprints)
    ):
        assert str(parse_address(text)) == text
