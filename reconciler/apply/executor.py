"""Run a plan: dependency order, independent actions in parallel, compare-and-set before writing.

    for each action, once everything it depends on is done:
        blocked in the plan             → reported blocked (the precondition and its fix), not run
        a dependency did not finish     → skipped ("waits for …")
        first write to its resource     → re-read it; moved since the plan → refused ("stale plan")
        otherwise                       → its step (apply.steps): done / waiting / needs_input / failed

A failed action skips its dependents only; the rest go on. Every outcome is written to the journal.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict

from reconciler.apply.steps import SLOT, STEPS, StepContext, StepFailed
from reconciler.config.model import PhoneNumber
from reconciler.errors import WabaplanError
from reconciler.outcome import EXIT_OK as EXIT_OK  # the two EXIT_ re-exported: run.py imports them here
from reconciler.outcome import EXIT_WAITING as EXIT_WAITING
from reconciler.outcome import ApplyReport, Outcome, Progress
from reconciler.plan import params
from reconciler.plan.address import NumberAddress, TemplateAddress, WebhooksAddress
from reconciler.plan.address import parse as parse_address
from reconciler.plan.live import fingerprint, number_fingerprint
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
) -> ApplyReport:
    actions = {a.id: a for a in plan.actions}
    results: dict[str, Outcome] = {}
    checks: dict[str, asyncio.Task[str]] = {}  # address → its one compare-and-set re-read
    slots = asyncio.Semaphore(max(1, parallelism))
    running: dict[asyncio.Task[Outcome], str] = {}

    def finish(outcome: Outcome) -> None:
        results[outcome.action.id] = outcome
        ctx.journal.record_action(
            ctx.run_id,
            action_id=outcome.action.id,
            address=outcome.action.address,
            op=outcome.action.op.value,
            status=outcome.status,
            detail=outcome.detail,
            started=ctx.clock() - outcome.seconds,
            finished=ctx.clock(),
        )
        if progress is not None:
            progress.finished(outcome, len(results), len(actions))

    async def run(action: Action) -> Outcome:
        async with slots:
            SLOT.set(slots)  # this task's: a step waiting on Meta lends it out (steps._slot_lent)
            started = time.monotonic()
            if progress is not None:
                progress.started(action)
            try:
                if check_unmoved:
                    # Every action on a resource waits for the same re-read, made before any of them
                    # writes: a sibling's write must not pass for a change made at Meta.
                    if action.address not in checks:
                        checks[action.address] = asyncio.ensure_future(_moved(action, plan, ctx))
                    moved = await asyncio.shield(checks[action.address])
                    if moved:
                        return Outcome(action, "refused", moved, time.monotonic() - started)
                ctx.journal.check()  # state lost: no write starts that it could not record
                result = await STEPS[action.op](action, ctx)
                return Outcome(action, result.status, result.detail, time.monotonic() - started)
            except StepFailed as exc:
                return Outcome(action, "failed", str(exc), time.monotonic() - started)
            except WabaplanError as exc:
                return Outcome(action, "failed", str(exc), time.monotonic() - started)

    try:
        pending = dict(actions)
        while pending or running:
            for action_id, action in list(pending.items()):
                deps = [d for d in action.depends_on if d in actions]
                unfinished = [d for d in deps if d in results and results[d].status != "done"]
                if action.status is Status.BLOCKED and not unfinished:
                    del pending[action_id]
                    finish(Outcome(action, "blocked", action.reason))
                elif action.kind is Kind.DELETE and not ctx.allow_destroy and not unfinished:
                    del pending[action_id]
                    costs = "".join(f"; {c.detail}" for c in action.costs)
                    finish(
                        Outcome(
                            action, "blocked", f"{action.summary}{costs}: rerun with --allow-destroy to do it"
                        )
                    )
                elif unfinished:
                    del pending[action_id]
                    first = results[unfinished[0]]
                    why = f"waits for {first.action.id} ({first.status.replace('_', ' ')})"
                    finish(Outcome(action, "skipped", why))
                elif all(d in results for d in deps):
                    del pending[action_id]
                    running[asyncio.create_task(run(action))] = action_id
            if not running:
                if pending:  # only possible with a dependency outside the plan that never finishes
                    for action in pending.values():
                        finish(Outcome(action, "skipped", "its dependencies are not in this plan"))
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                del running[task]
                finish(task.result())
    except BaseException:  # interrupted (Ctrl-C cancels this task): stop every step before the client closes
        for task in [*running, *checks.values()]:
            task.cancel()
        await asyncio.gather(*running, *checks.values(), return_exceptions=True)
        raise
    return ApplyReport(tuple(results[a.id] for a in plan.actions if a.id in results))


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
        now = fingerprint(asdict(await reread_template(graph, template_id)))
    elif isinstance(address, WebhooksAddress):
        review, subscriptions = await reread_waba(graph, action.params_as(WebhooksParams).waba_id)
        now = fingerprint({"review": review, "subscriptions": [asdict(s) for s in subscriptions]})
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
