"""Apply's steps and executor against the simulator in this process: no socket, no thread, no server.

`Wire` is an httpx transport in front of the simulator's ASGI app. It keeps every request that reached it,
in order, and plays the network's part on demand: an answer lost after Meta acted (the request reached the
simulator, the reply never came back), a request lost before Meta saw it, an error answer in Meta's own
envelope in place of the simulator's. A hook sees each request just before it is forwarded, so a test can
look at the journal at the moment a write leaves.

`Harness` is what a step needs: a real `GraphClient` over the wire (virtual clock, so retries never
sleep), a real journal in a temporary state directory, the example config, and a `StepContext` on them.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import random
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import httpx
import yaml
from sim_estate import EXAMPLE, SECRETS, TW_PIN, copy_estate

from reconciler.apply.steps import StepContext
from reconciler.config import load
from reconciler.config.model import Config
from reconciler.graph import GraphClient, ManualClock, RetryPolicy
from reconciler.plan.build import PlanOptions, WriteOnly, build_plan
from reconciler.plan.model import Action, Plan
from reconciler.reader import read_snapshot
from reconciler.simulator import Simulator, SimulatorControl, World, demo_world_text
from reconciler.simulator.app import SimulatorApp
from reconciler.simulator.server import WorldSource, resolve_world
from reconciler.simulator.state import State
from reconciler.state.sqlite import SqliteJournal

EXAMPLE_SECRETS = {f"${{env:{name}}}": value for name, value in SECRETS.items()} | {
    "${file:secrets/tw-pin.txt}": TW_PIN
}
GRAPH_URL = "http://127.0.0.1:9"  # never dialled: the transport answers in process
TOKEN = "sim-token-harbour"
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One request as it reached the wire: method, path without the version, query and form together."""

    method: str
    path: str
    params: dict[str, str]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Mishap:
    """What the wire does to the next request matching `method` and a path ending in `suffix`."""

    method: str
    suffix: str
    kind: str  # "lost_answer" (Meta acted) | "lost_request" (Meta never saw it) | "answer" (this reply)
    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    times: int = 1

    def matches(self, call: Call) -> bool:
        return self.times > 0 and call.method == self.method and _ends(call.path, self.suffix)


def _reads_only(call: Call) -> bool:
    batch = call.params.get("batch")
    return call.path == "" and batch is not None and all(op["method"] == "GET" for op in json.loads(batch))


def _ends(path: str, suffix: str) -> bool:
    """`path` ends with `suffix`; an upload's path (`upload:SESSION`) is named by its start, `upload:`."""
    return path.endswith(suffix) or (suffix == "upload:" and path.startswith(suffix))


class Wire(httpx.AsyncBaseTransport):
    """The simulator's ASGI app in process, every request kept in order; mishaps on demand."""

    def __init__(self, world: WorldSource = None) -> None:
        if world is None:  # the demo world's state, built (its PINs sealed: slow on purpose) once
            self.simulator = Simulator(_demo_world(), seed=0)
            self.simulator.state = copy.deepcopy(_demo_state())
        else:
            self.simulator = Simulator(resolve_world(world)[0], seed=0)
        self.control = SimulatorControl(self.simulator)
        self._app = httpx.ASGITransport(app=SimulatorApp(self.simulator, self.control))
        self.calls: list[Call] = []
        self.mishaps: list[Mishap] = []
        self.before: Callable[[Call], None] | None = None  # sees each request before it is forwarded
        self.after: Callable[[Call, Any], Any] | None = None  # may rewrite Meta's answer (JSON) to it
        self.in_flight = 0  # requests sent and not yet answered
        self.peak = 0  # the most there were at once

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        form = {} if b"\0" in body else dict(parse_qsl(body.decode(errors="replace")))
        path = request.url.path.lstrip("/")
        path = path.split("/", 1)[1] if path.startswith("v") and "/" in path else path
        call = Call(request.method, path, {**dict(request.url.params), **form})
        self.calls.append(call)
        if self.before is not None:
            self.before(call)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0)  # let whatever else is ready send its request too
            return await self._exchange(request, call)
        finally:
            self.in_flight -= 1

    async def _exchange(self, request: httpx.Request, call: Call) -> httpx.Response:
        mishap = next((m for m in self.mishaps if m.matches(call)), None)
        if mishap is not None:
            mishap.times -= 1
            if mishap.kind == "lost_request":
                raise httpx.ReadError("connection reset before the request was read", request=request)
            if mishap.kind == "answer":
                return httpx.Response(mishap.status, json={"error": mishap.body}, request=request)
        response = await self._app.handle_async_request(request)
        if mishap is not None:  # lost_answer: Meta acted; its reply never came back
            await response.aread()
            raise httpx.RemoteProtocolError("server disconnected without sending a response")
        if self.after is not None:
            await response.aread()
            kept = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
            said = self.after(call, response.json())
            return httpx.Response(response.status_code, headers=kept, json=said, request=request)
        return response

    def lose_answer(self, method: str, suffix: str) -> None:
        """The next matching request reaches Meta, which acts; its answer is lost on the way back."""
        self.mishaps.append(Mishap(method, suffix, "lost_answer"))

    def lose_request(self, method: str, suffix: str) -> None:
        """The next matching request is lost on the way (the connection drops after sending it): Meta never
        saw it, though the client cannot tell this from a lost answer."""
        self.mishaps.append(Mishap(method, suffix, "lost_request"))

    def answer(
        self, method: str, suffix: str, status: int, code: int, subcode: int | None = None, *, times: int = 1,
        message: str = "refused", transient: bool = False,
    ) -> None:  # fmt: skip
        """The next `times` matching requests get Meta's error `code`/`subcode` in its envelope, not
        forwarded: Meta refused before acting."""
        body: dict[str, Any] = {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AWire",
        }
        if subcode is not None:
            body["error_subcode"] = subcode
        if transient:
            body["is_transient"] = True
        self.mishaps.append(Mishap(method, suffix, "answer", status, body, times))

    def to(self, method: str, suffix: str) -> list[Call]:
        """The requests that reached the wire with `method` and a path ending in `suffix`, in order."""
        return [c for c in self.calls if c.method == method and _ends(c.path, suffix)]

    def writes(self) -> list[str]:
        """Every request that may change something, as `METHOD path`, in order: not a GET, nor a batch
        made only of GETs (how apply re-reads)."""
        return [str(c) for c in self.calls if c.method != "GET" and not _reads_only(c)]


@functools.cache
def _demo_world() -> World:
    """The demo world without its secrets (two-step PINs, verify tokens): a simulator made of it seals
    nothing. Its state is replaced by `_demo_state()`'s."""
    document = yaml.safe_load(demo_world_text())
    for entry in document["phone_numbers"]:
        entry.pop("two_step", None)
    return resolve_world(document)[0]


@functools.cache
def _demo_state() -> State:
    """The demo world's simulated state, PINs sealed as the simulator seals them (PBKDF2, ~40 ms a
    world): built once, copied for each wire."""
    return Simulator(resolve_world(None)[0], seed=0).state


@functools.cache
def example() -> Config:
    config = load(EXAMPLE).config
    assert config is not None
    return config


@dataclass
class Harness:
    """A step's world: the wire, a journal with a run started, the example config, and answers for secrets."""

    wire: Wire
    journal: SqliteJournal
    run_id: int
    config: Config = field(default_factory=example)
    secrets: dict[str, str] = field(default_factory=lambda: dict(EXAMPLE_SECRETS))  # reference → value
    codes: dict[str, str] = field(default_factory=dict)  # E.164 → the code a person types
    now: list[float] = field(default_factory=lambda: [1000.0])  # the steps' clock, moved by tests
    asked: list[tuple[str, threading.Event]] = field(default_factory=list)  # (E.164, stop) per question

    def context(self, graph: GraphClient, **overrides: Any) -> StepContext:
        def secret(address: str, reference: str) -> str:
            return self.secrets.get(reference, f"secret-of-{address}")

        def otp(e164: str, stop: threading.Event) -> str | None:
            self.asked.append((e164, stop))
            return self.codes.get(e164)

        ctx = StepContext(
            graph=graph, config=self.config, journal=self.journal, run_id=self.run_id, key=b"k" * 32,
            secret=secret, otp=otp, clock=lambda: self.now[0], config_dir=EXAMPLE.parent,
        )  # fmt: skip
        return replace(ctx, **overrides)

    def run(self, work: Callable[[StepContext], Awaitable[T]], **overrides: Any) -> T:
        """`work(ctx)` with a client over the wire, in a fresh event loop."""

        async def main() -> T:
            async with client(GRAPH_URL, self.wire) as graph:
                return await work(self.context(graph, **overrides))

        return asyncio.run(main())


def client(url: str, transport: httpx.AsyncBaseTransport | None = None) -> GraphClient:
    """The client apply uses, on a virtual clock (retries never sleep) and a seeded jitter."""
    return GraphClient(
        url, TOKEN, transport=transport, clock=ManualClock(), rng=random.Random(0),
        retry=RetryPolicy(max_attempts=3),
    )  # fmt: skip


SHM = Path("/dev/shm")


@contextmanager
def harness(state: Path, world: WorldSource = None, **options: Any) -> Iterator[Harness]:
    """A harness whose journal is in `state`, or in memory-backed /dev/shm where there is one: the
    journal syncs every write to disk (`synchronous=FULL`), most of what a test here would cost."""
    with tempfile.TemporaryDirectory(dir=SHM if SHM.is_dir() else state.parent) as fast:
        journal = SqliteJournal.open(Path(fast) / state.name, target=GRAPH_URL)
        with journal:
            run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})
            yield Harness(Wire(world), journal, run_id, **options)


async def plan_now(ctx: StepContext, write_only: WriteOnly | None = None, **options: Any) -> Plan:
    """What `plan` makes of the harness's config against what the wire's Meta holds now."""
    snapshot = await read_snapshot(ctx.config, ctx.graph)
    return build_plan(ctx.config, snapshot, write_only or WriteOnly(), PlanOptions(**options))


def planned(plan: Plan, action_id: str) -> Action:
    return next(a for a in plan.actions if a.id == action_id)


def edited(work: Path, edit: Callable[[dict[str, Any]], None]) -> Config:
    """The example config with `edit` applied to its YAML document, loaded (written under `work`)."""
    path = copy_estate(work)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return config
