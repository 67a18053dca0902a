"""Meta counts every operation against a WABA's hourly budget (each batch entry, each page). A WABA
that cannot be read within its budget is left out of the plan as "not readable now, retry after …";
every other WABA is still read and planned."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.graph.client import GraphClient
from reconciler.plan.build import build_plan
from reconciler.reader import read_snapshot
from reconciler.simulator import run_simulator
from reconciler.snapshot import Snapshot

TOKEN = "sim-token-budget"
APP = "4000000000001"
BUSINESS = "1000000000001"
BIG, SMALL = "2300000000000", ("2300000000001", "2300000000002")
LIMIT = 20  # calls an hour per WABA: the big one needs 4 + 30 operations, the small ones 4 + 2


def numbers() -> list[str]:
    found = []
    for n in range(51236000, 51299999):
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+852{n}")):
            found.append(f"+852{n}")
        if len(found) == 34:
            return found
    raise AssertionError("not enough numbers")


def estate(tmp_path: Path) -> tuple[dict[str, Any], Config]:
    wabas = [BIG, *SMALL]
    world: dict[str, Any] = {
        "version": 1,
        "businesses": [{"id": BUSINESS, "name": "Budget Ltd", "verification_status": "verified"}],
        "apps": [{"id": APP, "name": "app"}],
        "tokens": [{"token": TOKEN, "app": APP, "businesses": [BUSINESS], "wabas": wabas}],
        "wabas": [
            {"id": w, "name": f"B{i}", "owner_business": BUSINESS, "subscribed_apps": [APP]}
            for i, w in enumerate(wabas)
        ],
        "phone_numbers": [],
    }
    data: dict[str, Any] = {
        "wabas": {f"w{i}": {"id": w, "webhooks": {"app_id": APP}} for i, w in enumerate(wabas)},
        "numbers": {},
    }
    for n, e164 in enumerate(numbers()):
        index = 0 if n < 30 else 1 + n % 2
        world["phone_numbers"].append(
            {
                "id": str(3300000000000 + n),
                "display_phone_number": e164,
                "waba": wabas[index],
                "verified_name": f"Shop {n}",
                "profile": {"about": f"Shop {n}"},
            }
        )
        wanted = f"Shop {n}" if index == 0 else f"Shop {n}, open daily"  # the small WABAs have work
        data["numbers"][e164] = {
            "waba": f"w{index}",
            "display_name": f"Shop {n}",
            "profile": {"about": wanted},
        }
    path = tmp_path / "numbers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return world, config


def read(config: Config, base_url: str) -> Snapshot:
    async def run() -> Snapshot:
        async with GraphClient(base_url, TOKEN) as graph:
            return await read_snapshot(config, graph)

    return asyncio.run(run())


@pytest.fixture
def over_budget(tmp_path: Path) -> tuple[Config, Snapshot]:
    world, config = estate(tmp_path)
    limits = {"waba_calls_per_hour": LIMIT, "waba_calls_per_hour_registered": LIMIT}
    with run_simulator(world, rate_limits=limits) as sim:
        snapshot = read(config, sim.base_url)
    return config, snapshot


def test_the_waba_over_its_budget_is_not_readable_now(over_budget: tuple[Config, Snapshot]) -> None:
    _, snapshot = over_budget
    assert set(snapshot.unreadable) == {BIG}
    reason = snapshot.unreadable[BIG].reason
    assert reason.startswith("not readable now: Meta's rate limit for it is spent")
    assert "retry after " in reason and " UTC (in about " in reason


def test_every_other_waba_is_read_whole(over_budget: tuple[Config, Snapshot]) -> None:
    _, snapshot = over_budget
    assert set(snapshot.wabas) == set(SMALL)
    assert all(n.profile is not None for w in snapshot.wabas.values() for n in w.numbers.values())


def test_the_plan_says_which_waba_and_when_and_plans_the_rest(over_budget: tuple[Config, Snapshot]) -> None:
    config, snapshot = over_budget
    plan = build_plan(config, snapshot)
    assert len(plan.incomplete) == 1 and BIG in plan.incomplete[0] and "retry after" in plan.incomplete[0]
    assert {a.address for a in plan.actions} == {f'numbers["{e164}"]' for e164 in numbers()[30:]}


def test_the_read_does_not_wait_out_the_hour(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    world, config = estate(tmp_path)
    limits = {"waba_calls_per_hour": LIMIT, "waba_calls_per_hour_registered": LIMIT}
    with run_simulator(world, rate_limits=limits) as sim, caplog.at_level(logging.WARNING, "wabaplan.graph"):
        read(config, sim.base_url)
        assert "giving up on them" in caplog.text  # Meta's estimate (minutes) exceeds the wait allowed


def test_profiles_that_would_overrun_what_is_left_are_not_begun(tmp_path: Path) -> None:
    """Meta's defaults (5,000 an hour here: the numbers are registered), nearly spent on the big WABA by
    another program of the app: its 30 profiles are not read at all, rather than read until Meta
    refuses, and the WABA is reported with what it needs and what is left."""
    world, config = estate(tmp_path)
    with run_simulator(world) as sim:
        sim.control.spend_budget(APP, BIG, 4990)
        snapshot = read(config, sim.base_url)
        profiles_read = sim.control.request_counts()["GET /{Phone-Number-ID}/whatsapp_business_profile"]
    assert set(snapshot.wabas) == set(SMALL) and set(snapshot.unreadable) == {BIG}
    reason = snapshot.unreadable[BIG].reason
    assert reason.startswith("not readable now: reading its 30 business profiles needs about 30 operations")
    assert "of its 5,000 an hour left" in reason and reason.endswith("retry in about an hour")
    assert profiles_read == 4  # the small WABAs' four, and not one of the big one's
