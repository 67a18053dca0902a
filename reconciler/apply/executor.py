"""Run a plan: dependency order, independent actions in parallel, compare-and-set before writing.

    for each action, once everything it depends on is done:
        blocked in the plan             → reported blocked (the precondition and its fix), not run;
                                          by a guard (prevent_destroy) → refused, exit 1
        a delete without --allow-destroy → refused, exit 1 (with the flag to add)
        a dependency did not finish     → skipped ("waits for …")
        first write to its resource     → re-read it; moved since the plan → refused ("stale plan")
        otherwise                       → its step (apply.steps): done / waiting / needs_input / failed

A failed action skips its dependents only; the rest go on. Every outcome is written to the journal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import replace

from reconciler.apply.steps import SLOT, STEPS, StepContext, StepFailed
from reconciler.config.model import PhoneNumber
from reconciler.errors import WabaplanError
from reconciler.graph.errors import ThrottledError
from reconciler.outcome import EXIT_OK as EXIT_OK  # the two EXIT_ re-exported: run.py imports them here
from reconciler.outcome import EXIT_WAITING as EXIT_WAITING
from reconciler.outcome import ApplyReport, Outcome, Progress
from reconciler.plan import params
from reconciler.plan.address import NumberAddress, TemplateAddress, WebhooksAddress
from reconciler.plan.address import parse as parse_address
from reconciler.plan.live import number_fingerprint, template_fingerprint, webhooks_fingerprint
from reconciler.plan.model import Action, Kind, Plan, Status
from reconciler.plan.params import DeleteTemplateParams, UpdateTemplateParams, WebhooksParams
from reconciler.reader import reread_number, reread_template, reread_waba
from reconciler.snapshot import LiveNumber


async def execute(
    plan: Plan,
    ctx: StepContext,
    *,
    parallelism: int = 8,
    progress: Progress | None = None,
    check_unmoved: bool = True,
    deferred: Mapping[str, str] | None = None,
) -> ApplyReport:
    """`deferred`: actions not to start now (action id → why), reported waiting, as apply.reserve says."""
    run = _Run(
        plan, ctx, parallelism=parallelism, progress=progress, check_unmoved=check_unmoved, deferred=deferred
    )
    try:
        while run.pending or run.running:
            run.release_ready()
            if not run.running:
                run.skip_stranded()
                break
            await run.finish_next()
    except BaseException:  # interrupted (Ctrl-C cancels this task): stop every step before the client closes
        await run.cancel_all()
        raise
    return ApplyReport(tuple(run.results[a.id] for a in plan.actions if a.id in run.results))


class _Run:
    """One apply's schedule: actions pending, steps running, outcomes so far (each journalled)."""

    def __init__(
        self,
        plan: Plan,
        ctx: StepContext,
        *,
        parallelism: int,
        progress: Progress | None,
        check_unmoved: bool,
        deferred: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.ctx = ctx
        self.progress = progress
        self.check_unmoved = check_unmoved
        self.actions = {a.id: a for a in plan.actions}
        self.pending = dict(self.actions)
        self.running: dict[asyncio.Task[Outcome], str] = {}
        self.results: dict[str, Outcome] = {}
        self.checks: dict[str, asyncio.Task[str]] = {}  # address → its one compare-and-set re-read
        self.slots = asyncio.Semaphore(max(1, parallelism))
        self.deferred = dict(deferred or {})  # action id → why it is not started in this run

    def release_ready(self) -> None:
        """Settle the pending actions that will not run (blocked, skipped); start those whose
        dependencies are all done."""
        for action_id, action in list(self.pending.items()):
            deps = [d for d in action.depends_on if d in self.actions]
            unfinished = [d for d in deps if d in self.results and self.results[d].status != "done"]
            settled = self._settled(action, unfinished)
            if settled is not None:
                del self.pending[action_id]
                self.finish(settled)
            elif all(d in self.results for d in deps):
                del self.pending[action_id]
                self.running[asyncio.create_task(self._run(action))] = action_id

    def _settled(self, action: Action, unfinished: list[str]) -> Outcome | None:
        """The outcome of an action that is not to run; None when it may (once its dependencies are done)."""
        if action.id in self.deferred:
            return Outcome(action, "waiting", self.deferred[action.id])
        if action.status is Status.BLOCKED and not unfinished:  # a guard refuses; the rest waits
            return Outcome(action, "refused" if action.guard else "blocked", action.reason)
        if action.kind is Kind.DELETE and not self.ctx.allow_destroy and not unfinished:
            costs = "".join(f"; {c.detail}" for c in action.costs)
            return Outcome(action, "refused", f"{action.summary}{costs}: rerun with --allow-destroy to do it")
        if unfinished:
            first = self.results[unfinished[0]]
            return Outcome(
                action, "skipped", f"waits for {first.action.id} ({first.status.replace('_', ' ')})"
            )
        return None

    def skip_stranded(self) -> None:
        """Nothing runs, yet actions wait: only possible with a dependency outside the plan that never
        finishes."""
        for action in self.pending.values():
            self.finish(Outcome(action, "skipped", "its dependencies are not in this plan"))

    async def finish_next(self) -> None:
        """Wait for a running step to end; record what it (and any ending with it) came to."""
        done, _ = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
        # The steps that ended while the loop was busy end together: their outcomes are one commit, one
        # sync to disk (not one each: at 32 in flight, the journal's syncs were most of an apply's time).
        with self.ctx.journal.transaction():
            for task in done:
                del self.running[task]
                self.finish(task.result())

    def finish(self, outcome: Outcome) -> None:
        # Meta's error may quote a secret the step sent (a PIN): masked before it is kept, shown or stored
        outcome = replace(outcome, detail=self.ctx.journal.mask(outcome.detail))
        self.results[outcome.action.id] = outcome
        self.ctx.journal.record_action(
            self.ctx.run_id,
            action_id=outcome.action.id,
            address=outcome.action.address,
            op=outcome.action.op.value,
            status=outcome.status,
            detail=outcome.detail,
            started=self.ctx.clock() - outcome.seconds,
            finished=self.ctx.clock(),
        )
        if self.progress is not None:
            self.progress.finished(outcome, len(self.results), len(self.actions))

    async def cancel_all(self) -> None:
        """Stop every running step and re-read, and wait until they have stopped."""
        tasks = [*self.running, *self.checks.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, action: Action) -> Outcome:
        async with self.slots:
            SLOT.set(self.slots)  # this task's: a step waiting on Meta lends it out (steps._slot_lent)
            started = time.monotonic()
            if self.progress is not None:
                self.progress.started(action)
            try:
                if self.check_unmoved:
                    # Every action on a resource waits for the same re-read, made before any of them
                    # writes: a sibling's write must not pass for a change made at Meta.
                    if action.address not in self.checks:
                        self.checks[action.address] = asyncio.ensure_future(
                            _moved(action, self.plan, self.ctx)
                        )
                    moved = await asyncio.shield(self.checks[action.address])
                    if moved:
                        return Outcome(action, "refused", moved, time.monotonic() - started)
                self.ctx.journal.check()  # state lost: no write starts that it could not record
                result = await STEPS[action.op](action, self.ctx)
                return Outcome(action, result.status, result.detail, time.monotonic() - started)
            except ThrottledError as exc:  # Meta refused it unrun: the WABA's budget is spent for now
                detail = f"{exc}; nothing was changed: apply again once Meta's budget has refilled"
                return Outcome(action, "waiting", detail, time.monotonic() - started)
            except StepFailed as exc:
                return Outcome(action, "failed", str(exc), time.monotonic() - started)
            except WabaplanError as exc:
                return Outcome(action, "failed", str(exc), time.monotonic() - started)


async def _moved(action: Action, plan: Plan, ctx: StepContext) -> str:
    """'' when the resource is as the plan saw it; else why the plan is stale."""
    expected = plan.live_fingerprints.get(action.address)
    if expected is None:
        return ""  # it did not exist when planned: creating it is the plan
    graph = ctx.graph
    address = parse_address(action.address)
    if isinstance(address, NumberAddress):
        spec = ctx.config.numbers[address.e164]
        waba_id = ctx.config.wabas[spec.waba].id
        number_id = params.phone_number_id(action.params) or ctx.phone_ids.get(action.address)
        if not number_id:
            return ""
        live = await reread_number(graph, waba_id, number_id, with_profile=True)
        if number_fingerprint(live) != expected:
            siblings = [a for a in plan.actions if a.address == action.address]
            return _stale(action, _moved_fields(siblings, live, spec))
        return ""
    if isinstance(address, TemplateAddress):  # it has a fingerprint, so it exists: updated or deleted
        template_id = action.params_as(UpdateTemplateParams, DeleteTemplateParams).template_id
        now = template_fingerprint(await reread_template(graph, template_id))
    elif isinstance(address, WebhooksAddress):
        review, subscriptions = await reread_waba(graph, action.params_as(WebhooksParams).waba_id)
        now = webhooks_fingerprint(review, subscriptions)
    else:
        return ""  # a WABA itself has no fingerprint
    return "" if now == expected else _stale(action, [])


def _stale(action: Action, fields: list[str]) -> str:
    what = ", ".join(f"{action.address}.{f}" for f in fields) or action.address
    return f"stale plan: {what} changed at Meta since the plan was made; plan again"


def _moved_fields(actions: list[Action], live: LiveNumber, spec: PhoneNumber) -> list[str]:
    """Which fields moved: a planned one no longer as the plan saw it, or one that matched the config
    then (so nothing was planned for it) and no longer does."""
    seen = {c.path: c.before for a in actions for c in a.changes if not c.sensitive}
    declared = spec.profile.model_dump(exclude={"picture"}) if spec.profile else {}
    now_and_wanted = {("display_name",): (live.verified_name, spec.display_name)}
    for name, wanted in declared.items():
        now = getattr(live.profile, name, None) if live.profile else None
        now_and_wanted[("profile", name)] = (now, wanted)
    moved = []
    for path, (now, wanted) in now_and_wanted.items():
        expected = seen.get(path, wanted)
        if (path in seen or wanted is not None) and _plain(now) != _plain(expected):
            moved.append(".".join(path))
    return moved


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple | list) else value
