"""Shared state under contention: do runners on disjoint WABAs really run side by side?

    python bench/state_contention.py                 # 8 WABAs × 6 numbers, 50 ms simulated latency
    python bench/state_contention.py --numbers 12    # numbers per WABA

Against one simulated Meta and one PostgreSQL (WABAPLAN_TEST_POSTGRES, default the local `test`
database; a schema of its own, dropped afterwards), each runner a real `wabaplan apply` process with its own
checkout and state directory, every number's profile to change:

- one runner, one WABA's group: the time one group takes alone;
- eight runners at once, one group each (disjoint WABAs): with per-WABA locks this is close to the time of
  one group, not eight (the wall ratio);
- the same eight one after another, which is what a lock over the whole estate would force;
- lock acquire + release on an idle database, for 1 and for 8 WABAs (median and 95th percentile).

It prints figures; it asserts only that every apply succeeded.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

from estate import TOKEN, estate

from reconciler.simulator import run_simulator
from reconciler.state import open_backend

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("WABAPLAN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
KEY = "ab" * 32
LATENCY_MS = 50
RUNNERS = 8


def configs(work: Path, per_waba: int) -> tuple[dict, list[Path]]:
    """The world, and one config per WABA (each runner's part of the estate), every profile changed."""
    world, data = estate(RUNNERS, RUNNERS * per_waba)
    paths = []
    for index, name in enumerate(sorted(data["wabas"])):
        part = {
            "wabas": {name: data["wabas"][name]},
            "numbers": {
                e164: {**spec, "profile": {**spec["profile"], "about": spec["profile"]["about"] + " (new)"}}
                for e164, spec in data["numbers"].items()
                if spec["waba"] == name
            },
        }
        path = work / f"runner{index}" / "numbers.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(yaml.safe_dump(part, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return world, paths


def start(config: Path, base_url: str, state_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "WABAPLAN_ACCESS_TOKEN": TOKEN,
        "WABAPLAN_GRAPH_URL": base_url,
        "WABAPLAN_STATE_URL": state_url,
        "WABAPLAN_STATE_KEY": KEY,
        "WABAPLAN_STATE_DIR": str(config.parent / "state"),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "apply", "--auto-approve", "--force", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str]) -> None:
    out, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        raise SystemExit(f"an apply failed (exit {process.returncode}):\n{out}")


def timed_round(per_waba: int, state_url: str, *, together: bool, runners: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds the runner processes used)."""
    with tempfile.TemporaryDirectory() as work:
        world, paths = configs(Path(work), per_waba)
        with run_simulator(world, latency_ms=LATENCY_MS) as sim:
            cpu = _children_cpu()
            started = time.perf_counter()
            if together:
                for process in [start(p, sim.base_url, state_url) for p in paths[:runners]]:
                    finish(process)
            else:
                for path in paths[:runners]:
                    finish(start(path, sim.base_url, state_url))
            return time.perf_counter() - started, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lock_latency(state_url: str, wabas: int, rounds: int = 200) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as work:
        backend = open_backend(Path(work), {"WABAPLAN_STATE_URL": state_url, "WABAPLAN_STATE_KEY": KEY})
        scope = frozenset(str(2100000000000 + i) for i in range(wabas))
        with backend.lock(scope, command="bench", timeout=None):  # the first connects and makes the tables
            pass
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            with backend.lock(scope, command="bench", timeout=None):
                pass
            samples.append((time.perf_counter() - started) * 1000)
        backend.close()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=6, help="numbers per WABA (default 6)")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    state_url = f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}schema={schema}"
    try:
        alone, _ = timed_round(args.numbers, state_url, together=True, runners=1)
        together, cpu = timed_round(args.numbers, state_url, together=True, runners=RUNNERS)
        in_turn, _ = timed_round(args.numbers, state_url, together=False, runners=RUNNERS)
        one = lock_latency(state_url, 1)
        eight = lock_latency(state_url, RUNNERS)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    print(f"{RUNNERS} WABAs × {args.numbers} numbers, {LATENCY_MS} ms simulated latency, state on PostgreSQL")
    print(f"  1 runner, 1 WABA           : {alone:6.2f} s")
    cores = os.cpu_count() or 1
    bound = max(alone, cpu / cores)
    print(f"  {RUNNERS} runners at once, disjoint : {together:6.2f} s   ({together / alone:.2f}× one runner)")
    print(
        f"    their CPU: {cpu:.2f} s on {cores} cores, so at best {bound:.2f} s "
        f"({together / bound:.2f}× that bound: what is left is waiting, locks included)"
    )
    print(f"  {RUNNERS} runners one after another : {in_turn:6.2f} s   ({in_turn / alone:.2f}× one runner)")
    print(f"  lock + release, 1 WABA     : median {one[0]:.2f} ms, p95 {one[1]:.2f} ms")
    print(f"  lock + release, {RUNNERS} WABAs    : median {eight[0]:.2f} ms, p95 {eight[1]:.2f} ms")


if __name__ == "__main__":
    main()
