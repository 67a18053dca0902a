"""How each Graph node renders: its fields, its defaults, its edges (for `fields=` expansion).

    render(ctx, "phone", number, parse_fields("id,status"))   -> {"id": …, "status": …}
    list_page(ctx, "phone", numbers, …)                        -> {"data": [...], "paging": {...}}

`fields=` returns the requested fields plus `id`; without it, the node's defaults. Fields whose value is
unset are omitted, as Meta omits them. Nested edges answer `{data, paging}` objects (META-API.md §7.6):
the spec's plain arrays for `phone_numbers`/`message_templates`/`subscribed_apps` on the WABA node are
wrong, see docs/simulator.md "Spec exceptions".
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers

from .clock import iso
from .context import Ctx
from .errors import nonexisting_field
from .fields import FieldSpec, parse_fields
from .paging import DEFAULT_LIMIT, clamp_limit, paginate, paging_object
from .protocol import p_str, p_summary, pick_summary
from .state import REGISTERED, NumberRec, SubscriptionRec, TemplateRec, WabaRec

Getter = Callable[[Ctx, Any], Any]
EdgeLister = Callable[[Ctx, Any], list[Any]]


@dataclass(frozen=True)
class NodeType:
    name: str  # Meta's node type name, used in "(#100) Tried accessing nonexisting field"
    fields: Mapping[str, Getter]
    default: tuple[str, ...]
    edges: Mapping[str, tuple[str, EdgeLister]]  # edge -> (item kind, lister)
    has_id: bool = True
    list_default: tuple[str, ...] | None = None  # defaults as an item of a list edge, if they differ


def _unmodelled(ctx: Ctx, obj: Any) -> None:
    """A documented field the world does not model: omitted, as Meta omits unset fields."""
    return None


# ------------------------------------------------------------------------------------------- WABA


def _waba_business_verification(ctx: Ctx, w: WabaRec) -> str | None:
    b = ctx.state.businesses.get(w.owner_business)
    return b.verification_status if b else None


def _owner_info(ctx: Ctx, w: WabaRec) -> dict[str, str] | None:
    b = ctx.state.businesses.get(w.owner_business)
    return {"id": b.id, "name": b.name} if b else None


def _funding(ctx: Ctx, w: WabaRec) -> str | None:
    """The ID of the payment method / credit line the WABA bills to; omitted while none is attached."""
    return f"58{w.id}" if w.payment_method_attached else None


def _waba_health(ctx: Ctx, w: WabaRec) -> dict[str, Any]:
    entities: list[dict[str, Any]] = [
        {"entity_type": "WABA", "id": w.id, "can_send_message": _waba_can_send(w)},
    ]
    b = ctx.state.businesses.get(w.owner_business)
    if b:
        entities.append(
            {
                "entity_type": "BUSINESS",
                "id": b.id,
                "can_send_message": "AVAILABLE" if b.verification_status == "verified" else "LIMITED",
            }
        )
    return {"can_send_message": _worst(e["can_send_message"] for e in entities), "entities": entities}


def _waba_can_send(w: WabaRec) -> str:
    return {"APPROVED": "AVAILABLE", "PENDING": "LIMITED"}.get(w.account_review_status, "BLOCKED")


def _worst(values: Any) -> str:
    order = ["AVAILABLE", "LIMITED", "BLOCKED"]
    return max(values, key=order.index, default="AVAILABLE")


def waba_numbers(ctx: Ctx, w: WabaRec) -> list[NumberRec]:
    """Most recently onboarded first (META-API.md §2.1), then by ID."""
    numbers = ctx.state.numbers_of(w.id)
    return sorted(numbers, key=lambda n: (-(n.last_onboarded_time or n.created_at), n.id))


def waba_templates(ctx: Ctx, w: WabaRec) -> list[TemplateRec]:
    return sorted(ctx.state.templates_of(w.id), key=lambda t: (-t.created_at, t.id))


def waba_subscriptions(ctx: Ctx, w: WabaRec) -> list[SubscriptionRec]:
    return list(w.subscriptions)


WABA = NodeType(
    name="WhatsAppBusinessAccount",
    fields={
        "id": lambda c, w: w.id,
        "name": lambda c, w: w.name,
        "currency": lambda c, w: w.currency,
        "timezone_id": lambda c, w: w.timezone_id,
        "message_template_namespace": lambda c, w: w.message_template_namespace,
        "account_review_status": lambda c, w: w.account_review_status,
        "business_verification_status": _waba_business_verification,
        "country": lambda c, w: w.country,
        "ownership_type": lambda c, w: w.ownership_type,
        "owner_business_info": _owner_info,
        "owner_business": _owner_info,
        "creation_time": lambda c, w: iso(w.created_at),
        "status": lambda c, w: "ACTIVE",
        "is_enabled_for_insights": lambda c, w: w.is_enabled_for_insights,
        "template_auto_archival_enabled": lambda c, w: w.template_auto_archival_enabled,
        "disable_marketing_messages_on_cloud_api": lambda c, w: w.disable_marketing_messages_on_cloud_api,
        "health_status": _waba_health,
        "primary_funding_id": _funding,
        # Documented (META-API.md §3.1; the last three from the spec, S:790) but not in the world: omitted.
        **dict.fromkeys(
            (
                "on_behalf_of_business_info",
                "primary_business_location",
                "is_shared_with_partners",
                "purchase_order_number",
                "analytics",
                "auth_international_rate_eligibility",
                "marketing_messages_lite_api_status",
                "marketing_messages_onboarding_status",
                "linked_commerce_account",
                "audiences",
                "schedules",
                "dcc_config",
            ),
            _unmodelled,
        ),
    },
    default=("id", "name", "timezone_id", "message_template_namespace"),
    # as an item of a business's WABA list (META-API.md §3.1)
    list_default=("id", "name", "currency", "timezone_id", "message_template_namespace"),
    edges={
        "phone_numbers": ("phone", waba_numbers),
        "message_templates": ("template", waba_templates),
        "subscribed_apps": ("subscription", waba_subscriptions),
    },
)

# ------------------------------------------------------------------------------------ phone numbers


def _webhook_configuration(ctx: Ctx, n: NumberRec) -> dict[str, str] | None:
    out: dict[str, str] = {}
    if n.webhook_override_uri:
        out["phone_number"] = n.webhook_override_uri
    waba = ctx.state.wabas.get(n.waba_id)
    if waba:
        for s in waba.subscriptions:
            if s.app_id == ctx.token.app_id and s.override_callback_uri:
                out["whatsapp_business_account"] = s.override_callback_uri
    app = ctx.state.apps.get(ctx.token.app_id)
    if app and app.callback_url:
        out["application"] = app.callback_url
    return out or None


def _number_health(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    number_state = (
        "AVAILABLE" if n.status in ("CONNECTED",) else ("LIMITED" if n.status in REGISTERED else "BLOCKED")
    )
    entity: dict[str, Any] = {"entity_type": "PHONE_NUMBER", "id": n.id, "can_send_message": number_state}
    if number_state == "BLOCKED":
        entity["errors"] = [
            {
                "error_code": 141000,
                "error_description": f"The phone number is {n.status.lower()}.",
                "possible_solution": "Register the phone number.",
            }
        ]
    entities = [entity]
    waba = ctx.state.wabas.get(n.waba_id)
    if waba:
        entities.extend(_waba_health(ctx, waba)["entities"])
    return {"can_send_message": _worst(e["can_send_message"] for e in entities), "entities": entities}


def _certificate(n: NumberRec, name: str) -> str:
    digest = hashlib.sha256(f"{n.e164}:{name}".encode()).digest()
    return base64.b64encode(b"CmUKIQ" + digest).decode()


def _region(n: NumberRec) -> str | None:
    return phonenumbers.region_code_for_number(phonenumbers.parse(n.e164, None))


def _dial_code(n: NumberRec) -> str:
    return str(phonenumbers.parse(n.e164, None).country_code)


# The spec's unified_cert_status (S:6134) read off the display-name review; UNCERTAIN (META-API.md §2.2).
UNIFIED_CERT_STATUS = {
    "APPROVED": "APPROVED",
    "AVAILABLE_WITHOUT_REVIEW": "APPROVED",
    "PENDING_REVIEW": "NAME_PENDING_REVIEW",
    "DECLINED": "NAME_NOT_APPROVED",
    "EXPIRED": "NAME_NOT_APPROVED",
}


PHONE = NodeType(
    name="WhatsAppBusinessPhoneNumber",
    fields={
        "id": lambda c, n: n.id,
        "display_phone_number": lambda c, n: n.display_phone_number,
        "verified_name": lambda c, n: n.verified_name,
        "quality_rating": lambda c, n: n.quality_rating,
        "code_verification_status": lambda c, n: n.code_verification_status,
        "name_status": lambda c, n: n.name_status,
        "new_display_name": lambda c, n: n.new_display_name,
        "new_name_status": lambda c, n: n.new_name_status,
        "status": lambda c, n: n.status,
        "platform_type": lambda c, n: n.platform_type,
        "throughput": lambda c, n: {"level": n.throughput},
        "account_mode": lambda c, n: n.account_mode,
        "messaging_limit_tier": lambda c, n: n.messaging_limit_tier,
        "is_official_business_account": lambda c, n: n.is_official_business_account,
        "is_pin_enabled": lambda c, n: n.two_step_enabled,
        "is_on_biz_app": lambda c, n: False,
        "last_onboarded_time": lambda c, n: iso(n.last_onboarded_time) if n.last_onboarded_time else None,
        "webhook_configuration": _webhook_configuration,
        "health_status": _number_health,
        "search_visibility": lambda c, n: n.search_visibility,
        "data_localization_region": lambda c, n: n.data_localization_region,
        "certificate": lambda c, n: _certificate(n, n.verified_name) if n.name_status == "APPROVED" else None,
        "new_certificate": lambda c, n: _certificate(n, n.verified_name) if n.needs_reregister else None,
        "country_code": lambda c, n: _region(n),
        "country_dial_code": lambda c, n: _dial_code(n),
        "host_platform": lambda c, n: n.platform_type,  # the spec's name for platform_type (§2.2)
        "unified_cert_status": lambda c, n: UNIFIED_CERT_STATUS.get(n.name_status),
        "quality_score": lambda c, n: {"score": n.quality_rating},
        "is_preverified_number": lambda c, n: False,  # the world holds no pre-verified numbers
        # Served by Meta and asked for by real clients, not modelled by the world: omitted.
        **dict.fromkeys(
            (
                "username",
                "conversational_automation",
                "eligibility_for_api_business_global_search",
                "official_business_account",
                "whatsapp_business_manager_messaging_limit",
            ),
            _unmodelled,
        ),
    },
    # GET /{Phone-Number-ID} without fields= (META-API.md §2.1, spec S:15480).
    default=("id", "display_phone_number", "verified_name", "quality_rating"),
    # As an item of the phone_numbers edge: the docs' example set (§2.2), plus `status`, which the spec
    # marks required there.
    list_default=(
        "verified_name",
        "code_verification_status",
        "display_phone_number",
        "quality_rating",
        "platform_type",
        "throughput",
        "webhook_configuration",
        "status",
        "id",
    ),
    edges={},
)

# ----------------------------------------------------------------------------------------- templates


def template_cap(ctx: Ctx, waba: WabaRec) -> int:
    """How many templates a WABA may hold: 6,000 for a verified business with an approved display name,
    else 250 (the summary's `message_template_limit`; creating and migrating templates stop there)."""
    business = ctx.state.businesses.get(waba.owner_business)
    verified = business is not None and business.verification_status == "verified"
    named = any(
        n.name_status == "APPROVED"
        for w in ctx.state.wabas.values()
        if w.owner_business == waba.owner_business
        for n in ctx.state.numbers_of(w.id)
    )
    return 6000 if verified and named else 250


def template_summary(ctx: Ctx, waba: WabaRec, items: Sequence[TemplateRec]) -> dict[str, Any]:
    """The templates edge's summary fields (META-API.md §11)."""
    return {
        "total_count": len(items),
        "message_template_count": len(ctx.state.templates_of(waba.id)),
        "message_template_limit": template_cap(ctx, waba),
        "are_translations_complete": True,
    }


TEMPLATE = NodeType(
    name="WhatsAppMessageTemplate",
    fields={
        "id": lambda c, t: t.id,
        "name": lambda c, t: t.name,
        "language": lambda c, t: t.language,
        "status": lambda c, t: t.status,
        "category": lambda c, t: t.category,
        "components": lambda c, t: t.components,
        "parameter_format": lambda c, t: t.parameter_format,
        "quality_score": lambda c, t: {"score": t.quality_score, "date": int(t.created_at)},
        "rejected_reason": lambda c, t: t.rejected_reason or "NONE",
        "previous_category": lambda c, t: t.previous_category,
        "sub_category": lambda c, t: t.sub_category,
        "message_send_ttl_seconds": lambda c, t: t.message_send_ttl_seconds,
        # Meta's other template fields: not modelled (no template comes from the library, none is
        # re-categorised, link tracking is never opted out of), so omitted.
        **dict.fromkeys(
            ("correct_category", "library_template_name", "cta_url_link_tracking_opted_out"), _unmodelled
        ),
    },
    default=("name", "parameter_format", "components", "language", "status", "category", "id"),
    edges={},
)

# ------------------------------------------------------------------------------ subscribed apps


def _api_data(ctx: Ctx, s: SubscriptionRec) -> dict[str, str]:
    app = ctx.state.apps.get(s.app_id)
    return {
        "link": f"https://www.facebook.com/games/?app_id={s.app_id}",
        "name": app.name if app else s.app_id,
        "id": s.app_id,
    }


SUBSCRIPTION = NodeType(
    name="WhatsAppBusinessAccountSubscribedApp",
    fields={
        "whatsapp_business_api_data": _api_data,
        "override_callback_uri": lambda c, s: s.override_callback_uri,
    },
    default=("whatsapp_business_api_data", "override_callback_uri"),
    edges={},
    has_id=False,
)

# -------------------------------------------------------------------------------------- business


def owned_wabas(ctx: Ctx, b: Any) -> list[WabaRec]:
    reach = {*ctx.token.wabas, *ctx.token.view_only_wabas}
    return [w for w in ctx.state.wabas.values() if w.owner_business == b.id and w.id in reach]


BUSINESS = NodeType(
    name="Business",
    fields={
        "id": lambda c, b: b.id,
        "name": lambda c, b: b.name,
        "verification_status": lambda c, b: b.verification_status,
        "timezone_id": lambda c, b: b.timezone_id,  # the spec's own example asks for it (S: Business)
        "link": lambda c, b: f"https://business.facebook.com/settings/info?business_id={b.id}",
        # The Business node's other documented fields, not modelled by the world: omitted.
        **dict.fromkeys(
            (
                "created_by",
                "created_time",
                "updated_by",
                "updated_time",
                "primary_page",
                "profile_picture_uri",
                "two_factor_type",
                "vertical",
                "vertical_id",
                "is_hidden",
                "block_offline_analytics",
                "whatsapp_business_manager_messaging_limit",
            ),
            _unmodelled,
        ),
    },
    default=("id", "name"),
    edges={
        "owned_whatsapp_business_accounts": ("waba", owned_wabas),
        "client_whatsapp_business_accounts": ("waba", lambda c, b: []),
    },
)

NODE_TYPES: dict[str, NodeType] = {
    "waba": WABA,
    "phone": PHONE,
    "template": TEMPLATE,
    "subscription": SUBSCRIPTION,
    "business": BUSINESS,
}


# -------------------------------------------------------------------------------------- rendering


def render(
    ctx: Ctx, kind: str, obj: Any, specs: Sequence[FieldSpec] | None, *, as_item: bool = False
) -> dict[str, Any]:
    """One object; `as_item` when it is an item of a list edge (some nodes have other defaults there)."""
    node = NODE_TYPES[kind]
    if specs is None:
        default = node.list_default if as_item and node.list_default else node.default
        specs = [FieldSpec(name) for name in default]
    elif node.has_id and not any(s.name == "id" for s in specs):
        specs = [*specs, FieldSpec("id")]
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.name in node.fields:
            value = node.fields[spec.name](ctx, obj)
            if value is not None:
                out[spec.name] = value
        elif spec.name in node.edges:
            out[spec.name] = render_edge(ctx, kind, obj, spec)
        else:
            raise nonexisting_field(spec.name, node.name)
    return out


def render_edge(ctx: Ctx, kind: str, obj: Any, spec: FieldSpec) -> dict[str, Any]:
    """A nested edge (`phone_numbers.limit(5){id}`): `{data, paging}` like the edge itself."""
    item_kind, lister = NODE_TYPES[kind].edges[spec.name]
    limit = clamp_limit(spec.modifiers.get("limit"), DEFAULT_LIMIT)
    query = {"fields": _unparse(spec.subfields)} if spec.subfields else {}
    if "access_token" in ctx.req.query:
        query["access_token"] = ctx.req.query["access_token"]
    items = lister(ctx, obj)
    wanted = p_summary(spec.modifiers)  # `.summary(true)` (META-API.md §7.6, §11)
    return list_page(
        ctx,
        item_kind,
        items,
        fields=spec.subfields,
        limit=limit,
        after=None,
        before=None,
        url=ctx.url(f"/{obj.id}/{spec.name}"),
        query=query,
        summary=pick_summary(wanted, edge_summary(ctx, obj, spec.name, items)) if wanted else None,
    )


def edge_summary(ctx: Ctx, owner: Any, edge: str, items: Sequence[Any]) -> dict[str, Any]:
    """Everything `summary=true` reports on an edge: `total_count`; templates add their counts (§11)."""
    if edge == "message_templates":
        return template_summary(ctx, owner, items)
    return {"total_count": len(items)}


def list_page(
    ctx: Ctx,
    kind: str,
    items: Sequence[Any],
    *,
    fields: Sequence[FieldSpec] | None,
    limit: int,
    after: str | None,
    before: str | None,
    url: str,
    query: Mapping[str, str],
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    key = (lambda o: o.id) if NODE_TYPES[kind].has_id else (lambda o: o.app_id)
    page, cursors, has_next, has_prev = paginate(items, key, limit=limit, after=after, before=before)
    out: dict[str, Any] = {"data": [render(ctx, kind, o, fields, as_item=True) for o in page]}
    paging = paging_object(cursors, has_next, has_prev, url=url, query=query, limit=limit)
    if paging:
        out["paging"] = paging
    if summary is not None:
        out["summary"] = summary
    return out


def fields_of(ctx: Ctx) -> Any:
    """The request's own `fields=`, parsed (None without it: the node's defaults)."""
    return parse_fields(p_str(ctx.req.params, "fields"))


def edge_page(
    ctx: Ctx, kind: str, items: list[Any], path: str, summary: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A list edge asked for directly (`GET /{WABA-ID}/phone_numbers`): paged by the request's own
    `limit`, `after` and `before`."""
    params = ctx.req.params
    return list_page(
        ctx,
        kind,
        items,
        fields=fields_of(ctx),
        limit=clamp_limit(params.get("limit")),
        after=p_str(params, "after"),
        before=p_str(params, "before"),
        url=ctx.url(path),
        query=ctx.req.query,
        summary=summary,
    )


def _unparse(specs: Sequence[FieldSpec] | None) -> str:
    parts = []
    for s in specs or ():
        text = s.name + "".join(f".{k}({v})" for k, v in s.modifiers.items())
        if s.subfields is not None:
            text += "{" + _unparse(s.subfields) + "}"
        parts.append(text)
    return ",".join(parts)
