"""Run the simulator on a real loopback socket: in-process (tests, `--sim`) or in the foreground (`serve`).

    with run_simulator() as sim:                     # the bundled demo world, an ephemeral port
        httpx.get(f"{sim.base_url}/v23.0/2000000000001", params={"access_token": "sim-token-harbour"})
        sim.control.advance_clock(3600)

uvicorn serves the ASGI app from a background thread on a socket we bind first (so the port is known,
and a bind error surfaces here). Stopping closes idle keep-alive connections and returns within ~1 s.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import uvicorn

from .app import SimulatorApp
from .control import SimulatorControl
from .engine import Simulator
from .world import World, load_world, world_from_data, world_from_text

WorldSource = World | Mapping[str, Any] | str | Path | None
DEMO_WORLD = "data/demo_world.yaml"


def demo_world_text() -> str:
    return (resources.files("reconciler.simulator") / DEMO_WORLD).read_text(encoding="utf-8")


def resolve_world(world: WorldSource) -> tuple[World, str]:
    """(World, a label for it): None is the bundled demo world."""
    if world is None:
        return world_from_text(demo_world_text(), source="<bundled demo world>"), "bundled demo world"
    if isinstance(world, World):
        return world, "<World>"
    if isinstance(world, Mapping):
        return world_from_data(world, source="<dict>"), "<dict>"
    return load_world(world), str(world)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class RunningSimulator:
    base_url: str  # "http://127.0.0.1:54321": no version, no trailing slash
    control: SimulatorControl
    simulator: Simulator
    world_label: str
    host: str
    port: int


class _Server:
    def __init__(self, app: SimulatorApp, host: str, port: int, sim: Simulator) -> None:
        self.sim = sim
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto=IPPROTO_TCP matters: only then does asyncio set TCP_NODELAY on accepted sockets
        # (without it every answer waits ~40 ms for a delayed ACK)
        self.sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.listen(2048)
        self.port = int(self.sock.getsockname()[1])
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            ws="none",
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,
            backlog=2048,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name=f"wabaplan-sim:{self.port}", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by start()/stop()
            self.error = exc

    async def _serve(self) -> None:
        self.sim.webhooks.attach(asyncio.get_running_loop())  # webhooks go out from the server's loop
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            await self.sim.webhooks.aclose()

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        done = threading.Event()
        while not self.server.started and self.thread.is_alive() and not done.wait(0.01):
            timeout -= 0.01
            if timeout <= 0:
                break
        if not self.server.started:
            self.stop()
            raise RuntimeError(f"the simulator did not start: {self.error!r}")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


@contextmanager
def run_simulator(
    world: WorldSource = None,
    *,
    latency_ms: float = 0,
    fault_rate: float = 0.0,
    lost_response_rate: float = 0.0,
    seed: int = 0,
    host: str = "127.0.0.1",
    port: int = 0,
    rate_limits: Mapping[str, Any] | None = None,
    allow_remote: bool = False,
) -> Iterator[RunningSimulator]:
    """Serve a simulated Meta on loopback for the duration of the `with` block."""
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host}: the simulator listens on loopback only (allow_remote=True)"
        )
    resolved, label = resolve_world(world)
    sim = Simulator(
        resolved,
        seed=seed,
        fault_rate=fault_rate,
        lost_response_rate=lost_response_rate,
        latency_ms=latency_ms,
        rate_limits=rate_limits,
    )
    control = SimulatorControl(sim)
    server = _Server(SimulatorApp(sim, control), host, port, sim)
    server.start()
    shown = f"[{host}]" if ":" in host else host
    try:
        yield RunningSimulator(f"http://{shown}:{server.port}", control, sim, label, host, server.port)
    finally:
        server.stop()
