"""What wabaplan costs at scale: whole-process figures against a simulator in its own process, at 50 ms.

    python bench/scale.py              # 1,000 numbers in 100 WABAs, and 10,000 in 1,000
    python bench/scale.py --50k        # and 50,000 in 5,000
    python bench/scale.py --sizes 1000 # only the first size

The estate (bench/estate.py `scale_estate`): numbers of five countries, WABAs of skewed sizes (one in fifty
holds 150-250 numbers, so its numbers page), full profiles, three templates a WABA; 3 % of the profiles and
one WABA in fifty's templates drift, so the plan has work. For each size it prints:

* `validate`: the whole process, wall and CPU, the best of three;
* `plan`, the best of three (the same plan, reads only): whole-process CPU, wall, and the latency bound (HTTP
  requests, counted by the simulator, × latency ÷ the client's concurrency), and the plan's peak RSS (the
  highest of the three);
* `import` of every WABA: the time `render_config` takes to write the YAML (the read is not counted);
* `apply` of 1,000 profile updates with `--parallelism 32`: wall and its bound (requests × latency ÷ 32),
  against a fresh simulator.

Figures only: nothing is asserted about time. Commands run as `python -m reconciler.cli` from this checkout,
its bytecode compiled first and PYTHONDONTWRITEBYTECODE dropped, as an installed wabaplan runs (otherwise each
command compiles every module it imports again: a few tenths of a second of CPU each).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from estate import TOKEN, scale_estate

from reconciler.config.yamlsource import MAX_FILE_BYTES
from reconciler.graph.client import GraphClient
from reconciler.importer import render_config
from reconciler.reader import read_wabas
from reconciler.snapshot import Snapshot

ROOT = Path(__file__).resolve().parent.parent
LATENCY_MS = 50
PLAN_CONCURRENCY = 16  # the client's max_concurrency for a plan
APPLY_PARALLELISM = 32
APPLY_UPDATES = 1000
SIZES = {1000: 100, 10000: 1000, 50000: 5000}  # numbers → WABAs


@dataclass(frozen=True)
class Child:
    """A finished child process: wall and CPU seconds, peak RSS in MB, exit code."""

    wall: float
    cpu: float
    rss_mb: float
    code: int


# The child runs under a small launcher that forks it and reports its rusage: a peak RSS read by this process
# itself would include this process's own (Linux carries the high-water mark of the memory a child starts
# from through exec, and this process holds the generated estate: 180 MB read for a 150 MB plan).
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "reconciler.cli", *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nrusage {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(args: Sequence[str], env: dict[str, str]) -> Child:
    """Run `python -m reconciler.cli ARGS` to the end; its own rusage, not its siblings' or this process's."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=env.get("BENCH_CWD"),
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode(errors="replace")
    proc.wait()
    wall = time.perf_counter() - started
    told, _, usage = stderr.rstrip("\n").rpartition("\nrusage ")
    cpu, maxrss_kb = usage.split()
    if proc.returncode not in (0, 2):
        sys.stderr.write(told[-2000:])
    return Child(wall, float(cpu), int(maxrss_kb) / 1024, proc.returncode)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sim_get(base_url: str, what: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/_sim/{what}", timeout=10) as answer:
        return dict(json.load(answer))


@contextmanager
def simulator(world: Path, env: dict[str, str]) -> Iterator[str]:
    """`wabaplan sim serve` in its own process, at LATENCY_MS; yields its base URL."""
    port = free_port()
    args = ["sim", "serve", "--world", str(world), "--latency-ms", str(LATENCY_MS), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # a 50k world loads for minutes on a busy machine
        while True:
            try:
                sim_get(base_url, "requests")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.2)
        yield base_url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


NUMBERS_PER_FILE = 10_000  # a config past one file's limit (16 MiB) is written as a directory of files


def write_config(path: Path, data: dict[str, Any]) -> Path:
    """The config as one file, or, when it would pass the most wabaplan reads of one file (the 50,000-number
    estate is about 25 MB), as a directory: the WABAs in one file, the numbers in files of 10,000 (the
    layout the README's "a large estate can be split" describes)."""
    text = yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False)
    if len(text.encode()) <= MAX_FILE_BYTES:
        path.write_text(text, encoding="utf-8")
        return path
    directory = path.with_suffix("")
    directory.mkdir()
    write_yaml(directory / "wabas.yaml", {k: v for k, v in data.items() if k != "numbers"})
    numbers = list(data["numbers"].items())
    for start in range(0, len(numbers), NUMBERS_PER_FILE):
        chunk = dict(numbers[start : start + NUMBERS_PER_FILE])
        write_yaml(directory / f"numbers-{start // NUMBERS_PER_FILE + 1:02d}.yaml", {"numbers": chunk})
    return directory


def _dumper() -> type[yaml.SafeDumper]:
    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # type: ignore[no-any-return]


def http_requests(base_url: str) -> int:
    return int(sim_get(base_url, "requests")["http_requests"])


PLAN_RUNS = 3  # plans are reads only: the best of three, as this machine's CPU figures move by a quarter


def bench_plan(base_url: str, config: Path, env: dict[str, str]) -> dict[str, float]:
    runs = []
    for _ in range(PLAN_RUNS):
        before = http_requests(base_url)
        runs.append((run_child(["plan", "-c", str(config)], env), http_requests(base_url) - before))
    child, requests = min(runs, key=lambda run: run[0].cpu)
    bound = requests * LATENCY_MS / 1000 / PLAN_CONCURRENCY
    wall = min(run.wall for run, _ in runs)
    return {
        "plan_cpu": child.cpu,
        "plan_wall": wall,
        "plan_requests": requests,
        "plan_bound": bound,
        "plan_x": wall / bound if bound else float("nan"),
        "plan_rss": max(run.rss_mb for run, _ in runs),
        "plan_exit": max(run.code for run, _ in runs),
    }


def bench_import(base_url: str, waba_ids: list[str]) -> dict[str, float]:
    """Read every WABA once (not timed), then time writing the config YAML for them."""

    async def read() -> Any:
        async with GraphClient(base_url, TOKEN) as graph:
            return await read_wabas(graph, waba_ids, profiles_for=None)

    wabas, unreadable = asyncio.run(read())
    snapshot = Snapshot(wabas, {}, unreadable, base_url, "v23.0")
    started = time.perf_counter()
    text = render_config(snapshot, waba_ids)
    return {
        "import_wabas": len(waba_ids),
        "import_write": time.perf_counter() - started,
        "import_kb": len(text) / 1024,
    }


def apply_config(world: dict[str, Any], config: dict[str, Any], updates: int) -> dict[str, Any]:
    """The config with every profile as live, except the first `updates` numbers' `about`."""
    numbers = {}
    for index, (e164, spec) in enumerate(config["numbers"].items()):
        live = world["phone_numbers"][index]["profile"]
        profile = {**live, "about": live["about"] + " (new hours)"} if index < updates else live
        numbers[e164] = {**spec, "profile": profile}
    return {**config, "numbers": numbers}


def bench_apply(world: Path, config: Path, env: dict[str, str]) -> dict[str, float]:
    with simulator(world, env) as base_url:
        child = run_child(
            [
                "apply",
                "-c",
                str(config),
                "--auto-approve",
                "--force",
                "--parallelism",
                str(APPLY_PARALLELISM),
            ],
            {**env, "WABAPLAN_GRAPH_URL": base_url},
        )
        requests = http_requests(base_url)
    bound = requests * LATENCY_MS / 1000 / APPLY_PARALLELISM
    return {
        "apply_wall": child.wall,
        "apply_requests": requests,
        "apply_bound": bound,
        "apply_x": child.wall / bound if bound else float("nan"),
        "apply_exit": child.code,
    }


def one_size(numbers: int, work: Path) -> dict[str, float]:
    wabas = SIZES.get(numbers, max(1, numbers // 10))
    world_data, config_data = scale_estate(wabas, numbers)
    world = write_yaml(work / "world.yaml", world_data)
    config = write_config(work / "numbers.yaml", config_data)
    _, clean = scale_estate(wabas, numbers, drift=0, gaps=False)
    apply_cfg = write_config(work / "apply.yaml", apply_config(world_data, clean, APPLY_UPDATES))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WABAPLAN_ACCESS_TOKEN": TOKEN}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["WABAPLAN_STATE_DIR"] = str(work / "state")
    figures: dict[str, float] = {"numbers": numbers, "wabas": wabas}
    validate = min(
        (run_child(["validate", "-c", str(config)], env) for _ in range(PLAN_RUNS)), key=lambda v: v.cpu
    )
    figures |= {"validate_wall": validate.wall, "validate_cpu": validate.cpu, "validate_exit": validate.code}
    with simulator(world, env) as base_url:
        figures |= bench_plan(base_url, config, {**env, "WABAPLAN_GRAPH_URL": base_url})
        figures |= bench_import(base_url, [w["id"] for w in world_data["wabas"]])
    env["WABAPLAN_STATE_DIR"] = str(work / "apply-state")
    figures |= bench_apply(world, apply_cfg, env)
    return figures


ROWS = (
    ("validate, whole process: wall s", "validate_wall", ".2f"),
    ("validate, whole process: CPU s", "validate_cpu", ".2f"),
    ("plan, whole process: CPU s", "plan_cpu", ".2f"),
    ("plan: wall s", "plan_wall", ".2f"),
    ("plan: HTTP requests (simulator)", "plan_requests", ".0f"),
    (f"plan: bound s (req × {LATENCY_MS} ms ÷ {PLAN_CONCURRENCY})", "plan_bound", ".2f"),
    ("plan: wall ÷ bound", "plan_x", ".1f"),
    ("plan: peak RSS MB", "plan_rss", ".0f"),
    ("import: WABAs", "import_wabas", ".0f"),
    ("import: YAML writing s", "import_write", ".2f"),
    (f"apply {APPLY_UPDATES} profile updates, -p {APPLY_PARALLELISM}: wall s", "apply_wall", ".2f"),
    ("apply: HTTP requests (simulator)", "apply_requests", ".0f"),
    (f"apply: bound s (req × {LATENCY_MS} ms ÷ {APPLY_PARALLELISM})", "apply_bound", ".2f"),
    ("apply: wall ÷ bound", "apply_x", ".1f"),
    ("exit codes: validate / plan / apply", None, ""),
)


def print_table(results: list[dict[str, float]]) -> None:
    head = "".join(f"{int(r['numbers']):>10,}" for r in results)
    print(f"{'numbers':<48}{head}")
    print(f"{'WABAs':<48}" + "".join(f"{int(r['wabas']):>10,}" for r in results))
    for label, key, fmt in ROWS:
        if key is None:
            cells = [f"{r['validate_exit']:.0f}/{r['plan_exit']:.0f}/{r['apply_exit']:.0f}" for r in results]
        else:
            cells = [format(r[key], fmt) for r in results]
        print(f"{label:<48}" + "".join(f"{c:>10}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--50k", dest="big", action="store_true", help="also 50,000 numbers in 5,000 WABAs")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers per run (default 1000 10000)")
    args = parser.parse_args()
    sizes = args.sizes or [1000, 10000, *([50000] if args.big else [])]
    compileall.compile_dir(ROOT / "reconciler", quiet=1)
    results = []
    for numbers in sizes:
        with tempfile.TemporaryDirectory(prefix="wabaplan-scale-") as work:
            results.append(one_size(numbers, Path(work)))
        print(f"… {numbers:,} numbers done", file=sys.stderr)
    python = sys.version.split()[0]
    print(f"wabaplan at scale, simulator in its own process at {LATENCY_MS} ms (python {python})")
    print_table(results)


if __name__ == "__main__":
    main()
