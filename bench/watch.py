"""`wabaplan watch` against the simulator at 50 ms latency: deliveries accepted per second, event-to-recorded
latency (p50/p99, from the simulator's review to the verdict in the store), and operations spent per event
against a full refresh of the example estate.

    python bench/watch.py [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "events"), str(ROOT / "tests" / "watch")]

from meta_payloads import template_status  # noqa: E402
from sim_estate import EXAMPLE  # noqa: E402
from test_end_to_end import _post_all  # noqa: E402
from watchkit import APP_SECRET, TOKEN  # noqa: E402

from reconciler.config import load  # noqa: E402
from reconciler.graph.client import GraphClient  # noqa: E402
from reconciler.reader import read_snapshot  # noqa: E402
from reconciler.simulator import run_simulator  # noqa: E402
from reconciler.state import open_backend  # noqa: E402
from reconciler.watch.receiver import Secrets  # noqa: E402
from reconciler.watch.server import Watch, WatchSettings, run_watch  # noqa: E402

LATENCY_MS = 50
TEMPLATE, APP = "5000000000001", "4000000000001"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    config = load(EXAMPLE).config
    assert config is not None
    with run_simulator(latency_ms=LATENCY_MS) as sim, tempfile.TemporaryDirectory() as tmp:
        backend = open_backend(Path(tmp), {})
        settings = WatchSettings(port=0, window=0.0, queue=100_000)
        graph = lambda: GraphClient(sim.base_url, TOKEN)  # noqa: E731
        watch = Watch(config, backend, "simulator", graph, Secrets((APP_SECRET,), ()), settings)
        with run_watch(watch) as running:
            bodies = []
            for n in range(args.events):
                payload = template_status(TEMPLATE, "order_update", "en_US", "APPROVED")
                payload["entry"][0]["time"] += n
                bodies.append(json.dumps(payload).encode())
            start = time.perf_counter()
            answers = asyncio.run(_post_all(running.url, bodies, concurrency=64))
            rate = answers[200] / (time.perf_counter() - start)
            running.worker.done.wait_for(answers[200], timeout=600)
            latencies = _latencies(sim, running)
            before = sim.control.request_counts()["operations"]
            sim.control.set_quality("3000000000001", "YELLOW")
            running.worker.done.wait_for(answers[200] + 21, timeout=60)
            per_event = sim.control.request_counts()["operations"] - before
        full = asyncio.run(_full_read(config, sim.base_url))
        backend.close()
    print(f"accepted: {answers[200]} of {args.events} deliveries at {rate:,.0f} events/s ({dict(answers)})")
    p50, p99 = statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"event → recorded at {LATENCY_MS} ms Meta latency: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"operations: a number event {per_event} (its ID once per WABA, then 1), a full refresh {full}")
    return 0


def _latencies(sim, running) -> list[float]:  # type: ignore[no-untyped-def]
    sim.control.set_app_webhook(APP, f"{running.url}/webhook", APP_SECRET)
    out = []
    for _ in range(20):
        with sim.simulator.lock:
            sim.simulator.state.templates[TEMPLATE].status = "PENDING"
        done = running.worker.done.count
        start = time.perf_counter()
        sim.control.review_template(TEMPLATE, True)
        running.worker.done.wait_for(done + 1, timeout=10)
        out.append(time.perf_counter() - start)
    return out


async def _full_read(config, base_url: str) -> int:  # type: ignore[no-untyped-def]
    async with GraphClient(base_url, TOKEN) as graph:
        await read_snapshot(config, graph)
        return graph.stats.operations


if __name__ == "__main__":
    raise SystemExit(main())
