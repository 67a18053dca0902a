"""One apply, one event loop, one connection: what reading learnt of Meta's rate budget paces the writes."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import yaml
from sim_estate import apply_in_process, approve_all, estate_without_the_move

from reconciler.apply.run import _await_reviews
from reconciler.config import load
from reconciler.graph import ManualClock
from reconciler.plan.model import Op, Pending
from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

BATCH_PATH = "/v23.0/"  # a batch of reads is a POST to the version root


class BusyApp(httpx.AsyncBaseTransport):
    """The simulator over loopback, except that every answer says the app is at 91 % of its budget, so a
    client that knows it spaces its requests out. Notes when, and in which loop, each request is sent."""

    def __init__(self, clock: ManualClock) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.clock = clock
        self.sent: list[tuple[str, str, float]] = []  # method, path, virtual time
        self.loops: list[asyncio.AbstractEventLoop] = []  # kept alive, so no two share an id

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, self.clock.now()))
        self.loops.append(asyncio.get_running_loop())
        response = await self.inner.handle_async_request(request)
        response.headers["X-App-Usage"] = json.dumps({"call_count": 91})
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_reads_and_writes_share_one_loop_and_one_budget(tmp_path: Path) -> None:
    path, config = estate_without_the_move(tmp_path / "estate")
    clock = ManualClock()
    transport = BusyApp(clock)
    with run_simulator() as sim, open(os.devnull, "w") as quiet:
        applied = apply_in_process(
            path, config, sim.base_url, LineProgress(quiet), transport=transport, clock=clock
        )
    assert applied.report is not None and applied.report.exit_code in (0, 3)
    writes = [when for method, path, when in transport.sent if method != "GET" and path != BATCH_PATH]
    assert writes, transport.sent
    assert len({id(loop) for loop in transport.loops}) == 1  # read, execute and re-read: one event loop
    # Once the first answer showed the app near its limit, no two requests went at the same moment: the
    # first write too waited its turn, on what the reads had learnt (a fresh client would not have).
    # (An upload's bytes go to their session without the budget gate.)
    paced = [when for _, path, when in transport.sent if when > 0 and "/upload:" not in path]
    assert min(writes) > 0 and len(set(paced)) == len(paced), transport.sent


def test_waiting_for_reviews_sleeps_on_the_clock_given() -> None:
    pending = (Pending(address='wabas.hk.templates["a/en"]', detail="under review"),)
    answers = iter([pending, pending, ()])

    async def pending_now() -> tuple[Pending, ...]:
        return next(answers)

    clock = ManualClock()
    assert asyncio.run(_await_reviews(pending_now, 600.0, clock)) == ()
    assert clock.sleeps == [1.0, 1.5]  # backing off, in virtual time


def test_waiting_for_reviews_gives_up_at_the_timeout() -> None:
    pending = (Pending(address='wabas.hk.templates["a/en"]', detail="under review"),)

    async def pending_now() -> tuple[Pending, ...]:
        return pending

    clock = ManualClock()
    assert asyncio.run(_await_reviews(pending_now, 600.0, clock)) == pending
    assert sum(clock.sleeps) == 600.0 and max(clock.sleeps) == 30.0


def waba_reads(sim) -> int:  # type: ignore[no-untyped-def]
    """How many times a WABA was read at the simulator (each batch operation counts, as Meta counts)."""
    return int(sim.control.request_counts().get("GET /{WABA-ID}", 0))


def test_an_apply_that_submits_nothing_for_review_reads_the_estate_once(tmp_path: Path) -> None:
    path, config = estate_without_the_move(tmp_path / "estate")
    wabas = len(config.wabas)
    with run_simulator() as sim, open(os.devnull, "w") as quiet:
        apply_in_process(path, config, sim.base_url, LineProgress(quiet))  # templates go to review
        approve_all(sim)
        settled = apply_in_process(path, config, sim.base_url, LineProgress(quiet))
        assert settled.report is None or settled.report.exit_code == 0
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["numbers"]["+886 912 345 678"]["profile"]["about"] = "Open every day, 10:00-20:00"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        changed = load(path).config
        assert changed is not None
        before = waba_reads(sim)
        applied = apply_in_process(path, changed, sim.base_url, LineProgress(quiet))
        assert applied.report is not None and applied.report.exit_code == 0
        assert [o.action.op for o in applied.report.outcomes] == [Op.UPDATE_PROFILE]
        assert waba_reads(sim) - before == wabas  # the plan's read, and no second one
