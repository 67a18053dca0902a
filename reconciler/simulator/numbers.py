"""Phone-number operations and their state machines (META-API.md §1, §2, §4).

add (POST /{WABA}/phone_numbers) ──► PENDING, NOT_VERIFIED
    ──request_code──► code in the inbox ──verify_code──► VERIFIED ──register──► CONNECTED
add with migrate_phone_number=true: the same, after the migration preconditions (§1.3); when the
    destination registers, the source record becomes MIGRATED and stops serving (§1.6).
CONNECTED ──deregister──► DISCONNECTED ──register (PIN)──► CONNECTED   (each ≤ 10 per rolling 72 h)
rename: POST new_display_name ──► new_name_status PENDING_REVIEW ──review──► APPROVED (re-register) / DECLINED
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import phonenumbers

from . import errors as E
from .context import Ctx
from .errors import GraphError, invalid_parameter, migration_error, missing_parameter
from .nodes import edge_page, waba_numbers
from .protocol import p_bool, p_json, p_str, p_summary, pick_summary
from .ratelimit import count_in_window
from .state import GONE, CodeRec, NumberRec, ProfileRec, WabaRec, seal, sealed_matches
from .templates import duplicate_templates
from .world import display_form

HOURS_72 = 72 * 3600.0
PIN_RE = re.compile(r"^[0-9]{6}$")
URI_RE = re.compile(r"^https://[^\s]+$")
WEBSITE_RE = re.compile(r"^https?://[^\s]+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2,4})?$")
REGIONS = frozenset({"AE", "AU", "BH", "BR", "CA", "CH", "DE", "GB", "ID", "IN", "JP", "KR", "SG", "ZA"})
VERTICALS = frozenset(
    {
        "",
        "ALCOHOL",
        "APPAREL",
        "AUTO",
        "BEAUTY",
        "EDU",
        "ENTERTAIN",
        "EVENT_PLAN",
        "FINANCE",
        "GOVT",
        "GROCERY",
        "HEALTH",
        "HOTEL",
        "NONPROFIT",
        "ONLINE_GAMBLING",
        "OTC_DRUGS",
        "OTHER",
        "PHYSICAL_GAMBLING",
        "PROF_SERVICES",
        "RESTAURANT",
        "RETAIL",
        "TRAVEL",
    }
)
PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")
PROFILE_EXTRA_FIELDS = ("id", "messaging_product", "account_name")  # account_name: not modelled, omitted


def serving(n: NumberRec, method: str) -> None:
    """A migrated (or deleted) number record stops serving: writes are refused like an unknown object."""
    if n.status in GONE:
        raise E.unsupported_request(method, n.id)


def being_onboarded(n: NumberRec) -> bool:
    """Only numbers being added or migrated may receive and verify one-time codes."""
    return n.status in ("PENDING", "UNVERIFIED") and not n.registered


# ---------------------------------------------------------------------------------------- listing


def list_numbers(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    params = ctx.req.params
    numbers = waba_numbers(ctx, waba)
    sort = p_str(params, "sort")
    if sort:
        keys = {
            "last_onboarded_time.desc": lambda n: -(n.last_onboarded_time or n.created_at),
            "last_onboarded_time.asc": lambda n: n.last_onboarded_time or n.created_at,
            "creation_time.desc": lambda n: -n.created_at,
            "creation_time.asc": lambda n: n.created_at,
        }
        if sort not in keys:
            raise invalid_parameter(f"Param sort must be one of {', '.join(keys)}")
        numbers = sorted(numbers, key=lambda n: (keys[sort](n), n.id))
    filtering = p_json(params, "filtering")
    if filtering:
        if not isinstance(filtering, list):
            raise invalid_parameter("Param filtering must be a JSON array of {field, operator, value}")
        for rule in filtering:
            if (
                not isinstance(rule, dict)
                or rule.get("field") not in FILTERABLE
                or rule.get("operator") != "EQUAL"
            ):
                raise invalid_parameter(
                    f"Only filtering on {', '.join(FILTERABLE)} with operator EQUAL is supported"
                )
            field, wanted = rule["field"], _filter_value(rule.get("value"))
            numbers = [n for n in numbers if _filter_value(getattr(n, field)) == wanted]
    summary = pick_summary(p_summary(params), {"total_count": len(numbers)})
    return edge_page(ctx, "phone", numbers, f"/{waba.id}/phone_numbers", summary)


# `filtering` fields of the phone_numbers edge (spec S:25706; §2.1), each a NumberRec attribute
FILTERABLE = ("account_mode", "messaging_limit_tier", "is_official_business_account")


def _filter_value(value: Any) -> str:
    """Compare filter values as text: a JSON `true` and a `"true"` mean the same."""
    text = str(value)
    return text.lower() if text.lower() in ("true", "false") else text


# ----------------------------------------------------------------------------------- add / migrate


def add_number(ctx: Ctx, waba: WabaRec) -> dict[str, Any]:
    """`POST /{WABA}/phone_numbers`: a PENDING number, added afresh (META-API.md §4.1) or, with
    `migrate_phone_number=true`, migrating from the WABA where it is registered (§1.4)."""
    params = ctx.req.params
    number, cc, national = _requested_number(params)
    migrate = p_bool(params, "migrate_phone_number")
    state = ctx.state
    if any(n.e164 == number and n.status not in GONE for n in state.numbers_of(waba.id)):
        raise migration_error(
            2388012,
            "Phone number already exists",
            f"The phone number {number} is already in this WhatsApp Business Account's phone number list.",
        )
    elsewhere = [
        n for n in state.numbers.values() if n.e164 == number and n.registered and n.waba_id != waba.id
    ]
    if migrate:
        rec = _migrating_number(ctx, waba, number, cc, national, elsewhere)
    else:
        rec = _fresh_number(ctx, waba, number, cc, national, elsewhere)
    state.numbers[rec.id] = rec
    return {"id": rec.id}


def _requested_number(params: dict[str, Any]) -> tuple[str, str, str]:
    """The number to add as E.164, its country calling code and its national number, from `cc` (or
    `country_code`) and `phone_number`."""
    cc = p_str(params, "cc") or p_str(params, "country_code")  # some clients send country_code (§11)
    national = p_str(params, "phone_number")
    if not cc:
        raise missing_parameter("cc")
    if not national:
        raise missing_parameter("phone_number")
    cc, national = cc.lstrip("+"), re.sub(r"[\s-]", "", national)
    if not re.fullmatch(r"[0-9]{1,3}", cc):
        raise invalid_parameter("Param cc must be a country calling code of 1 to 3 digits")
    if not re.fullmatch(r"[0-9]{4,14}", national):
        raise invalid_parameter(
            "Param phone_number must be the national number: digits only, no + or country code"
        )
    try:
        parsed = phonenumbers.parse(f"+{cc}{national}", None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise invalid_parameter(f"+{cc} {national} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), cc, national


def _migrating_number(
    ctx: Ctx, waba: WabaRec, number: str, cc: str, national: str, elsewhere: list[NumberRec]
) -> NumberRec:
    """The destination record of a migration from the first WABA in `elsewhere`, its display name taken
    from the source, once the migration's preconditions hold."""
    if not elsewhere:
        raise migration_error(
            2388103,
            "Migration not needed",
            f"The phone number {number} is not registered on another WhatsApp Business Account: "
            "add it directly, without migrate_phone_number.",
        )
    source = elsewhere[0]
    check_migration(ctx, waba, source)
    rec = _new_number(ctx, waba, number, cc, national, verified_name=source.verified_name)
    rec.name_status = source.name_status
    rec.onboarding = "migrate"
    rec.migrating_from = source.id
    ctx.notes["migrating_from"] = source.id
    return rec


def _fresh_number(
    ctx: Ctx, waba: WabaRec, number: str, cc: str, national: str, elsewhere: list[NumberRec]
) -> NumberRec:
    """A number registered nowhere else, its `verified_name` pending review."""
    if elsewhere:
        raise migration_error(
            2388103,
            "Phone number registered elsewhere",
            f"The phone number {number} is registered on another WhatsApp Business Account. "
            "To move it here, add it with migrate_phone_number=true.",
        )
    name = p_str(ctx.req.params, "verified_name")
    if not name:
        raise missing_parameter("verified_name")
    if not 2 <= len(name) <= 75:
        raise invalid_parameter("Param verified_name must be between 2 and 75 characters")
    rec = _new_number(ctx, waba, number, cc, national, verified_name=name)
    rec.name_status = "PENDING_REVIEW"
    rec.onboarding = "add"
    return rec


def _new_number(
    ctx: Ctx, waba: WabaRec, number: str, cc: str, national: str, *, verified_name: str
) -> NumberRec:
    return NumberRec(
        id=ctx.state.new_id("1"),
        e164=number,
        display_phone_number=display_form(cc, national),
        waba_id=waba.id,
        status="PENDING",
        verified_name=verified_name,
        name_status="PENDING_REVIEW",
        code_verification_status="NOT_VERIFIED",
        platform_type="NOT_APPLICABLE",
        quality_rating="UNKNOWN",
        throughput="NOT_APPLICABLE",
        messaging_limit_tier="TIER_250",
        is_official_business_account=False,
        account_mode="LIVE",
        two_step_enabled=False,
        pin=None,
        profile=ProfileRec(),
        created_at=ctx.now,
    )


def check_migration(ctx: Ctx, dest: WabaRec, source: NumberRec) -> None:
    """The seed's conditions table (META-API.md §1.3), each failing with its documented error (§1.7):
    first those on the two WABAs, then those on the phone number."""
    _check_wabas_for_migration(ctx, dest, ctx.state.wabas[source.waba_id])
    _check_number_for_migration(source)


def _check_wabas_for_migration(ctx: Ctx, dest: WabaRec, src_waba: WabaRec) -> None:
    """One business owns both WABAs, is verified, and both are approved; the destination pays and has an
    app subscribed to its webhooks."""
    state = ctx.state
    if src_waba.owner_business != dest.owner_business:
        raise migration_error(
            2388103,
            "Phone number belongs to a different Business Manager",
            "The phone number belongs to a WhatsApp Business "
            "Account of a different Business Manager account. "
            "Source and destination WhatsApp Business Accounts must belong to the same business.",
        )
    business = state.businesses.get(dest.owner_business)
    if (
        dest.account_review_status != "APPROVED"
        or business is None
        or business.verification_status != "verified"
    ):
        raise migration_error(
            2388103,
            "Destination WhatsApp Business Account not approved",
            "The destination WhatsApp Business Account must be approved: business verification completed "
            f"(now {business.verification_status if business else 'unknown'}) and account review APPROVED "
            f"(now {dest.account_review_status}).",
        )
    if src_waba.account_review_status != "APPROVED":
        raise migration_error(
            2388103,
            "Source WhatsApp Business Account not approved",
            f"The source WhatsApp Business Account's review status is {src_waba.account_review_status}, "
            "not APPROVED.",
        )
    if not dest.payment_method_attached:
        raise migration_error(
            2388103,
            "No payment method",
            "The destination WhatsApp Business Account has no payment method or active credit line attached.",
        )
    if not dest.subscriptions:
        raise migration_error(
            2388103,
            "Webhooks not set up",
            "No app is subscribed to the destination WhatsApp Business Account's webhooks. "
            "Subscribe one with POST /{WABA-ID}/subscribed_apps before migrating the phone number.",
        )


def _check_number_for_migration(source: NumberRec) -> None:
    """The number's display name is approved with no change pending, and two-step verification is off."""
    if source.name_status != "APPROVED" or source.new_name_status == "PENDING_REVIEW":
        pending = (
            f"; a change to {source.new_display_name!r} is pending review" if source.new_display_name else ""
        )
        raise migration_error(
            2388103,
            "Display name not approved",
            "The phone number's registered display name must be present and approved "
            f"(now {source.name_status}{pending}).",
        )
    if source.two_step_enabled:
        raise migration_error(
            2388001,
            "Two-step verification enabled",
            "Two-step verification must be disabled for this phone number before it can be migrated. "
            "Its owner can turn it off in WhatsApp Manager.",
        )


# ---------------------------------------------------------------------------------- one-time codes


def request_code(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "post")
    params = ctx.req.params
    method = p_str(params, "code_method", required=True)
    language = p_str(params, "language", required=True)
    assert method is not None and language is not None
    if method not in ("SMS", "VOICE"):
        raise invalid_parameter("Param code_method must be one of {SMS, VOICE}")
    if not LANGUAGE_RE.match(language):
        raise invalid_parameter("Param language must be a locale such as en_US")
    if not being_onboarded(n):
        raise migration_error(
            2388091,
            "Not eligible to receive a code",
            "This phone number is not being added or migrated, so it cannot receive a registration code.",
        )
    code = f"{ctx.rng.randrange(10**6):06d}"
    ctx.state.codes[n.id] = CodeRec(
        n.id, code, method, language, ctx.now, ctx.now + ctx.state.limits.code_ttl_seconds
    )
    return {"success": True}


def verify_code(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "post")
    code = p_str(ctx.req.params, "code", required=True)
    assert code is not None
    if not being_onboarded(n):
        raise migration_error(
            2388093,
            "Not eligible to verify a code",
            "This phone number is not being added or migrated, so there is no code to verify.",
        )
    if not PIN_RE.match(code):
        raise invalid_parameter("Param code must be the 6-digit code, without a hyphen")
    rec = ctx.state.codes.get(n.id)
    if rec is None or rec.used:
        raise E.verify_code_error(
            "No code was requested for this phone number. Request one with request_code."
        )
    if ctx.now > rec.expires_at:
        raise E.verify_code_error("The code has expired. Request a new one with request_code.")
    if code != rec.code:
        raise E.verify_code_error(
            "Code couldn't be verified, You have either entered an incorrect code or the code has expired."
        )
    rec.used = True
    n.code_verification_status = "VERIFIED"
    return {"success": True, "id": n.id}  # the spec's answer carries the number's ID (META-API.md §4.1)


# ------------------------------------------------------------------------------- register / deregister


def _spend_attempt(ctx: Ctx, n: NumberRec, attempts: list[float], limit: int, what: str) -> None:
    if n.registration_blocked_until is not None and ctx.now < n.registration_blocked_until:
        hours = (n.registration_blocked_until - ctx.now) / 3600
        raise E.register_limit(f"Too many register/deregister attempts: blocked for another {hours:.1f} h.")
    recent = count_in_window(attempts, HOURS_72, ctx.now)
    attempts[:] = recent
    if len(recent) >= limit:
        n.registration_blocked_until = ctx.now + HOURS_72
        raise E.register_limit(
            f"{limit} {what} attempts in 72 hours reached: the number is blocked for 72 hours."
        )
    attempts.append(ctx.now)


def register(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "post")
    params = ctx.req.params
    product = p_str(params, "messaging_product", required=True)
    pin = p_str(params, "pin", required=True)
    if product != "whatsapp":
        raise invalid_parameter("Param messaging_product must be 'whatsapp'")
    if pin is None or not PIN_RE.match(pin):
        raise invalid_parameter("Param pin must be a 6-digit number")
    region = p_str(params, "data_localization_region")
    if region is not None and region not in REGIONS:
        raise invalid_parameter("Param data_localization_region must be one of " + ", ".join(sorted(REGIONS)))
    _spend_attempt(ctx, n, n.register_attempts, ctx.state.limits.register_per_72h, "register")
    if being_onboarded(n) and n.code_verification_status != "VERIFIED":
        raise E.reverification_needed()
    if n.two_step_enabled and not sealed_matches(n.pin, pin):
        raise E.pin_mismatch()
    if n.registered and region and n.data_localization_region and region != n.data_localization_region:
        raise invalid_parameter(
            "The data localization region can only be changed by deregistering and registering again"
        )
    was_registered = n.registered
    if n.migrating_from:
        _complete_migration(ctx, n)
    n.status = "CONNECTED"
    n.platform_type = "CLOUD_API"
    if n.throughput == "NOT_APPLICABLE":
        n.throughput = "STANDARD"
    n.pin = seal(pin)
    n.two_step_enabled = True
    n.needs_reregister = False
    if region is not None:
        n.data_localization_region = region
    if not was_registered:
        n.last_onboarded_time = ctx.now
    return {"success": True}


def _complete_migration(ctx: Ctx, dest: NumberRec) -> None:
    """Cut-over: what is tied to the number moves; the source record stops serving (§1.2, §1.6)."""
    source = ctx.state.numbers.get(dest.migrating_from or "")
    dest.migrating_from = None
    if source is None:
        return
    dest.verified_name = source.verified_name
    dest.name_status = source.name_status
    dest.quality_rating = source.quality_rating
    dest.messaging_limit_tier = source.messaging_limit_tier
    dest.is_official_business_account = source.is_official_business_account
    dest.throughput = source.throughput
    source.status = "MIGRATED"
    source.migrated_to = dest.id
    ctx.notes["migrated_from"] = source.id
    copied = duplicate_templates(ctx, source.waba_id, dest.waba_id)
    ctx.notes["templates_duplicated"] = copied


def deregister(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "post")
    _spend_attempt(ctx, n, n.deregister_attempts, ctx.state.limits.deregister_per_72h, "deregister")
    if not n.registered:
        raise E.not_registered()
    n.status = "DISCONNECTED"
    n.data_localization_region = None
    return {"success": True}


# ------------------------------------------------------------------------------------ node updates


def update_number(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    """`POST /{Phone-Number-ID}`: `pin`, `new_display_name`, `webhook_configuration`, `search_visibility`,
    `whatsapp_business_api_data{pin, show_security_notifications, notify_user_change_number}` (§2.1)."""
    serving(n, "post")
    params = ctx.req.params
    if not any(k in params for k in UPDATABLE):
        raise invalid_parameter("No supported field to update: " + ", ".join(UPDATABLE))
    updates: list[Any] = []
    pin = _new_pin(params)
    if pin is not None:
        if not n.registered:
            raise E.not_registered()
        updates.append(lambda: _set_pin(n, pin))
    if "new_display_name" in params:
        name = p_str(params, "new_display_name") or ""
        if not 2 <= len(name) <= 75:
            raise invalid_parameter("Param new_display_name must be between 2 and 75 characters")
        if n.new_name_status == "PENDING_REVIEW":
            raise invalid_parameter(
                f"A display name change to {n.new_display_name!r} is already pending review"
            )
        updates.append(lambda: _request_rename(n, name))
    if "webhook_configuration" in params:
        updates.append(_webhook_update(ctx, n, p_json(params, "webhook_configuration")))
    if "search_visibility" in params:
        vis = p_str(params, "search_visibility")
        if vis not in ("VISIBLE", "HIDDEN"):
            raise invalid_parameter("Param search_visibility must be one of {VISIBLE, HIDDEN}")
        updates.append(lambda: setattr(n, "search_visibility", vis))
    for apply in updates:  # validate everything first, then change: no half-applied update
        apply()
    return {"success": True}


UPDATABLE = (
    "pin",
    "new_display_name",
    "webhook_configuration",
    "search_visibility",
    "whatsapp_business_api_data",
)
API_DATA_KEYS = ("pin", "show_security_notifications", "notify_user_change_number")


def _new_pin(params: dict[str, Any]) -> str | None:
    """The 2FA PIN to set, from `pin` or `whatsapp_business_api_data.pin` (the same rules, §4.2)."""
    pins: list[Any] = []
    if "pin" in params:
        pins.append(p_str(params, "pin"))
    if "whatsapp_business_api_data" in params:
        data = p_json(params, "whatsapp_business_api_data")
        if not isinstance(data, dict) or not set(data) <= set(API_DATA_KEYS):
            raise invalid_parameter(
                "Param whatsapp_business_api_data must be an object with " + ", ".join(API_DATA_KEYS)
            )
        for key in API_DATA_KEYS[1:]:
            if key in data:
                p_bool(data, key)  # accepted; nothing the simulator models depends on them
        if "pin" in data:
            pins.append(p_str(data, "pin"))
    if not pins:
        return None
    for pin in pins:
        if pin is None or not PIN_RE.match(pin):
            raise invalid_parameter("Param pin must be a 6-digit number")
    if len(set(pins)) > 1:
        raise invalid_parameter("Param pin and whatsapp_business_api_data[pin] differ")
    return str(pins[0])


def _set_pin(n: NumberRec, pin: str) -> None:
    n.pin = seal(pin)
    n.two_step_enabled = True


def _request_rename(n: NumberRec, name: str) -> None:
    n.new_display_name = name
    n.new_name_status = "PENDING_REVIEW"


def _webhook_update(ctx: Ctx, n: NumberRec, value: Any) -> Any:
    if not isinstance(value, dict):
        raise invalid_parameter(
            "Param webhook_configuration must be an object {override_callback_uri, verify_token}"
        )
    uri = value.get("override_callback_uri")
    verify = value.get("verify_token")
    if uri is None:
        raise missing_parameter("webhook_configuration[override_callback_uri]")
    if not isinstance(uri, str):
        raise invalid_parameter("webhook_configuration[override_callback_uri] must be a string")
    waba = ctx.state.wabas[n.waba_id]
    if not any(s.app_id == ctx.token.app_id for s in waba.subscriptions):
        raise invalid_parameter(
            "The app must be subscribed to the phone number's WhatsApp Business Account (subscribed_apps) "
            "before it can override the callback URL"
        )
    if uri == "":

        def clear() -> None:
            n.webhook_override_uri = None
            n.webhook_verify_token = None

        return clear
    if len(uri) > 200 or not URI_RE.match(uri):
        raise invalid_parameter("override_callback_uri must be an https URL of at most 200 characters")
    if not verify:
        raise missing_parameter("webhook_configuration[verify_token]")

    def set_override() -> None:
        n.webhook_override_uri = uri
        n.webhook_verify_token = seal(str(verify))

    return set_override


# ------------------------------------------------------------------------------- business profile


def get_profile(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    """Flat form `{"data": [{"messaging_product": "whatsapp", …}]}` (META-API.md §11; the spec wraps it)."""
    return {"data": [profile_item(ctx, n)]}


def profile_item(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    """The business profile's fields asked for (all by default), and its `id` when asked for."""
    serving(n, "get")
    requested = p_str(ctx.req.params, "fields")
    names = [f.strip() for f in requested.split(",") if f.strip()] if requested else list(PROFILE_FIELDS)
    for name in names:
        if name not in PROFILE_FIELDS and name not in PROFILE_EXTRA_FIELDS:
            raise E.nonexisting_field(name, "WhatsAppBusinessProfile")
    p = n.profile
    item: dict[str, Any] = {"messaging_product": "whatsapp"}
    for name in names:
        if name == "id":
            item["id"] = n.profile_id
        elif name in PROFILE_FIELDS:
            value = getattr(p, name)
            if name == "vertical":
                item[name] = value or ""  # an unset vertical is "" (META-API.md §11)
            elif value not in (None, []):
                item[name] = value
    return item


def update_profile(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "post")
    params = ctx.req.params
    product = p_str(params, "messaging_product", required=True)
    if product != "whatsapp":
        raise invalid_parameter("Param messaging_product must be 'whatsapp'")
    if not n.registered:
        raise E.not_registered()
    changes: dict[str, Any] = {}
    if "about" in params:
        about = p_str(params, "about") or ""
        if not 1 <= len(about) <= 139:
            raise invalid_parameter("Param about must be between 1 and 139 characters")
        changes["about"] = about
    for name, limit in (("address", 256), ("description", 512), ("email", 128)):
        if name in params:
            value = p_str(params, name) or ""
            if len(value) > limit:
                raise invalid_parameter(f"Param {name} must be at most {limit} characters")
            if name == "email" and value and not EMAIL_RE.match(value):
                raise invalid_parameter("Param email must be a valid email address")
            changes[name] = value or None
    if "vertical" in params:
        vertical = p_str(params, "vertical") or ""
        if vertical not in VERTICALS:
            raise invalid_parameter("Param vertical must be one of " + ", ".join(sorted(VERTICALS - {""})))
        changes["vertical"] = vertical
    if "websites" in params:
        changes["websites"] = _websites(params)
    if "profile_picture_handle" in params:
        changes["profile_picture_url"] = _picture_url(ctx, p_str(params, "profile_picture_handle") or "")
    for key, value in changes.items():
        setattr(n.profile, key, value)
    return {"success": True}


def _websites(params: dict[str, Any]) -> list[str]:
    value = p_json(params, "websites")
    if isinstance(value, str):
        value = [value] if value else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_parameter("Param websites must be an array of URLs")
    if len(value) > 2:
        raise invalid_parameter("Param websites must have at most 2 entries")
    for site in value:
        if len(site) > 256 or not WEBSITE_RE.match(site):
            raise invalid_parameter(
                "Each website must start with http:// or https:// and be at most 256 characters"
            )
    return list(value)


def _picture_url(ctx: Ctx, handle: str) -> str:
    upload_id = ctx.state.handles.get(handle)
    upload = ctx.state.uploads.get(upload_id or "")
    if upload is None or upload.handle != handle:
        raise invalid_parameter("Param profile_picture_handle is not a valid upload handle")
    data = bytes.fromhex(upload.data_hex)
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise invalid_parameter("The uploaded file is not a JPEG or PNG image")
    digest = hashlib.sha256(data).hexdigest()[:32]
    return f"https://pps.whatsapp.net/v/t61.24694-24/{digest}_n.jpg?ccb=11-4&oh={digest[:12]}"


# ------------------------------------------------------------------------- simulator-only actions


def review_display_name(n: NumberRec, approve: bool) -> None:
    """Meta's reviewer decides a pending rename (or a newly added number's name)."""
    if n.new_name_status == "PENDING_REVIEW" and n.new_display_name:
        if approve:
            n.verified_name = n.new_display_name
            n.name_status = "APPROVED"
            n.needs_reregister = n.registered  # the new certificate applies at the next register
            n.new_display_name = None
            n.new_name_status = None
        else:  # the declined request stays readable (new_name_status DECLINED) until the next one
            n.name_status = "DECLINED"
            n.new_name_status = "DECLINED"
        return
    if n.name_status == "PENDING_REVIEW":
        n.name_status = "APPROVED" if approve else "DECLINED"
        return
    raise GraphError(100, f"(#100) Phone number {n.id} has no display name pending review")


def disable_two_step(n: NumberRec) -> None:
    """What the number's owner does in WhatsApp Manager; there is no API for it (META-API.md §4.2)."""
    n.two_step_enabled = False
    n.pin = None
