"""`wabaplan sim serve`: the simulator in the foreground until Ctrl-C.

The lead wires `add_sim_commands(subparsers)` into `reconciler/cli.py`; each handler is stored as
`args.handler` (and `args.func`) and returns the exit code.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from .server import is_loopback, run_simulator
from .world import WorldError


def add_sim_commands(subparsers: Any) -> None:
    sim = subparsers.add_parser(
        "sim",
        help="run the Graph API simulator (a fake Meta on loopback)",
        description="A faithful, stateful fake of Meta's WhatsApp Business Management API. "
        "See docs/simulator.md.",
    )
    commands = sim.add_subparsers(dest="sim_command", metavar="COMMAND")
    commands.required = True
    serve = commands.add_parser(
        "serve",
        help="serve the simulator over HTTP until Ctrl-C",
        description="Serve the simulated Graph API. Point WABAPLAN_GRAPH_URL at the printed URL.",
    )
    serve.add_argument("--world", metavar="FILE", help="world file (YAML); default: the bundled demo world")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8787, help="port (default: 8787; 0 picks a free one)")
    serve.add_argument(
        "--latency-ms", type=_milliseconds, default=0.0, metavar="N", help="delay every answer by N ms"
    )
    serve.add_argument(
        "--fault-rate", type=_rate, default=0.0, metavar="P", help="share of requests that fail (0-1)"
    )
    serve.add_argument(
        "--lost-response-rate",
        type=_rate,
        default=0.0,
        metavar="P",
        help="share of successful writes whose answer is lost (connection dropped after the effect)",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed for faults and one-time codes (default: 0)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the simulator has no security)",
    )
    serve.set_defaults(handler=serve_command, func=serve_command)


def _number(text: str, kind: type[float] | type[int], low: float, high: float, what: str) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be {what}, not {text}")
    return value


def _rate(text: str) -> float:
    return float(_number(text, float, 0.0, 1.0, "a share between 0 and 1"))


def _port(text: str) -> int:
    return int(_number(text, int, 0, 65535, "a port from 0 to 65535"))


def _milliseconds(text: str) -> float:
    return float(_number(text, float, 0.0, 600_000.0, "a delay from 0 to 600000 ms"))


def serve_command(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    if not args.allow_remote and not is_loopback(args.host):
        print(
            f"error: refusing to listen on {args.host}: the simulator is for loopback only. "
            "Pass --allow-remote if you really want it reachable from other machines.",
            file=err,
        )
        return 1
    stop = threading.Event()
    previous = _on_sigterm(stop)
    try:
        with run_simulator(
            args.world,
            latency_ms=args.latency_ms,
            fault_rate=args.fault_rate,
            lost_response_rate=args.lost_response_rate,
            seed=args.seed,
            host=args.host,
            port=args.port,
            allow_remote=args.allow_remote,
        ) as sim:
            print(
                f"wabaplan simulator listening on {sim.base_url} (world: {sim.world_label})",
                file=out,
                flush=True,
            )
            tokens = ", ".join(sim.simulator.state.tokens)
            print(f"  tokens: {tokens}", file=out)
            print(
                f"  Graph API: {sim.base_url}/v23.0/…   controls: {sim.base_url}/_sim/   Ctrl-C to stop",
                file=out,
            )
            out.flush()
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        pass
    except WorldError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=err)
        return 1
    finally:
        _restore_sigterm(previous)
    print("wabaplan simulator stopped", file=out, flush=True)
    return 0


def _on_sigterm(stop: threading.Event) -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda *_: stop.set())


def _restore_sigterm(previous: Any) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)
