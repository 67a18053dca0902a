"""Injected latency overlaps: it must not serialise requests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from simsupport import HARBOUR, HK_WABA

from reconciler.simulator import RunningSimulator


def test_200_requests_in_flight_at_100ms_overlap(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(latency_ms=100, rate_limits={"waba_calls_per_hour_registered": 10_000})

    async def burst() -> tuple[list[int], float]:
        # Several small pools: one httpx pool with 200 connections costs O(n²) on the client side.
        clients = [httpx.AsyncClient(base_url=f"{sim.base_url}/v23.0", timeout=10) for _ in range(8)]
        try:
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(clients[i % 8].get(f"/{HK_WABA}", params={"access_token": HARBOUR}) for i in range(200))
            )
            return [r.status_code for r in responses], time.perf_counter() - started
        finally:
            for client in clients:
                await client.aclose()

    statuses, elapsed = asyncio.run(burst())
    assert statuses == [200] * 200
    # serialised, this would take 20 s; overlapping, ~0.1 s plus connection set-up
    assert elapsed < 0.8, f"200 requests at 100 ms latency took {elapsed:.2f} s: latency is serialising"
