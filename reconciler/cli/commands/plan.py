"""`wabaplan plan`: live state read and diffed against the config; the ordered, costed plan."""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import closing
from pathlib import Path

from reconciler import runtime
from reconciler.cli.args import PlanArgs
from reconciler.cli.common import load_valid, output_file, render, simulated
from reconciler.cli.exit import ExitCode
from reconciler.config.model import Config
from reconciler.graph.connect import connect
from reconciler.plan.build import PlanOptions, build_plan
from reconciler.snapshot import Snapshot
from reconciler.state import open_backend
from reconciler.statedir import StateDir, locate, write_json_atomic


def run(args: PlanArgs) -> int:
    path = Path(args.config)
    config = load_valid(path)
    out = output_file(args.out)
    state = StateDir(locate(path, os.environ))
    with simulated(args.sim, state) as meta, closing(open_backend(state.path, os.environ)) as backend:
        target = runtime.target_for(config, base_dir=path.parent, environ=os.environ, simulated=meta)
        snapshot, cost = asyncio.run(_read(config, target))  # the one event loop of this command
        write_only = runtime.write_only(
            config, base_dir=path.parent, environ=os.environ, state=backend, target=target
        )
        moves = runtime.move_facts(backend, target)
    options = PlanOptions(
        targets=args.target,
        refresh_only=args.refresh_only,
        simulated=meta is not None,
        config_hash=runtime.config_hash(path),
        notes=target.notes,
        moves=moves,
    )
    plan = build_plan(config, snapshot, write_only, options)
    document = {**plan.to_json(), "read": cost}
    if out is not None:
        write_json_atomic(out, document)
    render(document, args.format)
    if args.out:
        sys.stderr.write(
            f"plan saved to {args.out} (no secrets inside); render it with `wabaplan show {args.out}`\n"
        )
    plan.require_complete()  # after rendering: what could be read is shown, then the refusal
    if args.detailed_exitcode and plan.has_changes:
        return ExitCode.CHANGES
    return ExitCode.OK


async def _read(config: Config, target: runtime.GraphTarget) -> tuple[Snapshot, dict[str, int]]:
    async with connect(target) as connection:
        return await runtime.read_live(config, target, connection)
