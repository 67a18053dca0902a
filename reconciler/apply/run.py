"""One `wabaplan apply`, from lock to journal: the I/O around the pure plan and the executor.

    lock the state directory ─▶ (simulator) ─▶ read live state ─▶ settle intents left by a crash
      ─▶ plan (or check a saved plan still holds) ─▶ safety checks ─▶ confirm ─▶ execute ─▶ journal

The caller (the CLI) supplies what only it knows: the environment, one-time codes, how to ask a person.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler import runtime
from reconciler.apply.executor import EXIT_OK, EXIT_WAITING, ApplyReport, Progress, execute
from reconciler.apply.journal import Journal
from reconciler.apply.lock import state_lock
from reconciler.apply.steps import MAX_POLL_SECONDS, AskCode, StepContext
from reconciler.config.model import Config
from reconciler.errors import WabaplanError
from reconciler.graph.client import GraphClient
from reconciler.plan.build import PlanOptions, build_plan
from reconciler.plan.model import Kind, Pending, Plan
from reconciler.snapshot import Snapshot
from reconciler.statedir import StateDir

MAX_ROUNDS = 3  # with --wait: apply, wait for Meta's reviews, apply what they call for
CHANGE_THRESHOLD = 0.30  # octoDNS-style: more than this share of an estate changed needs --force
MIN_FOR_THRESHOLD = 10


class UnsafePlan(WabaplanError):
    """The plan changes more of the estate at once than is safe without --force."""


class StalePlan(WabaplanError):
    """A saved plan no longer matches the config or Meta."""


@dataclass(frozen=True)
class ApplyOptions:
    saved_plan: Mapping[str, Any] | None = None
    auto_approve: bool = False
    otp: Mapping[str, str] = field(default_factory=dict)  # E.164 → code
    resend_code: frozenset[str] = frozenset()  # E.164 numbers to send a fresh code to
    parallelism: int = 8
    allow_destroy: bool = False
    force: bool = False
    wait: bool = False
    wait_timeout: float = 600.0
    lock_timeout: float | None = None
    sim_world: str | None = None  # "" for the bundled demo world, None for Meta


@dataclass
class Applied:
    plan: Plan
    report: ApplyReport | None  # None: no action to run, or the person said no
    simulated: bool
    pending: tuple[Pending, ...] = ()  # still under Meta's review when apply ended
    cancelled: bool = False

    @property
    def exit_code(self) -> int:
        code = self.report.exit_code if self.report is not None else EXIT_OK
        return EXIT_WAITING if code == EXIT_OK and self.pending else code


def _await_reviews(pending_now: Callable[[], tuple[Pending, ...]], timeout: float) -> tuple[Pending, ...]:
    """--wait: re-read until nothing is under Meta's review, backing off from 1 s to 30 s between reads."""
    deadline = time.monotonic() + timeout
    interval = 1.0
    while True:
        pending = pending_now()
        if not pending or time.monotonic() >= deadline:
            return pending
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        interval = min(interval * 1.5, MAX_POLL_SECONDS)


def apply(
    config: Config,
    config_path: Path,
    options: ApplyOptions,
    *,
    environ: Mapping[str, str],
    show_plan: Callable[[Plan], None],
    confirm: Callable[[], bool],
    ask_code: AskCode,
    progress: Progress,
) -> Applied:
    state = StateDir(runtime_state_dir(config_path, environ))
    base_dir = config_path.parent
    simulated = options.sim_world is not None
    with state_lock(state.path, command="apply", timeout=options.lock_timeout):
        simulator = (
            runtime.simulated_meta(options.sim_world or None, state, locked=True)
            if simulated
            else nullcontext(None)
        )
        with simulator as meta:
            target = runtime.target_for(config, base_dir=base_dir, environ=environ, simulated=meta)
            with Journal.open(state.path, target=runtime.journal_target(target)) as journal:
                journal.close_abandoned_runs()  # we hold the lock: a run still 'running' died

                def fresh_plan(settle: bool) -> Plan:
                    snapshot, _ = runtime.read_live(config, target)
                    if settle:
                        _settle_intents(journal, snapshot, config, time.time())
                    write_only = runtime.write_only(
                        config, base_dir=base_dir, environ=environ, state=state, target=target
                    )
                    return build_plan(
                        config,
                        snapshot,
                        write_only,
                        PlanOptions(
                            simulated=simulated,
                            config_hash=runtime.config_hash(config_path),
                            notes=target.notes,
                            targets=_targets(options),
                            # a saved plan is applied as it was made, with or without a code
                            codes=frozenset()
                            if options.saved_plan is not None
                            else supplied_codes(config, options.otp, environ),
                        ),
                    )

                plan = fresh_plan(settle=True)
                plan.require_complete()
                if options.saved_plan is not None:
                    _check_saved(options.saved_plan, plan)
                report: ApplyReport | None = None
                first = plan
                for round_ in range(MAX_ROUNDS):
                    if plan.actions:
                        show_plan(plan)
                        if round_ == 0:
                            _check_safety(plan, config, options)  # after showing: "check it" means this
                        if not options.auto_approve and not confirm():
                            return Applied(plan, report, simulated, cancelled=report is None)
                        done = _execute(
                            plan,
                            config,
                            config_path,
                            options,
                            target,
                            journal,
                            state,
                            environ,
                            ask_code,
                            progress,
                        )
                        report = done if report is None else ApplyReport(report.outcomes + done.outcomes)
                    pending = plan.pending
                    if report is not None and report.exit_code == 0:
                        pending = fresh_plan(settle=False).pending  # what this run submitted for review
                    if not (pending and options.wait and (report is None or report.exit_code == 0)):
                        break
                    # --wait: once Meta has decided, what its decision calls for (a re-register after
                    # an approved rename) is planned and applied in the same run.
                    pending = _await_reviews(lambda: fresh_plan(settle=False).pending, options.wait_timeout)
                    if pending or options.saved_plan is not None:  # a saved plan is applied as saved
                        break
                    plan = fresh_plan(settle=False)
                    if not plan.actions:
                        break
                return Applied(first, report, simulated, pending=pending)


OTP_SHAPE = re.compile(r"([0-9]{3})-?([0-9]{3})")  # as Meta's SMS shows it (123-456), or without the hyphen


def otp_digits(text: str) -> str | None:
    """The six digits of a one-time code as a person may type it; None when it is not one."""
    shape = OTP_SHAPE.fullmatch(text.strip())
    return shape.group(1) + shape.group(2) if shape else None


def _targets(options: ApplyOptions) -> tuple[str, ...]:
    """A saved plan's --target, so the fresh plan it is checked against covers the same resources."""
    if options.saved_plan is None:
        return ()
    return tuple(str(t) for t in options.saved_plan.get("targets") or ())


def runtime_state_dir(config_path: Path, environ: Mapping[str, str]) -> Path:
    from reconciler.statedir import locate

    return locate(config_path, environ)


def _execute(
    plan: Plan,
    config: Config,
    config_path: Path,
    options: ApplyOptions,
    target: runtime.GraphTarget,
    journal: Journal,
    state: StateDir,
    environ: Mapping[str, str],
    ask_code: AskCode,
    progress: Progress,
) -> ApplyReport:
    base_dir = config_path.parent
    resolved: list[str] = []

    def secret(address: str, reference: str) -> str:
        value = runtime.secret_value(
            address, reference, base_dir=base_dir, environ=environ, simulated=target.simulated
        )
        resolved.append(value)
        journal.forbid([value])
        return value

    def otp(e164: str, stop: threading.Event) -> str | None:
        code = given_code(e164, options.otp, environ) or ask_code(e164, stop)
        if not code:
            return None
        digits = otp_digits(code)
        journal.forbid([code, digits or code])  # as typed, and as sent
        if digits is None:  # checked here, so a typo does not spend one of Meta's verify attempts
            raise WabaplanError(
                f"the one-time code given for {e164} is not the six digits Meta sent "
                "(123456 or 123-456): apply again with the code from the SMS or call"
            )
        return digits

    run_id = journal.start_run(
        config_hash=plan.config_hash, simulated=target.simulated, command="apply", summary=plan.summary()
    )

    async def go() -> ApplyReport:
        async with GraphClient(target.base_url, target.token, api_version=target.api_version) as graph:
            ctx = StepContext(
                graph=graph,
                config=config,
                journal=journal,
                run_id=run_id,
                key=state.key(),
                secret=secret,
                otp=otp,
                config_dir=base_dir,
                config_arg=str(config_path),
                simulated=target.simulated,
                wait=options.wait,
                resend=options.resend_code,
                supplied_codes=supplied_codes(config, options.otp, environ),
                allow_destroy=options.allow_destroy,
                wait_timeout=options.wait_timeout,
                clock=time.time,
            )
            return await execute(plan, ctx, parallelism=options.parallelism, progress=progress)

    try:
        report = asyncio.run(go())
    except BaseException:
        journal.finish_run(run_id, "interrupted")
        raise
    status = {0: "succeeded", 1: "failed", 3: "waiting"}[report.exit_code]
    journal.finish_run(run_id, status)
    return report


def given_code(e164: str, otp: Mapping[str, str], environ: Mapping[str, str]) -> str | None:
    """A number's one-time code given up front: by --otp, or in WABAPLAN_OTP_<digits>."""
    return otp.get(e164) or environ.get(f"WABAPLAN_OTP_{e164.lstrip('+')}") or None


def supplied_codes(config: Config, otp: Mapping[str, str], environ: Mapping[str, str]) -> frozenset[str]:
    """The numbers whose one-time code was given up front."""
    return frozenset(e164 for e164 in config.numbers if given_code(e164, otp, environ))


def _settle_intents(journal: Journal, snapshot: Snapshot, config: Config, now: float) -> None:
    """Intents a crash left open: what Meta shows now says whether the call took effect."""
    for intent in journal.open_intents():
        outcome = "unknown"
        if intent.op in ("add_number", "add_number_for_migration"):
            e164 = intent.subject.split('"')[1]
            spec = config.numbers.get(e164)
            live = snapshot.wabas.get(config.wabas[spec.waba].id) if spec else None
            outcome = "done" if live and e164 in live.numbers else "not_done"
        elif intent.op == "create_template":
            outcome = "done" if _template_exists(snapshot, config, intent.subject) else "not_done"
        elif intent.op == "request_code":
            outcome = (
                "unknown"  # a code may have been sent: the journal's code request keeps it from repeating
            )
        journal.resolve_intent(intent.id, outcome=outcome, detail="settled after an interrupted run")


def _template_exists(snapshot: Snapshot, config: Config, subject: str) -> bool:
    """Whether the template an intent named (`wabas.NAME.templates["name/lang"]`) is at Meta now."""
    waba_name, _, rest = subject.removeprefix("wabas.").partition(".templates[")
    name, _, language = rest.strip('"]').partition("/")
    waba = config.wabas.get(waba_name)
    live = snapshot.wabas.get(waba.id) if waba else None
    return live is not None and live.template(name, language) is not None


def _check_saved(saved: Mapping[str, Any], fresh: Plan) -> None:
    if saved.get("config_hash") != fresh.config_hash:
        raise StalePlan("the config file changed since the plan was made: plan again")
    if bool(saved.get("simulated")) != fresh.simulated:
        made, now = ("the simulator", "Meta") if saved.get("simulated") else ("Meta", "the simulator")
        raise StalePlan(
            f"the plan was made against {made}, and this apply would write to {now}: "
            + ("add --sim" if saved.get("simulated") else "drop --sim")
            + ", or plan again"
        )
    before, after = saved.get("live_fingerprints") or {}, fresh.live_fingerprints
    moved = sorted(a for a in before.keys() | after.keys() if before.get(a) != after.get(a))
    if moved:
        raise StalePlan(f"stale plan: {', '.join(moved)} changed at Meta since the plan was made; plan again")
    # Exactly that plan: every action as saved (what, how, its status and its inputs), in the same order.
    fresh_actions = json.loads(json.dumps(fresh.to_json()["actions"]))  # as a saved plan reads back
    for index, planned in enumerate(saved.get("actions") or []):
        now = fresh_actions[index] if index < len(fresh_actions) else None
        if now != planned:
            raise StalePlan(
                f"stale plan: {planned.get('id', '?')} is no longer what the plan said "
                f"({'gone' if now is None else 'changed'}); plan again"
            )
    if len(fresh_actions) > len(saved.get("actions") or []):
        extra = fresh_actions[len(saved.get("actions") or [])]["id"]
        raise StalePlan(f"stale plan: {extra} now needs doing too; plan again")


def _check_safety(plan: Plan, config: Config, options: ApplyOptions) -> None:
    if options.force:
        return
    changed = [a.address for a in plan.actions if a.kind in (Kind.UPDATE, Kind.DELETE)]
    # The live estate holds at least what is declared and what is about to be deleted as undeclared.
    deleted = sum(1 for a in plan.actions if a.kind is Kind.DELETE and "templates[" in a.address)
    templates = sum(len(w.templates) for w in config.wabas.values()) + deleted
    for label, total, touched in (
        ("numbers", len(config.numbers), {a for a in changed if a.startswith("numbers[")}),
        ("templates", templates, {a for a in changed if "templates[" in a}),
    ):
        if total >= MIN_FOR_THRESHOLD and len(touched) / total > CHANGE_THRESHOLD:
            raise UnsafePlan(
                f"the plan changes {len(touched)} of {total} {label} (more than {CHANGE_THRESHOLD:.0%}): "
                "check it, then rerun with --force"
            )
