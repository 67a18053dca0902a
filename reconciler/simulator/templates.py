"""Message templates (META-API.md §5): create (PENDING until reviewed), list, edit, delete, migrate.

A new template's content is checked as Meta checks it on submission (template_content.py).

Limits: 100 creations per WABA per rolling hour; 250 templates per WABA (6,000 for a verified business
with an approved display name); a deleted APPROVED template's name is locked for 30 days; an approved
template may be edited once per 24 h and 10 times per 30 days.
"""

from __future__ import annotations

import re
from typing import Any

from .context import Ctx
from .errors import GraphError, invalid_parameter, missing_parameter
from .nodes import edge_page, template_cap, template_summary, waba_templates
from .protocol import p_int, p_json, p_str, p_summary, p_time, pick_summary
from .ratelimit import count_in_window
from .state import DeletedNameRec, TemplateRec, WabaRec
from .template_content import check_content

NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
CATEGORIES = ("AUTHENTICATION", "MARKETING", "UTILITY")
SUB_CATEGORIES = ("ORDER_DETAILS", "ORDER_STATUS", "RICH_ORDER_STATUS")  # META-API.md §5.2
SOURCES = ("AUTO_GENERATED", "MANUAL")  # list filter `source` (META-API.md §5.1)
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
EDITABLE = ("APPROVED", "REJECTED", "PAUSED")
DAY = 86400.0


def _error(subcode: int, title: str, detail: str) -> GraphError:
    return GraphError(100, "Invalid parameter", subcode=subcode, user_title=title, user_msg=detail)


# ------------------------------------------------------------------------------------------ listing


def list_templates(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    params = ctx.req.params
    items = waba_templates(ctx, waba)
    for key in ("name", "status", "category", "language", "quality_score"):
        wanted = p_str(params, key)
        if wanted:
            attr = key
            items = [t for t in items if str(getattr(t, attr)) == wanted]
    content = p_str(params, "content")
    if content:
        items = [t for t in items if content.lower() in _body_text(t).lower()]
    either = p_str(params, "name_or_content")
    if either:
        items = [t for t in items if either.lower() in t.name or either.lower() in _body_text(t).lower()]
    # since/until bound the creation time (META-API.md §5.1): Graph's usual unix timestamp or ISO date
    since, until = p_time(params, "since"), p_time(params, "until")
    if since is not None:
        items = [t for t in items if t.created_at >= since]
    if until is not None:
        items = [t for t in items if t.created_at <= until]
    source = p_str(params, "source")
    if source is not None:
        if source not in SOURCES:
            raise invalid_parameter("Param source must be one of {" + ", ".join(SOURCES) + "}")
        # a template made by hand or migrated is MANUAL; the world has no auto-generated templates
        items = items if source == "MANUAL" else []
    summary = pick_summary(p_summary(params), template_summary(ctx, waba, items))
    return edge_page(ctx, "template", items, f"/{waba.id}/message_templates", summary)


def _body_text(t: TemplateRec) -> str:
    return " ".join(str(c.get("text", "")) for c in t.components if isinstance(c, dict))


# ------------------------------------------------------------------------------------------ create


def validate_components(value: Any, category: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise invalid_parameter("Param components must be a non-empty array of components")
    seen: set[str] = set()
    for comp in value:
        if not isinstance(comp, dict) or comp.get("type") not in COMPONENT_TYPES:
            raise invalid_parameter(
                "Each component must be an object with type HEADER, BODY, FOOTER or BUTTONS"
            )
        kind = comp["type"]
        if kind in seen:
            raise invalid_parameter(f"A template may have only one {kind} component")
        seen.add(kind)
        text = comp.get("text")
        if text is not None and not isinstance(text, str):
            raise invalid_parameter(f"The text of the {kind} component must be a string")
        limits = {"HEADER": 60, "BODY": 1024, "FOOTER": 60}
        if isinstance(text, str) and kind in limits and len(text) > limits[kind]:
            raise _error(
                2388040,
                "Message template character limit exceeded",
                f"The {kind} text is {len(text)} characters; the limit is {limits[kind]}.",
            )
        if kind == "BODY" and category != "AUTHENTICATION" and not text:
            raise invalid_parameter("The BODY component needs text")
        if kind == "BUTTONS":
            buttons = comp.get("buttons")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= 10:
                raise invalid_parameter("The BUTTONS component needs 1 to 10 buttons")
    if "BODY" not in seen:
        raise invalid_parameter("A template needs a BODY component")
    return [dict(c) for c in value]


def create_template(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    """`POST /{WABA}/message_templates` (META-API.md §5): a PENDING template, once its parameters, the
    hourly creation limit and the room in the WABA are checked, in that order."""
    params = ctx.req.params
    name, language, category = _identity(params)
    if "components" not in params:
        raise missing_parameter("components")
    components = validate_components(p_json(params, "components"), category)
    parameter_format = p_str(params, "parameter_format") or "POSITIONAL"
    if parameter_format not in ("POSITIONAL", "NAMED"):
        raise invalid_parameter("Param parameter_format must be one of {POSITIONAL, NAMED}")
    check_content(category, parameter_format, components)  # what Meta refuses on submission
    ttl = p_int(params, "message_send_ttl_seconds")
    sub_category = p_str(params, "sub_category") or None
    if sub_category is not None and sub_category not in SUB_CATEGORIES:
        raise invalid_parameter(
            f"Param sub_category must be one of {{{', '.join(SUB_CATEGORIES)}}}, not {sub_category}"
        )
    _check_creation_rate(ctx, waba)
    _check_room(ctx, waba, name, language)
    waba.template_creations.append(ctx.now)
    rec = TemplateRec(
        id=ctx.state.new_id("6"),
        waba_id=waba.id,
        name=name,
        language=language,
        category=category,
        status="PENDING",
        quality_score="UNKNOWN",
        parameter_format=parameter_format,
        components=components,
        created_at=ctx.now,
        sub_category=sub_category,
        message_send_ttl_seconds=ttl,
    )
    ctx.state.templates[rec.id] = rec
    return {"id": rec.id, "status": rec.status, "category": rec.category}


def _identity(params: dict[str, Any]) -> tuple[str, str, str]:
    """The new template's name, language and category: all three required, then each well-formed."""
    name = p_str(params, "name", required=True) or ""
    language = p_str(params, "language", required=True) or ""
    category = p_str(params, "category", required=True) or ""
    if not NAME_RE.match(name):
        raise invalid_parameter("Param name must be at most 512 lower-case letters, digits and underscores")
    if not LANGUAGE_RE.match(language):
        raise invalid_parameter("Param language must be a template language code such as en_US")
    if category not in CATEGORIES:
        raise invalid_parameter("Param category must be one of " + ", ".join(CATEGORIES))
    return name, language, category


def _check_creation_rate(ctx: Ctx, waba: WabaRec) -> None:
    """At most `template_creations_per_hour` creations per WABA in a rolling hour (older ones forgotten)."""
    limits = ctx.state.limits
    recent = count_in_window(waba.template_creations, 3600.0, ctx.now)
    waba.template_creations[:] = recent
    if len(recent) >= limits.template_creations_per_hour:
        minutes = int((recent[0] + 3600.0 - ctx.now) // 60) + 1
        raise GraphError(
            80007,
            "(#80007) This WhatsApp Business Account has created "
            f"{limits.template_creations_per_hour} message "
            "templates in the past hour. Wait and try again.",
            is_transient=True,
            details=f"Message template creation limit reached; retry in about {minutes} min.",
        )


def _check_room(ctx: Ctx, waba: WabaRec, name: str, language: str) -> None:
    """Room in `waba` for the template: its name and language not taken, its name not locked by the
    deletion of an approved template, and the WABA's template cap not reached."""
    existing = ctx.state.templates_of(waba.id)
    if any(t.name == name and t.language == language for t in existing):
        raise _error(
            2388024,
            "Content in this language already exists",
            f"A template named {name} already exists in {language}. Edit it, or choose another name.",
        )
    for locked in ctx.state.deleted_names:
        if locked.waba_id == waba.id and locked.name == name and ctx.now < locked.locked_until:
            days = (locked.locked_until - ctx.now) / DAY
            raise _error(
                2388023,
                "Message template name is being deleted",
                f"The approved template {name} was deleted; its name cannot be used again for another "
                f"{days:.0f} day(s). Choose a new name.",
            )
    if len(existing) >= template_cap(ctx, waba):
        raise _error(
            2388019,
            "Message template limit exceeded",
            f"This WhatsApp Business Account has reached its limit of {template_cap(ctx, waba)} "
            "message templates.",
        )


# -------------------------------------------------------------------------------------------- edit


def edit_template(ctx: Ctx, t: TemplateRec) -> dict[str, Any]:
    params = ctx.req.params
    if not any(k in params for k in ("category", "components", "message_send_ttl_seconds")):
        raise invalid_parameter("Nothing to edit: give category, components or message_send_ttl_seconds")
    if t.status not in EDITABLE:
        raise invalid_parameter(
            f"A template with status {t.status} cannot be edited (only {', '.join(EDITABLE)})"
        )
    category = p_str(params, "category") or t.category
    if category not in CATEGORIES:
        raise invalid_parameter("Param category must be one of " + ", ".join(CATEGORIES))
    if t.status == "APPROVED" and category != t.category:
        raise invalid_parameter("The category of an approved template cannot be changed")
    components = (
        validate_components(p_json(params, "components"), category) if "components" in params else None
    )
    ttl = p_int(params, "message_send_ttl_seconds", t.message_send_ttl_seconds)
    if t.status == "APPROVED":
        if count_in_window(t.edits, DAY, ctx.now):
            raise _error(
                2388299, "Edit limit reached", "An approved template can be edited once per 24 hours."
            )
        if len(count_in_window(t.edits, 30 * DAY, ctx.now)) >= 10:
            raise _error(
                2388299, "Edit limit reached", "An approved template can be edited 10 times per 30 days."
            )
        t.edits.append(ctx.now)
    if category != t.category:
        t.previous_category = t.category
        t.category = category
    if components is not None:
        t.components = components
    t.message_send_ttl_seconds = ttl
    t.status = "PENDING"  # an edit goes back to review
    return {"success": True}


# ------------------------------------------------------------------------------------------ delete


def delete_templates(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    """`?name=` deletes every language of the name; `hsm_id` (with `name`) or `hsm_ids` (a JSON array
    of template IDs; `name`, if given, must match) delete just those (META-API.md §5.1)."""
    params = ctx.req.params
    ids = _hsm_ids(params)
    name = p_str(params, "name", required="hsm_ids" not in params)
    targets = [t for t in ctx.state.templates_of(waba.id) if name is None or t.name == name]
    if ids:
        targets = [t for t in targets if t.id in ids]
        missing = sorted(ids - {t.id for t in targets})
        if missing:
            raise _error(
                2593002,
                "Message template not found",
                f"No message template with ID {', '.join(missing)}"
                + (f" named {name}" if name else "")
                + " in this account.",
            )
    if not targets:
        raise _error(
            2593002, "Message template not found", f"No message template named {name} in this account."
        )
    if any(t.status == "DISABLED" for t in targets):
        raise invalid_parameter("A DISABLED message template cannot be deleted")
    lock_until = ctx.now + ctx.state.limits.template_name_lock_days * DAY
    for t in targets:
        if t.status == "APPROVED":
            ctx.state.deleted_names.append(DeletedNameRec(waba.id, t.name, t.language, lock_until))
        del ctx.state.templates[t.id]
    ctx.notes["deleted_templates"] = [t.id for t in targets]
    return {"success": True}


def _hsm_ids(params: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    if "hsm_ids" in params:
        value = p_json(params, "hsm_ids")
        if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
            raise invalid_parameter("Param hsm_ids must be a non-empty JSON array of template IDs")
        ids.update(str(v) for v in value)
    hsm_id = p_str(params, "hsm_id")
    if hsm_id:
        ids.add(hsm_id)
    return ids


# ------------------------------------------------------------------------------------------ migrate


def _copy(ctx: Ctx, t: TemplateRec, dest: WabaRec) -> TemplateRec:
    rec = TemplateRec(
        id=ctx.state.new_id("6"),
        waba_id=dest.id,
        name=t.name,
        language=t.language,
        category=t.category,
        status=t.status,
        quality_score="UNKNOWN",  # quality is not copied (META-API.md §1.2)
        parameter_format=t.parameter_format,
        components=[dict(c) for c in t.components],
        created_at=ctx.now,
        sub_category=t.sub_category,
        message_send_ttl_seconds=t.message_send_ttl_seconds,
    )
    ctx.state.templates[rec.id] = rec
    return rec


def duplicate_templates(ctx: Ctx, source_waba_id: str, dest_waba_id: str) -> int:
    """What a number migration does by itself: APPROVED + GREEN templates are copied, up to the cap."""
    dest = ctx.state.wabas[dest_waba_id]
    copied = 0
    for t in ctx.state.templates_of(source_waba_id):
        if t.status != "APPROVED" or t.quality_score != "GREEN":
            continue
        if any(d.name == t.name and d.language == t.language for d in ctx.state.templates_of(dest.id)):
            continue
        if len(ctx.state.templates_of(dest.id)) >= template_cap(ctx, dest):
            break
        _copy(ctx, t, dest)
        copied += 1
    return copied


def migrate_templates(ctx: Ctx, dest: WabaRec) -> dict[str, Any]:
    """`POST /{DEST}/migrate_message_templates` (META-API.md §5.5)."""
    params = ctx.req.params
    source_id = p_str(params, "source_waba_id", required=True) or ""
    source = ctx.state.wabas.get(source_id)
    if source is None or source.owner_business != dest.owner_business:
        raise _error(
            2388103,
            "Templates cannot be migrated",
            "Templates can only be migrated between WhatsApp Business Accounts of the same "
            "business portfolio.",
        )
    page_number = p_int(params, "page_number", 0) or 0
    count = p_int(params, "count", 500) or 500
    if not 1 <= count <= 500 or page_number < 0:
        raise invalid_parameter("Param count must be 1 to 500 and page_number at least 0")
    wanted = p_json(params, "template_ids")
    candidates = sorted(ctx.state.templates_of(source.id), key=lambda t: t.id)
    if wanted is not None:
        if not isinstance(wanted, list) or len(wanted) > 500:
            raise invalid_parameter("Param template_ids must be an array of at most 500 IDs")
        ids = {str(i) for i in wanted}
        candidates = [t for t in candidates if t.id in ids]
    else:
        candidates = candidates[page_number * count : (page_number + 1) * count]
    migrated: list[str] = []
    failed: dict[str, str] = {}
    for t in candidates:
        if t.status != "APPROVED" or t.quality_score not in ("GREEN", "UNKNOWN"):
            failed[t.id] = f"Not eligible: status {t.status}, quality {t.quality_score}"
        elif any(d.name == t.name and d.language == t.language for d in ctx.state.templates_of(dest.id)):
            failed[t.id] = "A template with this name and language already exists"
        elif len(ctx.state.templates_of(dest.id)) >= template_cap(ctx, dest):
            failed[t.id] = "Message template limit reached"
        else:
            _copy(ctx, t, dest)
            migrated.append(t.id)
    return {"migrated_templates": migrated, "failed_templates": failed}


# ------------------------------------------------------------------------------ simulator-only


def review_template(t: TemplateRec, approve: bool, reason: str | None = None) -> None:
    if t.status != "PENDING":
        raise GraphError(100, f"(#100) Template {t.id} is {t.status}, not PENDING review")
    t.status = "APPROVED" if approve else "REJECTED"
    t.rejected_reason = None if approve else (reason or "INVALID_FORMAT")
