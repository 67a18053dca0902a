"""What a resource read again says against the config: one line, and whether it drifted (pure).

Drift here is what the next `plan` (or a person) has to act on: a template that is not approved or whose
category Meta changed, a number whose display name is not the declared one, a WABA whose review status is
not the expected one or that our app is no longer subscribed to.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.config.model import Config
from reconciler.events.model import Refresh, Verdict
from reconciler.snapshot import LiveNumber, LiveSubscription, LiveTemplate

SETTLED_TEMPLATE = ("APPROVED", "PENDING", "IN_APPEAL")


def template_verdict(refresh: Refresh, live: LiveTemplate, config: Config) -> Verdict:
    declared = next(
        (
            t
            for waba in config.wabas.values()
            if waba.id == refresh.waba_id
            for t in waba.templates
            if (t.name, t.language) == (live.name, live.language)
        ),
        None,
    )
    summary = f"status {live.status}, quality {live.quality_score or 'UNKNOWN'}, category {live.category}"
    drift = live.status not in SETTLED_TEMPLATE or (
        declared is not None and declared.category != live.category
    )
    return Verdict(refresh.address, summary, drift)


def number_verdict(refresh: Refresh, live: LiveNumber | None, config: Config) -> Verdict:
    if live is None:
        return Verdict(refresh.address, f"not found in WABA {refresh.waba_id} at Meta", True)
    spec = config.numbers.get(refresh.ident)
    name = f"name {live.verified_name!r} ({live.name_status or '?'})"
    if live.new_display_name:
        name += f", rename to {live.new_display_name!r} {live.new_name_status or '?'}"
    summary = f"status {live.status}, {name}, quality {live.quality_rating or '?'}"
    drift = bool(spec and spec.display_name and spec.display_name != live.verified_name)
    return Verdict(refresh.address, summary, drift)


def waba_verdict(
    refresh: Refresh, review: str | None, subscriptions: Sequence[LiveSubscription], config: Config
) -> Verdict:
    waba = next((w for w in config.wabas.values() if w.id == refresh.waba_id), None)
    apps = ", ".join(s.app_id for s in subscriptions) or "none"
    summary = f"account review {review or '?'}, apps subscribed: {apps}"
    expected = waba.expect.account_review_status if waba else None
    unsubscribed = bool(
        waba and waba.webhooks and waba.webhooks.app_id not in {s.app_id for s in subscriptions}
    )
    return Verdict(refresh.address, summary, bool(expected and expected != review) or unsubscribed)
