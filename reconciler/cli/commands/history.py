"""`wabaplan history`: past applies, as the journal recorded them."""

from __future__ import annotations

import json
import os
import sys
from contextlib import closing
from dataclasses import asdict
from datetime import UTC, datetime

from reconciler.cli.args import HistoryArgs
from reconciler.cli.common import state_beside
from reconciler.cli.exit import ExitCode
from reconciler.state import open_backend
from reconciler.state.records import Run
from reconciler.state.sqlite import FILE_NAME


def run(args: HistoryArgs) -> int:
    state = state_beside(args.config)
    backend = open_backend(state, os.environ)
    if not backend.shared and not (state / FILE_NAME).exists():
        if args.format == "json":
            sys.stdout.write('{"runs": []}\n')
        else:
            sys.stdout.write(f"no applies recorded in {state}\n")
        return ExitCode.OK
    with closing(backend), backend.journal() as journal:
        if args.format == "json":
            runs = [{**asdict(past), "actions": [asdict(a) for a in journal.actions(past.id)]}
                    for past in journal.runs(args.limit)]  # fmt: skip
            sys.stdout.write(json.dumps({"runs": runs}, indent=2, sort_keys=True) + "\n")
            return ExitCode.OK
        for past in journal.runs(args.limit):
            when = datetime.fromtimestamp(past.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            counts = ", ".join(f"{n} {s}" for s, n in sorted(past.counts.items())) or _planned(past)
            sim = " (simulated)" if past.simulated else ""
            sys.stdout.write(f"#{past.id}  {when}  {past.status}{sim}  {counts}\n")
            sys.stdout.writelines(f"    {line}\n" for line in _origin(past))
            for action in journal.actions(past.id):
                if action.status != "skipped":
                    sys.stdout.write(f"    {action.status:<11} {action.action_id}  {action.detail}\n")
    return ExitCode.OK


def _origin(past: Run) -> list[str]:
    """Who ran it, at which commit and in which job; for a saved plan or a refusal, which plan and why."""
    lines = []
    if past.actor or past.commit or past.ci_url:
        who = f"by {past.actor or 'someone'}" + (f" on {past.host}" if past.host else "")
        at = f" at commit {past.commit[:12]}" if past.commit else ""
        job = f", {past.ci_url}" if past.ci_url else ""
        lines.append(f"{who}{at}{job}")
    plan = f"plan {past.checksum[:19]}…" if past.checksum else ""
    if past.detail:
        reason = past.detail.splitlines()[0]
        lines.append(f"{plan}: {reason}" if plan else reason)
    elif plan and past.command == "plan":
        lines.append(plan)
    return lines


def _planned(past: Run) -> str:
    """What a run that ran no action had planned (a saved plan, a refused apply): its counts by kind."""
    planned = ", ".join(f"{n} {kind}" for kind, n in past.summary.items() if n)
    return f"no actions (planned: {planned})" if planned else "no actions"
