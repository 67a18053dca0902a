"""`wabaplan import`: a config written for WABAs that exist at Meta (`import` is a Python keyword)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reconciler import runtime
from reconciler.cli.args import ImportArgs
from reconciler.cli.common import output_file, read_once, simulated
from reconciler.cli.exit import ExitCode
from reconciler.cli.options import DEFAULT_CONFIG
from reconciler.errors import WabaplanError
from reconciler.graph.connect import connect
from reconciler.importer import render_config
from reconciler.snapshot import Snapshot
from reconciler.statedir import StateDir, locate


def run(args: ImportArgs) -> int:
    _refuse_directory(args.out)
    out = output_file(args.out)
    if out is not None and out.exists():
        raise WabaplanError(f"{out} already exists: choose another --out, or remove it first")
    state = StateDir(locate(out or Path(DEFAULT_CONFIG), os.environ))
    waba_ids = list(dict.fromkeys(args.waba))
    with simulated(args.sim, state) as meta:
        target = runtime.import_target(waba_ids, environ=os.environ, simulated=meta)
        snapshot = read_once(_read(waba_ids, target))  # the one event loop of this command
    missing = [w for w in waba_ids if w not in snapshot.wabas]
    if missing:
        reasons = "; ".join(
            f"{w}: {snapshot.unreadable[w].reason}" for w in missing if w in snapshot.unreadable
        )
        raise WabaplanError(f"cannot import WABA {', '.join(missing)} ({reasons})")
    header = "SIMULATED: imported from the wabaplan simulator, not from Meta" if meta is not None else ""
    text = render_config(snapshot, waba_ids, header=header)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        numbers = sum(len(snapshot.wabas[w].numbers) for w in waba_ids)
        sys.stderr.write(
            f"wrote {out}: {len(waba_ids)} WABA(s), {numbers} number(s); "
            f"check it with `wabaplan validate -c {out}`\n"
        )
    return ExitCode.OK


def _refuse_directory(name: str | None) -> None:
    """Import writes one file; in a config directory, a file of its own joins the estate."""
    if name and Path(name).is_dir():
        raise WabaplanError(
            f"--out {name} is a directory, and import writes one file: name a new file in it, e.g. "
            f"--out {Path(name) / 'imported.yaml'} (the directory's files are one estate, so "
            f"`wabaplan validate -c {name}` then reports a WABA or number declared in two files)"
        )


async def _read(waba_ids: list[str], target: runtime.GraphTarget) -> Snapshot:
    async with connect(target) as connection:
        return await runtime.read_for_import(waba_ids, target, connection)
