"""How requests arrive (tokens, params, versions, paths) and Meta's error envelope for each refusal."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from simsupport import HARBOUR, HK_MAIN, HK_WABA, SOURCE_WABA, STOREFRONT, demo_world, error_of, graph_client

from reconciler.simulator import RunningSimulator


def test_token_in_header_query_or_form(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as raw:
        assert raw.get(f"/v23.0/{HK_WABA}", headers={"Authorization": f"Bearer {HARBOUR}"}).status_code == 200
        assert raw.get(f"/v23.0/{HK_WABA}", headers={"Authorization": f"OAuth {HARBOUR}"}).status_code == 200
        assert raw.get(f"/v23.0/{HK_WABA}", params={"access_token": HARBOUR}).status_code == 200
        form = raw.post(
            f"/v23.0/{HK_WABA}", data={"access_token": HARBOUR, "is_enabled_for_insights": "true"}
        )
        assert form.json() == {"success": True}


def test_any_version_prefix_and_trailing_slash(sim: RunningSimulator) -> None:
    for version in ("v17.0", "v23.0", "v26.0"):
        with graph_client(sim, version=version) as graph:
            response = graph.get(f"/{HK_WABA}/")
            assert response.status_code == 200
            assert response.headers["facebook-api-version"] == version


def test_missing_bad_and_expired_tokens(start_sim: Callable[..., RunningSimulator]) -> None:
    world = demo_world()
    world["tokens"].append(
        {
            "token": "sim-token-expired",
            "app": "4000000000001",
            "wabas": [HK_WABA],
            "expires_at": "2026-03-02T02:00:00Z",
        }
    )
    sim = start_sim(world)
    with graph_client(sim, token=None) as anonymous:
        missing = anonymous.get(f"/{HK_WABA}")
    assert missing.status_code == 401
    assert error_of(missing)["code"] == 104  # what Meta answers when no token is sent
    with graph_client(sim, token="not-a-token") as bad:
        invalid = bad.get(f"/{HK_WABA}")
    assert (invalid.status_code, error_of(invalid)["code"], error_of(invalid)["type"]) == (
        401,
        190,
        "OAuthException",
    )
    with graph_client(sim, token="sim-token-expired") as expiring:
        assert expiring.get(f"/{HK_WABA}").status_code == 200
        sim.control.advance_clock(3600)
        expired = expiring.get(f"/{HK_WABA}")
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)


def test_unknown_and_unreachable_objects_look_the_same(graph: httpx.Client) -> None:
    for object_id in ("9999999999999", SOURCE_WABA, STOREFRONT):  # unknown; exists but not reachable
        response = graph.get(f"/{object_id}")
        error = error_of(response)
        assert (response.status_code, error["code"], error["error_subcode"], error["type"]) == (
            400,
            100,
            33,
            "GraphMethodException",
        )
        assert error["message"].startswith(
            f"Unsupported get request. Object with ID '{object_id}' does not exist"
        )


def test_aliases_edges_and_fields_that_do_not_exist(graph: httpx.Client) -> None:
    alias = graph.get("/harbour-lane")
    assert (alias.status_code, error_of(alias)["code"]) == (404, 803)
    edge = graph.get(f"/{HK_WABA}/no_such_edge")
    assert error_of(edge)["code"] == 2500
    field = graph.get(f"/{HK_MAIN}", params={"fields": "id,favourite_colour"})
    assert error_of(field)["code"] == 100
    assert "favourite_colour" in error_of(field)["message"]
    # phone numbers cannot be deleted through the API
    delete = graph.delete(f"/{HK_MAIN}")
    assert (error_of(delete)["code"], error_of(delete)["error_subcode"]) == (100, 33)


def test_view_only_tokens_and_missing_permission(start_sim: Callable[..., RunningSimulator]) -> None:
    world = demo_world()
    world["tokens"].append(
        {"token": "sim-token-noscope", "app": "4000000000001", "wabas": [HK_WABA], "scopes": []}
    )
    sim = start_sim(world)
    with graph_client(sim, token="sim-token-acme-source") as source:
        assert source.get(f"/{SOURCE_WABA}/phone_numbers").status_code == 200
        write = source.post(f"/{SOURCE_WABA}/subscribed_apps")
    assert (write.status_code, error_of(write)["code"]) == (403, 200)
    with graph_client(sim, token="sim-token-noscope") as noscope:
        refused = noscope.get(f"/{HK_WABA}")
    assert (refused.status_code, error_of(refused)["code"]) == (403, 10)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("about", "x" * 140),
        ("about", ""),
        ("address", "x" * 257),
        ("description", "x" * 513),
        ("email", "not-an-email"),
        ("email", "a" * 120 + "@example.com"),
        ("vertical", "TEA"),
        ("websites", json.dumps(["https://a.example", "https://b.example", "https://c.example"])),
        ("websites", json.dumps(["ftp://a.example"])),
    ],
)
def test_profile_field_limits(graph: httpx.Client, field: str, value: str) -> None:
    response = graph.post(
        f"/{HK_MAIN}/whatsapp_business_profile", data={"messaging_product": "whatsapp", field: value}
    )
    assert (response.status_code, error_of(response)["code"]) == (400, 100)


def test_profile_limits_at_the_edge_are_accepted(graph: httpx.Client) -> None:
    body = {
        "messaging_product": "whatsapp",
        "about": "a" * 139,
        "description": "d" * 512,
        "websites": ["https://harbourlane.example/hk", "https://shop.harbourlane.example"],
        "vertical": "RETAIL",
    }
    assert graph.post(f"/{HK_MAIN}/whatsapp_business_profile", json=body).json() == {"success": True}
    profile = graph.get(f"/{HK_MAIN}/whatsapp_business_profile", params={"fields": "about,websites"}).json()
    assert profile == {
        "data": [{"messaging_product": "whatsapp", "about": "a" * 139, "websites": body["websites"]}]
    }


def test_other_invalid_parameters(graph: httpx.Client) -> None:
    assert error_of(graph.post(f"/{HK_MAIN}", data={"pin": "12345"}))["code"] == 100
    assert error_of(graph.post(f"/{HK_MAIN}", data={"new_display_name": "x"}))["code"] == 100
    assert error_of(graph.post(f"/{HK_MAIN}/register", data={"messaging_product": "whatsapp"}))["code"] == 100
    assert error_of(graph.post(f"/{HK_WABA}/phone_numbers", data={"phone_number": "61234567"}))["code"] == 100
    assert error_of(graph.get(f"/{HK_WABA}/phone_numbers", params={"after": "garbage"}))["code"] == 100


def test_error_envelope_carries_trace_headers(graph: httpx.Client) -> None:
    response = graph.get("/9999999999999")
    error = error_of(response)
    assert response.headers["x-fb-trace-id"] == error["fbtrace_id"]
    assert response.headers["content-type"].startswith("application/json")
