"""The executor's re-reads of numbers, made ahead of their writes and together: one batch request for many
numbers, each number's write after its own re-read, a moved number refused among unmoved ones, and
--parallelism still the number of requests at Meta at once. Against the simulator in this process, in a
world of many numbers (tests/stepkit.py); the slots themselves (apply.slots) with plain asyncio.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml
from stepkit import Harness, harness, plan_now

from reconciler.apply.executor import execute
from reconciler.apply.run import Applied
from reconciler.apply.slots import Slots
from reconciler.apply.steps import StepContext
from reconciler.config import load
from reconciler.config.model import Config
from reconciler.graph import MAX_BATCH
from reconciler.outcome import ApplyReport
from reconciler.plan.model import Plan

TOKEN = "sim-token-harbour"  # the one tests/stepkit.py's client sends
APP, BUSINESS, WABA = "4000000000001", "1000000000001", "2500000000001"
NUMBERS = 60  # more than one batch of re-reads holds (25 numbers with their profiles)


def numbers(count: int) -> list[str]:
    found: list[str] = []
    n = 51238000
    while len(found) < count:
        n += 1
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+852{n}")):
            found.append(f"+852{n}")
    return found


def number_id(n: int) -> str:
    return str(3500000000000 + n)


def many(tmp_path: Path) -> tuple[dict[str, Any], Config]:
    """One WABA of NUMBERS numbers, every profile's `about` to change: the world and the config."""
    world: dict[str, Any] = {
        "version": 1,
        "businesses": [{"id": BUSINESS, "name": "Many Ltd", "verification_status": "verified"}],
        "apps": [{"id": APP, "name": "app"}],
        "tokens": [{"token": TOKEN, "app": APP, "businesses": [BUSINESS], "wabas": [WABA]}],
        "wabas": [{"id": WABA, "name": "Many", "owner_business": BUSINESS, "subscribed_apps": [APP]}],
        "phone_numbers": [],
    }
    data: dict[str, Any] = {"version": 1, "wabas": {"many": {"id": WABA, "webhooks": {"app_id": APP}}}}
    data["numbers"] = {}
    for n, e164 in enumerate(numbers(NUMBERS)):
        world["phone_numbers"].append(
            {"id": number_id(n), "display_phone_number": e164, "waba": WABA, "verified_name": f"Shop {n}",
             "profile": {"about": f"Shop {n}"}}
        )  # fmt: skip
        data["numbers"][e164] = {
            "waba": "many",
            "display_name": f"Shop {n}",
            "profile": {"about": f"Shop {n}!"},
        }
    path = tmp_path / "numbers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return world, config


def applied(h: Harness, *, parallelism: int, meanwhile: Any = None) -> ApplyReport:
    async def work(ctx: StepContext) -> ApplyReport:
        plan = await plan_now(ctx)
        if meanwhile is not None:
            meanwhile()
        h.wire.calls.clear()
        h.wire.peak = 0
        return await execute(plan, ctx, parallelism=parallelism)

    return h.run(work)


def batched_reads(h: Harness) -> list[int]:
    """The re-read batches at the wire, in order: how many operations each held."""
    return [len(json.loads(c.params["batch"])) for c in h.wire.calls if c.path == "" and c.method == "POST"]


@pytest.mark.parametrize("parallelism", [1, 4, 32])
def test_numbers_are_re_read_many_to_a_request_each_before_its_own_write(
    tmp_path: Path, parallelism: int
) -> None:
    world, config = many(tmp_path)
    with harness(tmp_path / "state", world, config=config) as h:
        report = applied(h, parallelism=parallelism)
        batches = batched_reads(h)
        calls = [(c.method, c.path, c.params.get("batch", "")) for c in h.wire.calls]
        peak = h.wire.peak
    assert [o.status for o in report.outcomes] == ["done"] * NUMBERS
    assert sum(batches) == 2 * NUMBERS and max(batches) <= MAX_BATCH  # a number and its profile each
    assert len(batches) < NUMBERS  # many numbers to a request, not one each
    assert peak <= parallelism  # a batch of re-reads takes a slot like a write
    for n in range(NUMBERS):  # each number written once, after the request that re-read it
        write = calls.index(("POST", f"{number_id(n)}/whatsapp_business_profile", ""))
        read = next(
            i for i, (_, path, batch) in enumerate(calls) if path == "" and f"{number_id(n)}?" in batch
        )
        assert read < write


def test_a_number_moved_at_meta_is_refused_among_those_re_read_with_it(tmp_path: Path) -> None:
    world, config = many(tmp_path)
    moved = {number_id(3), number_id(40)}
    with harness(tmp_path / "state", world, config=config) as h:

        def edit_at_meta() -> None:
            for phone in moved:
                h.wire.control.edit_profile(phone, about="changed in WhatsApp Manager")

        report = applied(h, parallelism=8, meanwhile=edit_at_meta)
        written = {c.path.split("/")[0] for c in h.wire.to("POST", "/whatsapp_business_profile")}
    refused = {o.action.address for o in report.outcomes if o.status == "refused"}
    assert refused == {o.action.address for o in report.outcomes if o.action.params.phone_number_id in moved}
    assert all("profile.about changed at Meta" in o.detail for o in report.outcomes if o.status == "refused")
    assert written == {number_id(n) for n in range(NUMBERS)} - moved


def test_a_re_read_meta_does_not_answer_fails_only_the_actions_waiting_on_it(tmp_path: Path) -> None:
    world, config = many(tmp_path)
    with harness(tmp_path / "state", world, config=config) as h:
        refuse = lambda: h.wire.answer("POST", "", 400, 100, message="the batch was refused")  # noqa: E731
        report = applied(h, parallelism=4, meanwhile=refuse)  # the first re-read, not the plan's read
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert failed and len(failed) <= MAX_BATCH // 2
    assert all("the batch was refused" in o.detail for o in failed)
    assert {o.status for o in report.outcomes} == {"failed", "done"}


# ------------------------------------------------------------------ the slots


def test_a_slot_taken_first_goes_ahead_of_those_waiting_in_turn() -> None:
    async def order() -> list[str]:
        slots = Slots(1)
        got: list[str] = []
        await slots.acquire()

        async def take(name: str, first: bool) -> None:
            await slots.acquire(first=first)
            got.append(name)
            slots.release()

        waiting = [
            asyncio.create_task(take(n, f)) for n, f in (("a", False), ("b", False), ("re-read", True))
        ]
        await asyncio.sleep(0)
        slots.release()
        await asyncio.gather(*waiting)
        return got

    assert asyncio.run(order()) == ["re-read", "a", "b"]


def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on() -> None:
    async def run() -> tuple[bool, bool]:
        slots = Slots(1)
        await slots.acquire()
        first = asyncio.create_task(slots.acquire())
        second = asyncio.create_task(slots.acquire())
        await asyncio.sleep(0)
        slots.release()  # handed to `first` ...
        first.cancel()  # ... which is cancelled before it runs again
        await asyncio.gather(first, return_exceptions=True)
        await asyncio.wait_for(second, 1)  # the slot went on to the next
        return slots.locked(), first.cancelled()

    assert asyncio.run(run()) == (True, True)


def test_an_applied_run_repr_is_its_counts_not_its_plan() -> None:
    # asyncio writes the repr of what asyncio.run returned: it must not render a whole plan
    applied = Applied(
        Plan((), live_fingerprints={f"n{i}": "x" * 16 for i in range(10_000)}), None, simulated=True
    )
    assert repr(applied) == "Applied(0 actions, 0 outcomes, exit 0)"
