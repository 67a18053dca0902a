"""What a full read of a large estate costs, batched versus naive, against the simulator at 50 ms latency.

    python bench/read_scale.py            # N=1,000/M=100 and N=10,000/M=1,000
    python bench/read_scale.py --quick    # N=200/M=20 only

For each size it prints HTTP requests, Meta-counted operations, wall time, the lower bound for that latency
and the client's concurrency, and the same read done naively (one request per object, one at a time). The
naive read runs on a sample of the WABAs and is scaled up (it would take minutes in full); its request count
is exact.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from estate import TOKEN, estate

from reconciler.config.model import Config
from reconciler.graph.client import GraphClient
from reconciler.reader import NUMBER_FIELDS, PROFILE_FIELDS, TEMPLATE_FIELDS, WABA_FIELDS, read_snapshot
from reconciler.simulator import run_simulator

LATENCY_MS = 50
CONCURRENCY = 16
NAIVE_SAMPLE_WABAS = 5


async def batched(base_url: str, config: Config) -> tuple[int, int, float, int]:
    async with GraphClient(base_url, TOKEN, max_concurrency=CONCURRENCY) as graph:
        started = time.perf_counter()
        snapshot = await read_snapshot(config, graph)
        elapsed = time.perf_counter() - started
        numbers = sum(len(w.numbers) for w in snapshot.wabas.values())
        return graph.stats.http_requests, graph.stats.operations, elapsed, numbers


async def naive(base_url: str, waba_ids: list[str]) -> tuple[int, float]:
    """One request per object, one at a time: node, apps, each page of numbers and templates, then each
    number and its profile."""
    requests = 0
    async with GraphClient(base_url, TOKEN, max_concurrency=1) as graph:
        started = time.perf_counter()
        for waba_id in waba_ids:
            await graph.get(waba_id, fields=WABA_FIELDS)
            await graph.get(f"{waba_id}/subscribed_apps")
            numbers = await graph.get_all_pages(f"{waba_id}/phone_numbers", fields=["id"])
            await graph.get_all_pages(f"{waba_id}/message_templates", fields=TEMPLATE_FIELDS)
            for number in numbers:
                await graph.get(number["id"], fields=NUMBER_FIELDS)
                await graph.get(f"{number['id']}/whatsapp_business_profile", fields=PROFILE_FIELDS)
        requests = graph.stats.http_requests
        return requests, time.perf_counter() - started


def lower_bound(wabas: int, numbers: int) -> tuple[int, float]:
    """Fewest HTTP requests, and fewest sequential round trips × latency, with batches of 50 and
    CONCURRENCY requests in flight: one batched pass over the WABAs (4 operations each, plus a second page
    when a WABA has more than 100 numbers), then one over the profiles."""
    per_waba = numbers / wabas
    first = math.ceil(4 * wabas / 50)
    extra_pages = wabas * max(0, math.ceil(per_waba / 100) - 1)
    profiles = math.ceil(numbers / 50)
    waves = math.ceil(first / CONCURRENCY) + (
        math.ceil(math.ceil(extra_pages / 50) / CONCURRENCY) if extra_pages else 0
    )
    waves += math.ceil(profiles / CONCURRENCY)
    return first + math.ceil(extra_pages / 50) + profiles, waves * LATENCY_MS / 1000


def run(numbers: int, wabas: int) -> None:
    world, data = estate(wabas=wabas, numbers=numbers)
    config = Config.model_validate(data)
    sample_ids = [w["id"] for w in world["wabas"][:NAIVE_SAMPLE_WABAS]]
    with run_simulator(world, latency_ms=LATENCY_MS) as sim:
        http, operations, elapsed, seen = asyncio.run(batched(sim.base_url, config))
        naive_requests, naive_time = asyncio.run(naive(sim.base_url, sample_ids))
    assert seen == numbers, f"read {seen} of {numbers} numbers"
    scale = wabas / len(sample_ids)
    bound_requests, bound_time = lower_bound(wabas, numbers)
    budget = 3 * wabas + math.ceil(numbers / 50)
    print(f"N={numbers:,} numbers in M={wabas:,} WABAs, {LATENCY_MS} ms latency, concurrency {CONCURRENCY}")
    print(f"  batched : {http:>7,} HTTP requests  {operations:>7,} Meta operations  {elapsed:8.2f} s")
    print(
        f"  bound   : {bound_requests:>7,} HTTP requests  (issue budget 3·M + ceil(N/50) = {budget:,})"
        f"  {bound_time:8.2f} s"
    )
    print(
        f"  naive   : {round(naive_requests * scale):>7,} HTTP requests  {round(naive_requests * scale):>7,} "
        f"Meta operations  {naive_time * scale:8.2f} s  (timed on {len(sample_ids)} WABAs, scaled ×{scale:g})"
    )
    faster, fewer = naive_time * scale / elapsed, naive_requests * scale / http
    print(f"  speed-up: {faster:,.0f}× faster, {fewer:,.0f}× fewer requests")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one small size only")
    args = parser.parse_args()
    sizes = [(200, 20)] if args.quick else [(1_000, 100), (10_000, 1_000)]
    for numbers, wabas in sizes:
        run(numbers, wabas)


if __name__ == "__main__":
    main()
