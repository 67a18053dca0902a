"""`wabaplan status`: the estate as Meta sees it, beside what the journal remembers; changes nothing."""

from __future__ import annotations

import os
import sys
import time
from contextlib import closing
from pathlib import Path

from reconciler import runtime
from reconciler.cli.args import StatusArgs
from reconciler.cli.common import load_valid, project_of, read_once, simulated
from reconciler.cli.exit import ExitCode
from reconciler.cli.notifying import ci_job, notifier_for, notify
from reconciler.config.estate import base_dir
from reconciler.config.model import Config
from reconciler.graph.connect import connect
from reconciler.notify.reports import from_status
from reconciler.reader import read_wabas
from reconciler.render.status import render_status
from reconciler.snapshot import Snapshot
from reconciler.state import StateBackend, open_backend
from reconciler.statedir import StateDir, locate
from reconciler.status import REGISTER_WINDOW, JournalFacts, build_status

RUNS_SCANNED = 1000  # the latest runs looked at for register calls (far more than 72 h of applies)


def run(args: StatusArgs) -> int:
    path = Path(args.config)
    config = load_valid(path)
    notifier = notifier_for(args.notify)
    state = StateDir(locate(path, os.environ))
    with simulated(args.sim, state) as meta, closing(open_backend(state.path, os.environ)) as backend:
        target = runtime.target_for(config, base_dir=base_dir(path), environ=os.environ, simulated=meta)
        snapshot, cost = read_once(_read(config, target))  # the one event loop of this command
        now = time.time()
        facts = journal_facts(backend, runtime.journal_target(target), now=now)
        moves = runtime.move_facts(backend, target)
    report = build_status(config, snapshot, facts, now=now, simulated=target.simulated, moves=moves)
    sys.stdout.write(render_status({**report.to_json(), "read": cost}, args.format))
    sys.stdout.flush()
    notify(notifier, from_status(report, project=project_of(args.config), job_url=ci_job()))
    return ExitCode.OK


async def _read(config: Config, target: runtime.GraphTarget) -> tuple[Snapshot, dict[str, int]]:
    """One batched pass over the config's WABAs (no business profiles: status shows none of them)."""
    async with connect(target) as connection:
        before = connection.cost()
        waba_ids = sorted({waba.id for waba in config.wabas.values()})
        wabas, unreadable = await read_wabas(connection.graph, waba_ids, profiles_for=set())
        url = runtime.SIMULATOR_URL_LABEL if target.simulated else connection.graph.settings.base_url
        snapshot = Snapshot(wabas, {}, unreadable, url, connection.graph.api_version)
        return snapshot, {what: count - before[what] for what, count in connection.cost().items()}


def journal_facts(backend: StateBackend, target: str, *, now: float) -> JournalFacts:
    """The register calls of the last 72 h at `target` (done or failed: either may have reached Meta),
    and the write-only values wabaplan set there. Nothing is written: no journal yet, no facts."""
    fingerprinted = frozenset(backend.read_fingerprints(target))
    if backend.schema()[0] == 0:
        return JournalFacts(fingerprinted=fingerprinted)
    cutoff = now - REGISTER_WINDOW
    with backend.journal(target) as journal:
        registers = tuple(
            (action.address, action.finished)
            for past in journal.runs(RUNS_SCANNED)
            if past.target == target and (past.finished is None or past.finished >= cutoff)
            for action in journal.actions(past.id)
            if action.op == "register" and action.status in ("done", "failed")
        )
    return JournalFacts(registers=registers, fingerprinted=fingerprinted)
