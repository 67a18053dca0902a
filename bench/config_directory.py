"""Loading one estate as one file, and as a directory of files: CPU seconds of `reconciler.config.load`.

    python bench/config_directory.py                 # 10,000 numbers in 1,000 WABAs, split into 20 files
    python bench/config_directory.py --numbers 1000 --files 5
    PYTHONPATH=../main:bench python bench/config_directory.py --one-file   # another checkout, one file only

The estate is bench/estate.py `scale_estate`; the split gives each file a slice of the WABAs with their
numbers (the connection in the first). Each figure is the best of `--repeat` loads in this process, the
garbage collector as `load` leaves it. Run it with PYTHONPATH pointing at another checkout to compare.
Figures only: nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from estate import scale_estate

from reconciler.config import load


def write(path: Path, data: Any) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


def split(config: dict[str, Any], files: int, directory: Path) -> None:
    names = list(config["wabas"])
    for index in range(files):
        mine = names[index::files]
        part: dict[str, Any] = (
            {"connection": config["connection"]} if index == 0 and "connection" in config else {}
        )
        part["wabas"] = {name: config["wabas"][name] for name in mine}
        chosen = set(mine)
        part["numbers"] = {k: v for k, v in config["numbers"].items() if v["waba"] in chosen}
        write(directory / f"part-{index:03}.yaml", part)


def best(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        loaded = load(path)
        times.append(time.process_time() - start)
        assert loaded.ok, loaded.diagnostics[:3]
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--one-file", action="store_true", help="only the single file (for an older checkout)"
    )
    args = parser.parse_args()
    _, config = scale_estate(max(1, args.numbers // 10), args.numbers)
    with tempfile.TemporaryDirectory() as work:
        single, directory = Path(work) / "numbers.yaml", Path(work) / "estate"
        directory.mkdir()
        write(single, config)
        split(config, args.files, directory)
        one = best(single, args.repeat)
        many = None if args.one_file else best(directory, args.repeat)
    said = "" if many is None else f"; {args.files} files {many:.3f} s CPU"
    print(f"{args.numbers:,} numbers: one file {one:.3f} s CPU{said}")


if __name__ == "__main__":
    main()
