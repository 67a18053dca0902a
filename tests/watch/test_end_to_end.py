"""Simulated Meta → signed webhook → watch → a read of only what the event names → a recorded verdict."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
from meta_payloads import template_status
from watchkit import APP_SECRET, Start

from reconciler.simulator import RunningSimulator
from reconciler.state import StateBackend
from reconciler.watch.server import RunningWatch
from reconciler.watch.signature import sign

APP = "4000000000001"  # our app, subscribed to the HK WABA in the demo world
TEMPLATE, NUMBER = "5000000000001", "3000000000001"


def subscribe(sim: RunningSimulator, running: RunningWatch) -> None:
    sim.control.set_app_webhook(APP, f"{running.url}/webhook", APP_SECRET)


def details(backend: StateBackend) -> dict[str, tuple[str, str]]:
    with backend.journal("simulator") as journal:
        return {e.field: (e.status, e.detail) for e in journal.events()}


def pending_review(sim: RunningSimulator) -> None:
    with sim.simulator.lock:
        sim.simulator.state.templates[TEMPLATE].status = "PENDING"
        number = sim.simulator.state.numbers[NUMBER]
        number.new_display_name, number.new_name_status = "Harbour Lane Tea", "PENDING_REVIEW"


def test_a_template_approved(sim: RunningSimulator, start_watch: Start, backend: StateBackend) -> None:
    pending_review(sim)
    with start_watch() as running:
        subscribe(sim, running)
        before = sim.control.request_counts()["operations"]
        sim.control.review_template(TEMPLATE, True)
        assert running.worker.done.wait_for(1, timeout=10)
        spent = sim.control.request_counts()["operations"] - before
    status, detail = details(backend)["message_template_status_update"]
    assert status == "done" and detail.startswith(
        'wabas.hk_retail.templates["order_update/en_US"]: status APPROVED'
    )
    assert "(drift)" not in detail and spent == 1
    assert sim.control.webhooks_delivered()[0]["status"] == 200


def test_a_template_rejected_is_drift(
    sim: RunningSimulator, start_watch: Start, backend: StateBackend
) -> None:
    pending_review(sim)
    with start_watch() as running:
        subscribe(sim, running)
        sim.control.review_template(TEMPLATE, False, "INVALID_FORMAT")
        assert running.worker.done.wait_for(1, timeout=10)
    _, detail = details(backend)["message_template_status_update"]
    assert "status REJECTED" in detail and detail.endswith("(drift)")


def test_a_display_name_decided_and_a_quality_change(
    sim: RunningSimulator, start_watch: Start, backend: StateBackend
) -> None:
    pending_review(sim)
    with start_watch() as running:
        subscribe(sim, running)
        sim.control.review_display_name(NUMBER, True)
        assert running.worker.done.wait_for(1, timeout=10)
        sim.control.set_quality(NUMBER, "YELLOW")
        assert running.worker.done.wait_for(2, timeout=10)
    found = details(backend)
    name = found["phone_number_name_update"][1]
    assert name.startswith("numbers[\"+85251234567\"]: status CONNECTED, name 'Harbour Lane Tea' (APPROVED)")
    assert name.endswith("(drift)")  # the config declares "Harbour Lane"
    assert "quality YELLOW" in found["phone_number_quality_update"][1]


def test_no_callback_no_webhook(sim: RunningSimulator) -> None:
    pending_review(sim)
    sim.control.review_template(TEMPLATE, True)
    assert sim.control.webhooks_delivered() == []


def test_a_flood_is_answered_200_or_503_and_nothing_answered_200_is_lost(
    start_watch: Start, backend: StateBackend
) -> None:
    bodies = []
    for post in range(1_000):  # 10,000 distinct events about one template, ten to a delivery (Meta
        payload = template_status(TEMPLATE, "order_update", "en_US", "APPROVED")  # batches entries too)
        first = payload["entry"][0]
        payload["entry"] = [{**first, "time": first["time"] + post * 10 + n} for n in range(10)]
        bodies.append(json.dumps(payload).encode())
    with start_watch(queue=200, window=0.05) as running:
        answers = asyncio.run(_post_all(running.url, bodies, concurrency=64))
        accepted = answers[200] * 10  # events in the deliveries answered 200
        assert running.worker.done.wait_for(accepted, timeout=60)
        reads = running.worker.reads
    assert set(answers) <= {200, 503} and accepted > 0
    with backend.journal("simulator") as journal:
        assert journal.event_counts() == {"done": accepted}
    assert reads < accepted  # coalesced


async def _post_all(url: str, bodies: list[bytes], *, concurrency: int) -> Counter[int]:
    """Every body posted once, `concurrency` at a time: each sender a client with one connection of its
    own, taking the next body when its last is answered (one pool of them all spends its time searching
    itself for an idle connection)."""
    answers: Counter[int] = Counter()
    unsent = iter(bodies)

    async def sender() -> None:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
            for body in unsent:
                headers = {"x-hub-signature-256": sign(APP_SECRET, body)}
                answers[(await client.post(f"{url}/webhook", content=body, headers=headers)).status_code] += 1

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return answers
