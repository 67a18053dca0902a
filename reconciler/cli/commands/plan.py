"""`wabaplan plan`: live state read and diffed against the config; the ordered, costed plan."""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import closing
from pathlib import Path

from reconciler import runtime
from reconciler.cli.args import PlanArgs
from reconciler.cli.common import load_valid, output_file, project_of, render, simulated
from reconciler.cli.exit import ExitCode
from reconciler.cli.notifying import ci_job, notifier_for, notify
from reconciler.cli.refusals import refuse_notify_without_refresh_only
from reconciler.config.estate import base_dir
from reconciler.config.model import Config
from reconciler.graph.connect import connect
from reconciler.notify.reports import from_plan
from reconciler.plan.build import PlanOptions, build_plan
from reconciler.plan.model import Plan
from reconciler.runlog import RunNote, record
from reconciler.snapshot import Snapshot
from reconciler.state import open_backend
from reconciler.state.records import RunStatus, identity
from reconciler.statedir import StateDir, locate, write_json_atomic


def run(args: PlanArgs) -> int:
    path = Path(args.config)
    config = load_valid(path)
    out = output_file(args.out)
    refuse_notify_without_refresh_only(args)
    notifier = notifier_for(args.notify) if args.refresh_only else None
    state = StateDir(locate(path, os.environ))
    with simulated(args.sim, state) as meta, closing(open_backend(state.path, os.environ)) as backend:
        target = runtime.target_for(config, base_dir=base_dir(path), environ=os.environ, simulated=meta)
        snapshot, cost = asyncio.run(_read(config, target))  # the one event loop of this command
        write_only = runtime.write_only(
            config, base_dir=base_dir(path), environ=os.environ, state=backend, target=target
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
        _record_saved(plan, path, args.out, state, runtime.journal_target(target))
    notify(notifier, from_plan(plan, project=project_of(args.config), job_url=ci_job()))
    plan.require_complete()  # after rendering: what could be read is shown, then the refusal
    if args.detailed_exitcode and plan.has_changes:
        return ExitCode.CHANGES
    return ExitCode.OK


def _record_saved(plan: Plan, config: Path, out: str, state: StateDir, target: str) -> None:
    """A saved plan goes into `wabaplan history` (who, at which commit, its checksum and counts), in a state
    that exists already: a plan never creates one (docs/state.md)."""
    note = RunNote(
        command="plan",
        status=RunStatus.PLANNED,
        config_hash=plan.config_hash,
        simulated=plan.simulated,
        summary=plan.summary(),
        checksum=plan.checksum(),
        detail=f"saved to {out}",
    )
    who = identity(os.environ, config.parent)
    why = record(state.path, os.environ, note, target=target, who=who, create=False)
    if why is not None:
        sys.stderr.write(f"the saved plan is not recorded in `wabaplan history`: {why}\n")


async def _read(config: Config, target: runtime.GraphTarget) -> tuple[Snapshot, dict[str, int]]:
    async with connect(target) as connection:
        return await runtime.read_live(config, target, connection)
