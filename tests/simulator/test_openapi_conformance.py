"""Every JSON answer of the covered operations validates against Meta's OpenAPI spec (v23.0).

Exceptions — where META-API.md documents the spec as wrong — live in ONE place, the contract harness's
`tests/contract/spec_exceptions.py`, applied by its `load_spec()`; this test reuses both.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from simsupport import HK_MAIN, HK_WABA, SOURCE_WABA, STOREFRONT, TW_WABA

from reconciler.graph import MetaCode, MetaSubcode
from reconciler.simulator import RunningSimulator

TESTS = Path(__file__).resolve().parents[1]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(scope="module")
def spec() -> Any:
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    try:
        openapi = importlib.import_module("contract.openapi")
    except ImportError as exc:  # pragma: no cover - the harness is part of the repository
        pytest.fail(f"the contract harness (tests/contract/openapi.py) cannot be imported: {exc}")
    return openapi.load_spec()


def check(spec: Any, op: str, path: str, response: httpx.Response) -> Any:
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    spec.validate_response(op, path, response.status_code, body)
    return body


def test_every_covered_operation_answers_in_the_spec_shape(
    sim: RunningSimulator, graph: httpx.Client, spec: Any
) -> None:
    P = "/{Version}/{Phone-Number-ID}"
    W = "/{Version}/{WABA-ID}"
    T = "/{Version}/{TEMPLATE_ID}"
    # reads
    check(spec, "GET", W, graph.get(f"/{HK_WABA}"))
    check(
        spec,
        "GET",
        W,
        graph.get(
            f"/{HK_WABA}",
            params={
                "fields": "id,name,currency,account_review_status,business_verification_status,ownership_type"
            },
        ),
    )
    check(spec, "GET", f"{W}/phone_numbers", graph.get(f"/{HK_WABA}/phone_numbers"))
    check(spec, "GET", P, graph.get(f"/{HK_MAIN}"))
    check(
        spec,
        "GET",
        P,
        graph.get(f"/{HK_MAIN}", params={"fields": "name_status,code_verification_status,quality_rating"}),
    )
    check(spec, "GET", f"{P}/whatsapp_business_profile", graph.get(f"/{HK_MAIN}/whatsapp_business_profile"))
    check(
        spec, "GET", f"{P}/whatsapp_business_profile", graph.get(f"/{TW_MAIN_ID}/whatsapp_business_profile")
    )
    check(spec, "GET", f"{W}/message_templates", graph.get(f"/{HK_WABA}/message_templates"))
    check(spec, "GET", T, graph.get("/5000000000001"))
    check(spec, "GET", f"{W}/subscribed_apps", graph.get(f"/{HK_WABA}/subscribed_apps"))
    # writes
    check(spec, "POST", W, graph.post(f"/{HK_WABA}", data={"is_enabled_for_insights": "true"}))
    check(spec, "POST", f"{W}/subscribed_apps", graph.post(f"/{TW_WABA}/subscribed_apps"))
    check(spec, "DELETE", f"{W}/subscribed_apps", graph.delete(f"/{TW_WABA}/subscribed_apps"))
    check(spec, "POST", P, graph.post(f"/{HK_MAIN}", data={"new_display_name": "Harbour Lane Tea"}))
    check(
        spec,
        "POST",
        f"{P}/whatsapp_business_profile",
        graph.post(
            f"/{HK_MAIN}/whatsapp_business_profile", json={"messaging_product": "whatsapp", "about": "Tea."}
        ),
    )
    created = check(
        spec,
        "POST",
        f"{W}/message_templates",
        graph.post(
            f"/{HK_WABA}/message_templates",
            json={
                "name": "hello",
                "language": "en_US",
                "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Hi"}],
            },
        ),
    )
    sim.control.review_template(created["id"], approve=True)
    check(
        spec,
        "POST",
        T,
        graph.post(f"/{created['id']}", json={"components": [{"type": "BODY", "text": "Hello"}]}),
    )
    check(
        spec,
        "DELETE",
        f"{W}/message_templates",
        graph.delete(f"/{HK_WABA}/message_templates", params={"name": "hello"}),
    )
    check(
        spec,
        "POST",
        f"{W}/migrate_message_templates",
        graph.post(f"/{TW_WABA}/migrate_message_templates", data={"source_waba_id": SOURCE_WABA}),
    )
    check(spec, "POST", f"{P}/deregister", graph.post(f"/{HK_MAIN}/deregister"))
    check(
        spec,
        "POST",
        f"{P}/register",
        graph.post(f"/{HK_MAIN}/register", data={"messaging_product": "whatsapp", "pin": "135790"}),
    )
    # the migration's own calls
    sim.control.disable_two_step(STOREFRONT)
    added = check(
        spec,
        "POST",
        f"{W}/phone_numbers",
        graph.post(
            f"/{HK_WABA}/phone_numbers",
            data={"cc": "852", "phone_number": "61234567", "migrate_phone_number": "true"},
        ),
    )
    new_id = added["id"]
    check(spec, "GET", P, graph.get(f"/{new_id}"))
    check(
        spec,
        "POST",
        f"{P}/request_code",
        graph.post(f"/{new_id}/request_code", data={"code_method": "SMS", "language": "en_US"}),
    )
    check(
        spec,
        "POST",
        f"{P}/verify_code",
        graph.post(f"/{new_id}/verify_code", data={"code": sim.control.last_code(new_id)}),
    )
    check(
        spec,
        "POST",
        f"{P}/register",
        graph.post(f"/{new_id}/register", data={"messaging_product": "whatsapp", "pin": "123456"}),
    )
    check(spec, "GET", f"{W}/phone_numbers", graph.get(f"/{HK_WABA}/phone_numbers"))


TW_MAIN_ID = "3000000000002"


@pytest.mark.parametrize(
    ("op", "path", "method", "url", "params"),
    [
        ("GET", "/{Version}/{WABA-ID}", "GET", "/9999999999999", None),
        ("GET", "/{Version}/{Phone-Number-ID}", "GET", f"/{HK_MAIN}?fields=nope", None),
        (
            "POST",
            "/{Version}/{WABA-ID}/phone_numbers",
            "POST",
            f"/{HK_WABA}/phone_numbers",
            {"cc": "852", "phone_number": "61234567", "migrate_phone_number": "true"},
        ),
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/register",
            "POST",
            f"/{HK_MAIN}/register",
            {"messaging_product": "whatsapp", "pin": "000000"},
        ),
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/verify_code",
            "POST",
            f"/{HK_MAIN}/verify_code",
            {"code": "123456"},
        ),
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/request_code",
            "POST",
            f"/{HK_MAIN}/request_code",
            {"code_method": "SMS", "language": "en_US"},
        ),
        (
            "GET",
            "/{Version}/{WABA-ID}/message_templates",
            "GET",
            f"/{HK_WABA}/message_templates?after=bad",
            None,
        ),
        (
            "POST",
            "/{Version}/{WABA-ID}/message_templates",
            "POST",
            f"/{HK_WABA}/message_templates",
            {"name": "BAD"},
        ),
        (
            "DELETE",
            "/{Version}/{WABA-ID}/message_templates",
            "DELETE",
            f"/{HK_WABA}/message_templates?name=nope",
            None,
        ),
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/whatsapp_business_profile",
            "POST",
            f"/{HK_MAIN}/whatsapp_business_profile",
            {"messaging_product": "whatsapp", "about": ""},
        ),
    ],
)
def test_errors_answer_the_graph_envelope(
    graph: httpx.Client, spec: Any, op: str, path: str, method: str, url: str, params: dict[str, str] | None
) -> None:
    response = graph.request(method, url, data=params)
    error = check(spec, op, path, response)["error"]
    status, code, subcode, error_type = META_ERRORS[method, url]
    assert (response.status_code, error["code"], error.get("error_subcode")) == (status, code, subcode)
    assert error["type"] == error_type and error["fbtrace_id"]


# What Meta answers each refusal above: (HTTP status, code, error_subcode, type), per META-API.md (§1.7
# migration subcodes, §8 error codes, the unknown-ID answer): the codes wabaplan's error table acts on.
META_ERRORS: dict[tuple[str, str], tuple[int, int, int | None, str]] = {
    ("GET", "/9999999999999"): (400, 100, 33, "GraphMethodException"),  # no such object
    ("GET", f"/{HK_MAIN}?fields=nope"): (400, 100, None, "OAuthException"),
    ("POST", f"/{HK_WABA}/phone_numbers"): (400, 100, MetaSubcode.TWO_STEP_ON, "OAuthException"),
    ("POST", f"/{HK_MAIN}/register"): (400, MetaCode.PIN_MISMATCH, None, "OAuthException"),
    ("POST", f"/{HK_MAIN}/verify_code"): (400, 100, 2388093, "OAuthException"),  # not being migrated
    ("POST", f"/{HK_MAIN}/request_code"): (400, 100, 2388091, "OAuthException"),  # not being migrated
    ("GET", f"/{HK_WABA}/message_templates?after=bad"): (400, 100, None, "OAuthException"),
    ("POST", f"/{HK_WABA}/message_templates"): (400, 100, None, "OAuthException"),  # language missing
    ("DELETE", f"/{HK_WABA}/message_templates?name=nope"): (
        400,
        100,
        MetaSubcode.TEMPLATE_NOT_FOUND,
        "OAuthException",
    ),
    ("POST", f"/{HK_MAIN}/whatsapp_business_profile"): (400, 100, None, "OAuthException"),
}


def test_missing_token_error_shape(sim: RunningSimulator, spec: Any) -> None:
    with httpx.Client(base_url=f"{sim.base_url}/v23.0") as anonymous:
        response = anonymous.get(f"/{HK_WABA}")
    assert response.status_code == 401
    check(spec, "GET", "/{Version}/{WABA-ID}", response)
    assert json.loads(response.text)["error"]["code"] == 104
