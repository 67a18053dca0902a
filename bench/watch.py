"""`wabaplan watch` against the simulator at 50 ms latency:

accepted     deliveries answered 200 per second (16 kept-alive connections, one event each), and how many
             transactions recorded them (deliveries that arrive together share one)
latency      event → verdict recorded, p50/p99: the simulator's review, its signed webhook, the
             receiver, the read of the template (one Meta round trip), the record
operations   a number event, and a full refresh of the example estate
cron         a synthetic estate (1,000 numbers in 20 WABAs): a full `--refresh-only` read, then 100
             events (templates, numbers, accounts) through `watch`, then the cron refresh that uses
             the state watch confirmed — Meta operations of each, counted by the simulator

python bench/watch.py [--events N] [--samples N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT / "tests"),
    str(ROOT / "tests" / "events"),
    str(ROOT / "tests" / "watch"),
    str(ROOT / "bench"),
]

import uvicorn  # noqa: E402
from estate import TOKEN as ESTATE_TOKEN  # noqa: E402
from estate import estate  # noqa: E402
from meta_payloads import envelope, quality_update, template_status  # noqa: E402
from sim_estate import EXAMPLE  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from watchkit import APP_SECRET, TOKEN  # noqa: E402

from reconciler.config import load  # noqa: E402
from reconciler.config.model import Config  # noqa: E402
from reconciler.confirmed_read import read_with_confirmed  # noqa: E402
from reconciler.events import parse_payload  # noqa: E402
from reconciler.graph.client import GraphClient  # noqa: E402
from reconciler.reader import read_snapshot  # noqa: E402
from reconciler.simulator import RunningSimulator, run_simulator  # noqa: E402
from reconciler.state import StateBackend, open_backend  # noqa: E402
from reconciler.watch.inbox import GroupCommit, Inbox  # noqa: E402
from reconciler.watch.receiver import Secrets  # noqa: E402
from reconciler.watch.server import RunningWatch, Watch, WatchSettings, bind, run_watch  # noqa: E402
from reconciler.watch.signature import sign  # noqa: E402

LATENCY_MS = 50
TEMPLATE, APP = "5000000000001", "4000000000001"
CRON_WABAS, CRON_NUMBERS, CRON_EVENTS = 20, 1000, 100


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=50, help="reviews timed for the latency")
    parser.add_argument("--post", metavar="URL", help=argparse.SUPPRESS)  # the client process
    args = parser.parse_args()
    if args.post:
        _post(args.post, args.events)
        return 0
    config = load(EXAMPLE).config
    assert config is not None
    with run_simulator(latency_ms=LATENCY_MS) as sim, tempfile.TemporaryDirectory() as tmp:
        backend = open_backend(Path(tmp), {})
        with run_watch(_watch(config, backend, sim.base_url, TOKEN)) as running:
            answers, rate, transactions = _accept(running, args.events)
            running.worker.done.wait_for(answers[200], timeout=600)
            latencies = _latencies(sim, running, args.samples)
            before = sim.control.request_counts()["operations"]
            sim.control.set_quality("3000000000001", "YELLOW")
            running.worker.done.wait_for(answers[200] + args.samples + 1, timeout=60)
            per_event = sim.control.request_counts()["operations"] - before
        full = asyncio.run(_full_read(config, sim.base_url))
        backend.close()
    bare = _bare_server_rate(args.events)
    recorded, recorded_in = _recording_rate(config, args.events)
    one_by_one = _one_commit_per_event_rate(min(args.events, 500))
    print(
        f"accepted: {answers[200]} of {args.events} deliveries at {rate:,.0f} events/s ({dict(answers)}), "
        f"recorded in {transactions} transactions; a bare uvicorn endpoint, same client: {bare:,.0f}/s"
    )
    print(
        f"recording alone (no HTTP): {recorded:,.0f} events/s, {args.events} in {recorded_in} transactions; "
        f"before (a commit per event): {one_by_one:,.0f} events/s"
    )
    p50, p99 = statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"event → verdict recorded at {LATENCY_MS} ms Meta latency: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"operations: a number event {per_event} (its ID once per WABA, then it and its profile), ", end="")
    print(f"a full refresh {full}")
    full_ops, watch_ops, cron_ops, read = _cron()
    print(
        f"cron: a full --refresh-only read of {CRON_NUMBERS:,} numbers in {CRON_WABAS} WABAs {full_ops} "
        f"operations; {CRON_EVENTS} events through watch {watch_ops}; the cron refresh after them "
        f"{cron_ops} ({cron_ops / full_ops:.1%} of the full read; {len(read)} resources read)"
    )
    return 0


def _watch(
    config: Config, backend: StateBackend, base_url: str, token: str, target: str = "simulator"
) -> Watch:
    settings = WatchSettings(port=0, window=0.0, queue=100_000)
    graph = lambda: GraphClient(base_url, token)  # noqa: E731
    return Watch(config, backend, target, graph, Secrets((APP_SECRET,), ()), settings)


def _accept(running: RunningWatch, events: int) -> tuple[Any, float, int]:
    """Deliveries posted from a process of its own (64 at a time), as Meta's would come: the receiver's
    loop does not share its interpreter with the client."""
    before = running.inbox.commits.transactions
    answers, rate = _post_from_a_process(running.url, events)
    return answers, rate, running.inbox.commits.transactions - before


def _post_from_a_process(url: str, events: int) -> tuple[Any, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--post", url, "--events", str(events)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = json.loads(out)
    return Counter({int(k): v for k, v in found["answers"].items()}), float(found["rate"])


def _post(url: str, events: int) -> None:
    """`--post URL`: sign and post `events` deliveries of one event each; print the answers and rate."""
    bodies = []
    for n in range(events):
        payload = template_status(TEMPLATE, "order_update", "en_US", "APPROVED")
        payload["entry"][0]["time"] += n
        bodies.append(json.dumps(payload).encode())
    start = time.perf_counter()
    answers = asyncio.run(_post_raw(url, bodies, connections=16))
    print(json.dumps({"answers": answers, "rate": answers[200] / (time.perf_counter() - start)}))


async def _post_raw(url: str, bodies: list[bytes], *, connections: int) -> Counter[int]:
    """A lean load generator: kept-alive HTTP/1.1 connections, each sending a delivery and reading its
    answer in turn. httpx spends more CPU per request than the receiver does, so it cannot show the
    receiver's own rate on two cores; this client spends little."""
    host, port = url.removeprefix("http://").split(":")
    answers: Counter[int] = Counter()
    queue = iter(bodies)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        for body in queue:
            head = (
                f"POST /webhook HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
                f"x-hub-signature-256: {sign(APP_SECRET, body)}\r\ncontent-length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            answers[status] += 1
        writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return answers


def _bare_server_rate(events: int) -> float:
    """The same client against an endpoint that only reads the body and answers 200 (uvicorn and
    Starlette as the receiver runs them): the ceiling this machine's HTTP stack allows right now."""

    async def ok(request: Any) -> PlainTextResponse:
        await request.body()
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/webhook", ok, methods=["POST"])])
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", http="h11", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        return _post_from_a_process(f"http://127.0.0.1:{sock.getsockname()[1]}", events)[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _recording_rate(config: Config, events: int) -> tuple[float, int]:
    """The receiver's own part, without HTTP: `events` events through the inbox (mapped, recorded
    durably, queued) by 64 deliveries at a time; events per second, and the transactions it took."""
    parsed = [
        parse_payload(_with_time(template_status(TEMPLATE, "order_update", "en_US", "APPROVED"), n))
        for n in range(events)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        backend = open_backend(Path(tmp), {})
        commits = GroupCommit(lambda: backend.journal("simulator"))
        journal = backend.journal("simulator")
        try:
            return asyncio.run(_take_all(Inbox(journal, config, asyncio.Queue(), commits=commits,
                                               limit=events + 1), parsed)), commits.transactions  # fmt: skip
        finally:
            commits.close()
            journal.close()
            backend.close()


def _one_commit_per_event_rate(events: int) -> float:
    """Before: each event its own commit (one sync to disk each), as the receiver recorded them."""
    with tempfile.TemporaryDirectory() as tmp:
        backend = open_backend(Path(tmp), {})
        try:
            with backend.journal("simulator") as journal:
                start = time.perf_counter()
                for n in range(events):
                    journal.accept_event(
                        key=f"k{n}", field="f", waba_id="w", subject="s", sent=n, change="{}", at=1.0
                    )
                return events / (time.perf_counter() - start)
        finally:
            backend.close()


async def _take_all(inbox: Inbox, deliveries: Sequence[Sequence[Any]]) -> float:
    slots = asyncio.Semaphore(64)

    async def one(events: Sequence[Any]) -> None:
        async with slots:
            assert await inbox.take(events)

    start = time.perf_counter()
    await asyncio.gather(*(one(events) for events in deliveries))
    return len(deliveries) / (time.perf_counter() - start)


def _with_time(payload: dict[str, Any], n: int) -> dict[str, Any]:
    payload["entry"][0]["time"] += n
    return payload


def _latencies(sim: RunningSimulator, running: RunningWatch, samples: int) -> list[float]:
    sim.control.set_app_webhook(APP, f"{running.url}/webhook", APP_SECRET)
    out = []
    for _ in range(samples):
        with sim.simulator.lock:
            sim.simulator.state.templates[TEMPLATE].status = "PENDING"
        sim.control.advance_clock(1)  # a second review is a second event (the same second, the same key)
        done = running.worker.done.count
        start = time.perf_counter()
        sim.control.review_template(TEMPLATE, True)
        running.worker.done.wait_for(done + 1, timeout=10)
        out.append(time.perf_counter() - start)
    return out


async def _full_read(config: Config, base_url: str) -> int:
    async with GraphClient(base_url, TOKEN) as graph:
        await read_snapshot(config, graph)
        return graph.stats.operations


def _cron() -> tuple[int, int, int, Sequence[str]]:
    world, data = estate(wabas=CRON_WABAS, numbers=CRON_NUMBERS)
    config = Config.model_validate(data)
    with run_simulator(world, latency_ms=LATENCY_MS) as sim, tempfile.TemporaryDirectory() as tmp:
        backend = open_backend(Path(tmp), {})
        try:
            full_ops, _ = asyncio.run(_refresh(config, sim, backend, max_age=None))
            before = sim.control.request_counts()["operations"]
            with run_watch(_watch(config, backend, sim.base_url, ESTATE_TOKEN, sim.base_url)) as running:
                answers = asyncio.run(_post_raw(running.url, _cron_events(world), connections=8))
                assert answers[200] == CRON_EVENTS, answers
                assert running.worker.done.wait_for(CRON_EVENTS, timeout=120)
            watch_ops = sim.control.request_counts()["operations"] - before
            cron_ops, read = asyncio.run(_refresh(config, sim, backend, max_age=6 * 3600.0))
        finally:
            backend.close()
    return full_ops, watch_ops, cron_ops, read


async def _refresh(
    config: Config, sim: RunningSimulator, backend: StateBackend, *, max_age: float | None
) -> tuple[int, Sequence[str]]:
    before = sim.control.request_counts()["operations"]
    with backend.journal(sim.base_url) as journal:
        async with GraphClient(sim.base_url, ESTATE_TOKEN) as graph:
            _, came = await read_with_confirmed(config, graph, {}, journal, now=time.time(), max_age=max_age)
    return sim.control.request_counts()["operations"] - before, came.read


def _cron_events(world: dict[str, Any]) -> list[bytes]:
    """100 events: 15 templates decided, 80 numbers' quality changed, 5 accounts reviewed."""
    wabas, numbers = world["wabas"], world["phone_numbers"]
    events = [
        template_status(w["templates"][0]["id"], "order_update", "en_US", "APPROVED", waba_id=w["id"])
        for w in wabas[:15]
    ]
    events += [quality_update(n["display_phone_number"].lstrip("+"), waba_id=n["waba"]) for n in numbers[:80]]
    events += [envelope(w["id"], "account_review_update", {"decision": "APPROVED"}) for w in wabas[15:20]]
    return [json.dumps(e).encode() for e in events]


if __name__ == "__main__":
    raise SystemExit(main())
