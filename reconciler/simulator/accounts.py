"""WABA and business operations: read and update the WABA, webhook subscriptions, business listings."""

from __future__ import annotations

import re
from typing import Any

from .context import Ctx
from .errors import invalid_parameter
from .nodes import edge_page, fields_of, owned_wabas, render
from .protocol import p_bool, p_str
from .state import BusinessRec, SubscriptionRec, WabaRec, seal

URI_RE = re.compile(r"^https://[^\s]+$")


def get_node(kind: str) -> Any:
    def handler(ctx: Ctx, obj: Any) -> dict[str, Any]:
        return render(ctx, kind, obj, fields_of(ctx))

    return handler


# ------------------------------------------------------------------------------------------ WABA

WABA_BOOLEANS = (
    "is_enabled_for_insights",
    "template_auto_archival_enabled",
    "disable_marketing_messages_on_cloud_api",
)


def update_waba(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    """`POST /{WABA-ID}`: the SDK's booleans, and `name`/`timezone_id` (spec). The time zone and the
    currency cannot change once a credit line / payment method is attached (META-API.md §3.1)."""
    params = ctx.req.params
    updates: dict[str, Any] = {}
    name = p_str(params, "name")
    if name is not None:
        if not 1 <= len(name) <= 100:
            raise invalid_parameter("Param name must be between 1 and 100 characters")
        updates["name"] = name
    for key, pattern, what in FIXED_ONCE_PAID:
        value = p_str(params, key)
        if value is None or value == getattr(waba, key):
            continue
        if not re.fullmatch(pattern, value):
            raise invalid_parameter(f"Param {key} must be {what}")
        if waba.payment_method_attached:
            raise invalid_parameter(
                f"The {key} of a WhatsApp Business Account cannot be changed once a payment method "
                "is attached"
            )
        updates[key] = value
    for key in WABA_BOOLEANS:
        if key in params:
            updates[key] = p_bool(params, key)
    if not updates and not any(p_str(params, key) is not None for key, _, _ in FIXED_ONCE_PAID):
        raise invalid_parameter(
            "No supported field to update: name, timezone_id, currency, " + ", ".join(WABA_BOOLEANS)
        )
    for key, value in updates.items():  # everything validated first: no half-applied update
        setattr(waba, key, value)
    return {"success": True}


# (param, pattern, description) of what is fixed once a payment method is attached (META-API.md §3.1)
FIXED_ONCE_PAID = (
    ("timezone_id", r"[0-9]{1,4}", "a time zone ID such as 1"),
    ("currency", r"[A-Z]{3}", "an ISO 4217 currency code such as USD"),
)


# ------------------------------------------------------------------------------- subscribed apps


def list_subscribed_apps(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    # Meta answers this edge in one piece (`data` only).
    return {"data": [render(ctx, "subscription", s, fields_of(ctx)) for s in waba.subscriptions]}


def subscribe_app(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    """Subscribe the calling app; with both override params set a WABA callback, without clear it."""
    params = ctx.req.params
    uri = p_str(params, "override_callback_uri")
    verify = p_str(params, "verify_token")
    if uri:
        if len(uri) > 200 or not URI_RE.match(uri):
            raise invalid_parameter(
                "Param override_callback_uri must be an https URL of at most 200 characters"
            )
        if not verify:
            raise invalid_parameter("Param verify_token is required with override_callback_uri")
    elif verify:
        raise invalid_parameter("Param override_callback_uri is required with verify_token")
    app_id = ctx.token.app_id
    existing = next((s for s in waba.subscriptions if s.app_id == app_id), None)
    if existing is None:
        existing = SubscriptionRec(app_id)
        waba.subscriptions.append(existing)
    existing.override_callback_uri = uri or None
    existing.verify_token = seal(verify or None)
    return {"success": True}


def unsubscribe_app(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    waba.subscriptions = [s for s in waba.subscriptions if s.app_id != ctx.token.app_id]
    return {"success": True}


# ----------------------------------------------------------------------------------- business


def business_wabas(ctx: Ctx, business: BusinessRec) -> dict[str, Any]:
    return edge_page(
        ctx, "waba", owned_wabas(ctx, business), f"/{business.id}/owned_whatsapp_business_accounts"
    )


def business_client_wabas(ctx: Ctx, business: BusinessRec) -> dict[str, Any]:
    return edge_page(ctx, "waba", [], f"/{business.id}/client_whatsapp_business_accounts")
