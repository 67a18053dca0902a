"""What writing `wabaplan import`'s YAML costs: `render_config` alone, for an estate read once.

    python bench/import_write.py                          # 10,000 numbers in 1,000 WABAs
    python bench/import_write.py --numbers 50000 --wabas 5000
    python bench/import_write.py --profile                # and cProfile's top entries of one write

The estate is bench/estate.py's `scale_estate`, served by the simulator in this process without latency and
read once (not timed), as bench/scale.py's import figure reads it. The YAML is then written `--repeat`
times: CPU seconds (process time) best and median, and the text's size — the figure bench/scale.py reports
as "import: YAML writing s", without the rest of that bench.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from estate import TOKEN, scale_estate

from reconciler.graph.client import GraphClient
from reconciler.importer import render_config
from reconciler.reader import read_wabas
from reconciler.simulator import run_simulator
from reconciler.snapshot import Snapshot


def read_estate(wabas: int, numbers: int) -> tuple[Snapshot, list[str]]:
    world, _ = scale_estate(wabas, numbers)
    waba_ids = [w["id"] for w in world["wabas"]]

    async def read(base_url: str) -> Snapshot:
        async with GraphClient(base_url, TOKEN) as graph:
            found, unreadable = await read_wabas(graph, waba_ids, profiles_for=None)
        return Snapshot(found, {}, unreadable, base_url, "v23.0")

    with run_simulator(world) as sim:
        return asyncio.run(read(sim.base_url)), waba_ids


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=10000)
    parser.add_argument("--wabas", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 8 of one write")
    args = parser.parse_args()
    snapshot, waba_ids = read_estate(args.wabas, args.numbers)
    cpu = []
    for _ in range(args.repeat):
        started = time.process_time()
        text = render_config(snapshot, waba_ids)
        cpu.append(time.process_time() - started)
    print(f"import of {args.numbers:,} numbers in {args.wabas:,} WABAs ({len(text) / 1024:,.0f} KB of YAML)")
    print(f"  YAML writing, CPU s: best {min(cpu):.3f}, median {statistics.median(cpu):.3f} of {args.repeat}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(render_config, snapshot, waba_ids)
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    main()
