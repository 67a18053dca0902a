"""Cursor paging across many numbers, `fields=` selection and expansion, Graph batch requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from simsupport import HARBOUR, HK_MAIN, HK_WABA, TW_WABA, demo_world, error_of, graph_client

from reconciler.simulator import RunningSimulator


def big_world(count: int = 130) -> dict[str, Any]:
    world = demo_world()
    for i in range(count):
        world["phone_numbers"].append(
            {
                "id": f"{3100000000000 + i}",
                "display_phone_number": f"+1 415 555 {i:04d}",
                "waba": TW_WABA,
                "verified_name": "Harbour Lane US",
            }
        )
    return world


def test_paging_across_more_than_100_numbers(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(big_world())
    seen: list[str] = []
    with httpx.Client(timeout=10) as raw:
        url: str | None = (
            f"{sim.base_url}/v23.0/{TW_WABA}/phone_numbers?limit=100&fields=id&access_token={HARBOUR}"
        )
        pages = 0
        while url:
            body = raw.get(url).json()
            seen.extend(n["id"] for n in body["data"])
            url = body.get("paging", {}).get("next")
            pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 131
    with graph_client(sim) as graph:
        capped = graph.get(f"/{TW_WABA}/phone_numbers", params={"limit": 500}).json()
        assert len(capped["data"]) == 100  # the spec's maximum
        default = graph.get(f"/{TW_WABA}/phone_numbers").json()
        assert len(default["data"]) == 25
        back = graph.get(
            f"/{TW_WABA}/phone_numbers", params={"before": default["paging"]["cursors"]["after"], "limit": 5}
        )
        assert len(back.json()["data"]) == 5
        total = graph.get(f"/{TW_WABA}/phone_numbers", params={"summary": "total_count", "limit": 1}).json()
        assert total["summary"] == {"total_count": 131}


def test_fields_selection_and_expansion(graph: httpx.Client) -> None:
    node = graph.get(f"/{HK_MAIN}", params={"fields": "status,throughput"}).json()
    assert node == {"id": HK_MAIN, "status": "CONNECTED", "throughput": {"level": "STANDARD"}}
    default = graph.get(f"/{HK_WABA}").json()
    assert set(default) == {"id", "name", "timezone_id", "message_template_namespace"}
    expanded = graph.get(
        f"/{HK_WABA}",
        params={
            "fields": "name,business_verification_status,"
            "phone_numbers.limit(5){display_phone_number},subscribed_apps"
        },
    ).json()
    assert expanded["business_verification_status"] == "verified"
    assert expanded["phone_numbers"]["data"] == [{"display_phone_number": "+852 5123 4567", "id": HK_MAIN}]
    assert expanded["subscribed_apps"]["data"][0]["whatsapp_business_api_data"]["id"] == "4000000000001"
    business = graph.get(
        "/1000000000001", params={"fields": "name,owned_whatsapp_business_accounts{id,name}"}
    ).json()
    assert [w["id"] for w in business["owned_whatsapp_business_accounts"]["data"]] == [HK_WABA, TW_WABA]
    # edges Meta does not document as expandable are not fields
    assert error_of(graph.get(f"/{HK_MAIN}", params={"fields": "whatsapp_business_profile"}))["code"] == 100
    assert error_of(graph.get(f"/{HK_WABA}", params={"fields": "phone_numbers{id"}))["code"] == 100


def test_batch_runs_operations_in_order_and_counts_each(sim: RunningSimulator) -> None:
    batch = [
        {"method": "GET", "relative_url": f"v23.0/{HK_WABA}?fields=name"},
        {"method": "GET", "relative_url": f"{HK_WABA}/phone_numbers?fields=id", "name": "numbers"},
        {"method": "GET", "relative_url": "?ids={result=numbers:$.data.*.id}"},
        {"method": "POST", "relative_url": f"{TW_WABA}/subscribed_apps"},
        {"method": "GET", "relative_url": "9999999999999"},
        {"method": "GET", "relative_url": f"{HK_MAIN}?fields=status", "depends_on": "numbers"},
    ]
    with httpx.Client(base_url=sim.base_url) as raw:
        response = raw.post("/", data={"access_token": HARBOUR, "batch": json.dumps(batch)})
    assert response.status_code == 200
    results = response.json()
    assert [r["code"] if r else None for r in results] == [200, 200, 400, 200, 400, 200]
    assert json.loads(results[0]["body"]) == {"name": "Harbour Lane HK", "id": HK_WABA}
    assert json.loads(results[3]["body"]) == {"success": True}
    assert json.loads(results[4]["body"])["error"]["error_subcode"] == 33
    assert json.loads(results[5]["body"]) == {"id": HK_MAIN, "status": "CONNECTED"}
    assert {"name": "Content-Type", "value": "text/javascript; charset=UTF-8"} in results[0]["headers"]
    counts = sim.control.request_counts()
    assert counts["http_requests"] == 1
    assert counts["operations"] == 6
    assert counts["GET /{WABA-ID}"] == 1 and counts["POST /{WABA-ID}/subscribed_apps"] == 1
    assert [e["in_batch"] for e in sim.control.write_log()] == [True]
    assert "x-business-use-case-usage" in response.headers


def test_batch_operations_each_spend_the_rate_budget(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(rate_limits={"waba_calls_per_hour_registered": 3})
    batch = [{"method": "GET", "relative_url": HK_WABA} for _ in range(4)]
    with graph_client(sim) as graph:
        results = graph.post("/", data={"batch": json.dumps(batch), "include_headers": "false"}).json()
    assert [r["code"] for r in results] == [200, 200, 200, 400]
    assert json.loads(results[3]["body"])["error"]["code"] == 80007
    assert "headers" not in results[0]


def test_batch_size_limit_and_failed_dependencies(graph: httpx.Client) -> None:
    too_many = [{"method": "GET", "relative_url": HK_WABA}] * 51
    assert error_of(graph.post("/", data={"batch": json.dumps(too_many)}))["code"] == 100
    batch = [
        {"method": "GET", "relative_url": "9999999999999", "name": "missing"},
        {"method": "GET", "relative_url": "{result=missing:$.id}"},
    ]
    assert graph.post("/", json={"batch": batch}).json()[1] is None
