"""How apply's parallelism pays off: one profile change on each of N numbers, simulator at 100 ms latency.

    python bench/apply_parallel.py             # N=48 numbers in 4 WABAs, parallelism 1, 8 and 32
    python bench/apply_parallel.py --numbers 200

Each run is a full `apply` (lock, read, plan, compare-and-set re-reads, writes, journal) against a fresh
simulator. It prints the actions done, HTTP requests, wall time, and the lower bound for that latency:
every action needs a re-read and a write (2 round trips), and the read before planning needs a few more.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from estate import TOKEN, estate

from reconciler.apply.run import ApplyOptions, apply
from reconciler.config import load
from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

LATENCY_MS = 100


def one_run(numbers: int, wabas: int, parallelism: int) -> tuple[int, int, float]:
    world, config_data = estate(wabas, numbers)
    for spec in config_data["numbers"].values():
        spec["profile"] = {**spec["profile"], "about": spec["profile"]["about"] + " — open daily"}
    with tempfile.TemporaryDirectory() as work, run_simulator(world, latency_ms=LATENCY_MS) as sim:
        path = Path(work) / "numbers.yaml"
        path.write_text(yaml.safe_dump(config_data, allow_unicode=True), encoding="utf-8")
        config = load(path).config
        assert config is not None
        environ = {**os.environ, "WABAPLAN_ACCESS_TOKEN": TOKEN, "WABAPLAN_GRAPH_URL": sim.base_url}
        environ.pop("WABAPLAN_STATE_DIR", None)
        with open(os.devnull, "w") as quiet:
            started = time.perf_counter()
            applied = apply(
                config,
                path,
                ApplyOptions(auto_approve=True, parallelism=parallelism, force=True),
                environ=environ,
                show_plan=lambda plan: None,
                confirm=lambda: True,
                ask_code=lambda e164, stop: None,
                progress=LineProgress(quiet),
            )
            elapsed = time.perf_counter() - started
        assert applied.report is not None and applied.report.exit_code == 0, applied.report
        done = applied.report.counts().get("done", 0)
        return done, sim.control.request_counts()["http_requests"], elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=48)
    parser.add_argument("--wabas", type=int, default=4)
    args = parser.parse_args()
    print(
        f"apply: one profile change on each of {args.numbers} numbers in {args.wabas} WABAs, {LATENCY_MS} ms"
    )
    print(f"{'parallelism':>11}  {'done':>5}  {'HTTP':>5}  {'wall s':>7}  {'bound s':>7}")
    for parallelism in (1, 8, 32):
        done, http, elapsed = one_run(args.numbers, args.wabas, parallelism)
        rounds = 2 * math.ceil(done / parallelism)  # re-read + write per action, `parallelism` at a time
        bound = (rounds + 3) * LATENCY_MS / 1000  # + the read before planning (WABAs, numbers, batch)
        print(f"{parallelism:>11}  {done:>5}  {http:>5}  {elapsed:>7.2f}  {bound:>7.2f}")


if __name__ == "__main__":
    main()
