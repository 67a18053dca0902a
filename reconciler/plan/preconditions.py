"""The conditions a number's move from another provider needs, checked against what the tokens can see.

The seed's conditions table (number registered — and kept registered at the source until it moves; two-step
verification off at the source; business verified and WABA approved on both sides) plus Meta's (approved
display name with no rename pending; a payment method or credit line on the destination; an app subscribed
to the destination first; source and destination in the same business). Each comes
out ✓, ✗ with the fix, or ? with who must do what when the given tokens cannot see it.
"""

from __future__ import annotations

from reconciler.plan.model import Check, Precondition
from reconciler.snapshot import LiveNumber, LiveWaba

VERIFIED = "verified"
APPROVED = "APPROVED"
ASK_SOURCE = "ask the current provider to confirm, or give migrate_from.access_token so wabaplan can check"
KEEP_REGISTERED = (
    "it must stay registered at the current provider until it registers here (the move): do not delete "
    "or deregister it there first, or it cannot move"
)


def migration_preconditions(
    address: str,
    e164: str,
    source_id: str,
    source: LiveWaba | None,
    destination: LiveWaba,
    *,
    subscribed_or_planned: bool,
    subscription_planned: bool,
) -> tuple[Precondition, ...]:
    number = source.numbers.get(e164) if source else None
    unseen = f"the source WABA {source_id} cannot be read with the tokens given"
    checks = [
        # -- the phone number at the source
        ("number registered at the source", _registered(e164, source_id, source, number, unseen)),
        ("two-step verification off at the source", _two_step(number)),
        ("display name approved, no rename pending", _display_name(number, unseen)),
        # -- both WABAs and their businesses
        *_waba_checks("source", source, source_id, unseen),
        *_waba_checks("destination", destination, destination.id, unseen),
        ("destination payment method or credit line", _funding(destination)),
        (
            "app subscribed to the destination",
            _subscribed(subscribed_or_planned, planned=subscription_planned),
        ),
        ("source and destination in the same business", _same_business(source, destination)),
    ]
    return tuple(Precondition(address, name, outcome, detail) for name, (outcome, detail) in checks)


def _registered(
    e164: str, source_id: str, source: LiveWaba | None, number: LiveNumber | None, unseen: str
) -> tuple[Check, str]:
    if source is None:
        return Check.UNKNOWN, f"{unseen}: {ASK_SOURCE}; {KEEP_REGISTERED}"
    if number is None:
        return Check.FAIL, f"{e164} is not in source WABA {source_id}: check migrate_from.waba_id"
    if number.registered:
        return Check.PASS, f"{number.status} on {number.platform_type or 'Cloud API'}; {KEEP_REGISTERED}"
    return (
        Check.FAIL,
        f"status is {number.status}: the current provider must register it before it can move",
    )


def _waba_checks(
    side: str, waba: LiveWaba | None, waba_id: str, unseen: str
) -> list[tuple[str, tuple[Check, str]]]:
    """Business verified, WABA approved: for one side of the move."""
    if waba is None:
        return [
            (f"{side} business verified", (Check.UNKNOWN, f"{unseen}: {ASK_SOURCE}")),
            (f"{side} WABA approved", (Check.UNKNOWN, f"{unseen}: {ASK_SOURCE}")),
        ]
    return [
        (f"{side} business verified", _business_verified(waba, waba_id)),
        (f"{side} WABA approved", _waba_approved(waba, waba_id)),
    ]


def _business_verified(waba: LiveWaba, waba_id: str) -> tuple[Check, str]:
    status = waba.business_verification_status
    if status == VERIFIED:
        return Check.PASS, "verified"
    if status is None:
        return Check.UNKNOWN, f"Meta did not report it for WABA {waba_id}"
    return (
        Check.FAIL,
        f"is {status}: the business owner must finish business verification in Meta Business Suite "
        "(Security Centre)",
    )


def _waba_approved(waba: LiveWaba, waba_id: str) -> tuple[Check, str]:
    review = waba.account_review_status
    if review == APPROVED:
        return Check.PASS, APPROVED
    return (
        Check.FAIL if review else Check.UNKNOWN,
        f"review status is {review or 'not reported'}: Meta must approve WABA {waba_id} first",
    )


def _funding(destination: LiveWaba) -> tuple[Check, str]:
    """Meta refuses a move into a WABA with nothing to bill (2388103); the WABA's `primary_funding_id`
    names what is attached, when the token may see it (Graph omits it otherwise, and when there is none)."""
    if destination.primary_funding_id:
        return Check.PASS, f"funding {destination.primary_funding_id} attached"
    return (
        Check.UNKNOWN,
        f"Meta shows no payment method for WABA {destination.id} to these tokens: the business owner must "
        "confirm one is attached in Meta Business Suite → Billing & payments (or the partner whose credit "
        "line it uses, that the line is shared with this WABA)",
    )


def _subscribed(subscribed_or_planned: bool, *, planned: bool) -> tuple[Check, str]:
    if subscribed_or_planned:
        return Check.PASS, "an app will be subscribed first (planned)" if planned else "an app is subscribed"
    return (
        Check.FAIL,
        "declare wabas.<name>.webhooks.app_id so the plan subscribes your app before adding the number",
    )


def _same_business(source: LiveWaba | None, destination: LiveWaba) -> tuple[Check, str]:
    if source is None or not source.owner_business_id or not destination.owner_business_id:
        return (
            Check.UNKNOWN,
            "the owning business of one side is not visible: the business owner must confirm both WABAs are "
            "in the same business portfolio",
        )
    if source.owner_business_id == destination.owner_business_id:
        return Check.PASS, f"business {source.owner_business_id}"
    return (
        Check.FAIL,
        f"source is in business {source.owner_business_id}, "
        f"destination in {destination.owner_business_id}: "
        "Meta only moves numbers between WABAs of one business portfolio",
    )


def _two_step(number: LiveNumber | None) -> tuple[Check, str]:
    owner = (
        "only the source WABA's owner can turn it off, in WhatsApp Manager → Phone numbers → "
        "Two-step verification → Turn off (confirmed by e-mail); there is no API for it"
    )
    if number is None or number.two_step_enabled is None:
        return Check.UNKNOWN, f"cannot be seen through the API: {owner}"
    if number.two_step_enabled:
        return Check.FAIL, f"two-step verification is on: {owner}"
    return Check.PASS, "off"


def _display_name(number: LiveNumber | None, unseen: str) -> tuple[Check, str]:
    if number is None:
        return Check.UNKNOWN, f"{unseen}: the current provider must confirm the display name is approved"
    if number.new_name_status == "PENDING_REVIEW" or (number.new_display_name and not number.new_name_status):
        return (
            Check.FAIL,
            f"a rename to {number.new_display_name!r} is under review: wait for Meta's decision",
        )
    if number.name_status != APPROVED:
        return (
            Check.FAIL,
            f"name status is {number.name_status}: the display name must be approved by Meta first",
        )
    return Check.PASS, f"{number.verified_name!r} approved"


def blocking(checks: tuple[Precondition, ...]) -> str:
    """The reason to block, from the failed checks ('' when none failed)."""
    failed = [c for c in checks if c.outcome is Check.FAIL]
    return "; ".join(f"{c.name}: {c.detail}" for c in failed)
