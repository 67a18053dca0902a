"""`wabaplan plan`: live state read and diffed against the config; the ordered, costed plan."""

from __future__ import annotations

import os
import sys
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from reconciler import runtime
from reconciler.cli.args import PlanArgs
from reconciler.cli.common import load_valid, output_file, project_of, read_once, render, simulated
from reconciler.cli.exit import ExitCode
from reconciler.cli.notifying import ci_job, notifier_for, notify
from reconciler.cli.refusals import refuse_confirmed_flags, refuse_notify_without_refresh_only
from reconciler.config.estate import base_dir
from reconciler.config.model import Config
from reconciler.confirmed_read import Provenance, read_with_confirmed
from reconciler.graph.connect import connect
from reconciler.notify.reports import from_plan
from reconciler.plan.build import PlanOptions, build_plan
from reconciler.plan.model import Plan
from reconciler.runlog import RunNote, record
from reconciler.snapshot import Snapshot
from reconciler.state import Journal, StateBackend, StateError, open_backend
from reconciler.state.records import RunStatus, identity
from reconciler.statedir import StateDir, locate, write_json_atomic

DEFAULT_MAX_AGE = 6 * 3600.0  # --refresh-only: confirmed state younger than this (and unnamed) is used


def run(args: PlanArgs) -> int:
    path = Path(args.config)
    config = load_valid(path)
    out = output_file(args.out)
    refuse_notify_without_refresh_only(args)
    notifier = notifier_for(args.notify) if args.refresh_only else None
    state = StateDir(locate(path, os.environ))
    refuse_confirmed_flags(args)
    with simulated(args.sim, state) as meta, closing(open_backend(state.path, os.environ)) as backend:
        target = runtime.target_for(config, base_dir=base_dir(path), environ=os.environ, simulated=meta)
        if args.refresh_only:  # the one event loop of this command
            snapshot, cost, came = read_once(_refresh(config, target, backend, args))
        else:
            snapshot, cost = read_once(_read(config, target))
            came = None
        write_only = runtime.write_only(
            config, base_dir=base_dir(path), environ=os.environ, state=backend, target=target
        )
        moves = runtime.move_facts(backend, target)
    options = PlanOptions(
        targets=args.target,
        refresh_only=args.refresh_only,
        simulated=meta is not None,
        config_hash=runtime.config_hash(path),
        notes=target.notes + (came.notes() if came is not None else ()),
        moves=moves,
    )
    plan = build_plan(config, snapshot, write_only, options)
    document = {**plan.to_json(), "read": cost}
    if came is not None:
        document["refreshed"] = came.to_json()
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


async def _refresh(
    config: Config, target: runtime.GraphTarget, backend: StateBackend, args: PlanArgs
) -> tuple[Snapshot, dict[str, int], Provenance]:
    """--refresh-only: what the state confirmed recently (and no event named since) is not read again."""
    max_age = None if args.full else (DEFAULT_MAX_AGE if args.max_age is None else args.max_age)
    journal = _existing_journal(backend, runtime.journal_target(target))
    try:
        async with connect(target) as connection:
            before = connection.cost()
            snapshot, came = await read_with_confirmed(
                config, connection.graph, connection.sources, journal, now=time.time(), max_age=max_age
            )
            cost = {what: n - before[what] for what, n in connection.cost().items()}
    finally:
        if journal is not None:
            journal.close()
    if target.simulated:
        snapshot = replace(snapshot, graph_url=runtime.SIMULATOR_URL_LABEL)
    return snapshot, cost, came


def _existing_journal(backend: StateBackend, target: str) -> Journal | None:
    """The state's journal when there is a state already: a plan never creates one (docs/state.md)."""
    try:
        return backend.journal(target) if backend.schema()[0] else None
    except StateError:
        return None  # unusable now: everything is read, as with no state
