"""`wabaplan apply`: the refusals, the person at the terminal, and what to do after a stop."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from reconciler.apply.run import Applied, ApplyOptions, apply, supplied_codes
from reconciler.cli.apply_outcome import finished, stopped
from reconciler.cli.args import ApplyArgs
from reconciler.cli.codes import declared, otp_pairs
from reconciler.cli.common import colour, load_valid
from reconciler.cli.exit import ExitCode
from reconciler.cli.refusals import (
    refuse_refresh_only_plan,
    refuse_resend_with_code,
    refuse_reviewed_with_plan,
    refuse_target_with_plan,
    refuse_unconfirmed,
    refuse_wait_with_sim,
    refuse_world_that_is_a_plan,
)
from reconciler.errors import WabaplanError
from reconciler.plan.model import Plan
from reconciler.plan.saved import load_saved_plan
from reconciler.prompt import ask_hidden
from reconciler.render import render_text
from reconciler.render.apply_doc import ApplyRun, apply_document
from reconciler.render.progress import LineProgress
from reconciler.render.terminal import progress_for
from reconciler.state.records import identity


def run(args: ApplyArgs) -> int:
    out = sys.stderr if args.format == "json" else sys.stdout  # json: stdout holds the document alone
    started = time.time()
    try:
        applied = _apply(args, out)
    except WabaplanError as exc:
        if args.format == "json":  # a refusal, a config or usage error: a document too; the error on stderr
            who = identity(os.environ, Path(args.config).parent)
            _document(stopped(exc, started=started, simulated=args.sim is not None, who=who))
        raise
    code = _report(applied, args, out)
    if args.format == "json":
        _document(finished(applied, started=started))
    return code


def _apply(args: ApplyArgs, out: TextIO) -> Applied:
    """Every refusal of what was asked, then the apply, with the person at the terminal and progress."""
    refuse_reviewed_with_plan(args)
    refuse_target_with_plan(args)
    refuse_world_that_is_a_plan(args)
    path = Path(args.config)
    config = load_valid(path)
    saved = load_saved_plan(Path(args.plan_file)).plan if args.plan_file else None
    reviewed = load_saved_plan(Path(args.reviewed)).plan if args.reviewed else None
    refuse_refresh_only_plan(args.plan_file, saved)
    refuse_refresh_only_plan(args.reviewed, reviewed)
    refuse_wait_with_sim(args)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    refuse_unconfirmed(args, interactive=interactive)
    otp = otp_pairs(args.otp, config, path)
    resend = frozenset(declared("--resend-code", n, config, path) for n in args.resend_code)
    refuse_resend_with_code(resend, supplied_codes(config, otp, os.environ))
    options = ApplyOptions(
        saved_plan=saved,
        reviewed_plan=reviewed,
        auto_approve=args.auto_approve or saved is not None or reviewed is not None,
        otp=otp,
        resend_code=resend,
        parallelism=args.parallelism,
        allow_destroy=args.allow_destroy,
        force=args.force,
        wait=args.wait,
        wait_timeout=args.wait_timeout,
        lock_timeout=args.lock_timeout,
        sim_world=args.sim,
        targets=args.target,
    )
    progress = progress_for(out, terminal=out.isatty(), environ=os.environ)
    shown = saved is None and reviewed is None  # a saved or reviewed plan was read before
    person = _Person(progress, out, show=shown, colour=colour(), asked=interactive and args.sim is None)
    try:
        return apply(
            config,
            path,
            options,
            environ=os.environ,
            show_plan=person.show_plan,
            confirm=person.confirm,
            ask_code=person.ask_code,
            progress=progress,
        )
    finally:
        progress.close()


def _document(run: ApplyRun) -> None:
    sys.stdout.write(json.dumps(apply_document(run), indent=2, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class _Person:
    """Whoever is at the terminal: shown a fresh plan, asked to confirm it and for one-time codes."""

    progress: LineProgress
    out: TextIO  # stdout, or stderr when stdout carries `--format json`
    show: bool
    colour: bool
    asked: bool  # not with --sim: the simulated SMS is read after the run

    def show_plan(self, plan: Plan) -> None:
        if self.show:
            self.out.write(render_text(plan.to_json(), colour=self.colour))

    def confirm(self) -> bool:
        self.out.write("\nDo you want to perform these actions? Only 'yes' will be accepted: ")
        self.out.flush()
        return sys.stdin.readline().strip() == "yes"

    def ask_code(self, e164: str, stop: threading.Event) -> str | None:
        if not self.asked:
            return None
        self.progress.pause()
        try:  # not echoed: a one-time code is a secret
            return ask_hidden(f"One-time code sent to {e164} (Enter to skip): ", stop)
        finally:
            self.progress.resume()


def _report(applied: Applied, args: ApplyArgs, out: TextIO) -> int:
    label = "SIMULATED: " if applied.simulated else ""
    if applied.cancelled:
        out.write("Apply cancelled.\n")
        return ExitCode.ERROR
    report = applied.report
    if report is not None:
        out.write(f"\n{label}{report.summary()}\n")
    for item in applied.pending:
        out.write(f"waiting on Meta: {item.address}: {item.detail}\n")
    if report is None and not applied.pending:
        out.write(f"{label}No changes. Meta matches the configuration.\n")
    if applied.exit_code == ExitCode.WAITING:
        out.write(_resume_hint(applied, args) + "\n")
    return applied.exit_code


def _resume_hint(applied: Applied, args: ApplyArgs) -> str:
    """What the person should do next, after an apply that stopped on someone."""
    statuses = set(applied.report.counts()) if applied.report is not None else set()
    steps = []
    if "blocked" in statuses:
        steps.append("fix what is blocked (each says how)")
    if "needs_input" in statuses:
        steps.append("supply the one-time code")
    if applied.pending or "waiting" in statuses:
        if args.sim is not None:
            steps.append("let Meta review (`wabaplan sim approve-pending` plays the reviewer)")
        elif not args.wait:
            steps.append("let Meta review (or add --wait to wait here)")
        else:
            steps.append("let Meta finish reviewing")
    return "Stopped on a person or on Meta: " + ", ".join(steps or ["see above"]) + "; then run apply again."
