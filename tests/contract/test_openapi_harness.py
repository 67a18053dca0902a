"""The OpenAPI harness itself, on hand-written bodies: no server needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .openapi import (
    COVERED_OPERATIONS,
    SPEC_ENV_VAR,
    SPEC_URI,
    NoResponseSchema,
    OpenApiSpec,
    OperationNotFound,
    ResponseMismatch,
    SpecNotFound,
    SpecPatchError,
    find_spec_file,
)
from .spec_exceptions import (
    MISSING,
    SPEC_EXCEPTIONS,
    SpecException,
    SpecPatch,
    exception_by_id,
    schema_pointer,
)

WABA = "/{Version}/{WABA-ID}"
PHONE_NUMBERS = "/{Version}/{WABA-ID}/phone_numbers"
PHONE = "/{Version}/{Phone-Number-ID}"
REGISTER = "/{Version}/{Phone-Number-ID}/register"
PROFILE = "/{Version}/{Phone-Number-ID}/whatsapp_business_profile"
TEMPLATES = "/{Version}/{WABA-ID}/message_templates"
TEMPLATE = "/{Version}/{TEMPLATE_ID}"
SUBSCRIBED_APPS = "/{Version}/{WABA-ID}/subscribed_apps"
MIGRATE_TEMPLATES = "/{Version}/{WABA-ID}/migrate_message_templates"

SUCCESS = {"success": True}
ERROR = {
    "error": {
        "message": "(#100) Invalid parameter",
        "type": "OAuthException",
        "code": 100,
        "error_subcode": 33,
        "error_data": {"messaging_product": "whatsapp", "details": "Unsupported get request."},
        "is_transient": False,
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
}
PROFILE_ITEM = {
    "messaging_product": "whatsapp",
    "about": "Fresh coffee in Sheung Wan",
    "address": "1 Harbour Lane, Hong Kong",
    "description": "Roastery and café.",
    "email": "hello@harbour-lane.example",
    "profile_picture_url": "https://pps.whatsapp.net/v/t61/harbour.jpg",
    "websites": ["https://harbour-lane.example"],
    "vertical": "RESTAURANT",
}
TEMPLATE_ITEM = {
    "id": "5000000000001",
    "name": "order_ready",
    "language": "en_US",
    "status": "APPROVED",
    "category": "UTILITY",
    "components": [{"type": "BODY", "text": "Your order {{1}} is ready."}],
}

# One valid body per covered operation's 200.
VALID_SUCCESS_BODIES: dict[tuple[str, str], Any] = {
    ("GET", WABA): {
        "id": "2000000000001",
        "name": "Harbour Lane HK",
        "currency": "HKD",
        "timezone_id": "62",
        "message_template_namespace": "abc_123",
        "account_review_status": "APPROVED",
        "business_verification_status": "verified",
    },
    ("POST", WABA): SUCCESS,
    ("GET", PHONE_NUMBERS): {
        "data": [
            {
                "id": "3000000000001",
                "display_phone_number": "+852 5123 4567",
                "verified_name": "Harbour Lane",
                "status": "CONNECTED",
                "quality_rating": "UNKNOWN",
                "code_verification_status": "VERIFIED",
                "username": None,
            }
        ],
        "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}},
    },
    ("POST", PHONE_NUMBERS): {"id": "3000000000003"},
    ("GET", PHONE): {
        "id": "3000000000001",
        "display_phone_number": "+852 5123 4567",
        "verified_name": "Harbour Lane",
        "quality_rating": "GREEN",
        "code_verification_status": "NOT_VERIFIED",
        "name_status": "APPROVED",
    },
    ("POST", PHONE): SUCCESS,
    ("POST", "/{Version}/{Phone-Number-ID}/request_code"): SUCCESS,
    ("POST", "/{Version}/{Phone-Number-ID}/verify_code"): {"success": True, "id": "3000000000001"},
    ("POST", REGISTER): SUCCESS,
    ("POST", "/{Version}/{Phone-Number-ID}/deregister"): SUCCESS,
    ("GET", PROFILE): {"data": [PROFILE_ITEM]},
    ("POST", PROFILE): SUCCESS,
    ("GET", TEMPLATES): {
        "data": [TEMPLATE_ITEM],
        "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}},
    },
    ("POST", TEMPLATES): {"id": "5000000000002", "status": "PENDING", "category": "UTILITY"},
    ("DELETE", TEMPLATES): SUCCESS,
    ("GET", TEMPLATE): TEMPLATE_ITEM,
    ("POST", TEMPLATE): SUCCESS,
    ("GET", SUBSCRIBED_APPS): {
        "data": [
            {
                "whatsapp_business_api_data": {
                    "id": "4000000000001",
                    "link": "https://www.facebook.com/games/?app_id=4000000000001",
                    "name": "wabaplan",
                },
                "override_callback_uri": "https://hooks.example/whatsapp",
            }
        ]
    },
    ("POST", SUBSCRIBED_APPS): SUCCESS,
    ("DELETE", SUBSCRIBED_APPS): SUCCESS,
    ("GET", "/{Version}/{Phone-Number-ID}/settings"): {
        "calling": {
            "status": "disabled",
            "call_icon_visibility": "visible",
            "ip_addresses": {"default": ["157.240.0.1"]},
            "callback_permission_status": "disabled",
        },
        "payload_encryption": {"status": "disabled"},
        "storage_configuration": {"status": "default"},
    },
    ("POST", "/{Version}/{Phone-Number-ID}/settings"): SUCCESS,
    ("GET", "/{Version}/{WhatsApp-Business-Profile-ID}"): {"id": "553000000000001", "about": "Tea."},
    ("POST", "/{Version}/{WhatsApp-Business-Profile-ID}"): {"id": "553000000000001", "success": True},
    ("GET", "/{Version}/{Business-ID}"): {"id": "1000000000001", "name": "Harbour Lane", "timezone_id": 0},
    ("POST", MIGRATE_TEMPLATES): {
        "migrated_templates": ["5000000000010"],
        "failed_templates": {"5000000000011": "Incorrect category"},
    },
}


def _mismatch(spec: OpenApiSpec, method: str, path: str, status: int, body: Any) -> ResponseMismatch:
    with pytest.raises(ResponseMismatch) as caught:
        spec.validate_response(method, path, status, body)
    return caught.value


# ----------------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(("method", "path"), COVERED_OPERATIONS)
def test_every_covered_operation_has_a_success_and_an_error_schema(
    spec: OpenApiSpec, method: str, path: str
) -> None:
    assert isinstance(spec.response_schema(method, path, 200), dict)
    error_schema = spec.response_schema(method, path, 400)
    assert error_schema["x-spec-ref"] == "#/components/schemas/GraphAPIError"


def test_valid_bodies_cover_every_covered_operation() -> None:
    assert set(VALID_SUCCESS_BODIES) == set(COVERED_OPERATIONS)


def test_unknown_path_is_named_with_near_misses(spec: OpenApiSpec) -> None:
    with pytest.raises(
        OperationNotFound, match=r"'/\{Version\}/\{WABA\}/phone_numbers' is not in the spec.*"
    ):
        spec.operation("GET", "/{Version}/{WABA}/phone_numbers")
    with pytest.raises(OperationNotFound, match=r"same last segment: /\{Version\}/\{WABA-ID\}/phone_numbers"):
        spec.operation("GET", "/{Version}/{WABA}/phone_numbers")


def test_unknown_method_lists_the_methods_the_path_has(spec: OpenApiSpec) -> None:
    with pytest.raises(
        OperationNotFound, match=r"PUT /\{Version\}/\{Phone-Number-ID\}/register .*it has: POST"
    ):
        spec.operation("put", REGISTER)


def test_spec_file_can_be_named_by_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    monkeypatch.setenv(SPEC_ENV_VAR, str(missing))
    with pytest.raises(SpecNotFound, match=rf"looked in: {re.escape(str(missing))}\); set {SPEC_ENV_VAR}"):
        find_spec_file()
    monkeypatch.delenv(SPEC_ENV_VAR)
    assert find_spec_file().name == "business-messaging-api_v23.0.yaml"


def test_operation_carries_its_id(spec: OpenApiSpec) -> None:
    operation = spec.operation("get", PHONE_NUMBERS)
    assert operation.method == "GET"
    assert operation.operation_id == "getWhatsAppBusinessAccountPhoneNumbers"
    assert (
        operation.label == "GET /{Version}/{WABA-ID}/phone_numbers (getWhatsAppBusinessAccountPhoneNumbers)"
    )


def test_refs_are_inlined_and_keep_their_origin(spec: OpenApiSpec) -> None:
    schema = spec.response_schema("GET", PHONE_NUMBERS, 200)
    assert schema["x-spec-ref"] == "#/components/schemas/WhatsAppBusinessAccountPhoneNumbersConnection"
    item = schema["properties"]["data"]["items"]
    assert item["x-spec-ref"] == "#/components/schemas/WhatsAppBusinessAccountPhoneNumber"
    assert "$ref" not in repr(schema)


def test_nullable_becomes_a_null_type(spec: OpenApiSpec) -> None:
    item = spec.response_schema("GET", PHONE_NUMBERS, 200)["properties"]["data"]["items"]
    assert item["properties"]["username"]["type"] == ["string", "null"]
    assert "nullable" not in item["properties"]["username"]


def test_content_type_parameters_are_ignored(spec: OpenApiSpec) -> None:
    spec.validate_response("POST", REGISTER, 200, SUCCESS, content_type="application/json; charset=UTF-8")


# ------------------------------------------------------------------------------- valid bodies


@pytest.mark.parametrize(("method", "path"), list(VALID_SUCCESS_BODIES))
def test_valid_success_body_passes(spec: OpenApiSpec, method: str, path: str) -> None:
    spec.validate_response(method, path, 200, VALID_SUCCESS_BODIES[method, path])


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500])
def test_error_envelope_passes(spec: OpenApiSpec, status: int) -> None:
    spec.validate_response("GET", WABA, status, ERROR)


def test_module_level_validate_response_uses_the_patched_spec() -> None:
    from .openapi import validate_response

    validate_response("GET", WABA, 200, VALID_SUCCESS_BODIES["GET", WABA])


# ------------------------------------------------------------------------------ invalid bodies


def test_wrong_type_names_operation_path_and_reason(spec: OpenApiSpec) -> None:
    error = _mismatch(spec, "POST", REGISTER, 200, {"success": "true"})
    text = str(error)
    assert "POST /{Version}/{Phone-Number-ID}/register (registerWhatsAppBusinessPhoneNumber) -> 200" in text
    assert "at $.success: 'true' is not of type 'boolean'" in text
    assert "schema: properties/success/type" in text
    assert error.json_paths == ("$.success",)


def test_nested_enum_failure_names_the_spec_schema_and_exception(spec: OpenApiSpec) -> None:
    body = {"data": [{"id": "1", "display_phone_number": "+852 5123 4567", "status": "ONLINE"}]}
    error = _mismatch(spec, "GET", PHONE_NUMBERS, 200, body)
    (problem,) = error.problems
    assert problem.json_path == "$.data[0].status"
    assert problem.message.startswith("'ONLINE' is not one of ['PENDING'")
    assert problem.spec_refs[-1] == "#/components/schemas/WhatsAppPhoneNumberStatus"
    assert problem.spec_exceptions == ("phone-number-status-enum",)
    assert "patched by spec exception phone-number-status-enum" in str(error)


def test_every_problem_is_reported_in_body_order(spec: OpenApiSpec) -> None:
    body = {"data": [{"id": 1, "status": "CONNECTED"}, {"id": "2", "display_phone_number": 5, "status": "X"}]}
    error = _mismatch(spec, "GET", PHONE_NUMBERS, 200, body)
    assert error.json_paths == (
        "$.data[0]",
        "$.data[0].id",
        "$.data[1].display_phone_number",
        "$.data[1].status",
    )
    assert "'display_phone_number' is a required property" in str(error)
    assert "(4 problems)" in str(error)


def test_long_offending_values_are_shortened(spec: OpenApiSpec) -> None:
    error = _mismatch(spec, "GET", WABA, 200, {"id": "1", "name": "W", "subscribed_apps": ["x" * 5000]})
    (problem,) = error.problems
    assert len(problem.message) < 500
    assert problem.message.endswith("is not of type 'object'")


def test_missing_required_field_of_error_envelope(spec: OpenApiSpec) -> None:
    body = {"error": {"message": "boom", "type": "OAuthException"}}
    error = _mismatch(spec, "GET", WABA, 404, body)
    assert "at $.error: 'code' is a required property" in str(error)
    assert error.problems[0].spec_refs == ("#/components/schemas/GraphAPIError",)


def test_error_code_must_be_an_integer(spec: OpenApiSpec) -> None:
    body = {"error": {"message": "boom", "type": "OAuthException", "code": "100", "error_subcode": "33"}}
    error = _mismatch(spec, "POST", REGISTER, 400, body)
    assert error.json_paths == ("$.error.code", "$.error.error_subcode")


def test_one_of_failure_explains_each_branch(spec: OpenApiSpec) -> None:
    error = _mismatch(spec, "POST", PHONE, 200, {"success": "yes"})
    (problem,) = error.problems
    assert problem.json_path == "$"
    assert "is not valid under any of the given schemas" in problem.message
    assert "'messaging_product' is a required property" in problem.message
    assert "$.success: 'yes' is not of type 'boolean'" in problem.message


def test_nullable_field_accepts_null_but_not_another_type(spec: OpenApiSpec) -> None:
    item = {"id": "1", "display_phone_number": "+852 5123 4567", "status": "CONNECTED"}
    spec.validate_response("GET", PHONE_NUMBERS, 200, {"data": [{**item, "username": None}]})
    error = _mismatch(spec, "GET", PHONE_NUMBERS, 200, {"data": [{**item, "username": 5}]})
    assert error.json_paths == ("$.data[0].username",)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("email", "not-an-email", "is not a 'email'"),
        ("websites", ["harbour-lane.example"], "is not a 'uri'"),
        ("about", "", "should be non-empty"),
        ("vertical", "COFFEE", "is not one of"),
        ("messaging_product", "sms", "is not one of ['whatsapp']"),
    ],
)
def test_profile_fields_are_checked(spec: OpenApiSpec, field: str, value: Any, reason: str) -> None:
    error = _mismatch(spec, "GET", PROFILE, 200, {"data": [{**PROFILE_ITEM, field: value}]})
    assert error.problems[0].json_path.startswith(f"$.data[0].{field}")
    assert reason in error.problems[0].message


def test_template_list_item_types_are_checked(spec: OpenApiSpec) -> None:
    body = {"data": [{**TEMPLATE_ITEM, "components": {"type": "BODY"}}]}
    error = _mismatch(spec, "GET", TEMPLATES, 200, body)
    assert error.json_paths == ("$.data[0].components",)


def test_migrate_templates_failed_reasons_are_strings(spec: OpenApiSpec) -> None:
    error = _mismatch(
        spec, "POST", MIGRATE_TEMPLATES, 200, {"migrated_templates": [], "failed_templates": {"1": 2}}
    )
    assert error.json_paths == ("$.failed_templates['1']",)


# -------------------------------------------------------------------------------- no schema


def test_undocumented_status_is_no_schema_not_a_pass(spec: OpenApiSpec) -> None:
    with pytest.raises(
        NoResponseSchema,
        match=r"-> 418: no schema in the spec \(status 418 not documented \(documented: 200, 400",
    ):
        spec.validate_response("GET", WABA, 418, ERROR)


def test_non_json_content_type_is_no_schema(spec: OpenApiSpec) -> None:
    with pytest.raises(NoResponseSchema, match="has no text/html content"):
        spec.validate_response("GET", WABA, 200, "<html></html>", content_type="text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", TEMPLATES), ("POST", TEMPLATES), ("DELETE", TEMPLATES), ("GET", TEMPLATE), ("POST", TEMPLATE)],
)
def test_raw_spec_has_no_error_schema_for_templates(
    raw_spec: OpenApiSpec, spec: OpenApiSpec, method: str, path: str
) -> None:
    with pytest.raises(NoResponseSchema, match=r"status 400 not documented \(documented: 200\)"):
        raw_spec.validate_response(method, path, 400, ERROR)
    spec.validate_response(method, path, 400, ERROR)  # filled in by template-errors-use-graph-envelope
    assert spec.response_status_key(method, path, 503) == "5XX"


def test_raw_spec_lacks_migrate_message_templates(raw_spec: OpenApiSpec) -> None:
    with pytest.raises(OperationNotFound):
        raw_spec.operation("POST", MIGRATE_TEMPLATES)


# ---------------------------------------------------------------------------- spec exceptions


def test_exception_entries_are_complete_and_unique() -> None:
    ids = [entry.id for entry in SPEC_EXCEPTIONS]
    assert len(ids) == len(set(ids))
    for entry in SPEC_EXCEPTIONS:
        assert re.fullmatch(r"[a-z0-9-]+", entry.id)
        assert entry.operations and entry.field and entry.spec_says and entry.we_do
        assert re.search(r"META-API\.md §\d+(\.\d+)?", entry.reference), entry.id


def test_exception_operations_exist_in_the_patched_spec(spec: OpenApiSpec) -> None:
    for entry in SPEC_EXCEPTIONS:
        for operation in entry.operations:
            method, path = operation.removesuffix(" (request)").split(" ", 1)
            spec.operation(method, path)


def test_raw_document_is_not_mutated_by_patching(raw_spec: OpenApiSpec, spec: OpenApiSpec) -> None:
    pointer = schema_pointer("BusinessVerificationStatus")
    assert raw_spec._resolve_pointer(pointer)["enum"] == ["VERIFIED", "UNVERIFIED", "PENDING", "REJECTED"]
    assert spec._resolve_pointer(pointer)["enum"][-1] == "verified"
    assert "x-spec-exceptions" not in raw_spec._resolve_pointer(pointer)


# One body per patched exception: Meta's raw spec refuses it (or has no schema for it); ours accepts it.
EXCEPTION_SAMPLES: list[tuple[str, str, str, int, Any]] = [
    (
        "business-verification-status-lower-case",
        "GET",
        WABA,
        200,
        {"id": "1", "name": "W", "business_verification_status": "verified"},
    ),
    ("ownership-type-enum", "GET", WABA, 200, {"id": "1", "name": "W", "ownership_type": "ON_BEHALF_OF"}),
    (
        "waba-edges-are-connections",
        "GET",
        WABA,
        200,
        {"id": "1", "name": "W", "subscribed_apps": {"data": [{"whatsapp_business_api_data": {"id": "4"}}]}},
    ),
    (
        "code-verification-status-enum",
        "GET",
        PHONE,
        200,
        {"id": "1", "code_verification_status": "NOT_VERIFIED"},
    ),
    ("quality-rating-unknown", "GET", PHONE, 200, {"id": "1", "quality_rating": "UNKNOWN"}),
    (
        "phone-number-status-enum",
        "GET",
        PHONE_NUMBERS,
        200,
        {"data": [{"id": "1", "display_phone_number": "+1", "status": "CONNECTED"}]},
    ),
    ("template-errors-use-graph-envelope", "DELETE", TEMPLATES, 400, ERROR),
    ("service-unavailable-503", "POST", REGISTER, 503, ERROR),
    (
        "migrate-message-templates-missing",
        "POST",
        MIGRATE_TEMPLATES,
        200,
        VALID_SUCCESS_BODIES["POST", MIGRATE_TEMPLATES],
    ),
]


@pytest.mark.parametrize(
    ("exception_id", "method", "path", "status", "body"),
    EXCEPTION_SAMPLES,
    ids=[sample[0] for sample in EXCEPTION_SAMPLES],
)
def test_raw_spec_refuses_what_an_exception_allows(
    raw_spec: OpenApiSpec,
    spec: OpenApiSpec,
    exception_id: str,
    method: str,
    path: str,
    status: int,
    body: Any,
) -> None:
    exception_by_id(exception_id)
    with pytest.raises((ResponseMismatch, NoResponseSchema, OperationNotFound)):
        raw_spec.validate_response(method, path, status, body)
    spec.validate_response(method, path, status, body)


def test_spec_wrapper_form_of_the_profile_is_refused(raw_spec: OpenApiSpec, spec: OpenApiSpec) -> None:
    wrapped = {"data": [{"business_profile": {"messaging_product": "whatsapp", "about": "Roastery"}}]}
    raw_spec.validate_response("GET", PROFILE, 200, wrapped)
    error = _mismatch(spec, "GET", PROFILE, 200, wrapped)
    assert "'messaging_product' is a required property" in str(error)
    assert error.problems[0].spec_exceptions == ("business-profile-flat-form",)


def test_spec_upper_case_business_verification_is_refused(spec: OpenApiSpec) -> None:
    error = _mismatch(
        spec, "GET", WABA, 200, {"id": "1", "name": "W", "business_verification_status": "VERIFIED"}
    )
    assert error.problems[0].spec_exceptions == ("business-verification-status-lower-case",)


def test_profile_description_limit_is_512(spec: OpenApiSpec) -> None:
    spec.validate_response("GET", PROFILE, 200, {"data": [{**PROFILE_ITEM, "description": "d" * 512}]})
    error = _mismatch(spec, "GET", PROFILE, 200, {"data": [{**PROFILE_ITEM, "description": "d" * 513}]})
    assert "business-profile-description-512" in error.problems[0].spec_exceptions


def test_profile_unset_vertical_is_an_empty_string(spec: OpenApiSpec) -> None:
    spec.validate_response("GET", PROFILE, 200, {"data": [{**PROFILE_ITEM, "vertical": ""}]})


def test_subscribed_apps_item_needs_the_app_data(spec: OpenApiSpec, raw_spec: OpenApiSpec) -> None:
    spec_shape = {"data": [{"id": "4000000000001", "name": "wabaplan"}]}
    raw_spec.validate_response("GET", SUBSCRIBED_APPS, 200, spec_shape)
    error = _mismatch(spec, "GET", SUBSCRIBED_APPS, 200, spec_shape)
    assert "'whatsapp_business_api_data' is a required property" in str(error)


def _tiny_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": {
            "/node": {
                "get": {
                    "operationId": "getNode",
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}
                        },
                        "default": {"$ref": "#/components/responses/Error"},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "enum": ["a", "b"]},
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    },
                }
            },
            "responses": {"Error": {"description": "no body"}},
        },
    }


def test_recursive_schema_is_resolved_through_the_registry() -> None:
    spec = OpenApiSpec(_tiny_document())
    schema = spec.response_schema("GET", "/node", 200)
    assert schema["properties"]["children"]["items"] == {"$ref": f"{SPEC_URI}#/components/schemas/Node"}
    spec.validate_response("GET", "/node", 200, {"name": "a", "children": [{"name": "b", "children": []}]})
    error = _mismatch(spec, "GET", "/node", 200, {"name": "a", "children": [{"name": "c"}]})
    assert error.json_paths == ("$.children[0].name",)


def test_default_response_without_content_is_no_schema() -> None:
    spec = OpenApiSpec(_tiny_document())
    with pytest.raises(
        NoResponseSchema, match=r"GET /node \(getNode\) -> 500 .*response 'default' has no content"
    ):
        spec.validate_response("GET", "/node", 500, {})


def test_patch_is_checked_against_what_the_spec_says() -> None:
    stale = SpecException(
        id="stale",
        operations=("GET /node",),
        field="$.name",
        spec_says="enum a, b, c",
        we_do="enum a, b, c, d",
        reference="META-API.md §0",
        patches=(
            SpecPatch(
                schema_pointer("Node", "properties", "name", "enum"), ["a", "b", "c"], ["a", "b", "c", "d"]
            ),
        ),
    )
    with pytest.raises(SpecPatchError, match=r"'stale' expects \['a', 'b', 'c'\] .* has \['a', 'b'\]"):
        OpenApiSpec(_tiny_document(), exceptions=[stale])


def test_patch_can_add_and_remove_nodes() -> None:
    document = _tiny_document()
    entry = SpecException(
        id="tiny",
        operations=("GET /node",),
        field="$",
        spec_says="name required; no 404",
        we_do="name optional; 404 documented",
        reference="META-API.md §0",
        patches=(
            SpecPatch(schema_pointer("Node", "required"), ["name"], MISSING),
            SpecPatch(
                "/paths/~1node/get/responses/404",
                MISSING,
                {"content": {"application/json": {"schema": {"type": "object"}}}},
            ),
        ),
    )
    spec = OpenApiSpec(document, exceptions=[entry])
    spec.validate_response("GET", "/node", 200, {})
    spec.validate_response("GET", "/node", 404, {})
    assert document["components"]["schemas"]["Node"]["required"] == ["name"]
    assert "404" not in document["paths"]["/node"]["get"]["responses"]
