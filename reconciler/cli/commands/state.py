"""`wabaplan state show | migrate | unlock`: what wabaplan remembers, moved to PostgreSQL, or unstuck."""

from __future__ import annotations

import json
import os
import sys
from contextlib import closing
from dataclasses import asdict
from datetime import UTC, datetime

from reconciler.cli.args import StateMigrateArgs, StateShowArgs, StateUnlockArgs
from reconciler.cli.common import state_beside
from reconciler.cli.exit import ExitCode
from reconciler.errors import WabaplanError
from reconciler.state import keys, open_backend
from reconciler.state.backend import URL_ENV
from reconciler.state.postgres import Location
from reconciler.state.report import StateReport, report
from reconciler.state.transfer import migrate_local


def show(args: StateShowArgs) -> int:
    with closing(open_backend(state_beside(args.config), os.environ)) as backend:
        summary = report(backend)
    if args.format == "json":
        sys.stdout.write(json.dumps(asdict(summary), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(_text(summary))
    return ExitCode.OK


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _text(summary: StateReport) -> str:
    stored = f"version {summary.schema_version}" if summary.schema_version else "none yet (no apply so far)"
    lines = [
        f"backend       {summary.backend}",
        f"schema        {stored} (this wabaplan knows {summary.known_version})",
        f"estate        {summary.estate or '(none yet)'}",
    ]
    held = [h for h in summary.holders if h.alive]
    lines.append(f"locks held    {len(held) or 'none'}")
    for holder in summary.holders:
        state = (
            "" if holder.alive else "  (its run died: `wabaplan state unlock " + holder.id + "` clears it)"
        )
        scope = "the state directory" if holder.scope == "estate" else f"WABA {holder.scope}"
        lines.append(f"  {scope}: {holder.describe()} [holder {holder.id}]{state}")
    lines.append(f"open intents  {len(summary.open_intents) or 'none'}")
    for intent in summary.open_intents:
        lines.append(f"  {intent.op} {intent.subject} (run #{intent.run_id}, {_when(intent.recorded)})")
    lines.append(f"last runs     {len(summary.last_runs) or 'none'}")
    for run in summary.last_runs:
        sim = " (simulated)" if run.simulated else ""
        who = f"  by {run.actor}" if run.actor else ""
        lines.append(f"  #{run.id}  {_when(run.started)}  {run.status}{sim}  {run.target}{who}")
    return "\n".join(lines) + "\n"


def migrate(args: StateMigrateArgs) -> int:
    url = args.to or os.environ.get(URL_ENV, "")
    if not url:
        raise WabaplanError(f"say where to: --to postgresql://USER@HOST/DB, or set {URL_ENV}")
    location = Location.parse(url)
    key = keys.from_environment(os.environ, required_for="state migrate")
    assert key is not None
    state_dir = state_beside(args.config)
    done = migrate_local(state_dir, location, key)
    copied = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in done.copied.items())
    out = [f"copied {state_dir} into {location.describe()}: {copied}"]
    if done.already:
        out.append(f"{done.already} runs were there already (copied by an earlier migrate): not copied again")
    if done.fingerprints_left:
        out.append(
            f"{done.fingerprints_left} fingerprints were made with this machine's key, not "
            f"{keys.ENV}: left behind, so the next apply sets those PINs, tokens and pictures once more. "
            f"To keep them, set {keys.ENV} to this machine's key ({keys.user_key_dir()}/{done.estate}.key) "
            "and migrate again"
        )
    out.append(f"next: set {URL_ENV} and {keys.ENV} on every machine and runner that applies this estate")
    sys.stdout.write("\n".join(out) + "\n")
    return ExitCode.OK


def unlock(args: StateUnlockArgs) -> int:
    with closing(open_backend(state_beside(args.config), os.environ)) as backend:
        forgotten = backend.unlock(args.holder)
    scopes = ", ".join("the state directory" if h.scope == "estate" else h.scope for h in forgotten)
    sys.stdout.write(f"forgot lock holder {args.holder} ({scopes}); its run had died\n")
    return ExitCode.OK
