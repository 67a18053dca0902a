"""`watch --apply`: the declared resources an event batch read, reconciled through `apply` itself.

Each batch is one `apply --target ADDRESS… --auto-approve`: the same fresh plan, the same guards
(lifecycle.prevent_destroy, no delete without --allow-destroy, the change threshold without --force,
compare-and-set before each write) and the same per-WABA locks, journal and one-time-code rules. Nothing
is written any other way. What each address came to is one line for its events' record and the log; a
refusal (an unsafe plan, a lock held by another apply) is reported there, and nothing is written.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from reconciler.apply.run import Applied, ApplyOptions, apply
from reconciler.config.model import Config
from reconciler.errors import WabaplanError
from reconciler.outcome import Outcome
from reconciler.plan.model import Action, Plan
from reconciler.render.progress import outcome_line
from reconciler.watch.worker import Reconcile

log = logging.getLogger("wabaplan.watch")
LOCK_TIMEOUT = 60.0  # seconds an event's apply waits for another apply of the same WABA


def reconciler_for(
    config: Config, config_path: Path, environ: Mapping[str, str], *, allow_destroy: bool
) -> Reconcile:
    async def reconcile(addresses: Sequence[str]) -> Mapping[str, str]:
        # apply runs its own event loop, so in a thread of its own; the receiver goes on meanwhile
        return await asyncio.to_thread(_apply, config, config_path, environ, tuple(addresses), allow_destroy)

    return reconcile


def _apply(
    config: Config,
    config_path: Path,
    environ: Mapping[str, str],
    addresses: tuple[str, ...],
    allow_destroy: bool,
) -> dict[str, str]:
    options = ApplyOptions(
        auto_approve=True, allow_destroy=allow_destroy, lock_timeout=LOCK_TIMEOUT, targets=addresses
    )
    try:
        applied = apply(
            config, config_path, options, environ=environ, show_plan=_log_plan, confirm=lambda: True,
            ask_code=_no_code, progress=_LogProgress(),
        )  # fmt: skip
    except WabaplanError as exc:
        why = str(exc).splitlines()[0]
        log.warning("not applied (%s): %s", ", ".join(addresses), why)
        return {address: f"not applied: {why}" for address in addresses}
    return {address: outcome_of(applied, address) for address in addresses}


def outcome_of(applied: Applied, address: str) -> str:
    """What apply did for one resource: each action's outcome, what Meta still reviews, or nothing."""
    outcomes = [o for o in applied.report.outcomes if _of(o.action, address)] if applied.report else []
    pending = [p for p in applied.pending if p.address == address or p.address.startswith(address + ".")]
    said = [f"{o.action.id} {o.status.replace('_', ' ')}{_detail(o)}" for o in outcomes]
    said += [f"waiting on Meta: {p.detail}" for p in pending]
    return "applied: " + "; ".join(said) if said else "in sync: nothing to apply"


def _of(action: Action, address: str) -> bool:
    return action.address == address or action.address.startswith((address + ".", address + "["))


def _detail(outcome: Outcome) -> str:
    """Why an action did not happen (a guard, a refusal); a done action needs no more words."""
    return f" ({outcome.detail})" if outcome.status != "done" and outcome.detail else ""


def _log_plan(plan: Plan) -> None:
    log.info("apply for the event(s): %d action(s): %s", len(plan.actions), plan.summary())


def _no_code(e164: str, stop: threading.Event) -> str | None:
    return None  # nobody to ask: a step that needs a one-time code waits for `wabaplan apply --otp`


class _LogProgress:
    def started(self, action: Action) -> None:
        pass

    def finished(self, outcome: Outcome, done: int, total: int) -> None:
        log.info("apply %s", outcome_line(outcome, done, total))
