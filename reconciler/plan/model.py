"""A plan is a value: ordered actions with their dependencies, statuses, costs and checked preconditions.

Nothing here formats or does I/O; renderers read a `Plan`, apply executes one, and `to_json()` is the
versioned form saved with `--out` and printed by `--format json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.diff import FieldChange
from reconciler.errors import WabaplanError


class PlanError(WabaplanError):
    """What was asked of the planner cannot be planned (a --target naming nothing, an unreadable WABA)."""


FORMAT_VERSION = "1"
MASK = "(sensitive)"


class Kind(StrEnum):
    """What an action does to its resource (Terraform's create/update/delete, plus workflow steps)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    OPERATION = "operation"


class Op(StrEnum):
    SUBSCRIBE_APP = "subscribe_app"
    ADD_NUMBER = "add_number"
    ADD_NUMBER_FOR_MIGRATION = "add_number_for_migration"
    REQUEST_CODE = "request_code"
    VERIFY_CODE = "verify_code"
    REGISTER = "register"
    SET_PIN = "set_pin"
    UPDATE_PROFILE = "update_profile"
    UPLOAD_PICTURE = "upload_picture"
    CHANGE_DISPLAY_NAME = "change_display_name"
    CREATE_TEMPLATE = "create_template"
    UPDATE_TEMPLATE = "update_template"
    DELETE_TEMPLATE = "delete_template"
    MIGRATE_TEMPLATES = "migrate_templates"
    DEREGISTER = "deregister"
    UPDATE_WEBHOOKS = "update_webhooks"


class Status(StrEnum):
    READY = "ready"
    BLOCKED = "blocked"  # a precondition fails: `reason` says which and how to fix it
    NEEDS_INPUT = "needs_input"  # a person must supply something (a one-time code)
    WAITING = "waiting"  # Meta is reviewing something


class Check(StrEnum):
    PASS = "pass"  # ✓
    FAIL = "fail"  # ✗ with the fix
    UNKNOWN = "unknown"  # ? with who must do what


@dataclass(frozen=True)
class Cost:
    """A consequence in WhatsApp terms a reviewer should weigh."""

    kind: str  # downtime | register_attempt | display_name_review | template_name_lock | messaging_cap | …
    detail: str


@dataclass(frozen=True)
class Precondition:
    """One checked condition of a workflow (a migration): outcome, what was seen, and the fix or owner."""

    address: str
    name: str
    outcome: Check
    detail: str


@dataclass(frozen=True)
class Action:
    id: str  # unique and stable, e.g. numbers["+85261234567"].register
    address: str  # the resource it acts on, e.g. numbers["+85261234567"]
    kind: Kind
    op: Op
    summary: str  # one line for people
    status: Status = Status.READY
    reason: str = ""  # for blocked/needs_input/waiting: what is missing and how to fix it
    depends_on: tuple[str, ...] = ()
    changes: tuple[FieldChange, ...] = ()
    costs: tuple[Cost, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)  # non-secret inputs for apply

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "address": self.address,
            "action": self.kind.value,
            "operation": self.op.value,
            "summary": self.summary,
            "status": self.status.value,
            "reason": self.reason,
            "depends_on": list(self.depends_on),
            "changes": [_change_json(c) for c in self.changes],
            "cost": [{"kind": c.kind, "detail": c.detail} for c in self.costs],
            "params": self.params,
        }


@dataclass(frozen=True)
class Pending:
    """Something Meta is still reviewing that already matches the config: not drift."""

    address: str
    detail: str


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    preconditions: tuple[Precondition, ...] = ()
    pending: tuple[Pending, ...] = ()
    notes: tuple[str, ...] = ()
    config_hash: str = ""
    graph_url: str = ""
    api_version: str = ""
    live_fingerprints: dict[str, str] = field(default_factory=dict)
    simulated: bool = False
    refresh_only: bool = False
    drift: tuple[str, ...] = ()  # --refresh-only: each difference at Meta (also among the notes)
    incomplete: tuple[str, ...] = ()  # declared WABAs that could not be read (also among the notes)
    targets: tuple[str, ...] = ()  # --target: the plan covers these and what they depend on

    def require_complete(self) -> None:
        """Refuse a plan that could not see part of the estate: "no changes" would not be true."""
        if self.incomplete:
            raise PlanError(
                "the plan is incomplete: "
                + "; ".join(self.incomplete)
                + ". Fix access (or the config) and plan again"
            )

    @property
    def has_changes(self) -> bool:
        """Actions to take — or, for --refresh-only, drift to report (what --detailed-exitcode 2 means)."""
        return bool(self.actions or self.drift)

    def summary(self) -> dict[str, int]:
        count = {"create": 0, "update": 0, "delete": 0, "operations": 0, "blocked": 0}
        for action in self.actions:
            key = "operations" if action.kind is Kind.OPERATION else action.kind.value
            count[key] += 1
            if action.status is Status.BLOCKED:
                count["blocked"] += 1
        return count

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "simulated": self.simulated,
            "refresh_only": self.refresh_only,
            "targets": list(self.targets),
            "graph_url": self.graph_url,
            "api_version": self.api_version,
            "config_hash": self.config_hash,
            "summary": self.summary(),
            "actions": [a.to_json() for a in self.actions],
            "preconditions": [
                {"address": p.address, "name": p.name, "outcome": p.outcome.value, "detail": p.detail}
                for p in self.preconditions
            ],
            "pending": [{"address": p.address, "detail": p.detail} for p in self.pending],
            "notes": list(self.notes),
            **({"drift": list(self.drift)} if self.refresh_only else {}),
            **({"incomplete": list(self.incomplete)} if self.incomplete else {}),
            "live_fingerprints": dict(sorted(self.live_fingerprints.items())),
        }


def _change_json(change: FieldChange) -> dict[str, Any]:
    if change.sensitive:
        return {"path": change.dotted, "before": MASK, "after": MASK, "sensitive": True}
    return {"path": change.dotted, "before": change.before, "after": change.after, "sensitive": False}
