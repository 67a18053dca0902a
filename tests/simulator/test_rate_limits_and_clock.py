"""Per-WABA rate budgets with X-Business-Use-Case-Usage, template limits, and the simulated clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from simsupport import HK_MAIN, HK_WABA, TW_WABA, demo_world, error_of, graph_client

from reconciler.simulator import RunningSimulator


def usage(response: httpx.Response, waba: str) -> dict[str, Any]:
    header = json.loads(response.headers["x-business-use-case-usage"])
    entry: dict[str, Any] = header[waba][0]
    assert entry["type"] == "whatsapp_business_management"
    return entry


def _unregistered_tw(world: dict[str, Any]) -> dict[str, Any]:
    world["phone_numbers"][1]["status"] = "DISCONNECTED"
    return world


def test_200_calls_per_hour_without_a_registered_number(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(_unregistered_tw(demo_world()))
    with graph_client(sim) as graph:
        first = graph.get(f"/{TW_WABA}")
        assert usage(first, TW_WABA)["call_count"] == 1  # percent of 200, rounded up
        for _ in range(199):
            last = graph.get(f"/{TW_WABA}/phone_numbers")
        assert last.status_code == 200
        assert usage(last, TW_WABA)["call_count"] == 100
        throttled = graph.get(f"/{TW_WABA}")
        assert throttled.status_code == 400
        assert error_of(throttled)["code"] == 80007
        assert usage(throttled, TW_WABA)["estimated_time_to_regain_access"] == 60
        # another WABA's budget is untouched; the rejected call did not count
        assert graph.get(f"/{HK_WABA}").status_code == 200
        sim.control.advance_clock(3601)
        assert graph.get(f"/{TW_WABA}").status_code == 200
    counts = sim.control.request_counts()
    assert counts["GET /{WABA-ID}"] == 4
    assert counts["GET /{WABA-ID}/phone_numbers"] == 199


def test_registered_number_raises_the_budget(start_sim: Callable[..., RunningSimulator]) -> None:
    limits = {"waba_calls_per_hour": 3, "waba_calls_per_hour_registered": 6}
    sim = start_sim(_unregistered_tw(demo_world()), rate_limits=limits)
    with graph_client(sim) as graph:
        statuses = [graph.get(f"/{TW_WABA}").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 400]
        statuses = [graph.get(f"/{HK_WABA}").status_code for _ in range(7)]  # HK has a registered number
        assert statuses == [200] * 6 + [400]


def test_phone_number_and_template_calls_count_against_their_waba(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    sim = start_sim(rate_limits={"waba_calls_per_hour_registered": 3})
    with graph_client(sim) as graph:
        graph.get(f"/{HK_MAIN}")
        graph.get(f"/{HK_MAIN}/whatsapp_business_profile")
        graph.get("/5000000000001")
        assert error_of(graph.get(f"/{HK_WABA}"))["code"] == 80007


def test_budgets_are_per_app(start_sim: Callable[..., RunningSimulator]) -> None:
    world = demo_world()
    world["apps"].append({"id": "4000000000002", "name": "second app"})
    world["tokens"].append({"token": "sim-token-second-app", "app": "4000000000002", "wabas": [HK_WABA]})
    sim = start_sim(world, rate_limits={"waba_calls_per_hour_registered": 2})
    with graph_client(sim) as graph, graph_client(sim, token="sim-token-second-app") as other:
        assert [graph.get(f"/{HK_WABA}").status_code for _ in range(3)] == [200, 200, 400]
        assert other.get(f"/{HK_WABA}").status_code == 200


def test_template_creations_per_hour(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(rate_limits={"template_creations_per_hour": 3})
    body = {
        "language": "en_US",
        "category": "UTILITY",
        "components": json.dumps([{"type": "BODY", "text": "Hi"}]),
    }
    with graph_client(sim) as graph:
        for i in range(3):
            created = graph.post(f"/{HK_WABA}/message_templates", data={**body, "name": f"notice_{i}"})
            assert created.json()["status"] == "PENDING"
        over = graph.post(f"/{HK_WABA}/message_templates", data={**body, "name": "notice_3"})
        assert error_of(over)["code"] == 80007
        sim.control.advance_clock(3600)
        assert (
            graph.post(f"/{HK_WABA}/message_templates", data={**body, "name": "notice_3"}).status_code == 200
        )


def test_clock_over_http(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as raw:
        before = raw.get("/_sim/clock").json()
        assert before["iso"].startswith("2026-03-02T01:00")
        after = raw.post("/_sim/clock/advance", json={"seconds": 86400}).json()
        assert after["offset_seconds"] == 86400
        assert after["iso"].startswith("2026-03-03T01:00")


def test_another_program_of_the_app_spends_the_wabas_budget(sim: RunningSimulator) -> None:
    app = demo_world()["tokens"][0]["app"]
    with httpx.Client(base_url=sim.base_url) as raw:
        spent = raw.post(f"/_sim/wabas/{HK_WABA}/budget/spend", json={"app_id": app, "calls": 4990})
        assert spent.json() == {"calls": 4990}
        # the calls stop at the budget (5,000 an hour with a registered number)
        again = raw.post(f"/_sim/wabas/{HK_WABA}/budget/spend", json={"app_id": app, "calls": 50})
        assert again.json() == {"calls": 5000}
        missing = raw.post("/_sim/wabas/999/budget/spend", json={"app_id": app, "calls": 1})
        assert missing.status_code == 404 and "no WABA 999" in missing.json()["error"]["message"]
    with graph_client(sim) as graph:
        throttled = graph.get(f"/{HK_WABA}")
        assert error_of(throttled)["code"] == 80007  # what the app's own next call meets
