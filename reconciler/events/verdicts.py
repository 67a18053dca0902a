"""What Meta decided about a resource, and what a resource read again says against the config (pure).

Meta's verdicts (`MetaVerdict`): a state Meta put a resource in that a person must act on — a template
REJECTED, PAUSED or DISABLED, a display name DECLINED, a WABA whose review was REJECTED, a number FLAGGED,
RESTRICTED or BANNED, or rated YELLOW or RED. Each carries Meta's word, Meta's reason when it gives one, and
what to change. The tables below are the one vocabulary of them: `plan` lists them as their own items
(reconciler.plan.verdicts), `watch` judges refreshed resources with the same words.

Drift here (`Verdict.drift`) is what the next `plan` (or a person) has to act on: a template that is not
approved or whose category Meta changed, a number whose display name is not the declared one, a WABA whose
review status is not the expected one or that our app is no longer subscribed to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.config.model import Config
from reconciler.events.model import Refresh, Verdict
from reconciler.snapshot import LiveNumber, LiveSubscription, LiveTemplate

SETTLED_TEMPLATE = ("APPROVED", "PENDING", "IN_APPEAL")


class Subject(StrEnum):
    """Which of a resource's states Meta ruled on."""

    TEMPLATE_STATUS = "template_status"
    DISPLAY_NAME = "display_name"
    ACCOUNT_REVIEW = "account_review"
    NUMBER_STATUS = "number_status"
    QUALITY_RATING = "quality_rating"


# Meta's word → what to change. A status not listed here is not a verdict (APPROVED, PENDING, …).
TEMPLATE_VERDICTS: Mapping[str, str] = {
    "REJECTED": "change the template's content or category in the config (wabaplan does not resubmit it "
    "unchanged), or appeal the decision in WhatsApp Manager",
    "PAUSED": "customers' feedback paused it: edit its content in the config to resubmit it, or wait for "
    "Meta to lift the pause (3 h, then 6 h)",
    "DISABLED": "repeated low quality disabled it: it can neither be edited nor deleted; declare the "
    "message under a new template name",
}
NAME_VERDICTS: Mapping[str, str] = {
    "DECLINED": "declare another display_name that follows Meta's display name guidelines (wabaplan does "
    "not request the declined name again)",
}
ACCOUNT_REVIEW_VERDICTS: Mapping[str, str] = {
    "REJECTED": "fix what WhatsApp Manager → Account quality names (business details, policy) and request "
    "another review there",
    "RESTRICTED": "see WhatsApp Manager → Account quality for the restriction and how to appeal it",
}
NUMBER_STATUS_VERDICTS: Mapping[str, str] = {
    "FLAGGED": "quality is low: improve it within 7 days (WhatsApp Manager → Insights) or its messaging "
    "limit drops",
    "RESTRICTED": "Meta restricted its business-initiated messages: see WhatsApp Manager → Account quality",
    "BANNED": "Meta banned the number: see WhatsApp Manager → Account quality to appeal",
}
QUALITY_VERDICTS: Mapping[str, str] = {
    "YELLOW": "quality went down to YELLOW: review what the number sends (opt-in, frequency, templates)",
    "RED": "quality is RED: the number may be FLAGGED and its messaging limit lowered; send less, better "
    "targeted messages",
}


@dataclass(frozen=True)
class MetaVerdict:
    """Meta's decision about one declared resource that a person must act on: not drift (the config is
    not what changed) and not pending (Meta has decided)."""

    address: str
    subject: Subject
    status: str  # Meta's word: REJECTED, DECLINED, FLAGGED, RED, …
    reason: str  # Meta's reason as it gives it; "" where it gives none
    fix: str  # what to change

    def line(self) -> str:
        said = f" ({self.reason})" if self.reason else ""
        return f"{self.address}: {self.subject.value.replace('_', ' ')} {self.status}{said}: {self.fix}"

    def to_json(self) -> dict[str, str]:
        return {
            "address": self.address,
            "subject": self.subject.value,
            "status": self.status,
            "reason": self.reason,
            "fix": self.fix,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MetaVerdict:
        return cls(data["address"], Subject(data["subject"]), data["status"], data["reason"], data["fix"])


def _ruled(
    table: Mapping[str, str], address: str, subject: Subject, status: str | None, reason: str = ""
) -> list[MetaVerdict]:
    fix = table.get(status or "")
    return [MetaVerdict(address, subject, status or "", reason, fix)] if fix else []


def template_rulings(address: str, live: LiveTemplate) -> list[MetaVerdict]:
    return _ruled(
        TEMPLATE_VERDICTS, address, Subject.TEMPLATE_STATUS, live.status, live.rejected_reason or ""
    )


def declined_name(live: LiveNumber) -> str | None:
    """The display name Meta declined for this number (a rename, or the name it was added with)."""
    if live.new_name_status == "DECLINED" and live.new_display_name:
        return live.new_display_name
    if live.name_status == "DECLINED" and not live.new_display_name:
        return live.verified_name
    return None


def number_rulings(address: str, live: LiveNumber) -> list[MetaVerdict]:
    """The number's status, quality rating and display name, as far as Meta ruled on them."""
    rulings = _ruled(NUMBER_STATUS_VERDICTS, address, Subject.NUMBER_STATUS, live.status)
    rulings += _ruled(QUALITY_VERDICTS, address, Subject.QUALITY_RATING, live.quality_rating)
    name = declined_name(live)
    if name is not None:  # Meta's reason comes only with the phone_number_name_update webhook
        fix = f"Meta declined {name!r}: {NAME_VERDICTS['DECLINED']}"
        rulings.append(MetaVerdict(address, Subject.DISPLAY_NAME, "DECLINED", "", fix))
    return rulings


def account_rulings(address: str, review: str | None) -> list[MetaVerdict]:
    return _ruled(ACCOUNT_REVIEW_VERDICTS, address, Subject.ACCOUNT_REVIEW, review)


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
    drift = (
        bool(template_rulings(refresh.address, live))
        or live.status not in SETTLED_TEMPLATE
        or (declared is not None and declared.category != live.category)
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
