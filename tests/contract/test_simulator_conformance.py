"""Every covered operation of the simulator answers JSON that Meta's OpenAPI spec accepts.

The simulator runs as a real HTTP server on loopback; each call goes through httpx and each JSON answer
(success and error alike) is validated against the spec's schema for that operation and status, with the
deliberate deviations of `spec_exceptions.py` applied. A status the spec does not document fails the test
(`NoResponseSchema`) rather than passing unchecked.

Calls use the field lists wabaplan's reader really asks for (`reconciler.reader`), plus the defaults.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import urlencode

import httpx
import pytest
import yaml

from reconciler.reader import NUMBER_FIELDS, PROFILE_FIELDS, TEMPLATE_FIELDS, WABA_FIELDS
from reconciler.simulator import demo_world_text, run_simulator

from .openapi import COVERED_OPERATIONS, OpenApiSpec

VERSION: Final = "v23.0"
HARBOUR: Final = "sim-token-harbour"  # reaches HK_WABA, TW_WABA and their numbers
ACME: Final = "sim-token-acme-source"  # view-only on SOURCE_WABA
HK_WABA: Final = "2000000000001"  # subscribed; holds HK_PHONE and HK_TEMPLATE
TW_WABA: Final = "2000000000002"  # not subscribed
SOURCE_WABA: Final = "2000000000901"  # at another BSP; holds SOURCE_PHONE (2FA on)
HK_PHONE: Final = "3000000000001"
TW_PHONE: Final = "3000000000002"
SOURCE_PHONE: Final = "3000000000901"
HK_PHONE_PIN: Final = "135790"
HK_TEMPLATE: Final = "5000000000001"
APP_ID: Final = "4000000000001"
UNKNOWN_ID: Final = "9999999999999"

# spec path templates
WABA: Final = "/{Version}/{WABA-ID}"
PHONE_NUMBERS: Final = "/{Version}/{WABA-ID}/phone_numbers"
PHONE: Final = "/{Version}/{Phone-Number-ID}"
REQUEST_CODE: Final = "/{Version}/{Phone-Number-ID}/request_code"
VERIFY_CODE: Final = "/{Version}/{Phone-Number-ID}/verify_code"
REGISTER: Final = "/{Version}/{Phone-Number-ID}/register"
DEREGISTER: Final = "/{Version}/{Phone-Number-ID}/deregister"
PROFILE: Final = "/{Version}/{Phone-Number-ID}/whatsapp_business_profile"
TEMPLATES: Final = "/{Version}/{WABA-ID}/message_templates"
TEMPLATE: Final = "/{Version}/{TEMPLATE_ID}"
SUBSCRIBED_APPS: Final = "/{Version}/{WABA-ID}/subscribed_apps"
MIGRATE_TEMPLATES: Final = "/{Version}/{WABA-ID}/migrate_message_templates"
SETTINGS: Final = "/{Version}/{Phone-Number-ID}/settings"
PROFILE_NODE: Final = "/{Version}/{WhatsApp-Business-Profile-ID}"
BUSINESS: Final = "/{Version}/{Business-ID}"
BUSINESS_ID: Final = "1000000000001"

NEW_TEMPLATE: Final = {
    "name": "pickup_ready",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "BODY",
            "text": "Hi {{1}}, order {{2}} is ready for pickup.",
            "example": {"body_text": [["Mei", "HL-1"]]},
        }
    ],
}

# (method, spec path, "success" | "error") validated by this module, for the completeness check at the end.
EXERCISED: set[tuple[str, str, str]] = set()


class ContractClient:
    """Calls the simulator and validates every answer against the spec before handing it back."""

    def __init__(self, http: httpx.Client, spec: OpenApiSpec, control: Any) -> None:
        self.http = http
        self.spec = spec
        self.control = control  # the simulator's test-only controls (codes, 2FA, reviews, clock, faults)

    def call(self, method: str, spec_path: str, node_id: str, *, expect: int = 200, **kwargs: Any) -> Any:
        """`METHOD spec_path` with `node_id` for its ID placeholder; the answer must have status `expect`
        and validate against the spec's schema for that status. Returns the parsed body."""
        status, body = self.exchange(method, spec_path, node_id, **kwargs)
        assert status == expect, (
            f"{method} {_url(spec_path, node_id)}: expected HTTP {expect}, got {status}: {body}"
        )
        return body

    def error(self, method: str, spec_path: str, node_id: str, *, expect: int = 400, **kwargs: Any) -> Any:
        """An error answer: validated like any other, and returned as its `error` object."""
        return self.call(method, spec_path, node_id, expect=expect, **kwargs)["error"]

    def exchange(
        self,
        method: str,
        spec_path: str,
        node_id: str,
        *,
        token: str | None = HARBOUR,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """One call, whatever its status: (status, body), the body validated for that status."""
        url = _url(spec_path, node_id)
        response = self.http.request(
            method,
            url,
            params=dict(params or {}),
            json=json_body,
            data=dict(form) if form is not None else None,
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        content_type = response.headers.get("content-type", "")
        assert content_type.split(";")[0].strip() == "application/json", (
            f"{method} {url}: content-type {content_type!r}: {response.text[:300]}"
        )
        body = response.json()
        self.validate(method, spec_path, response.status_code, body, content_type)
        return response.status_code, body

    def validate(
        self, method: str, spec_path: str, status: int, body: Any, content_type: str = "application/json"
    ) -> None:
        self.spec.validate_response(method, spec_path, status, body, content_type=content_type)
        EXERCISED.add((method.upper(), spec_path, "success" if status < 400 else "error"))


def _url(spec_path: str, node_id: str) -> str:
    """`/{Version}/{WABA-ID}/phone_numbers` + `2000000000001` -> `/v23.0/2000000000001/phone_numbers`."""
    placeholders = re.findall(r"\{[^}]+\}", spec_path)
    assert placeholders[0] == "{Version}" and len(placeholders) == 2, spec_path
    return spec_path.replace("{Version}", VERSION).replace(placeholders[1], node_id)


@contextmanager
def simulated(spec: OpenApiSpec, **options: Any) -> Iterator[ContractClient]:
    """The bundled demo world on loopback, with `run_simulator` options (rate limits, faults…)."""
    with (
        run_simulator(world=None, **options) as sim,
        httpx.Client(base_url=sim.base_url, timeout=10.0) as http,
    ):
        yield ContractClient(http, spec, sim.control)


@pytest.fixture
def graph(spec: OpenApiSpec) -> Iterator[ContractClient]:
    """A fresh simulator per test, so no test sees another's writes."""
    with simulated(spec) as client:
        yield client


# ------------------------------------------------------------------------------------------------ WABA


def test_waba_get_default_and_reader_fields(graph: ContractClient) -> None:
    default = graph.call("GET", WABA, HK_WABA)
    assert default["id"] == HK_WABA
    read = graph.call("GET", WABA, HK_WABA, params={"fields": ",".join(WABA_FIELDS)})
    assert read["business_verification_status"] == "verified"


def test_waba_get_every_field_and_expanded_edges(graph: ContractClient) -> None:
    fields = (
        "id,name,currency,timezone_id,message_template_namespace,account_review_status,"
        "business_verification_status,country,ownership_type,owner_business_info,status,is_enabled_for_insights,"
        "template_auto_archival_enabled,disable_marketing_messages_on_cloud_api,health_status,"
        "phone_numbers,message_templates,subscribed_apps"
    )
    body = graph.call("GET", WABA, HK_WABA, params={"fields": fields})
    assert body["phone_numbers"]["data"][0]["id"] == HK_PHONE
    assert body["subscribed_apps"]["data"][0]["whatsapp_business_api_data"]["id"] == APP_ID


def test_unknown_alias_is_a_404(graph: ContractClient) -> None:
    assert graph.error("GET", WABA, "no_such_alias", expect=404)["code"] == 803


def test_waba_update(graph: ContractClient) -> None:
    assert graph.call("POST", WABA, HK_WABA, form={"is_enabled_for_insights": "true"}) == {"success": True}


def test_waba_errors(graph: ContractClient) -> None:
    unknown = graph.error("GET", WABA, UNKNOWN_ID)
    assert (unknown["type"], unknown["code"], unknown["error_subcode"]) == ("GraphMethodException", 100, 33)
    other_business = graph.error("GET", WABA, SOURCE_WABA)
    assert other_business["code"] == 100
    assert graph.error("GET", WABA, HK_WABA, token=None, expect=401)["code"] == 104
    assert graph.error("GET", WABA, HK_WABA, token="not-a-token", expect=401)["code"] == 190
    assert graph.error("GET", WABA, HK_WABA, params={"fields": "id,no_such_field"})["code"] == 100
    assert graph.error("POST", WABA, HK_WABA, form={"nothing": "here"})["code"] == 100
    view_only = graph.error(
        "POST", WABA, SOURCE_WABA, token=ACME, form={"is_enabled_for_insights": "true"}, expect=403
    )
    assert view_only["code"] == 200


# --------------------------------------------------------------------------------------- phone numbers


def test_phone_number_list(graph: ContractClient) -> None:
    default = graph.call("GET", PHONE_NUMBERS, HK_WABA)
    assert [n["id"] for n in default["data"]] == [HK_PHONE]
    read = graph.call("GET", PHONE_NUMBERS, HK_WABA, params={"fields": ",".join(NUMBER_FIELDS)})
    assert read["data"][0]["status"] == "CONNECTED"
    graph.call("GET", PHONE_NUMBERS, SOURCE_WABA, token=ACME)


def test_phone_number_list_errors(graph: ContractClient) -> None:
    graph.error("GET", PHONE_NUMBERS, SOURCE_WABA)
    graph.error("GET", PHONE_NUMBERS, HK_WABA, params={"limit": "many"})


def test_phone_number_get(graph: ContractClient) -> None:
    default = graph.call("GET", PHONE, HK_PHONE)
    assert default["display_phone_number"] == "+852 5123 4567"
    every = (
        "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,"
        "new_display_name,new_name_status,status,platform_type,throughput,account_mode,messaging_limit_tier,"
        "is_official_business_account,is_pin_enabled,is_on_biz_app,last_onboarded_time,webhook_configuration,"
        "health_status,search_visibility,data_localization_region,certificate,new_certificate,country_code,"
        "country_dial_code"
    )
    graph.call("GET", PHONE, HK_PHONE, params={"fields": every})
    graph.call("GET", PHONE, TW_PHONE, params={"fields": every})


def test_phone_number_get_errors(graph: ContractClient) -> None:
    graph.error("GET", PHONE, UNKNOWN_ID)
    graph.error("GET", PHONE, HK_PHONE, params={"fields": "id,no_such_field"})


def test_phone_number_updates(graph: ContractClient) -> None:
    assert graph.call("POST", PHONE, HK_PHONE, form={"pin": "246802"}) == {"success": True}
    assert graph.call("POST", PHONE, HK_PHONE, form={"new_display_name": "Harbour Lane Tea"}) == {
        "success": True
    }
    webhook = {"override_callback_uri": "https://hooks.example/hk", "verify_token": "s3cret"}
    graph.call("POST", PHONE, HK_PHONE, json_body={"webhook_configuration": webhook})
    renamed = graph.call("GET", PHONE, HK_PHONE, params={"fields": "new_display_name,new_name_status"})
    assert renamed["new_name_status"] == "PENDING_REVIEW"


def test_phone_number_update_errors(graph: ContractClient) -> None:
    graph.error("POST", PHONE, HK_PHONE, form={"pin": "12"})
    graph.error("POST", PHONE, HK_PHONE, form={"new_display_name": "H"})
    graph.error("POST", PHONE, UNKNOWN_ID, form={"pin": "246802"})


def test_add_number_errors(graph: ContractClient) -> None:
    migrate = {"cc": "852", "phone_number": "61234567", "migrate_phone_number": "true"}
    two_step_on = graph.error("POST", PHONE_NUMBERS, HK_WABA, form=migrate)
    assert two_step_on["error_subcode"] == 2388001
    assert graph.error("POST", PHONE_NUMBERS, HK_WABA, form={"cc": "852"})["code"] == 100
    graph.error("POST", PHONE_NUMBERS, SOURCE_WABA, form={"cc": "852", "phone_number": "6"})


def test_add_number_without_migration(graph: ContractClient) -> None:
    new_number = {"cc": "886", "phone_number": "912345679", "verified_name": "Harbour Lane Taichung"}
    created = graph.call("POST", PHONE_NUMBERS, TW_WABA, form=new_number)
    assert created["id"]
    graph.call("GET", PHONE, created["id"], params={"fields": ",".join(NUMBER_FIELDS)})


def test_migration_flow(graph: ContractClient) -> None:
    """META-API.md §1.4: add with migrate_phone_number, request and verify a code, register, deregister."""
    graph.control.disable_two_step(SOURCE_PHONE)
    migrate = {"cc": "852", "phone_number": "61234567", "migrate_phone_number": "true"}
    number = graph.call("POST", PHONE_NUMBERS, HK_WABA, form=migrate)["id"]
    pending = graph.call("GET", PHONE, number, params={"fields": ",".join(NUMBER_FIELDS)})
    assert pending["code_verification_status"] == "NOT_VERIFIED"
    graph.call("GET", PHONE_NUMBERS, HK_WABA, params={"fields": ",".join(NUMBER_FIELDS)})

    registration = {"messaging_product": "whatsapp", "pin": "123456"}
    unverified = graph.error("POST", REGISTER, number, form=registration)
    assert unverified["code"] == 133006
    assert graph.error("POST", VERIFY_CODE, number, form={"code": "123456"})["code"] == 136025
    fax = graph.error("POST", REQUEST_CODE, number, form={"code_method": "FAX", "language": "en_US"})
    assert fax["code"] == 100
    sent = graph.call("POST", REQUEST_CODE, number, form={"code_method": "SMS", "language": "en_US"})
    assert sent == {"success": True}
    code = graph.control.last_code(number)
    wrong = "000000" if code != "000000" else "111111"
    assert graph.error("POST", VERIFY_CODE, number, form={"code": wrong})["code"] == 136025
    verified = graph.call("POST", VERIFY_CODE, number, form={"code": code})
    assert verified["success"] is True

    short_pin = graph.error("POST", REGISTER, number, form={**registration, "pin": "12"})
    assert short_pin["code"] == 100
    assert graph.call("POST", REGISTER, number, json_body=registration) == {"success": True}
    after = graph.call("GET", PHONE, number, params={"fields": ",".join(NUMBER_FIELDS)})
    assert after["status"] == "CONNECTED"
    source_fields = {"fields": "id,display_phone_number,status"}
    source = graph.call("GET", PHONE_NUMBERS, SOURCE_WABA, token=ACME, params=source_fields)
    assert all(n["status"] == "MIGRATED" for n in source["data"] if n["id"] == SOURCE_PHONE)

    assert graph.call("POST", DEREGISTER, number) == {"success": True}
    assert graph.error("POST", DEREGISTER, number)["code"] == 133010
    graph.call("GET", PHONE, number, params={"fields": ",".join(NUMBER_FIELDS)})


def test_verification_errors_on_a_number_not_being_onboarded(graph: ContractClient) -> None:
    request = graph.error("POST", REQUEST_CODE, HK_PHONE, form={"code_method": "SMS", "language": "en_US"})
    assert request["error_subcode"] in (2388091, 2388093)
    verify = graph.error("POST", VERIFY_CODE, HK_PHONE, form={"code": "123456"})
    assert verify["code"] == 100
    wrong_pin = {"messaging_product": "whatsapp", "pin": "000000"}
    assert graph.error("POST", REGISTER, HK_PHONE, form=wrong_pin)["code"] == 133005


def test_register_and_deregister_a_registered_number(graph: ContractClient) -> None:
    pin = {"messaging_product": "whatsapp", "pin": HK_PHONE_PIN}
    assert graph.call("POST", REGISTER, HK_PHONE, form=pin) == {"success": True}
    assert graph.call("POST", DEREGISTER, HK_PHONE) == {"success": True}
    graph.call("GET", PHONE, HK_PHONE, params={"fields": ",".join(NUMBER_FIELDS)})
    graph.call("GET", PHONE_NUMBERS, HK_WABA, params={"fields": ",".join(NUMBER_FIELDS)})


def test_deregister_errors(graph: ContractClient) -> None:
    graph.error("POST", DEREGISTER, UNKNOWN_ID)
    graph.error("POST", DEREGISTER, SOURCE_PHONE)


# ------------------------------------------------------------------------------------ business profile


def test_business_profile(graph: ContractClient) -> None:
    read = graph.call("GET", PROFILE, HK_PHONE, params={"fields": ",".join(PROFILE_FIELDS)})
    assert read["data"][0]["vertical"] == "RETAIL"
    graph.call("GET", PROFILE, HK_PHONE)
    update = {
        "messaging_product": "whatsapp",
        "about": "Tea and teaware.",
        "description": "d" * 512,
        "vertical": "",
        "websites": ["https://harbourlane.example/hk", "https://harbourlane.example/shop"],
    }
    assert graph.call("POST", PROFILE, HK_PHONE, json_body=update) == {"success": True}
    after = graph.call("GET", PROFILE, HK_PHONE, params={"fields": ",".join(PROFILE_FIELDS)})
    assert after["data"][0]["vertical"] == ""
    tw = graph.call("GET", PROFILE, TW_PHONE, params={"fields": ",".join(PROFILE_FIELDS)})
    assert tw["data"][0]["messaging_product"] == "whatsapp"


def test_business_profile_errors(graph: ContractClient) -> None:
    graph.error("GET", PROFILE, UNKNOWN_ID)
    graph.error("GET", PROFILE, HK_PHONE, params={"fields": "about,nope"})
    too_long = {"messaging_product": "whatsapp", "about": "a" * 140}
    graph.error("POST", PROFILE, HK_PHONE, json_body=too_long)
    graph.error("POST", PROFILE, HK_PHONE, json_body={"about": "no product"})


def test_business_profile_node(graph: ContractClient) -> None:
    edge = graph.call("GET", PROFILE, HK_PHONE, params={"fields": "id," + ",".join(PROFILE_FIELDS)})
    node_id = edge["data"][0]["id"]
    node = graph.call("GET", PROFILE_NODE, node_id)
    assert node["id"] == node_id and node["vertical"] == "RETAIL"
    graph.call("GET", PROFILE_NODE, node_id, params={"fields": ",".join(PROFILE_FIELDS)})
    update = {"messaging_product": "whatsapp", "about": "Tea and teaware.", "vertical": "RETAIL"}
    assert graph.call("POST", PROFILE_NODE, node_id, json_body=update) == {"id": node_id, "success": True}
    graph.error("GET", PROFILE_NODE, node_id, params={"fields": "about,nope"})
    graph.error("POST", PROFILE_NODE, node_id, json_body={"about": "no product"})


def test_phone_number_settings(graph: ContractClient) -> None:
    graph.call("GET", SETTINGS, HK_PHONE)
    calling = {
        "calling": {"status": "enabled", "call_icon_visibility": "visible", "video": {"status": "enabled"}}
    }
    assert graph.call("POST", SETTINGS, HK_PHONE, json_body=calling) == {"success": True}
    assert graph.call("GET", SETTINGS, HK_PHONE)["calling"]["status"] == "enabled"
    graph.error("GET", SETTINGS, UNKNOWN_ID)
    graph.error("POST", SETTINGS, HK_PHONE, json_body={"calling": {"status": "on"}})


def test_business_node(graph: ContractClient) -> None:
    """The spec's own example asks for `id,name,timezone_id`."""
    body = graph.call("GET", BUSINESS, BUSINESS_ID, params={"fields": "id,name,timezone_id"})
    assert body == {"id": BUSINESS_ID, "name": "Harbour Lane Trading Ltd", "timezone_id": 0}
    graph.call("GET", BUSINESS, BUSINESS_ID)
    graph.error("GET", BUSINESS, BUSINESS_ID, params={"fields": "id,nope"})


# ------------------------------------------------------------------------------------------- templates


def test_template_lifecycle(graph: ContractClient) -> None:
    listed = graph.call("GET", TEMPLATES, HK_WABA)
    assert [t["id"] for t in listed["data"]] == [HK_TEMPLATE]
    graph.call("GET", TEMPLATES, HK_WABA, params={"fields": ",".join(TEMPLATE_FIELDS), "limit": 1})
    graph.call("GET", TEMPLATES, HK_WABA, params={"summary": "total_count"})
    graph.call("GET", TEMPLATES, SOURCE_WABA, token=ACME)

    created = graph.call("POST", TEMPLATES, HK_WABA, json_body=NEW_TEMPLATE)
    assert created["status"] == "PENDING"
    graph.call("GET", TEMPLATE, created["id"])
    graph.call("GET", TEMPLATE, created["id"], params={"fields": ",".join(TEMPLATE_FIELDS)})
    graph.control.review_template(created["id"], approve=True)
    approved = graph.call("GET", TEMPLATE, created["id"], params={"fields": "status"})
    assert approved["status"] == "APPROVED"

    components = [
        {
            "type": "BODY",
            "text": "Hi {{1}}, order {{2}} is ready.",
            "example": {"body_text": [["Mei", "HL-1"]]},
        }
    ]
    assert graph.call("POST", TEMPLATE, created["id"], json_body={"components": components}) == {
        "success": True
    }
    deleted = graph.call("DELETE", TEMPLATES, HK_WABA, params={"name": NEW_TEMPLATE["name"]})
    assert deleted == {"success": True}
    graph.call("DELETE", TEMPLATES, HK_WABA, params={"name": "order_update", "hsm_id": HK_TEMPLATE})


def test_template_errors(graph: ContractClient) -> None:
    graph.error("GET", TEMPLATES, SOURCE_WABA)
    graph.error("GET", TEMPLATES, HK_WABA, params={"after": "not-a-cursor"})
    graph.error("POST", TEMPLATES, HK_WABA, json_body={**NEW_TEMPLATE, "name": "Bad Name"})
    duplicate = {**NEW_TEMPLATE, "name": "order_update"}
    assert graph.error("POST", TEMPLATES, HK_WABA, json_body=duplicate)["error_subcode"] == 2388024
    graph.error("DELETE", TEMPLATES, HK_WABA, params={"name": "no_such_template"})
    graph.error("GET", TEMPLATE, UNKNOWN_ID)
    graph.error("POST", TEMPLATE, HK_TEMPLATE, json_body={})
    graph.error("POST", TEMPLATE, HK_TEMPLATE, json_body={"category": "MARKETING"})


def test_migrate_message_templates(graph: ContractClient) -> None:
    result = graph.call("POST", MIGRATE_TEMPLATES, TW_WABA, form={"source_waba_id": SOURCE_WABA})
    # order_update: APPROVED, GREEN; login_code: APPROVED, UNKNOWN (not scored yet)
    assert result["migrated_templates"] == ["5000000000901", "5000000000903"]
    assert list(result["failed_templates"]) == ["5000000000902"]  # spring_sale: YELLOW
    graph.error("POST", MIGRATE_TEMPLATES, TW_WABA, form={})
    graph.error("POST", MIGRATE_TEMPLATES, TW_WABA, form={"source_waba_id": UNKNOWN_ID})


# ---------------------------------------------------------------------------------- subscribed apps


def test_subscribed_apps(graph: ContractClient) -> None:
    listed = graph.call("GET", SUBSCRIBED_APPS, HK_WABA)
    assert listed["data"][0]["whatsapp_business_api_data"]["id"] == APP_ID
    assert graph.call("GET", SUBSCRIBED_APPS, TW_WABA) == {"data": []}
    assert graph.call("POST", SUBSCRIBED_APPS, TW_WABA)["success"] is True
    override = {"override_callback_uri": "https://hooks.example/tw", "verify_token": "s3cret"}
    graph.call("POST", SUBSCRIBED_APPS, TW_WABA, json_body=override)
    with_override = graph.call("GET", SUBSCRIBED_APPS, TW_WABA)
    assert with_override["data"][0]["override_callback_uri"] == override["override_callback_uri"]
    assert graph.call("DELETE", SUBSCRIBED_APPS, TW_WABA)["success"] is True
    graph.call("GET", SUBSCRIBED_APPS, SOURCE_WABA, token=ACME)


def test_subscribed_apps_errors(graph: ContractClient) -> None:
    graph.error("GET", SUBSCRIBED_APPS, SOURCE_WABA)
    no_verify_token = {"override_callback_uri": "https://hooks.example/tw"}
    graph.error("POST", SUBSCRIBED_APPS, TW_WABA, json_body=no_verify_token)
    graph.error("DELETE", SUBSCRIBED_APPS, UNKNOWN_ID)
    graph.error("POST", SUBSCRIBED_APPS, SOURCE_WABA, token=ACME, expect=403)


# ------------------------------------------------------------------------------------ every enum value

# The values META-API.md documents for each enum the simulator serves (§2.2, §3.1, §4.4, §5.2).
PHONE_STATUSES: Final = (
    "PENDING", "CONNECTED", "FLAGGED", "RESTRICTED", "DISCONNECTED", "MIGRATED", "BANNED", "DELETED",
    "UNVERIFIED",
)  # fmt: skip
QUALITY_RATINGS: Final = ("GREEN", "YELLOW", "RED", "NA", "UNKNOWN")
CODE_VERIFICATION: Final = ("VERIFIED", "NOT_VERIFIED", "EXPIRED")
NAME_STATUSES: Final = (
    "APPROVED",
    "AVAILABLE_WITHOUT_REVIEW",
    "DECLINED",
    "EXPIRED",
    "PENDING_REVIEW",
    "NONE",
)
BUSINESS_VERIFICATION: Final = (
    "expired", "failed", "ineligible", "not_verified", "pending", "pending_need_more_info",
    "pending_submission", "rejected", "revoked", "verified",
)  # fmt: skip
OWNERSHIP_TYPES: Final = ("CLIENT_OWNED", "ON_BEHALF_OF", "SELF")
REVIEW_STATUSES: Final = ("APPROVED", "PENDING", "REJECTED")
TEMPLATE_STATUSES: Final = (
    "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "LIMIT_EXCEEDED", "ARCHIVED",
)  # fmt: skip
VERTICALS: Final = ("", "RETAIL", "PROF_SERVICES", "OTHER")


def _variety_world() -> dict[str, Any]:
    """The demo world plus one WABA per business-verification / ownership / review value and one number
    per phone status (cycling the other number enums), all reachable with the harbour token."""
    world: dict[str, Any] = yaml.safe_load(demo_world_text())
    harbour = next(token for token in world["tokens"] if token["token"] == HARBOUR)
    for index, verification in enumerate(BUSINESS_VERIFICATION):
        business_id = f"10000000001{index:02d}"
        waba_id = f"20000000001{index:02d}"
        world["businesses"].append(
            {"id": business_id, "name": f"Variety {index}", "verification_status": verification}
        )
        world["wabas"].append(
            {
                "id": waba_id,
                "name": f"Variety {verification}",
                "owner_business": business_id,
                "ownership_type": OWNERSHIP_TYPES[index % len(OWNERSHIP_TYPES)],
                "account_review_status": REVIEW_STATUSES[index % len(REVIEW_STATUSES)],
                "templates": [
                    {
                        "id": f"50000000001{index:02d}",
                        "name": f"variety_{index}",
                        "language": "en_US",
                        "category": "UTILITY",
                        "status": TEMPLATE_STATUSES[index % len(TEMPLATE_STATUSES)],
                        "quality_score": ("GREEN", "YELLOW", "RED", "UNKNOWN")[index % 4],
                        "components": [{"type": "BODY", "text": f"Variety {index}"}],
                    }
                ],
            }
        )
        harbour["businesses"].append(business_id)
        harbour["wabas"].append(waba_id)
    for index, status in enumerate(PHONE_STATUSES):
        world["phone_numbers"].append(
            {
                "id": f"30000000001{index:02d}",
                "display_phone_number": f"+852 5123 45{index:02d}",
                "waba": HK_WABA,
                "status": status,
                "verified_name": "Harbour Lane",
                "name_status": NAME_STATUSES[index % len(NAME_STATUSES)],
                "code_verification_status": CODE_VERIFICATION[index % len(CODE_VERIFICATION)],
                "quality_rating": QUALITY_RATINGS[index % len(QUALITY_RATINGS)],
                "profile": {"vertical": VERTICALS[index % len(VERTICALS)]},
            }
        )
    return world


def test_every_documented_enum_value_conforms(spec: OpenApiSpec) -> None:
    """A world holding every value META-API.md documents: each answer still matches the (patched) spec."""
    with (
        run_simulator(world=_variety_world()) as sim,
        httpx.Client(base_url=sim.base_url, timeout=10.0) as http,
    ):
        graph = ContractClient(http, spec, sim.control)
        list_fields = {"fields": ",".join(NUMBER_FIELDS), "limit": 100}
        listed = graph.call("GET", PHONE_NUMBERS, HK_WABA, params=list_fields)
        served = {number["status"] for number in listed["data"]}
        assert served >= set(PHONE_STATUSES) - {"MIGRATED", "DELETED"}, served
        every = f"{','.join(NUMBER_FIELDS)},account_mode,messaging_limit_tier,health_status,certificate"
        for index, phone_status in enumerate(PHONE_STATUSES):
            number = f"30000000001{index:02d}"
            for spec_path, fields in ((PHONE, every), (PROFILE, ",".join(PROFILE_FIELDS))):
                status, body = graph.exchange("GET", spec_path, number, params={"fields": fields})
                # a number that is gone (MIGRATED, DELETED) may answer "unsupported get request" instead
                assert status == 200 or phone_status in ("MIGRATED", "DELETED"), body
        for index in range(len(BUSINESS_VERIFICATION)):
            waba = f"20000000001{index:02d}"
            fields = f"{','.join(WABA_FIELDS)},ownership_type,health_status,message_templates"
            body = graph.call("GET", WABA, waba, params={"fields": fields})
            assert body["business_verification_status"] == BUSINESS_VERIFICATION[index]
            graph.call("GET", TEMPLATES, waba, params={"fields": ",".join(TEMPLATE_FIELDS)})
            template = f"50000000001{index:02d}"
            graph.call("GET", TEMPLATE, template, params={"fields": ",".join(TEMPLATE_FIELDS)})


# ------------------------------------------------------------------------------ limits, faults, batches


def test_rate_limit_errors(spec: OpenApiSpec) -> None:
    """80007 (WABA call budget) and 133016 (register attempts), with `error_data` and `is_transient`."""
    limits = {"waba_calls_per_hour": 3, "waba_calls_per_hour_registered": 3, "register_per_72h": 1}
    with simulated(spec, rate_limits=limits) as graph:
        pin = {"messaging_product": "whatsapp", "pin": HK_PHONE_PIN}
        graph.call("POST", REGISTER, HK_PHONE, form=pin)
        register_limit = graph.error("POST", REGISTER, HK_PHONE, form=pin)
        assert register_limit["code"] == 133016
        statuses = [graph.exchange("GET", PHONE_NUMBERS, HK_WABA)[0] for _ in range(4)]
        assert statuses[-1] == 400
        throttled = graph.error("GET", TEMPLATES, HK_WABA)
        assert (throttled["code"], throttled["is_transient"]) == (80007, True)
        assert throttled["error_data"]["details"]


# A read and a write of every kind of node; transient faults must look the same on each.
FAULT_CALLS: Final = (
    ("GET", WABA, HK_WABA, {}),
    ("GET", PHONE_NUMBERS, HK_WABA, {}),
    ("GET", PHONE, HK_PHONE, {}),
    ("POST", REGISTER, HK_PHONE, {"form": {"messaging_product": "whatsapp", "pin": HK_PHONE_PIN}}),
    ("GET", PROFILE, HK_PHONE, {}),
    ("GET", TEMPLATES, HK_WABA, {}),
    ("GET", TEMPLATE, HK_TEMPLATE, {}),
    ("GET", SUBSCRIBED_APPS, HK_WABA, {}),
    ("POST", MIGRATE_TEMPLATES, TW_WABA, {"form": {"source_waba_id": SOURCE_WABA}}),
)


def test_transient_faults(spec: OpenApiSpec) -> None:
    """`fault_rate=1`: every answer is a fault: 400 (1, 4, 80007), 500 (131000), 503 (2) or a drop."""
    seen: set[tuple[int, int]] = set()
    with simulated(spec, fault_rate=1.0, seed=7) as graph:
        for round_number in range(6):
            for method, spec_path, node_id, kwargs in FAULT_CALLS:
                try:
                    status, body = graph.exchange(method, spec_path, node_id, **kwargs)
                except httpx.TransportError:  # the "drop" fault: no answer to validate
                    continue
                assert body["error"]["is_transient"] is True, (round_number, method, spec_path, body)
                seen.add((status, body["error"]["code"]))
    assert {status for status, _ in seen} == {400, 500, 503}, seen


def test_batch_answers_conform(graph: ContractClient) -> None:
    """wabaplan reads through Graph batches: each operation's answer must match its own operation."""
    operations = [
        ("GET", WABA, HK_WABA, {"fields": ",".join(WABA_FIELDS)}),
        ("GET", SUBSCRIBED_APPS, HK_WABA, {}),
        ("GET", PHONE_NUMBERS, HK_WABA, {"fields": ",".join(NUMBER_FIELDS), "limit": 100}),
        ("GET", TEMPLATES, HK_WABA, {"fields": ",".join(TEMPLATE_FIELDS), "limit": 100}),
        ("GET", PROFILE, HK_PHONE, {"fields": ",".join(PROFILE_FIELDS)}),
        ("GET", WABA, UNKNOWN_ID, {}),
        ("GET", PHONE_NUMBERS, SOURCE_WABA, {}),
    ]
    batch = [
        {
            "method": method,
            "relative_url": _url(path, node_id).removeprefix(f"/{VERSION}/") + "?" + urlencode(query),
        }
        for method, path, node_id, query in operations
    ]
    response = graph.http.post(
        f"/{VERSION}/",
        data={"batch": json.dumps(batch), "include_headers": "false"},
        headers={"Authorization": f"Bearer {HARBOUR}"},
    )
    assert response.status_code == 200, response.text
    answers = response.json()
    assert len(answers) == len(operations)
    for (method, path, _, _), answer in zip(operations, answers, strict=True):
        graph.validate(method, path, answer["code"], json.loads(answer["body"]))
    assert [answer["code"] for answer in answers] == [200, 200, 200, 200, 200, 400, 400]


# -------------------------------------------------------------------------------------- completeness


def test_every_covered_operation_was_validated_both_ways(request: pytest.FixtureRequest) -> None:
    """Runs last: every covered operation had a success and an error answer validated above."""
    module_tests = {item.name for item in request.session.items if item.module is request.module}
    all_tests = {name for name, value in globals().items() if name.startswith("test_") and callable(value)}
    if module_tests != all_tests:  # -k or --lf: a part of the module ran
        pytest.skip("only meaningful when the whole module runs (one file, one worker: --dist loadfile)")
    missing = [
        f"{method} {path} ({kind})"
        for method, path in COVERED_OPERATIONS
        for kind in ("success", "error")
        if (method, path, kind) not in EXERCISED
    ]
    assert not missing, "not exercised: " + ", ".join(missing)
