"""What apply checks again before it writes, as the planner first checked it: pure, no I/O.

    template_fingerprint(live_template)    a short digest of what the plan saw, to tell a moved resource
    number_fingerprint(live_number)        the same for a number, less what Meta changes on its own
    webhooks_fingerprint(review, subs)     the same for a WABA's review status and subscribed apps
    template_matches(desired, live)        whether Meta's template carries the declared one

The planner records the fingerprints and compares templates; apply's compare-and-set and its template
steps repeat both against a fresh read, so the two must not drift apart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.diff import diff_fields
from reconciler.snapshot import LiveNumber, LiveSubscription, LiveTemplate, as_dict


def fingerprint(value: Any) -> str:
    """A short, stable digest of live values (never of secrets), for detecting a moved resource."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


METAS_OWN_NUMBER_FIELDS = (
    "quality_rating", "throughput_level", "messaging_limit_tier", "is_official_business_account",
    "onboarded_at",
)  # fmt: skip


def template_fingerprint(live: LiveTemplate) -> str:
    """What a plan saw of a template, less Meta's comment on it (its rejected_reason)."""
    seen = as_dict(live)
    del seen["rejected_reason"]
    return fingerprint(seen)


def number_fingerprint(live: LiveNumber) -> str:
    """What a plan saw of a number, leaving out what Meta changes on its own (quality, throughput, limit
    tier, OBA)."""
    seen = as_dict(live)
    for name in METAS_OWN_NUMBER_FIELDS:
        del seen[name]
    return fingerprint(seen)


def webhooks_fingerprint(review: str | None, subscriptions: Iterable[LiveSubscription]) -> str:
    """What a plan saw of a WABA's webhooks: its review status and subscribed apps."""
    return fingerprint({"review": review, "subscriptions": [as_dict(s) for s in subscriptions]})


def template_matches(desired: Mapping[str, Any], live: LiveTemplate, ignore: Iterable[str] = ()) -> bool:
    """Whether Meta's template carries what the config declares (name, language and the template's
    `ignore_changes` aside)."""
    return not diff_fields(desired, live_template_fields(live, desired), ignore=ignore)


def live_template_fields(live: LiveTemplate, desired: Mapping[str, Any]) -> dict[str, Any]:
    """The live template seen through the keys the config declares (Meta adds keys of its own)."""
    components = []
    wanted = list(desired.get("components", []))
    for index, component in enumerate(live.components):
        keys = set(wanted[index]) if index < len(wanted) else set(component)
        components.append({k: _strip(component[k]) for k in component if k in keys})
    return {
        "category": live.category,
        "parameter_format": live.parameter_format,
        "components": components,
    }


def _strip(value: Any) -> Any:
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None}
    return value
