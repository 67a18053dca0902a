"""THE one list of places where we knowingly disagree with Meta's OpenAPI spec (v23.0).

Meta's spec is good for paths and field names but wrong or silent in places (`META-API.md` §0). Every
deviation the simulator (and so wabaplan) follows on purpose is listed here, once, with

* the operations it affects,
* the response field (a JSON path into the response body),
* what the spec says and what we do instead,
* the section of `/work/shared/reference/META-API.md` that justifies it,
* the patches that rewrite the loaded spec before validation.

How the harness applies them (`openapi.load_spec`): each `SpecPatch` names a node of the OpenAPI document
by JSON Pointer (RFC 6901), states what the spec has there today (`before`, checked on load) and what we
validate against instead (`after`). A patch never disables validation of a response: it swaps one schema
(or enum, or limit) for a better one, or adds a schema the spec lacks. If Meta edits the spec so that a
`before` no longer matches, loading fails and names the entry to review, so a stale exception cannot
quietly hide a real mismatch.

Entries with no patches are request-side deviations (the harness validates responses only); they are
listed so this file stays the complete record.

Cases where the raw spec gives no response schema at all (reported by the harness as `NoResponseSchema`):

* every error status (4xx/5xx) of the five template operations — `GET|POST|DELETE
  /{WABA-ID}/message_templates`, `GET|POST /{TEMPLATE_ID}` — which document only `200`
  (entry ``template-errors-use-graph-envelope``);
* HTTP 503 (Graph code 2, "service temporarily unavailable") on every other covered operation, whose
  error statuses stop at 500 (entry ``service-unavailable-503``);
* `POST /{WABA-ID}/migrate_message_templates`, which the spec does not have at all
  (entry ``migrate-message-templates-missing``).

All are filled in below from META-API.md, so no covered operation is left without a schema.

Not an exception, but a rule for callers: the spec's `required` lists describe default answers. With
`fields=` Graph returns only the fields asked for plus `id` (META-API.md §11), so a request that leaves out
a required field (e.g. `phone_numbers?fields=id,status` without `display_phone_number`) gets an answer the
spec refuses. The harness does not relax `required`; the conformance tests ask for the fields wabaplan's
reader asks for, which include every required one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "MISSING",
    "SPEC_EXCEPTIONS",
    "Missing",
    "SpecException",
    "SpecPatch",
    "exception_by_id",
    "response_pointer",
    "schema_pointer",
]


class Missing:
    """Marks a node that is absent: as `before`, the patch adds it; as `after`, the patch removes it."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


@dataclass(frozen=True)
class SpecPatch:
    """Replace the node at `pointer` (RFC 6901, into the OpenAPI document) by `after`.

    `before` is what the spec has there now; the harness refuses to load if it differs.
    """

    pointer: str
    before: Any
    after: Any


@dataclass(frozen=True)
class SpecException:
    id: str
    operations: Sequence[str]
    field: str
    spec_says: str
    we_do: str
    reference: str
    patches: Sequence[SpecPatch] = ()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def schema_pointer(name: str, *rest: str) -> str:
    """Pointer to `components/schemas/<name>[/rest…]`."""
    return "/".join(["", "components", "schemas", _escape(name), *map(_escape, rest)])


def response_pointer(method: str, path: str, status: str, *rest: str) -> str:
    """Pointer to `paths/<path>/<method>/responses/<status>[/rest…]`."""
    return "/".join(["", "paths", _escape(path), method.lower(), "responses", status, *map(_escape, rest)])


def _json_schema_pointer(method: str, path: str, status: str = "200") -> str:
    return response_pointer(method, path, status, "content", "application/json", "schema")


WABA = "/{Version}/{WABA-ID}"
WABA_PHONE_NUMBERS = "/{Version}/{WABA-ID}/phone_numbers"
PHONE = "/{Version}/{Phone-Number-ID}"
PROFILE = "/{Version}/{Phone-Number-ID}/whatsapp_business_profile"
TEMPLATES = "/{Version}/{WABA-ID}/message_templates"
TEMPLATE = "/{Version}/{TEMPLATE_ID}"
SUBSCRIBED_APPS = "/{Version}/{WABA-ID}/subscribed_apps"
MIGRATE_TEMPLATES = "/{Version}/{WABA-ID}/migrate_message_templates"
SETTINGS = "/{Version}/{Phone-Number-ID}/settings"
PROFILE_NODE = "/{Version}/{WhatsApp-Business-Profile-ID}"
BUSINESS = "/{Version}/{Business-ID}"

_GRAPH_ERROR_RESPONSE: Final = {
    "description": "Graph API error envelope (added by spec_exceptions.py)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GraphAPIError"}}},
}

# Covered operations whose spec lists explicit error statuses but not 503 (the template operations get
# 4XX/5XX ranges below instead).
_OPERATIONS_WITHOUT_503: Final = (
    ("get", WABA),
    ("post", WABA),
    ("get", WABA_PHONE_NUMBERS),
    ("post", WABA_PHONE_NUMBERS),
    ("get", PHONE),
    ("post", PHONE),
    ("post", "/{Version}/{Phone-Number-ID}/request_code"),
    ("post", "/{Version}/{Phone-Number-ID}/verify_code"),
    ("post", "/{Version}/{Phone-Number-ID}/register"),
    ("post", "/{Version}/{Phone-Number-ID}/deregister"),
    ("get", PROFILE),
    ("post", PROFILE),
    ("get", SUBSCRIBED_APPS),
    ("post", SUBSCRIBED_APPS),
    ("delete", SUBSCRIBED_APPS),
    ("get", PROFILE_NODE),
    ("post", PROFILE_NODE),
)

_VERTICALS_SPEC: Final = [
    "OTHER",
    "AUTO",
    "BEAUTY",
    "APPAREL",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GROCERY",
    "GOVT",
    "HOTEL",
    "HEALTH",
    "NONPROFIT",
    "PROF_SERVICES",
    "RETAIL",
    "TRAVEL",
    "RESTAURANT",
    "ALCOHOL",
    "ONLINE_GAMBLING",
    "PHYSICAL_GAMBLING",
    "OTC_DRUGS",
]

_PHONE_STATUS_SPEC: Final = ["PENDING", "LINKED", "UNLINKED", "DELETED", "MIGRATED", "BANNED", "RESTRICTED"]
_PHONE_STATUS_OURS: Final = [
    *_PHONE_STATUS_SPEC,
    # WhatsAppAccountNumberStatus, the spec's other status enum (S:5671), and the docs' CONNECTED.
    "CONNECTED",
    "DISCONNECTED",
    "UNVERIFIED",
    "FLAGGED",
]

_QUALITY_SPEC: Final = ["GREEN", "YELLOW", "RED", "NA"]
_QUALITY_OURS: Final = [*_QUALITY_SPEC, "UNKNOWN"]

_CODE_VERIFICATION_SPEC: Final = ["VERIFIED", "UNVERIFIED"]
_CODE_VERIFICATION_OURS: Final = ["VERIFIED", "NOT_VERIFIED", "EXPIRED"]

_BUSINESS_VERIFICATION_SPEC: Final = ["VERIFIED", "UNVERIFIED", "PENDING", "REJECTED"]
_BUSINESS_VERIFICATION_OURS: Final = [
    "expired",
    "failed",
    "ineligible",
    "not_verified",
    "pending",
    "pending_need_more_info",
    "pending_submission",
    "rejected",
    "revoked",
    "verified",
]

SPEC_EXCEPTIONS: Final[tuple[SpecException, ...]] = (
    SpecException(
        id="business-profile-flat-form",
        operations=(f"GET {PROFILE}",),
        field="$.data[*]",
        spec_says=(
            'each item of `data` wraps the profile: {"business_profile": {messaging_product, about, …}} '
            "(WhatsAppBusinessProfileResponse)"
        ),
        we_do=(
            "items are the flat profile {messaging_product, about, address, …}, validated against the spec's "
            "own WhatsAppBusinessProfile schema; `data` is required"
        ),
        reference="META-API.md §4.4 (GET response) and §11 (the wrapper breaks real clients)",
        patches=(
            SpecPatch(
                pointer=_json_schema_pointer("get", PROFILE),
                before={"$ref": "#/components/schemas/WhatsAppBusinessProfileResponse"},
                after={
                    "type": "object",
                    "description": "Flat business-profile list (spec_exceptions.py)",
                    "required": ["data"],
                    "properties": {
                        "data": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/WhatsAppBusinessProfile"},
                        }
                    },
                },
            ),
        ),
    ),
    SpecException(
        id="business-profile-description-512",
        operations=(f"GET {PROFILE}", f"POST {PROFILE} (request)"),
        field="$.data[*].description",
        spec_says="maxLength 256",
        we_do="maxLength 512",
        reference="META-API.md §4.4 (profile field table: description ≤ 512 per docs)",
        patches=(
            SpecPatch(
                schema_pointer("WhatsAppBusinessProfile", "properties", "description", "maxLength"), 256, 512
            ),
        ),
    ),
    SpecException(
        id="business-profile-vertical-empty-and-legacy",
        operations=(f"GET {PROFILE}",),
        field="$.data[*].vertical",
        spec_says="enum of 21 verticals (WhatsAppBusinessVertical)",
        we_do=(
            'also accept "" (an unset vertical is sent as an empty string) and the legacy UNDEFINED, '
            "NOT_A_BIZ on read"
        ),
        reference='META-API.md §4.4 (vertical row) and §11 (unset vertical is "")',
        patches=(
            SpecPatch(
                schema_pointer("WhatsAppBusinessVertical", "enum"),
                _VERTICALS_SPEC,
                [*_VERTICALS_SPEC, "", "UNDEFINED", "NOT_A_BIZ"],
            ),
        ),
    ),
    SpecException(
        id="business-verification-status-lower-case",
        operations=(f"GET {WABA}",),
        field="$.business_verification_status",
        spec_says="enum VERIFIED, UNVERIFIED, PENDING, REJECTED (BusinessVerificationStatus)",
        we_do="the lower-case enum of the docs and Meta's SDK: " + ", ".join(_BUSINESS_VERIFICATION_OURS),
        reference="META-API.md §3.1 (business_verification_status) and §3.2",
        patches=(
            SpecPatch(
                schema_pointer("BusinessVerificationStatus", "enum"),
                _BUSINESS_VERIFICATION_SPEC,
                _BUSINESS_VERIFICATION_OURS,
            ),
        ),
    ),
    SpecException(
        id="waba-edges-are-connections",
        operations=(f"GET {WABA}",),
        field="$.phone_numbers, $.message_templates, $.subscribed_apps (with fields= expansion)",
        spec_says="plain arrays of PhoneNumber / MessageTemplate / SubscribedApp",
        we_do=(
            "an expanded edge answers what the edge itself answers, a {data, paging} connection: validated "
            "against the spec's (patched) 200 schema of GET /{WABA-ID}/phone_numbers, …/message_templates, "
            "…/subscribed_apps"
        ),
        reference="META-API.md §7.6 (field expansion: nested edges return {data:[…], paging:{…}})",
        patches=tuple(
            SpecPatch(
                schema_pointer("WhatsAppBusinessAccount", "properties", edge),
                {"type": "array", "description": description, "items": {"$ref": item_ref}},
                {"$ref": "#" + _json_schema_pointer("get", edge_path)},
            )
            for edge, edge_path, description, item_ref in (
                (
                    "phone_numbers",
                    WABA_PHONE_NUMBERS,
                    "Phone numbers associated with the WABA",
                    "#/components/schemas/PhoneNumber",
                ),
                (
                    "message_templates",
                    TEMPLATES,
                    "Message templates associated with the WABA",
                    "#/components/schemas/MessageTemplate",
                ),
                (
                    "subscribed_apps",
                    SUBSCRIBED_APPS,
                    "List of applications subscribed to this WABA",
                    "#/components/schemas/SubscribedApp",
                ),
            )
        ),
    ),
    SpecException(
        id="ownership-type-enum",
        operations=(f"GET {WABA}",),
        field="$.ownership_type",
        spec_says="enum SELF_OWNED, CLIENT_OWNED, AGENCY_OWNED (OwnershipType; not corroborated by the docs)",
        we_do="also accept the documented ON_BEHALF_OF and SELF (a business's own WABA)",
        reference="META-API.md §3.1 (ownership_type: CLIENT_OWNED, ON_BEHALF_OF documented; SELF likely)",
        patches=(
            SpecPatch(
                schema_pointer("OwnershipType", "enum"),
                ["SELF_OWNED", "CLIENT_OWNED", "AGENCY_OWNED"],
                ["SELF_OWNED", "CLIENT_OWNED", "AGENCY_OWNED", "ON_BEHALF_OF", "SELF"],
            ),
        ),
    ),
    SpecException(
        id="code-verification-status-enum",
        operations=(f"GET {PHONE}", f"GET {WABA_PHONE_NUMBERS}"),
        field="$.code_verification_status, $.data[*].code_verification_status",
        spec_says="enum VERIFIED, UNVERIFIED (described as a two-step-verification status)",
        we_do="enum VERIFIED, NOT_VERIFIED, EXPIRED (the OTP ownership check)",
        reference="META-API.md §2.2 (code_verification_status row)",
        patches=(
            SpecPatch(
                schema_pointer("PhoneNumberInfo", "properties", "code_verification_status", "enum"),
                _CODE_VERIFICATION_SPEC,
                _CODE_VERIFICATION_OURS,
            ),
            SpecPatch(
                schema_pointer("WhatsAppCodeVerificationStatus", "enum"),
                _CODE_VERIFICATION_SPEC,
                _CODE_VERIFICATION_OURS,
            ),
        ),
    ),
    SpecException(
        id="quality-rating-unknown",
        operations=(f"GET {PHONE}", f"GET {WABA_PHONE_NUMBERS}"),
        field="$.quality_rating, $.data[*].quality_rating",
        spec_says="enum GREEN, YELLOW, RED, NA",
        we_do="also accept UNKNOWN (the docs' examples for a number not yet rated)",
        reference="META-API.md §2.2 (quality_rating row: accept both NA and UNKNOWN)",
        patches=(
            SpecPatch(
                schema_pointer("PhoneNumberInfo", "properties", "quality_rating", "enum"),
                _QUALITY_SPEC,
                _QUALITY_OURS,
            ),
            SpecPatch(
                schema_pointer("WhatsAppPhoneNumberQualityRating", "enum"), _QUALITY_SPEC, _QUALITY_OURS
            ),
        ),
    ),
    SpecException(
        id="phone-number-status-enum",
        operations=(f"GET {WABA_PHONE_NUMBERS}",),
        field="$.data[*].status",
        spec_says="enum " + ", ".join(_PHONE_STATUS_SPEC) + " (WhatsAppPhoneNumberStatus) — no CONNECTED",
        we_do=(
            "the union of the spec's two status enums (WhatsAppPhoneNumberStatus and "
            "WhatsAppAccountNumberStatus): adds CONNECTED, DISCONNECTED, UNVERIFIED, FLAGGED"
        ),
        reference="META-API.md §2.2 (status row: exact enum UNCERTAIN; docs show CONNECTED)",
        patches=(
            SpecPatch(
                schema_pointer("WhatsAppPhoneNumberStatus", "enum"), _PHONE_STATUS_SPEC, _PHONE_STATUS_OURS
            ),
        ),
    ),
    SpecException(
        id="subscribed-apps-item-shape",
        operations=(f"GET {SUBSCRIBED_APPS}",),
        field="$.data[*]",
        spec_says="items are SubscribedApp {id, name}",
        we_do=(
            "items are {whatsapp_business_api_data: {id, link, name}, override_callback_uri?} as documented; "
            "whatsapp_business_api_data (with id) is required"
        ),
        reference="META-API.md §6 (GET /{WABA_ID}/subscribed_apps)",
        patches=(
            SpecPatch(
                schema_pointer("SubscribedAppsResponse", "properties", "data", "items"),
                {"$ref": "#/components/schemas/SubscribedApp"},
                {
                    "type": "object",
                    "description": "Subscribed app as documented (spec_exceptions.py)",
                    "required": ["whatsapp_business_api_data"],
                    "properties": {
                        "whatsapp_business_api_data": {
                            "type": "object",
                            "required": ["id"],
                            "properties": {
                                "id": {"type": "string"},
                                "link": {"type": "string", "format": "uri"},
                                "name": {"type": "string"},
                            },
                        },
                        "override_callback_uri": {"type": "string", "maxLength": 200},
                    },
                },
            ),
        ),
    ),
    SpecException(
        id="template-errors-use-graph-envelope",
        operations=(
            f"GET {TEMPLATES}",
            f"POST {TEMPLATES}",
            f"DELETE {TEMPLATES}",
            f"GET {TEMPLATE}",
            f"POST {TEMPLATE}",
        ),
        field="$ (error responses)",
        spec_says="only 200 is documented: no schema for any 4xx/5xx (the harness reports NoResponseSchema)",
        we_do=(
            "4XX and 5XX answer the Graph error envelope, validated against the spec's own GraphAPIError "
            "(what every other covered operation declares)"
        ),
        reference="META-API.md §8.1 (one error envelope for every Graph call)",
        patches=tuple(
            SpecPatch(response_pointer(method, path, status_range), MISSING, _GRAPH_ERROR_RESPONSE)
            for method, path in (
                ("get", TEMPLATES),
                ("post", TEMPLATES),
                ("delete", TEMPLATES),
                ("get", TEMPLATE),
                ("post", TEMPLATE),
            )
            for status_range in ("4XX", "5XX")
        ),
    ),
    SpecException(
        id="service-unavailable-503",
        operations=tuple(f"{method.upper()} {path}" for method, path in _OPERATIONS_WITHOUT_503),
        field="$ (error responses)",
        spec_says="statuses 400, 401, 403, 404, (409), 422, 429, 500 — no 503",
        we_do="503 answers the Graph error envelope (code 2, service temporarily unavailable): GraphAPIError",
        reference="META-API.md §8.2 (code 2: HTTP 503) and §7.4 (2 / 131016 / 133004: HTTP 503/500)",
        patches=tuple(
            SpecPatch(response_pointer(method, path, "503"), MISSING, _GRAPH_ERROR_RESPONSE)
            for method, path in _OPERATIONS_WITHOUT_503
        ),
    ),
    SpecException(
        id="migrate-message-templates-missing",
        operations=(f"POST {MIGRATE_TEMPLATES}",),
        field="$.migrated_templates, $.failed_templates",
        spec_says="nothing: the operation is absent from the spec",
        we_do=(
            "add it as documented: 200 {migrated_templates: [id…], failed_templates: {id: reason}}; "
            "4XX/5XX the Graph error envelope (GraphAPIError)"
        ),
        reference="META-API.md §5.5 (template migration API) and §8.1",
        patches=(
            SpecPatch(
                "/paths/" + _escape(MIGRATE_TEMPLATES),
                MISSING,
                {
                    "post": {
                        "operationId": "migrateMessageTemplates",
                        "summary": "Duplicate templates from a source WABA (added by spec_exceptions.py)",
                        "responses": {
                            "200": {
                                "description": "Templates migrated and failed",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "object",
                                            "required": ["migrated_templates", "failed_templates"],
                                            "properties": {
                                                "migrated_templates": {
                                                    "type": "array",
                                                    "items": {"type": "string"},
                                                },
                                                "failed_templates": {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "string"},
                                                },
                                            },
                                        }
                                    }
                                },
                            },
                            "4XX": _GRAPH_ERROR_RESPONSE,
                            "5XX": _GRAPH_ERROR_RESPONSE,
                        },
                    }
                },
            ),
        ),
    ),
    SpecException(
        id="add-number-verified-name-optional",
        operations=(f"POST {WABA_PHONE_NUMBERS} (request)",),
        field="request body: verified_name",
        spec_says="verified_name is required; migrate_phone_number is an on-premises→Cloud flag",
        we_do=(
            "verified_name is not required with migrate_phone_number=true, which moves a registered number "
            "between WABAs (request-side: no response patch)"
        ),
        reference="META-API.md §1.4 step 2",
    ),
    SpecException(
        id="settings-errors-use-graph-envelope",
        operations=(f"GET {SETTINGS}", f"POST {SETTINGS}"),
        field="$ (error responses)",
        spec_says="400 and 403 answer `ErrorResponse` (the messaging API's); no 401, 404, 429 or 5xx",
        we_do="every 4XX and 5XX answers the Graph error envelope, the spec's own GraphAPIError",
        reference="META-API.md §8.1 (one error envelope for every Graph call)",
        patches=tuple(
            SpecPatch(response_pointer(method, SETTINGS, status), before, _GRAPH_ERROR_RESPONSE)
            for method in ("get", "post")
            for status, before in (
                ("400", {"$ref": "#/components/responses/BadRequest"}),
                ("403", {"$ref": "#/components/responses/Forbidden"}),
                ("4XX", MISSING),
                ("5XX", MISSING),
            )
        ),
    ),
    SpecException(
        id="business-errors-use-graph-envelope",
        operations=(f"GET {BUSINESS}",),
        field="$ (error responses)",
        spec_says="only 200 is documented: no schema for any 4xx/5xx",
        we_do="4XX and 5XX answer the Graph error envelope, GraphAPIError",
        reference="META-API.md §8.1 (one error envelope for every Graph call)",
        patches=tuple(
            SpecPatch(response_pointer("get", BUSINESS, status), MISSING, _GRAPH_ERROR_RESPONSE)
            for status in ("4XX", "5XX")
        ),
    ),
)


def exception_by_id(exception_id: str) -> SpecException:
    for entry in SPEC_EXCEPTIONS:
        if entry.id == exception_id:
            return entry
    raise KeyError(f"no spec exception {exception_id!r}; known: {', '.join(e.id for e in SPEC_EXCEPTIONS)}")
