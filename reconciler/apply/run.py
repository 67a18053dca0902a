"""One `wabaplan apply`, from lock to journal: the I/O around the pure plan and the executor.

    lock the state directory ─▶ (simulator) ─▶ read live state ─▶ settle intents left by a crash
      ─▶ plan (and check a saved plan still holds, or a reviewed one is what it plans)
      ─▶ safety checks ─▶ confirm ─▶ execute ─▶ journal

Everything after the lock runs in one event loop, through one connection (reconciler.graph.connect): the
rate budget the read learnt paces the writes. The caller (the CLI) supplies what only it knows: the
environment, one-time codes, how to ask a person.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from reconciler import runtime
from reconciler.apply.executor import EXIT_OK, EXIT_WAITING, ApplyReport, Progress, execute
from reconciler.apply.reserve import deferred
from reconciler.apply.scope import lock_scope
from reconciler.apply.steps import MAX_POLL_SECONDS, AskCode, StepContext
from reconciler.config import estate
from reconciler.config.model import Config
from reconciler.confirmed import stale_rows
from reconciler.errors import WabaplanError
from reconciler.graph.allowance import Allowance
from reconciler.graph.clock import Clock, SystemClock
from reconciler.graph.connect import Connection, connect
from reconciler.plan.address import AddressError, NumberAddress, TemplateAddress, WabaAddress
from reconciler.plan.address import parse as parse_address
from reconciler.plan.build import PlanOptions, build_plan, resolve_targets
from reconciler.plan.compare import PlanDifference, compare, remainder
from reconciler.plan.model import Kind, Op, Pending, Plan
from reconciler.reader import allowances
from reconciler.runlog import RunNote, record
from reconciler.snapshot import Snapshot
from reconciler.state import Journal, LockHeld, StateBackend, StateUnavailable, open_backend
from reconciler.state.records import Identity, IntentOutcome, RunStatus, identity
from reconciler.statedir import StateDir

MAX_ROUNDS = 3  # with --wait: apply, wait for Meta's reviews, apply what they call for
CHANGE_THRESHOLD = 0.30  # octoDNS-style: more than this share of an estate changed needs --force
MIN_FOR_THRESHOLD = 10


class UnsafePlan(WabaplanError):
    """The plan changes more of the estate at once than is safe without --force."""


class StalePlan(WabaplanError):
    """A saved plan no longer matches the config or Meta."""


class ReviewedPlanDiffers(StalePlan):
    """`apply --reviewed`: what would be applied now is not what was reviewed; `difference` says how."""

    def __init__(self, reviewed: Plan, fresh: Plan) -> None:
        self.difference: PlanDifference = compare(reviewed, fresh)
        super().__init__(
            f"the plan made now is not the reviewed plan (checksum {fresh.checksum()[:19]}…, reviewed "
            f"{reviewed.checksum()[:19]}…), so nothing was applied:\n"
            + "".join(f"  {line}\n" for line in self.difference.lines())
            + "Plan again (`wabaplan plan --out`), have that plan reviewed, and apply it"
        )


@dataclass(frozen=True)
class ApplyOptions:
    saved_plan: Plan | None = None  # `apply PLAN`: exactly this plan, made from this very config
    reviewed_plan: Plan | None = None  # `apply --reviewed PLAN`: a fresh plan with this one's checksum
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
    targets: tuple[str, ...] = ()  # --target: these resources and what they depend on (not with a plan)

    @property
    def pinned(self) -> Plan | None:
        """The plan this apply is held to, saved or reviewed (None: whatever is planned now)."""
        return self.saved_plan if self.saved_plan is not None else self.reviewed_plan


@dataclass(repr=False)
class Applied:
    plan: Plan
    report: ApplyReport | None  # None: no action to run, or the person said no
    simulated: bool
    pending: tuple[Pending, ...] = ()  # still under Meta's review when apply ended
    cancelled: bool = False
    run_ids: tuple[int, ...] = ()  # the journal's runs: one per round that ran actions (--wait: up to 3)
    who: Identity | None = None  # who ran it, as the journal recorded

    def __repr__(self) -> str:
        """Counts, not contents: asyncio writes the repr of what a finished `asyncio.run` returned (the
        whole plan and report, megabytes for a large apply) when it restores the SIGINT handler."""
        outcomes = len(self.report.outcomes) if self.report is not None else 0
        return f"Applied({len(self.plan.actions)} actions, {outcomes} outcomes, exit {self.exit_code})"

    @property
    def exit_code(self) -> int:
        code = self.report.exit_code if self.report is not None else EXIT_OK
        return EXIT_WAITING if code == EXIT_OK and self.pending else code


async def _await_reviews(
    pending_now: Callable[[], Awaitable[tuple[Pending, ...]]], timeout: float, clock: Clock
) -> tuple[Pending, ...]:
    """--wait: re-read until nothing is under Meta's review, backing off from 1 s to 30 s between reads."""
    deadline = clock.now() + timeout
    interval = 1.0
    while True:
        pending = await pending_now()
        if not pending or clock.now() >= deadline:
            return pending
        await clock.sleep(min(interval, max(0.0, deadline - clock.now())))
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
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
) -> Applied:
    """One apply. `transport` and `clock` reach the Graph clients (in tests: an in-process Meta, no waits)."""
    state_dir = runtime_state_dir(config_path, environ)
    config_dir = estate.base_dir(config_path)
    simulated = options.sim_world is not None
    backend = open_backend(state_dir, environ)
    scope = lock_scope(config, resolve_targets(config, _targets(options)))  # a bad --target: refused here
    trail = RunTrail(identity(environ, config_path.parent))
    with (
        _refusals_recorded(trail, state_dir, environ, config_path, options),
        closing(backend),
        backend.lock(scope, command="apply", timeout=options.lock_timeout),
    ):
        backend.key()  # a missing or wrong key is refused before anything is read or written
        simulator = (
            # the local lock covers the simulator's saved state; with shared state, it is locked apart
            runtime.simulated_meta(options.sim_world or None, StateDir(state_dir), locked=not backend.shared)
            if simulated
            else nullcontext(None)
        )
        with simulator as meta:
            target = runtime.target_for(config, base_dir=config_dir, environ=environ, simulated=meta)
            trail.target = runtime.journal_target(target)
            with backend.journal(target=trail.target) as journal:
                journal.close_abandoned_runs()  # a run still 'running' whose process is gone died
                clock = clock or SystemClock()
                connection = connect(
                    target, transport=transport, clock=clock, parallelism=options.parallelism
                )
                session = _Session(
                    config, config_path, options, environ, target, journal, backend, connection, clock, trail
                )
                rounds = session.rounds(show_plan, confirm, ask_code, progress)
                return asyncio.run(_closing(connection, rounds))  # the one event loop of this apply


@dataclass
class _Session:
    """One apply with its lock held: plan, check, confirm and execute, for up to MAX_ROUNDS rounds."""

    config: Config
    config_path: Path
    options: ApplyOptions
    environ: Mapping[str, str]
    target: runtime.GraphTarget
    journal: Journal
    backend: StateBackend
    connection: Connection  # reads and writes alike: one rate budget
    clock: Clock
    trail: RunTrail
    snapshot: Snapshot | None = None  # Meta as the latest plan read it

    @property
    def config_dir(self) -> Path:
        """Where the config's relative paths start: its directory, or the config directory itself."""
        return estate.base_dir(self.config_path)

    async def fresh_plan(self, settle: bool) -> Plan:
        config, options = self.config, self.options
        snapshot, _ = await runtime.read_live(config, self.target, self.connection)
        self.snapshot = snapshot
        if settle:
            _settle_intents(self.journal, snapshot, config, time.time())
        write_only = runtime.write_only(
            config,
            base_dir=self.config_dir,
            environ=self.environ,
            state=self.backend,
            target=self.target,
        )
        return build_plan(
            config,
            snapshot,
            write_only,
            PlanOptions(
                simulated=self.target.simulated,
                config_hash=runtime.config_hash(self.config_path),
                notes=self.target.notes,
                targets=_targets(options),
                moves=runtime.move_facts(self.backend, self.target),
                # a saved or reviewed plan is applied as it was made, with or without a code
                codes=frozenset()
                if options.pinned is not None
                else supplied_codes(config, options.otp, self.environ),
            ),
        )

    def budgets(self) -> dict[str, Allowance]:
        """Each WABA's budget as Meta's answers to the plan's read reported it."""
        return allowances(self.connection.graph, self.snapshot.wabas) if self.snapshot is not None else {}

    def step_context(self, run_id: int, secret: Callable[[str, str], str], otp: AskCode) -> StepContext:
        """What every step works with. Its client is the one that read: the budget learnt paces the writes."""
        config, options = self.config, self.options
        return StepContext(
            graph=self.connection.graph,
            config=config,
            journal=self.journal,
            run_id=run_id,
            key=self.backend.key(),
            secret=secret,
            otp=otp,
            config_dir=self.config_dir,
            config_arg=str(self.config_path),
            simulated=self.target.simulated,
            wait=options.wait,
            resend=options.resend_code,
            supplied_codes=supplied_codes(config, options.otp, self.environ),
            allow_destroy=options.allow_destroy,
            wait_timeout=options.wait_timeout,
            clock=time.time,
        )

    async def still_pending(self) -> tuple[Pending, ...]:
        """What Meta is reviewing now (what this run submitted, under --wait what it decided since)."""
        return (await self.fresh_plan(settle=False)).pending

    async def rounds(
        self,
        show_plan: Callable[[Plan], None],
        confirm: Callable[[], bool],
        ask_code: AskCode,
        progress: Progress,
    ) -> Applied:
        options, simulated, trail = self.options, self.target.simulated, self.trail
        plan = trail.plan = await self.fresh_plan(settle=True)
        plan.require_complete()
        if options.saved_plan is not None:
            _check_saved(options.saved_plan, plan)
        if options.reviewed_plan is not None:
            _check_reviewed(options.reviewed_plan, plan)
        report: ApplyReport | None = None
        first = plan
        for round_ in range(MAX_ROUNDS):
            if plan.actions:
                show_plan(plan)
                if round_ == 0:
                    _check_safety(plan, self.config, options)  # after showing: "check it" means this
                if not options.auto_approve and not await _asked(confirm):
                    return trail.applied(plan, report, simulated, cancelled=report is None)
                done = await _execute(plan, self, ask_code, progress)
                report = done if report is None else ApplyReport(report.outcomes + done.outcomes)
            pending = plan.pending
            if report is not None and report.exit_code == 0 and _submits_for_review(plan):
                pending = await self.still_pending()  # what this run submitted for review
            if not (pending and options.wait and (report is None or report.exit_code == 0)):
                break
            # --wait: once Meta has decided, what its decision calls for (a re-register after
            # an approved rename) is planned and applied in the same run.
            pending = await _await_reviews(self.still_pending, options.wait_timeout, self.clock)
            if pending or options.pinned is not None:  # a saved or reviewed plan is applied as it is
                break
            plan = await self.fresh_plan(settle=False)
            if not plan.actions:
                break
        return trail.applied(first, report, simulated, pending=pending)


# What Meta may put under review: a name, a template, a number added with its name. After a run of
# nothing else (a profile, a PIN, webhooks, ...), there is nothing new to wait for, and no second read of
# the estate (at 10,000 numbers, as many operations as the plan's own read) to find that out.
REVIEWED_OPS = frozenset(
    {
        Op.CHANGE_DISPLAY_NAME,
        Op.CREATE_TEMPLATE,
        Op.UPDATE_TEMPLATE,
        Op.MIGRATE_TEMPLATES,
        Op.ADD_NUMBER,
        Op.ADD_NUMBER_FOR_MIGRATION,
    }
)


def _submits_for_review(plan: Plan) -> bool:
    return any(action.op in REVIEWED_OPS for action in plan.actions)


OTP_SHAPE = re.compile(r"([0-9]{3})-?([0-9]{3})")  # as Meta's SMS shows it (123-456), or without the hyphen


def otp_digits(text: str) -> str | None:
    """The six digits of a one-time code as a person may type it; None when it is not one."""
    shape = OTP_SHAPE.fullmatch(text.strip())
    return shape.group(1) + shape.group(2) if shape else None


def _targets(options: ApplyOptions) -> tuple[str, ...]:
    """What the plan covers: a saved or reviewed plan's own --target (so the fresh plan it is checked
    against covers the same resources), else apply's --target."""
    return options.pinned.targets if options.pinned is not None else options.targets


def runtime_state_dir(config_path: Path, environ: Mapping[str, str]) -> Path:
    from reconciler.statedir import locate

    return locate(config_path, environ)


async def _execute(plan: Plan, session: _Session, ask_code: AskCode, progress: Progress) -> ApplyReport:
    options, environ, target, journal = session.options, session.environ, session.target, session.journal
    base_dir = session.config_dir
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
        config_hash=plan.config_hash,
        simulated=target.simulated,
        command="apply",
        summary=plan.summary(),
        who=session.trail.who,
        checksum=plan.checksum(),
    )
    session.trail.run_ids.append(run_id)
    ctx = session.step_context(run_id, secret, otp)
    try:  # interrupted (Ctrl-C cancels the loop's one task): execute stops every step, then this
        waiting = deferred(plan.actions, session.config, session.budgets())
        report = await execute(
            plan, ctx, parallelism=options.parallelism, progress=progress, deferred=waiting
        )
    except BaseException:
        with suppress(StateUnavailable):  # lost with the connection: the next run finds it abandoned
            journal.finish_run(run_id, RunStatus.INTERRUPTED)
            journal.forget_confirmed(stale_rows((a.address for a in plan.actions), session.config))
        raise
    # what was written is read again by the next refresh, whatever `watch` confirmed before
    journal.forget_confirmed(stale_rows((a.address for a in plan.actions), session.config))
    status = {0: RunStatus.SUCCEEDED, 1: RunStatus.FAILED, 3: RunStatus.WAITING}[report.exit_code]
    journal.finish_run(run_id, status)
    return report


REFUSALS = (LockHeld, StalePlan, UnsafePlan)  # an apply stopped before it began: recorded as refused


@dataclass
class RunTrail:
    """Who runs this apply, and how far it got: the runs it recorded, or, refused, what it had planned."""

    who: Identity
    target: str = ""  # the journal's target, once known ('' when refused before: a lock held)
    plan: Plan | None = None  # the first plan made
    run_ids: list[int] = field(default_factory=list)

    def applied(
        self,
        plan: Plan,
        report: ApplyReport | None,
        simulated: bool,
        *,
        pending: tuple[Pending, ...] = (),
        cancelled: bool = False,
    ) -> Applied:
        return Applied(plan, report, simulated, pending, cancelled, tuple(self.run_ids), self.who)


@contextmanager
def _refusals_recorded(
    trail: RunTrail, state_dir: Path, environ: Mapping[str, str], config_path: Path, options: ApplyOptions
) -> Iterator[None]:
    """An apply refused before it began is recorded as a `refused` run, after its lock is let go: what
    it was asked to apply (a saved or reviewed plan, else the plan it made), and why."""
    try:
        yield
    except REFUSALS as refusal:
        tried = options.pinned or trail.plan
        note = RunNote(
            command="apply",
            status=RunStatus.REFUSED,
            config_hash=runtime.config_hash(config_path),
            simulated=options.sim_world is not None,
            summary=tried.summary() if tried is not None else {},
            checksum=tried.checksum() if tried is not None else "",
            detail=str(refusal),
        )
        record(state_dir, environ, note, target=trail.target, who=trail.who, create=True)
        raise


T = TypeVar("T")


async def _closing(connection: Connection, work: Awaitable[T]) -> T:
    """`work`, then the connection closed: once every step has stopped, interrupted or not."""
    async with connection:
        return await work


async def _asked(ask: Callable[[], T]) -> T:
    """`ask()` (a prompt) in a thread of its own, the loop running on meanwhile.

    Not `asyncio.to_thread`: when the loop ends it waits for its executor's threads, and a prompt cut short
    by Ctrl-C (`confirm` reads a line) would hold the interrupted apply until Enter. This thread is a daemon,
    left behind instead; its late answer goes nowhere.
    """
    answer: concurrent.futures.Future[T] = concurrent.futures.Future()

    def asking() -> None:
        if not answer.set_running_or_notify_cancel():
            return  # given up on before the thread started
        try:
            answer.set_result(ask())
        except BaseException as exc:  # handed to the awaiting task, raised there
            answer.set_exception(exc)

    threading.Thread(target=asking, name="wabaplan-prompt", daemon=True).start()
    return await asyncio.wrap_future(answer)


def given_code(e164: str, otp: Mapping[str, str], environ: Mapping[str, str]) -> str | None:
    """A number's one-time code given up front: by --otp, or in WABAPLAN_OTP_<digits>."""
    return otp.get(e164) or environ.get(f"WABAPLAN_OTP_{e164.lstrip('+')}") or None


def supplied_codes(config: Config, otp: Mapping[str, str], environ: Mapping[str, str]) -> frozenset[str]:
    """The numbers whose one-time code was given up front."""
    return frozenset(e164 for e164 in config.numbers if given_code(e164, otp, environ))


def _settle_intents(journal: Journal, snapshot: Snapshot, config: Config, now: float) -> None:
    """Intents a crash left open: what Meta shows now says whether the call took effect.

    Only intents of runs that ended (another runner's live apply settles its own) and on resources this
    config declares (what another config manages is not in this snapshot, so it stays open for that one).
    """
    for intent in journal.open_intents(of_ended_runs=True):
        outcome = _settled(intent.op, intent.subject, snapshot, config)
        if outcome is not None:
            journal.resolve_intent(intent.id, outcome=outcome, detail="settled after an interrupted run")


def _settled(op: str, subject: str, snapshot: Snapshot, config: Config) -> IntentOutcome | None:
    try:
        address = parse_address(subject)
    except AddressError:
        return None
    if isinstance(address, NumberAddress):
        spec = config.numbers.get(address.e164)
        if spec is None:
            return None
        if op in ("add_number", "add_number_for_migration"):
            live = snapshot.wabas.get(config.wabas[spec.waba].id)
            return IntentOutcome.DONE if live and address.e164 in live.numbers else IntentOutcome.NOT_DONE
        # a code request may have sent a code: the journal's code request keeps it from repeating
        return IntentOutcome.UNKNOWN
    waba = config.wabas.get(address.name if isinstance(address, WabaAddress) else address.waba)
    if waba is None:
        return None
    if op == "create_template" and isinstance(address, TemplateAddress):
        live = snapshot.wabas.get(waba.id)
        found = live is not None and live.template(address.name, address.language) is not None
        return IntentOutcome.DONE if found else IntentOutcome.NOT_DONE
    return IntentOutcome.UNKNOWN


def _check_saved(saved: Plan, fresh: Plan) -> None:
    """`apply PLAN`: the very plan saved, from the same config, against Meta as it was then."""
    if saved.config_hash != fresh.config_hash:
        raise StalePlan("the config file changed since the plan was made: plan again")
    _check_endpoint(saved, fresh)
    before, after = saved.live_fingerprints, fresh.live_fingerprints
    moved = sorted(a for a in before.keys() | after.keys() if before.get(a) != after.get(a))
    if moved:
        raise StalePlan(f"stale plan: {', '.join(moved)} changed at Meta since the plan was made; plan again")
    # Exactly that plan: every action as saved (what, how, its status and its inputs), in the same order.
    for index, planned in enumerate(saved.actions):
        now = fresh.actions[index] if index < len(fresh.actions) else None
        if now != planned:
            raise StalePlan(
                f"stale plan: {planned.id} is no longer what the plan said "
                f"({'gone' if now is None else 'changed'}); plan again"
            )
    if len(fresh.actions) > len(saved.actions):
        raise StalePlan(f"stale plan: {fresh.actions[len(saved.actions)].id} now needs doing too; plan again")


def _check_reviewed(reviewed: Plan, fresh: Plan) -> None:
    """`apply --reviewed PLAN`: what is planned now, from the merged config, is what was reviewed (the
    same checksum; the config may differ in what plans nothing: comments, layout), or what is left of it
    once an earlier apply of it did part (resumed after a one-time code or Meta's review)."""
    _check_endpoint(reviewed, fresh)
    if fresh.checksum() != reviewed.checksum() and not remainder(reviewed, fresh):
        raise ReviewedPlanDiffers(reviewed, fresh)


def _check_endpoint(made: Plan, fresh: Plan) -> None:
    """A plan is applied where it was made: the simulator or Meta, at the same URL and API version."""
    if made.simulated != fresh.simulated:
        was, now = ("the simulator", "Meta") if made.simulated else ("Meta", "the simulator")
        raise StalePlan(
            f"the plan was made against {was}, and this apply would write to {now}: "
            + ("add --sim" if made.simulated else "drop --sim")
            + ", or plan again"
        )
    # a plan saved before the URL was recorded has none: the simulated flag above is all there is
    if made.graph_url and (made.graph_url, made.api_version) != (fresh.graph_url, fresh.api_version):
        raise StalePlan(
            f"the plan was made against {made.graph_url} (Graph API {made.api_version}), and this apply "
            f"would write to {fresh.graph_url} (Graph API {fresh.api_version}): set WABAPLAN_GRAPH_URL and "
            "WABAPLAN_API_VERSION (or the config's connection) as when it was planned, or plan again"
        )


def _check_safety(plan: Plan, config: Config, options: ApplyOptions) -> None:
    if options.force:
        return
    changes = [a for a in plan.actions if a.kind in (Kind.UPDATE, Kind.DELETE)]
    addresses = {a.address: parse_address(a.address) for a in changes}
    numbers = {text for text, address in addresses.items() if isinstance(address, NumberAddress)}
    templates = {text for text, address in addresses.items() if isinstance(address, TemplateAddress)}
    # The live estate holds at least what is declared and what is about to be deleted as undeclared.
    deleted = sum(1 for a in changes if a.kind is Kind.DELETE and a.address in templates)
    for label, total, touched in (
        ("numbers", len(config.numbers), numbers),
        ("templates", sum(len(w.templates) for w in config.wabas.values()) + deleted, templates),
    ):
        if total >= MIN_FOR_THRESHOLD and len(touched) / total > CHANGE_THRESHOLD:
            raise UnsafePlan(
                f"the plan changes {len(touched)} of {total} {label} (more than {CHANGE_THRESHOLD:.0%}): "
                "check it, then rerun with --force"
            )
