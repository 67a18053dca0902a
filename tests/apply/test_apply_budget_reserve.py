"""Apply reserves each WABA's writes against what is left of its hourly budget before it starts: a WABA
whose planned operations do not fit is not started (its actions wait, exit 3, nothing sent to it), and
every other WABA is applied. Checked at the wire, against a simulator whose budget another program of the
same app has nearly spent."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml
from sim_estate import environ_for

from reconciler.apply.reserve import deferred, operations
from reconciler.apply.run import Applied, ApplyOptions, apply
from reconciler.config import load
from reconciler.config.model import Config
from reconciler.graph import ManualClock
from reconciler.graph.allowance import PER_HOUR, PER_HOUR_REGISTERED, Allowance
from reconciler.plan.model import Action, Kind, Op, Status
from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

TOKEN = "sim-token-harbour"  # what sim_estate's environment sends
APP, BUSINESS = "4000000000001", "1000000000001"
BUSY, QUIET = "2400000000001", "2400000000002"


def hk_numbers(count: int) -> list[str]:
    found: list[str] = []
    n = 51237000
    while len(found) < count:
        n += 1
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+852{n}")):
            found.append(f"+852{n}")
    return found


def estate(tmp_path: Path) -> tuple[dict[str, Any], Path, Config, dict[str, str]]:
    """A busy WABA of twenty numbers and a quiet one of five, every profile's `about` to change. Returns
    the world, the config (path and loaded) and each number's WABA ID by its Phone-Number-ID."""
    world: dict[str, Any] = {
        "version": 1,
        "businesses": [{"id": BUSINESS, "name": "Budget Ltd", "verification_status": "verified"}],
        "apps": [{"id": APP, "name": "app"}],
        "tokens": [{"token": TOKEN, "app": APP, "businesses": [BUSINESS], "wabas": [BUSY, QUIET]}],
        "wabas": [
            {"id": w, "name": name, "owner_business": BUSINESS, "subscribed_apps": [APP]}
            for w, name in ((BUSY, "Busy"), (QUIET, "Quiet"))
        ],
        "phone_numbers": [],
    }
    data: dict[str, Any] = {
        "version": 1,
        "wabas": {
            "busy": {"id": BUSY, "webhooks": {"app_id": APP}},
            "quiet": {"id": QUIET, "webhooks": {"app_id": APP}},
        },
        "numbers": {},
    }
    owner: dict[str, str] = {}
    for n, e164 in enumerate(hk_numbers(25)):
        waba, name = (BUSY, "busy") if n < 20 else (QUIET, "quiet")
        number_id = str(3400000000000 + n)
        owner[number_id] = waba
        world["phone_numbers"].append(
            {"id": number_id, "display_phone_number": e164, "waba": waba, "verified_name": f"Shop {n}",
             "profile": {"about": f"Shop {n}"}}
        )  # fmt: skip
        data["numbers"][e164] = {
            "waba": name,
            "display_name": f"Shop {n}",
            "profile": {"about": f"Shop {n}, open"},
        }
    path = tmp_path / "numbers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return world, path, config, owner


def apply_all(path: Path, config: Config, graph_url: str) -> Applied:
    """`apply --auto-approve --force` (every number changes) in this process, on a virtual clock."""
    with open(os.devnull, "w") as quiet:
        return apply(
            config, path, ApplyOptions(auto_approve=True, force=True), environ=environ_for(graph_url),
            show_plan=lambda plan: None, confirm=lambda: True, ask_code=lambda e164, stop: None,
            progress=LineProgress(quiet), clock=ManualClock(),
        )  # fmt: skip


def test_a_waba_whose_budget_cannot_hold_its_writes_waits_and_the_rest_is_applied(tmp_path: Path) -> None:
    world, path, config, owner = estate(tmp_path)
    with run_simulator(world) as sim:
        # another program of the app has used 4,930 of the busy WABA's 5,000 calls this hour: enough
        # is left to read it (4 operations, then 20 profiles), not to write it (20 writes, 40 re-reads)
        assert sim.control.spend_budget(APP, BUSY, 4930) == 4930
        applied = apply_all(path, config, sim.base_url)
        writes = [w for w in sim.control.write_log() if w["endpoint"].startswith("POST")]
    assert applied.report is not None and applied.report.exit_code == 3  # waiting: run again later
    by_status: dict[str, set[str]] = {}
    for outcome in applied.report.outcomes:
        waba = config.wabas[config.numbers[outcome.action.address.split('"')[1]].waba].id
        by_status.setdefault(outcome.status, set()).add(waba)
        if waba == BUSY:
            assert outcome.detail.startswith(f"not started: WABA {BUSY} needs about 60 operations and has ")
            assert "5,000 an hour left" in outcome.detail and "apply again later" in outcome.detail
    assert by_status == {"waiting": {BUSY}, "done": {QUIET}}
    # at the wire: not one write reached the busy WABA; the quiet one's five profiles were written
    assert sorted(owner[w["object_id"]] for w in writes) == [QUIET] * 5


def test_a_budget_spent_during_the_apply_leaves_what_was_not_sent_waiting(tmp_path: Path) -> None:
    # Meta's budget here is 40 calls an hour, not the 5,000 the published defaults promise: the read fits
    # (24 operations), the apply reserves against the defaults and meets the real limit part-way through
    # the busy WABA's 60
    world, path, config, _ = estate(tmp_path)
    limits = {"waba_calls_per_hour": 40, "waba_calls_per_hour_registered": 40}
    with run_simulator(world, rate_limits=limits) as sim:
        applied = apply_all(path, config, sim.base_url)
        written = {w["object_id"] for w in sim.control.write_log() if w["endpoint"].startswith("POST")}
    assert applied.report is not None and applied.report.exit_code == 3  # waiting, not failed
    statuses = {o.status for o in applied.report.outcomes}
    assert statuses <= {"done", "waiting"} and "waiting" in statuses
    for outcome in applied.report.outcomes:
        if outcome.status == "waiting":
            assert "rate limit" in outcome.detail and "nothing was changed" in outcome.detail
    done = sum(o.status == "done" for o in applied.report.outcomes)
    assert done == len(written)  # what is done reached Meta; what waits did not


def test_with_its_budget_untouched_every_waba_is_applied(tmp_path: Path) -> None:
    world, path, config, owner = estate(tmp_path)
    with run_simulator(world) as sim:
        applied = apply_all(path, config, sim.base_url)
        writes = [w for w in sim.control.write_log() if w["endpoint"].startswith("POST")]
    assert applied.report is not None and applied.report.exit_code == 0
    assert sorted(owner[w["object_id"]] for w in writes) == [BUSY] * 20 + [QUIET] * 5


# ------------------------------------------------------------------ the arithmetic, without a server


def action(address: str, n: int = 0, status: Status = Status.READY) -> Action:
    return Action(f"{address}.step{n}", address, Kind.UPDATE, Op.UPDATE_PROFILE, "update", status=status)


@pytest.mark.parametrize(
    ("percent", "per_hour", "left"),
    [(0.0, PER_HOUR, 200), (99.0, PER_HOUR_REGISTERED, 50), (100.0, PER_HOUR, 0), (120.0, PER_HOUR, 0)],
)
def test_what_is_left_is_the_unused_share_of_the_hour(percent: float, per_hour: int, left: int) -> None:
    assert Allowance(percent, per_hour).left == left


def test_each_write_counts_and_each_resource_is_read_once_before_it() -> None:
    number, webhooks = 'numbers["+85251234567"]', "wabas.busy.webhooks"
    # two writes to one number (its profile and its picture): one re-read of the number and its profile
    assert operations([action(number, 1), action(number, 2)]) == 2 + 2
    assert operations([action(webhooks)]) == 1 + 1
    assert operations([]) == 0


def test_only_the_waba_that_cannot_hold_its_writes_is_held_back(tmp_path: Path) -> None:
    _, _, config, _ = estate(tmp_path)
    busy = [action(f'numbers["{e164}"]') for e164, spec in config.numbers.items() if spec.waba == "busy"]
    calm = [action(f'numbers["{e164}"]') for e164, spec in config.numbers.items() if spec.waba == "quiet"]
    blocked = action('numbers["' + next(iter(config.numbers)) + '"]', 9, Status.BLOCKED)
    budgets = {BUSY: Allowance(98.0, PER_HOUR_REGISTERED), QUIET: Allowance(99.0, PER_HOUR_REGISTERED)}
    assert operations(busy) == 60 and operations(calm) == 15
    # 60 operations fit in the 100 left, 15 in the 50 left
    assert deferred(busy + calm, config, budgets) == {}
    budgets[BUSY] = Allowance(99.8, PER_HOUR_REGISTERED)  # 10 left
    waiting = deferred([*busy, *calm, blocked], config, budgets)
    assert set(waiting) == {a.id for a in busy}  # a blocked action is not the budget's to hold
    assert deferred(busy, config, {}) == {}  # nothing known of a WABA's budget: not held back
