"""`apply --format json`: what one apply came to, as one document (described by schemas/apply.schema.json).

Pure: the cli hands over the run's facts (`ApplyRun`), this draws them. The document holds what the
progress lines and the journal hold, never more: action details are the executor's own words, which name
resources and Meta's errors, never a secret value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.outcome import Outcome
from reconciler.plan.model import Pending, Plan

FORMAT_VERSION = 1
ERRORS = {"failed", "refused"}  # the outcomes whose detail is an error message


@dataclass(frozen=True)
class ApplyRun:
    """One `wabaplan apply`, as the cli saw it end."""

    status: str  # succeeded | failed | waiting | refused | cancelled | error
    exit_code: int
    started: float  # Unix seconds
    ended: float
    simulated: bool
    who: Mapping[str, str]  # actor, host, commit, ci_url
    run_ids: tuple[int, ...] = ()  # the journal's runs (`wabaplan history`): one per round that ran actions
    plan: Plan | None = None
    outcomes: tuple[Outcome, ...] = ()
    pending: tuple[Pending, ...] = ()
    error: str = ""  # why the apply stopped before or outside its actions (a refusal, an error)


def apply_document(run: ApplyRun) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for outcome in run.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return {
        "format_version": FORMAT_VERSION,
        "status": run.status,
        "exit_code": run.exit_code,
        "started": _when(run.started),
        "ended": _when(run.ended),
        "simulated": run.simulated,
        "run_ids": list(run.run_ids),
        "who": {key: run.who.get(key, "") for key in ("actor", "host", "commit", "ci_url")},
        "plan": None
        if run.plan is None
        else {"checksum": run.plan.checksum(), "summary": run.plan.summary()},
        "counts": counts,
        "actions": [_action(outcome) for outcome in run.outcomes],
        "pending": [{"address": p.address, "detail": p.detail} for p in run.pending],
        "error": run.error or None,
    }


def _action(outcome: Outcome) -> dict[str, Any]:
    action = outcome.action
    return {
        "id": action.id,
        "address": action.address,
        "operation": action.op.value,
        "kind": action.kind.value,
        "outcome": outcome.status,
        "detail": outcome.detail,
        "error": outcome.detail if outcome.status in ERRORS else None,
        "seconds": round(outcome.seconds, 3),
    }


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
