"""`wabaplan show`: a plan saved with --out, rendered."""

from __future__ import annotations

from pathlib import Path

from reconciler.cli.args import ShowArgs
from reconciler.cli.common import render
from reconciler.cli.exit import ExitCode
from reconciler.plan.saved import load_saved_plan


def run(args: ShowArgs) -> int:
    saved = load_saved_plan(Path(args.plan_file))  # checked as apply would check it
    render(saved.document, args.format)  # as saved: what was reviewed
    return ExitCode.OK
