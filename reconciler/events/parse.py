"""Meta's webhook envelope → Events.

    {"object": "whatsapp_business_account",
     "entry": [{"id": "<WABA ID>", "time": <unix>, "changes": [{"field": "...", "value": {...}}]}]}

Each `changes[]` item is one Event. A field wabaplan does not act on (`messages`, `history`, …) becomes
an Event of kind UNKNOWN, counted and ignored; so does a known field whose value lacks what names its
resource. Anything that is not this envelope raises PayloadError (the receiver answers 400).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from reconciler.events.model import Event, Kind

OBJECT = "whatsapp_business_account"


class PayloadError(ValueError):
    """The body is JSON but not Meta's webhook envelope."""


def _template(value: Mapping[str, Any]) -> dict[str, Any] | None:
    if value.get("message_template_id") in (None, ""):
        return None
    return {
        "kind": Kind.TEMPLATE,
        "template_id": str(value["message_template_id"]),
        "template_name": _text(value.get("message_template_name")),
        "template_language": _text(value.get("message_template_language")),
        "status": _text(value.get("event") or value.get("new_quality_score") or value.get("new_category")),
        "reason": _reason(value.get("reason")),
        "extra": _facts(value, "previous_quality_score", "new_quality_score", "previous_category"),
    }


def _number(status_key: str, *facts: str) -> Callable[[Mapping[str, Any]], dict[str, Any] | None]:
    def read(value: Mapping[str, Any]) -> dict[str, Any] | None:
        display = _text(value.get("display_phone_number") or value.get("phone_number"))
        if display is None:
            return None
        return {
            "kind": Kind.NUMBER,
            "display_phone_number": display,
            "status": _text(value.get(status_key)),
            "reason": _reason(value.get("rejection_reason") or value.get("reason")),
            "extra": _facts(value, *facts),
        }

    return read


def _account_update(value: Mapping[str, Any]) -> dict[str, Any] | None:
    """About a number when it names one (ACCOUNT_DELETED, a ban of a number), else about the WABA."""
    if value.get("phone_number") or value.get("display_phone_number"):
        return _number("event")(value)
    return _waba("event")(value)


def _account_alert(value: Mapping[str, Any]) -> dict[str, Any] | None:
    """An alert about a number (its business profile, its OBA status) names it by its ID; the rest of
    the alerts concern the WABA. Meta nests the alert's facts in `alert_info`."""
    info = value.get("alert_info") if isinstance(value.get("alert_info"), Mapping) else {}
    flat = {**value, **info}
    if str(value.get("entity_type", "")).upper() == "PHONE_NUMBER" and _text(value.get("entity_id")):
        return {
            "kind": Kind.NUMBER,
            "phone_number_id": _text(value.get("entity_id")),
            "status": _text(flat.get("alert_type")),
            "reason": _reason(flat.get("alert_description")),
            "extra": _facts(flat, "alert_severity", "alert_status"),
        }
    return _waba("alert_type", "entity_type", "entity_id", "alert_severity", "alert_status")(flat)


def _waba(status_key: str, *facts: str) -> Callable[[Mapping[str, Any]], dict[str, Any] | None]:
    def read(value: Mapping[str, Any]) -> dict[str, Any] | None:
        ban = value.get("ban_info") if isinstance(value.get("ban_info"), Mapping) else {}
        return {
            "kind": Kind.WABA,
            "status": _text(value.get(status_key)) or _text(ban.get("waba_ban_state")),
            "reason": _reason(value.get("reason") or value.get("alert_description")),
            "extra": _facts(value, *facts),
        }

    return read


# The fields wabaplan acts on, and how each names its resource (docs/watch.md has the table).
FIELDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any] | None]] = {
    "message_template_status_update": _template,
    "message_template_quality_update": _template,
    "template_category_update": _template,
    "phone_number_name_update": _number("decision", "requested_verified_name"),
    "phone_number_quality_update": _number("event", "current_limit", "old_limit"),
    "security": _number("event"),
    "account_update": _account_update,
    "account_review_update": _waba("decision"),
    "business_capability_update": _waba(
        "event", "max_daily_conversation_per_phone", "max_phone_numbers_per_business"
    ),
    "account_alerts": _account_alert,
}


def parse_payload(data: Any) -> tuple[Event, ...]:
    """Every change in a delivery, in order."""
    if not isinstance(data, Mapping) or data.get("object") != OBJECT:
        raise PayloadError(f'not a WhatsApp Business Account webhook: "object" must be "{OBJECT}"')
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise PayloadError('"entry" must be a list')
    events: list[Event] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("changes"), list):
            raise PayloadError('each "entry" needs "id" and a list of "changes"')
        waba_id, time = str(entry.get("id", "")), _int(entry.get("time"))
        for change in entry["changes"]:
            if not isinstance(change, Mapping):
                raise PayloadError('each "changes" item must be an object with "field" and "value"')
            events.append(_event(waba_id, time, change))
    return tuple(events)


def _event(waba_id: str, time: int, change: Mapping[str, Any]) -> Event:
    field = str(change.get("field", ""))
    value = change.get("value") if isinstance(change.get("value"), Mapping) else {}
    canonical = json.dumps({"field": field, "value": value}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{waba_id}\n{time}\n{canonical}".encode()).hexdigest()
    read = FIELDS.get(field)
    facts = read(value) if read is not None and waba_id else None
    if facts is None:
        return Event(digest, field, Kind.UNKNOWN, waba_id, time, canonical)
    return Event(digest, field, waba_id=waba_id, time=time, change=canonical, **facts)


def event_from_record(key: str, waba_id: str, time: int, change: str) -> Event:
    """An Event again from what the store kept of it (after a restart), under the key it was stored by."""
    return replace(_event(waba_id, time, json.loads(change)), key=key)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _reason(value: Any) -> str | None:
    text = _text(value)
    return None if text in (None, "NONE") else text


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _facts(value: Mapping[str, Any], *keys: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(value[k])) for k in keys if value.get(k) not in (None, ""))
