"""--refresh-only: what the actions of a plan would repair, said as structured drift (pure).

    split_drift(actions, seen) → Drifted(drift, unknown, moving)

An update's changed fields and a missing or extra resource are `Drift`. A write-only value (a PIN, an
uploaded picture, a verify token) is drift only when wabaplan has a fingerprint of what it set and the
config now says otherwise; without one (a fresh runner) or without the value (an unset variable) it is
`Unknown`: Meta never shows it, so nothing can be claimed. A number whose declared move from another
provider has not happened yet is pending migration, not drift; the steps of the move say nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.diff import FieldChange, value_text
from reconciler.fingerprints import verify_token_key
from reconciler.plan.model import MASK, Action, Drift, Kind, Op, Pending, Unknown
from reconciler.plan.params import WebhooksParams

NO_FINGERPRINT = (
    "write-only: Meta never shows it and wabaplan has no fingerprint of it here (it was not set from "
    "this state, e.g. on a fresh runner); `wabaplan apply` sets it and remembers it"
)


@dataclass(frozen=True)
class Seen:
    """What the refresh knows beside the actions: write-only fingerprints, and the numbers still moving."""

    known: Mapping[str, str] = field(default_factory=dict)  # field address → fingerprint wabaplan set
    unresolved: Mapping[str, str] = field(default_factory=dict)  # field address → why it cannot be read
    moving: Mapping[str, str] = field(default_factory=dict)  # number address → the source WABA's ID


@dataclass(frozen=True)
class Drifted:
    drift: tuple[Drift, ...]
    unknown: tuple[Unknown, ...]
    moving: tuple[Pending, ...]


def split_drift(actions: Iterable[Action], seen: Seen) -> Drifted:
    drift: list[Drift] = []
    unknown: list[Unknown] = []
    moving: dict[str, Pending] = {}
    for action in actions:
        if action.address in seen.moving:
            source = seen.moving[action.address]
            moving[action.address] = Pending(
                action.address,
                f"pending migration from WABA {source}: the move has not happened yet (`wabaplan apply` "
                "moves it)",
            )
        elif action.kind is Kind.UPDATE:
            for change in action.changes:
                key = _write_only_key(action, change)
                if key is None:
                    drift.append(_field_drift(action.address, change))
                elif key in seen.unresolved or key not in seen.known:
                    reason = seen.unresolved.get(key, NO_FINGERPRINT)
                    unknown.append(Unknown(action.address, change.dotted, reason))
                else:
                    drift.append(_changed_since_set(action.address, change))
        elif action.kind is Kind.CREATE:
            what = f"declared, but not at Meta (the plan would {action.summary})"
            drift.append(Drift(action.address, "", "present", "absent", f"{action.address}: {what}"))
        elif action.kind is Kind.DELETE:
            what = f"at Meta, but the config wants it gone (the plan would {action.summary})"
            drift.append(Drift(action.address, "", "absent", "present", f"{action.address}: {what}"))
    return Drifted(tuple(drift), tuple(unknown), tuple(moving.values()))


def _write_only_key(action: Action, change: FieldChange) -> str | None:
    """Where the fingerprint of a write-only value is kept; None for a value Meta shows."""
    if action.op is Op.UPLOAD_PICTURE:
        return f"{action.address}.profile.picture"
    if not change.sensitive:
        return None
    if isinstance(action.params, WebhooksParams):
        return verify_token_key(action.params.waba_id)
    return f"{action.address}.{change.dotted}"


def _field_drift(address: str, change: FieldChange) -> Drift:
    before, after = value_text(change.before), value_text(change.after)
    detail = f"{address}: {change.dotted} is {before} at Meta (config: {after})"
    return Drift(address, change.dotted, change.after, change.before, detail)


def _changed_since_set(address: str, change: FieldChange) -> Drift:
    detail = f"{address}: {change.dotted} differs from what wabaplan set at Meta (the config changed since)"
    if change.sensitive:
        return Drift(address, change.dotted, MASK, MASK, detail)
    return Drift(address, change.dotted, change.after, change.before, detail)
