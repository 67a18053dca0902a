"""Injected latency overlaps: it must not serialise requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from simsupport import HARBOUR, HK_WABA

from reconciler.simulator import RunningSimulator


def test_200_requests_in_flight_at_100ms_overlap(start_sim: Callable[..., RunningSimulator]) -> None:
    """Behaviour, not wall time (bench/sim_throughput.py prints the timings): the simulator's own
    gauge shows the requests waiting out their latency together, not one after another."""
    sim = start_sim(latency_ms=100, rate_limits={"waba_calls_per_hour_registered": 10_000})

    async def burst() -> list[int]:
        # Several small pools: one httpx pool with 200 connections costs O(n²) on the client side.
        clients = [httpx.AsyncClient(base_url=f"{sim.base_url}/v23.0", timeout=30) for _ in range(8)]
        try:
            responses = await asyncio.gather(
                *(clients[i % 8].get(f"/{HK_WABA}", params={"access_token": HARBOUR}) for i in range(200))
            )
            return [r.status_code for r in responses]
        finally:
            for client in clients:
                await client.aclose()

    assert asyncio.run(burst()) == [200] * 200
    # Serialised, one request would wait at a time. 8 pools send up to 200 at once; allow for the
    # client and the loop under load, but far beyond what any serialising server could show.
    assert sim.simulator.peak_overlap >= 50, f"only {sim.simulator.peak_overlap} overlapped"
