"""A plan is a value: ordered actions with their dependencies, statuses, costs and checked preconditions.

Nothing here formats or does I/O; renderers read a `Plan`, apply executes one, and `to_json()` is the
versioned form saved with `--out` and printed by `--format json`. `Plan.from_json()` reads that form back
(`Plan.from_json(plan.to_json()) == plan`); `checksum()` digests what a reviewer approves of a plan: its
actions, what each changes and with what, and their order — not its wording, notes or timestamps.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar, overload

from reconciler.diff import FieldChange, Path
from reconciler.errors import WabaplanError
from reconciler.events.verdicts import MetaVerdict
from reconciler.plan import params as op_params
from reconciler.plan.params import OpParams, ParamsError
from reconciler.plan.schema import FORMAT_VERSION as FORMAT_VERSION  # re-exported: it is the plan's
from reconciler.plan.schema import check_document, not_as_saved


class PlanError(WabaplanError):
    """What was asked of the planner cannot be planned (a --target naming nothing, an unreadable WABA)."""


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


# The params each operation takes (its step in apply reads them).
PARAMS: Mapping[Op, type[OpParams]] = {
    Op.SUBSCRIBE_APP: op_params.WebhooksParams,
    Op.UPDATE_WEBHOOKS: op_params.WebhooksParams,
    Op.ADD_NUMBER: op_params.AddNumberParams,
    Op.ADD_NUMBER_FOR_MIGRATION: op_params.AddNumberParams,
    Op.REQUEST_CODE: op_params.RequestCodeParams,
    Op.VERIFY_CODE: op_params.VerifyCodeParams,
    Op.REGISTER: op_params.RegisterParams,
    Op.SET_PIN: op_params.SetPinParams,
    Op.UPDATE_PROFILE: op_params.UpdateProfileParams,
    Op.UPLOAD_PICTURE: op_params.UploadPictureParams,
    Op.CHANGE_DISPLAY_NAME: op_params.ChangeDisplayNameParams,
    Op.CREATE_TEMPLATE: op_params.CreateTemplateParams,
    Op.UPDATE_TEMPLATE: op_params.UpdateTemplateParams,
    Op.DELETE_TEMPLATE: op_params.DeleteTemplateParams,
    Op.MIGRATE_TEMPLATES: op_params.MigrateTemplatesParams,
    Op.DEREGISTER: op_params.DeregisterParams,
}
P = TypeVar("P", bound=OpParams)
Q = TypeVar("Q", bound=OpParams)


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
    address: str  # the resource it acts on, e.g. numbers["+85261234567"] (see plan.address)
    kind: Kind
    op: Op
    summary: str  # one line for people
    status: Status = Status.READY
    reason: str = ""  # for blocked/needs_input/waiting: what is missing and how to fix it
    depends_on: tuple[str, ...] = ()
    changes: tuple[FieldChange, ...] = ()
    costs: tuple[Cost, ...] = ()
    params: OpParams | None = None  # apply's inputs, of the class PARAMS names (the planner always sets them)
    guard: bool = False  # blocked by a guard of the config (prevent_destroy): apply refuses it, exit 1

    def __post_init__(self) -> None:
        wanted = PARAMS[self.op]
        if self.params is not None and not isinstance(self.params, wanted):
            raise TypeError(f"{self.id}: {self.op.value} takes {wanted.__name__}, not {self.params!r}")

    @overload
    def params_as(self, kind: type[P]) -> P: ...
    @overload
    def params_as(self, kind: type[P], other: type[Q]) -> P | Q: ...
    def params_as(self, *kinds: type[OpParams]) -> OpParams:
        """The params, as (one of) the classes the step reading them expects."""
        if not isinstance(self.params, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise PlanError(f"{self.id}: the plan holds no {wanted} for {self.op.value}: plan again")
        return self.params

    def reviewed(self) -> dict[str, Any]:
        """What a review of this action approves (the plan's checksum covers it): not its wording."""
        return {
            "id": self.id,
            "op": self.op.value,
            "address": self.address,
            "kind": self.kind.value,
            "status": self.status.value,
            "params": self._params_json(),
            "changes": [_change_json(c) for c in self.changes],
            "depends_on": list(self.depends_on),
            **({"guard": True} if self.guard else {}),  # written only when true: older checksums hold
        }

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
            "params": self._params_json(),
            **({"guard": True} if self.guard else {}),
        }

    def _params_json(self) -> dict[str, Any]:
        return self.params.to_json() if self.params is not None else {}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Action:
        """An action as `to_json` wrote it (checked against the plan schema); ParamsError on bad params."""
        op = Op(data["operation"])
        return cls(
            id=data["id"],
            address=data["address"],
            kind=Kind(data["action"]),
            op=op,
            summary=data["summary"],
            status=Status(data["status"]),
            reason=data["reason"],
            depends_on=tuple(data["depends_on"]),
            changes=tuple(_change_from_json(c) for c in data["changes"]),
            costs=tuple(Cost(c["kind"], c["detail"]) for c in data["cost"]),
            params=PARAMS[op].from_json(data["params"]),  # the planner gives every action its params
            guard=bool(data.get("guard", False)),
        )


@dataclass(frozen=True)
class Pending:
    """Something Meta is still reviewing that already matches the config: not drift."""

    address: str
    detail: str


@dataclass(frozen=True)
class Drift:
    """--refresh-only: one value at Meta that is not what the config declares.

    `path` is the field (dotted, "" for the resource as a whole); `declared` and `live` are JSON values
    ("(sensitive)" for a write-only one, "absent"/"present" for a whole resource); `since` when it was
    first seen, when a source of that is known; `detail` the same in one line for people."""

    address: str
    path: str
    declared: Any
    live: Any
    detail: str
    since: str | None = None

    def to_json(self) -> dict[str, Any]:
        document = {"address": self.address, "path": self.path, "declared": self.declared}
        document |= {"live": self.live, "detail": self.detail}
        return document | ({"since": self.since} if self.since is not None else {})

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Drift:
        if isinstance(data, str):  # a plan saved when drift was one line of text: "ADDRESS: what"
            address, _, _ = data.partition(": ")
            return cls(address, "", None, None, data)
        return cls(
            data["address"], data["path"], data["declared"], data["live"], data["detail"], data.get("since")
        )


@dataclass(frozen=True)
class Unknown:
    """--refresh-only: a declared write-only value (a PIN, a picture, a verify token) that Meta never shows
    and that wabaplan has no fingerprint of here (a fresh runner, an unset variable): not drift."""

    address: str
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"address": self.address, "path": self.path, "reason": self.reason}


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
    drift: tuple[Drift, ...] = ()  # --refresh-only: each difference at Meta
    unknown: tuple[Unknown, ...] = ()  # --refresh-only: write-only values that cannot be compared
    verdicts: tuple[MetaVerdict, ...] = ()  # what Meta turned down or flagged: a person must act
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
        """Actions to take, drift (--refresh-only), Meta's verdicts or a failed check (a move's verification
        window past its deadline): what --detailed-exitcode 2 means."""
        return bool(self.actions or self.drift or self.verdicts or self.failed_checks)

    @property
    def failed_checks(self) -> tuple[Precondition, ...]:
        """The ✗ preconditions: each needs a person, whether or not an action waits on it."""
        return tuple(p for p in self.preconditions if p.outcome is Check.FAIL)

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
            "checksum": self.checksum(),
            "summary": self.summary(),
            "actions": [a.to_json() for a in self.actions],
            "preconditions": [
                {"address": p.address, "name": p.name, "outcome": p.outcome.value, "detail": p.detail}
                for p in self.preconditions
            ],
            "pending": [{"address": p.address, "detail": p.detail} for p in self.pending],
            "verdicts": [v.to_json() for v in self.verdicts],
            "notes": list(self.notes),
            **({"drift": [d.to_json() for d in self.drift]} if self.refresh_only else {}),
            **({"unknown": [u.to_json() for u in self.unknown]} if self.refresh_only else {}),
            **({"incomplete": list(self.incomplete)} if self.incomplete else {}),
            "live_fingerprints": dict(sorted(self.live_fingerprints.items())),
        }

    def checksum(self) -> str:
        """sha256 of what a review approves: each action as `Action.reviewed()` has it, in order."""
        text = json.dumps(
            [a.reviewed() for a in self.actions], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_json(cls, document: Any, *, source: str = "the plan") -> Plan:
        """The plan `to_json()` wrote, checked against the plan schema and its own checksum (when it has
        one); a PlanFileError names `source`, what is wrong and what to do."""
        check_document(document, source)
        actions = []
        for index, action in enumerate(document["actions"]):
            try:
                actions.append(Action.from_json(action))
            except ParamsError as exc:
                raise not_as_saved(source, f"actions/{index}/params", str(exc)) from None
        refresh_only = document["refresh_only"]
        notes = tuple(document["notes"])
        # a --refresh-only plan saved before `drift` was written down: its drift is among the notes
        drift = document.get("drift", [n for n in notes if " at Meta" in n]) if refresh_only else ()
        unknown = document.get("unknown", [])
        plan = cls(
            actions=tuple(actions),
            preconditions=tuple(
                Precondition(p["address"], p["name"], Check(p["outcome"]), p["detail"])
                for p in document["preconditions"]
            ),
            pending=tuple(Pending(p["address"], p["detail"]) for p in document["pending"]),
            notes=notes,
            config_hash=document["config_hash"],
            graph_url=document["graph_url"],
            api_version=document["api_version"],
            live_fingerprints=dict(document["live_fingerprints"]),
            simulated=document["simulated"],
            refresh_only=refresh_only,
            drift=tuple(Drift.from_json(d) for d in drift),
            unknown=tuple(Unknown(u["address"], u["path"], u["reason"]) for u in unknown),
            verdicts=tuple(MetaVerdict.from_json(v) for v in document.get("verdicts", ())),
            incomplete=tuple(document.get("incomplete", ())),
            targets=tuple(document["targets"]),
        )
        recorded = document.get("checksum")  # absent from plans saved before it was recorded
        if recorded is not None and recorded != plan.checksum():
            edited = "the actions differ from those it was saved with (edited?)"
            raise not_as_saved(source, "checksum", edited)
        return plan


def _change_json(change: FieldChange) -> dict[str, Any]:
    if change.sensitive:
        return {"path": change.dotted, "before": MASK, "after": MASK, "sensitive": True}
    return {"path": change.dotted, "before": change.before, "after": change.after, "sensitive": False}


_PATH_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def _change_from_json(data: Mapping[str, Any]) -> FieldChange:
    """A change as `_change_json` wrote it; a sensitive one comes back without values, as it was made."""
    path: Path = tuple(int(index) if index else name for index, name in _PATH_STEP.findall(data["path"]))
    if data["sensitive"]:
        return FieldChange(path, None, None, sensitive=True)
    return FieldChange(path, data["before"], data["after"])
