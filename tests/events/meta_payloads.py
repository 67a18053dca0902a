"""Webhook bodies in the shapes Meta documents (developers.facebook.com/…/whatsapp/webhooks/reference/…)."""

from __future__ import annotations

from typing import Any

HK, TW = "2000000000001", "2000000000002"


def envelope(waba_id: str, field: str, value: dict[str, Any], *, time: int = 1767225600) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": time, "changes": [{"value": value, "field": field}]}],
    }


def template_status(
    template_id: str, name: str, language: str, event: str, reason: str = "NONE", waba_id: str = HK
) -> dict[str, Any]:
    return envelope(
        waba_id,
        "message_template_status_update",
        {
            "event": event,
            "message_template_id": int(template_id),
            "message_template_name": name,
            "message_template_language": language,
            "reason": reason,
            "message_template_category": "UTILITY",
        },
    )


def name_update(display: str, decision: str, name: str = "Harbour Lane", waba_id: str = HK) -> dict[str, Any]:
    value = {"display_phone_number": display, "decision": decision, "requested_verified_name": name}
    if decision == "REJECTED":
        value["rejection_reason"] = "INVALID_FORMAT"
    return envelope(waba_id, "phone_number_name_update", value)


def quality_update(display: str, event: str = "DOWNGRADE", waba_id: str = HK) -> dict[str, Any]:
    return envelope(
        waba_id,
        "phone_number_quality_update",
        {
            "display_phone_number": display,
            "event": event,
            "current_limit": "TIER_1K",
            "old_limit": "TIER_10K",
        },
    )
