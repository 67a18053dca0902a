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
            counts = ", ".join(f"{n} {s}" for s, n in sorted(past.counts.items())) or "no actions"
            sim = " (simulated)" if past.simulated else ""
            sys.stdout.write(f"#{past.id}  {when}  {past.status}{sim}  {counts}\n")
            for action in journal.actions(past.id):
                if action.status != "skipped":
                    sys.stdout.write(f"    {action.status:<11} {action.action_id}  {action.detail}\n")
    return ExitCode.OK
