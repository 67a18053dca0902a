"""How a fresh plan differs from a reviewed one, in what the checksum covers. Pure.

    + numbers["+85251234567"].pin: added
    - wabas.hk_retail.templates["promo/en_US"]: removed
    ~ numbers["+85251234567"].profile: change of profile.about: "Tea" → "Tease" (reviewed), now "Tee" → …
      (an input that only carries a change's new value, like the profile's `about` here, is not repeated)

An action differs exactly when its part of the checksum (`Action.reviewed()`) does, so two plans with the
same checksum show no difference here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.diff import FieldChange, value_text
from reconciler.plan.model import Action, Plan
from reconciler.plan.params import OpParams

LONGEST_VALUE = 100  # characters of a value shown; a template's body is cut short


@dataclass(frozen=True)
class ActionDifference:
    id: str
    what: tuple[str, ...]  # each part that differs, said as "reviewed → now"


@dataclass(frozen=True)
class PlanDifference:
    added: tuple[str, ...] = ()  # action ids the fresh plan has and the reviewed one does not
    removed: tuple[str, ...] = ()
    changed: tuple[ActionDifference, ...] = ()
    reordered: bool = False  # the same actions, in another order

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.reordered)

    def lines(self) -> list[str]:
        lines = [f"+ {action_id}: added" for action_id in self.added]
        lines += [f"- {action_id}: removed" for action_id in self.removed]
        lines += [f"~ {change.id}: {'; '.join(change.what)}" for change in self.changed]
        if self.reordered:
            lines.append("the same actions, in another order")
        return lines


def compare(reviewed: Plan, fresh: Plan) -> PlanDifference:
    before = {a.id: a for a in reviewed.actions}
    after = {a.id: a for a in fresh.actions}
    changed = tuple(
        ActionDifference(action.id, tuple(_differences(before[action.id], action)))
        for action in fresh.actions
        if action.id in before and before[action.id].reviewed() != action.reviewed()
    )
    common = [i for i in before if i in after]
    return PlanDifference(
        added=tuple(i for i in after if i not in before),
        removed=tuple(i for i in before if i not in after),
        changed=changed,
        reordered=common != [i for i in after if i in before],
    )


def remainder(reviewed: Plan, fresh: Plan) -> bool:
    """Whether `fresh` is what is left of `reviewed` once some of its actions were done (a resumed
    `apply --reviewed`, after a one-time code or Meta's review): no action that was not reviewed, and
    each one as reviewed, but for what carrying out the others settled — a status (a precondition met,
    a code now given), an ID Meta has assigned since (reviewed as unknown), a dependency on an action
    that is done."""
    before = {a.id: a for a in reviewed.actions}
    return all(
        action.id in before and _still_as_reviewed(before[action.id], action) for action in fresh.actions
    )


def _still_as_reviewed(old: Action, new: Action) -> bool:
    same = (old.op, old.address, old.kind, old.changes) == (new.op, new.address, new.kind, new.changes)
    was = old.params.to_json() if old.params is not None else {}
    now = new.params.to_json() if new.params is not None else {}
    settled = all(was.get(k) == now.get(k) or was.get(k) is None for k in was.keys() | now.keys())
    return same and settled and set(new.depends_on) <= set(old.depends_on)


def _differences(old: Action, new: Action) -> list[str]:
    found = [
        f"{name}: {was} → {now}"
        for name, was, now in (
            ("operation", old.op, new.op),
            ("address", old.address, new.address),
            ("action", old.kind, new.kind),
            ("status", old.status, new.status),
        )
        if was != now
    ]
    if old.depends_on != new.depends_on:
        was, now = (", ".join(a.depends_on) or "(nothing)" for a in (old, new))
        found.append(f"after: {was} → {now}")
    found += _change_differences(old.changes, new.changes)
    # an input that only carries a change's new value (a profile field, a template's body) is said above
    echoed = {_afters(old.changes, new.changes, c.dotted) for c in old.changes + new.changes}
    found += _param_differences(old.params, new.params, echoed)
    return found or ["differs"]


def _param_differences(old: OpParams | None, new: OpParams | None, echoed: set[tuple[str, str]]) -> list[str]:
    was = _flat(old.to_json() if old is not None else {}, "params")
    now = _flat(new.to_json() if new is not None else {}, "params")
    return [
        f"{name}: {_short(was.get(name))} → {_short(now.get(name))}"
        for name in sorted(was.keys() | now.keys())
        if was.get(name) != now.get(name)
        and (value_text(was.get(name)), value_text(now.get(name))) not in echoed
    ]


def _afters(old: tuple[FieldChange, ...], new: tuple[FieldChange, ...], path: str) -> tuple[str, str]:
    """The value a change at `path` sets, in the reviewed plan and now (as JSON text)."""
    was, now = (next((c.after for c in changes if c.dotted == path), None) for changes in (old, new))
    return value_text(was), value_text(now)


def _flat(value: Any, prefix: str) -> dict[str, Any]:
    """Nested objects as dotted names (`params.profile.websites`), so the part that differs is named."""
    if not isinstance(value, dict) or not value:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        flat.update(_flat(inner, f"{prefix}.{key}"))
    return flat


def _change_differences(old: tuple[FieldChange, ...], new: tuple[FieldChange, ...]) -> list[str]:
    """Each field change that differs, as "path: before → after", reviewed first, then now."""
    was, now = {c.dotted: c for c in old}, {c.dotted: c for c in new}
    return [
        f"change of {path}: {_change_text(was.get(path))} (reviewed), now {_change_text(now.get(path))}"
        for path in sorted(was.keys() | now.keys())
        if was.get(path) != now.get(path)
    ]


def _change_text(change: FieldChange | None) -> str:
    if change is None:
        return "(none)"
    if change.sensitive:
        return "(sensitive)"
    return f"{_short(change.before)} → {_short(change.after)}"


def _short(value: Any) -> str:
    text = value_text(value)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"
