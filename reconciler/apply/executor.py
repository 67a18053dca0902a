"""Run a plan: dependency order, independent actions in parallel, compare-and-set before writing.

    for each action, once everything it depends on is done:
        blocked in the plan             → reported blocked (the precondition and its fix), not run;
                                          by a guard (prevent_destroy) → refused, exit 1
        a delete without --allow-destroy → refused, exit 1 (with the flag to add)
        a dependency did not finish     → skipped ("waits for …")
        first write to its resource     → re-read it; moved since the plan → refused ("stale plan")
        otherwise                       → its step (apply.steps): done / waiting / needs_input / failed

A failed action skips its dependents only; the rest go on. Every outcome is written to the journal (those
ending within JOURNAL_WINDOW of each other in one commit). `parallelism` is how many requests are at Meta
at once: a step holds a slot while it runs, and a number's re-read is made ahead of its step, in one batch
request with the re-reads of the actions next in line, which holds a slot of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from typing import Any

from reconciler.apply.slots import Slots
from reconciler.apply.steps import SLOT, STEPS, StepContext, StepFailed
from reconciler.config.model import PhoneNumber
from reconciler.errors import WabaplanError
from reconciler.graph.batch import MAX_BATCH, Batching, BatchRequest, BatchResult
from reconciler.graph.client import GraphClient
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

# Numbers are re-read ahead of their steps, together: one batch request (up to MAX_BATCH operations, 25
# numbers with their profiles) for what the actions next in line ask, at most REREADS_AT_ONCE batches out at
# once, and at most LOOKAHEAD_PER_SLOT actions per slot re-read and not yet started (so each write follows
# its re-read closely).
REREADS_AT_ONCE = 2
LOOKAHEAD_PER_SLOT = 2
# The outcomes that end within this many seconds of the first share one journal commit (one sync to disk).
JOURNAL_WINDOW = 0.05


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
        await run.drive()
    except BaseException:  # interrupted (Ctrl-C cancels this task): stop every step before the client closes
        await run.cancel_all()
        with suppress(Exception):  # what ended is kept if the journal still can; the first error is the one
            run.journal_outcomes()
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
        self.pending = dict(self.actions)  # neither started nor settled, in the plan's order
        self.deps = {a.id: [d for d in a.depends_on if d in self.actions] for a in plan.actions}
        self.dependents: dict[str, list[str]] = {}
        for action_id, deps in self.deps.items():
            for dep in deps:
                self.dependents.setdefault(dep, []).append(action_id)
        self.running: set[asyncio.Task[Outcome]] = set()
        self.ended: deque[asyncio.Task[Outcome]] = deque()  # steps that ended, not yet looked at
        self.wake = asyncio.Event()
        self.results: dict[str, Outcome] = {}
        self.checks: dict[str, asyncio.Task[str]] = {}  # address → its one compare-and-set re-read
        self.slots = Slots(max(1, parallelism))
        self.lookahead = asyncio.Semaphore(LOOKAHEAD_PER_SLOT * max(1, parallelism))
        self.rereads = _ReReads(ctx.graph, self.slots)
        self.deferred = dict(deferred or {})  # action id → why it is not started in this run
        self.unjournalled: list[dict[str, Any]] = []  # outcomes waiting for the window's one commit
        self.commit_timer: asyncio.TimerHandle | None = None

    async def drive(self) -> None:
        """Start what can start, record what ends, until nothing runs."""
        for action_id in list(self.pending):
            if action_id in self.pending:
                self.consider(self.pending[action_id])
        while True:
            while self.ended:
                task = self.ended.popleft()
                self.running.discard(task)
                self.finish(task.result())
            if self.unjournalled and (not self.running or self.commit_timer is None):
                self.journal_outcomes()
            if not self.running:
                self.skip_stranded()
                self.journal_outcomes()
                return
            self.wake.clear()
            await self.wake.wait()

    def consider(self, action: Action) -> None:
        """Settle an action that will not run (blocked, skipped), or start it once its dependencies are
        all done; else it waits on."""
        deps = self.deps[action.id]
        unfinished = [d for d in deps if d in self.results and self.results[d].status != "done"]
        settled = self._settled(action, unfinished)
        if settled is not None:
            del self.pending[action.id]
            self.finish(settled)
        elif all(d in self.results for d in deps):
            del self.pending[action.id]
            task = asyncio.create_task(self._run(action))
            self.running.add(task)
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[Outcome]) -> None:
        self.ended.append(task)
        self.wake.set()

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
        stranded, self.pending = list(self.pending.values()), {}
        for action in stranded:
            self.finish(Outcome(action, "skipped", "its dependencies are not in this plan"))

    def finish(self, outcome: Outcome) -> None:
        """Record what an action came to (journalled with the others ending in the same window), then
        settle or start what waited on it."""
        # Meta's error may quote a secret the step sent (a PIN): masked before it is kept, shown or stored
        outcome = replace(outcome, detail=self.ctx.journal.mask(outcome.detail))
        self.results[outcome.action.id] = outcome
        now = self.ctx.clock()
        self.unjournalled.append(
            {
                "action_id": outcome.action.id,
                "address": outcome.action.address,
                "op": outcome.action.op.value,
                "status": outcome.status,
                "detail": outcome.detail,
                "started": now - outcome.seconds,
                "finished": now,
            }
        )
        if self.commit_timer is None and self.running:
            self.commit_timer = asyncio.get_running_loop().call_later(JOURNAL_WINDOW, self._commit_due)
        if self.progress is not None:
            self.progress.finished(outcome, len(self.results), len(self.actions))
        for waiting in self.dependents.get(outcome.action.id, ()):
            if waiting in self.pending:
                self.consider(self.pending[waiting])

    def _commit_due(self) -> None:
        self.commit_timer = None
        self.wake.set()

    def journal_outcomes(self) -> None:
        """The outcomes not journalled yet, in one commit: one sync to disk for all of them (at 32 in flight,
        a sync each was most of an apply's time)."""
        if self.commit_timer is not None:
            self.commit_timer.cancel()
            self.commit_timer = None
        rows, self.unjournalled = self.unjournalled, []
        if not rows:
            return
        with self.ctx.journal.transaction():
            for row in rows:
                self.ctx.journal.record_action(self.ctx.run_id, **row)

    async def cancel_all(self) -> None:
        """Stop every running step and re-read, and wait until they have stopped."""
        tasks = [*self.running, *self.checks.values(), *self.rereads.senders]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _read_ahead(self, action: Action) -> bool:
        """Whether the action's re-read is made ahead of its step, batched with others': a number's."""
        if not self.check_unmoved or action.address not in self.plan.live_fingerprints:
            return False
        return isinstance(parse_address(action.address), NumberAddress)

    async def _check(self, action: Action, numbers: Batching) -> str:
        """'' when the action's resource is as planned, else why not. Every action on a resource waits for
        the same re-read, made before any of them writes: a sibling's write must not pass for a change made
        at Meta."""
        if action.address not in self.checks:
            self.checks[action.address] = asyncio.ensure_future(_moved(action, self.plan, self.ctx, numbers))
        return await asyncio.shield(self.checks[action.address])

    async def _run(self, action: Action) -> Outcome:
        started = time.monotonic()
        slot = False
        try:
            ahead = self._read_ahead(action)
            moved = ""
            if ahead:
                async with self.lookahead:  # re-read, then wait for a slot: counted as ahead until it has one
                    moved = await self._check(action, self.rereads)  # a number's, in a shared batch
                    slot = not moved and await self.slots.acquire()
            else:
                slot = await self.slots.acquire()
            if slot:
                SLOT.set(self.slots)  # this task's: a step waiting on Meta lends it out (steps._slot_lent)
            if self.progress is not None:
                self.progress.started(action)
            if self.check_unmoved and not ahead:
                moved = await self._check(action, self.ctx.graph)
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
        finally:
            if slot:
                self.slots.release()


class _ReReads:
    """Numbers re-read together: the re-reads asked for while one is out go in the next batch request (up
    to MAX_BATCH operations), REREADS_AT_ONCE out at once, each holding one of the run's slots, taken
    ahead of the steps waiting for one (they wait on these re-reads). A `Batching`, as
    `reader.reread_number` takes."""

    def __init__(self, graph: GraphClient, slots: Slots) -> None:
        self.graph = graph
        self.slots = slots
        self.asked: deque[tuple[list[BatchRequest], asyncio.Future[list[BatchResult]]]] = deque()
        self.sending = 0  # senders under way (counted here, not by `senders`: a task is discarded late)
        self.senders: set[asyncio.Task[None]] = set()

    async def batch(self, requests: Sequence[BatchRequest]) -> list[BatchResult]:
        answer: asyncio.Future[list[BatchResult]] = asyncio.get_running_loop().create_future()
        self.asked.append((list(requests), answer))
        if self.sending < REREADS_AT_ONCE:
            self.sending += 1
            sender = asyncio.create_task(self._send())
            self.senders.add(sender)
            sender.add_done_callback(self.senders.discard)
        return await answer

    async def _send(self) -> None:
        try:
            await asyncio.sleep(0)  # what the other actions ask in this same turn of the loop goes too
            while self.asked:
                await self.slots.acquire(first=True)
                try:
                    await self._send_one()
                finally:
                    self.slots.release()
        finally:
            self.sending -= 1  # at once: a re-read asked from now on starts a sender of its own

    async def _send_one(self) -> None:
        """One batch request for what was asked first (up to MAX_BATCH operations' worth)."""
        group: list[tuple[list[BatchRequest], asyncio.Future[list[BatchResult]]]] = []
        size = 0
        while self.asked and (not group or size + len(self.asked[0][0]) <= MAX_BATCH):
            requests, answer = self.asked.popleft()
            if not answer.done():  # its action was interrupted
                group.append((requests, answer))
                size += len(requests)
        if not group:
            return
        try:
            results = await self.graph.batch([r for requests, _ in group for r in requests])
        except Exception as exc:
            for _, answer in group:
                if not answer.done():
                    answer.set_exception(exc)
            return
        except BaseException:
            for _, answer in group:
                answer.cancel()
            raise
        if len(results) != size:  # never expected: no number is compared with another's answer
            lost = StepFailed(f"Meta's answer to a batch of {size} re-reads had {len(results)}: apply again")
            for _, answer in group:
                if not answer.done():
                    answer.set_exception(lost)
            return
        at = 0
        for requests, answer in group:
            if not answer.done():
                answer.set_result(results[at : at + len(requests)])
            at += len(requests)


async def _moved(action: Action, plan: Plan, ctx: StepContext, numbers: Batching) -> str:
    """'' when the resource is as the plan saw it; else why the plan is stale. A number is re-read through
    `numbers` (the client, or the executor's shared batches), anything else through the client."""
    expected = plan.live_fingerprints.get(action.address)
    if expected is None:
        return ""  # it did not exist when planned: creating it is the plan
    address = parse_address(action.address)
    if isinstance(address, NumberAddress):
        spec = ctx.config.numbers[address.e164]
        waba_id = ctx.config.wabas[spec.waba].id
        number_id = params.phone_number_id(action.params) or ctx.phone_ids.get(action.address)
        if not number_id:
            return ""
        live = await reread_number(numbers, waba_id, number_id, with_profile=True)
        if number_fingerprint(live) != expected:
            siblings = [a for a in plan.actions if a.address == action.address]
            return _stale(action, _moved_fields(siblings, live, spec))
        return ""
    if isinstance(address, TemplateAddress):  # it has a fingerprint, so it exists: updated or deleted
        template_id = action.params_as(UpdateTemplateParams, DeleteTemplateParams).template_id
        now = template_fingerprint(await reread_template(ctx.graph, template_id))
    elif isinstance(address, WebhooksAddress):
        review, subscriptions = await reread_waba(ctx.graph, action.params_as(WebhooksParams).waba_id)
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
