"""A faithful, stateful fake of Meta's WhatsApp Business Management Graph API, on real HTTP.

    from reconciler.simulator import run_simulator
    with run_simulator() as sim:              # bundled demo world, ephemeral loopback port
        sim.base_url                          # "http://127.0.0.1:54321"; call f"{sim.base_url}/v23.0/{id}"
        sim.control.last_code("3000000000901")

It imports nothing else from `reconciler`: it shares no code with what it tests. See docs/simulator.md.

Modules: world (world file model + loader), state (records), engine (checks + dispatch), routes,
accounts / numbers / templates / uploads (operations and state machines), nodes + fields + paging
(rendering), ratelimit, faults, clock, errors (Meta's envelope), batch, app (HTTP), control (/_sim/),
server (in-process runner), cli (`wabaplan sim serve`), schema (world JSON Schema).
"""

from __future__ import annotations

from .control import SimulatorControl
from .engine import Simulator
from .server import RunningSimulator, demo_world_text, resolve_world, run_simulator
from .world import World, WorldError, load_world

__all__ = [
    "RunningSimulator",
    "Simulator",
    "SimulatorControl",
    "World",
    "WorldError",
    "demo_world_text",
    "load_world",
    "resolve_world",
    "run_simulator",
]
