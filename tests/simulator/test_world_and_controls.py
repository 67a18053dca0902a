"""The world file (model, loader errors, schema), the "
"example estate, `/_sim/` controls, reset, state dumps."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
import yaml
from simsupport import HK_MAIN, HK_WABA, REPO, STOREFRONT, TW_WABA, demo_world

from reconciler.simulator import (
    RunningSimulator,
    World,
    WorldError,
    demo_world_text,
    load_world,
    run_simulator,
)
from reconciler.simulator.schema import DEFAULT_PATH, render_world_schema, world_json_schema
from reconciler.simulator.world import world_from_text


def test_committed_world_schema_is_current() -> None:
    committed = DEFAULT_PATH.read_text(encoding="utf-8")
    assert committed == render_world_schema(), (
        "schemas/world.schema.json is stale: regenerate it with `python -m reconciler.simulator.schema`"
    )


def test_example_and_demo_worlds_are_the_same_estate() -> None:
    example = load_world(REPO / "examples" / "world.yaml")
    demo = world_from_text(demo_world_text())
    assert example == demo
    jsonschema.validate(yaml.safe_load((REPO / "examples" / "world.yaml").read_text()), world_json_schema())


def test_example_estate_matches_the_ids_of_numbers_yaml() -> None:
    world: World = load_world(REPO / "examples" / "world.yaml")
    numbers = {n.display_phone_number: (n.id, n.waba, n.two_step.enabled) for n in world.phone_numbers}
    assert numbers == {
        "+852 5123 4567": ("3000000000001", "2000000000001", True),
        "+886 912 345 678": ("3000000000002", "2000000000002", True),
        "+852 6123 4567": ("3000000000901", "2000000000901", True),
    }
    wabas = {w.id: (w.name, w.currency, [s.app for s in w.subscriptions]) for w in world.wabas}
    assert wabas == {
        "2000000000001": ("Harbour Lane HK", "HKD", ["4000000000001"]),
        "2000000000002": ("Harbour Lane TW", "TWD", []),
        "2000000000901": ("Harbour Lane (via Acme BSP)", "HKD", ["4000000000099"]),
    }
    assert {t.token: (t.app, t.wabas, t.view_only_wabas) for t in world.tokens} == {
        "sim-token-harbour": ("4000000000001", ["2000000000001", "2000000000002"], []),
        "sim-token-acme-source": ("4000000000099", [], ["2000000000901"]),
    }


def test_world_errors_name_file_line_and_path(tmp_path: Path) -> None:
    bad = tmp_path / "missing-business.yaml"
    bad.write_text(
        "businesses:\n"
        '  - id: "1"\n'
        "    name: One\n"
        "wabas:\n"
        '  - id: "2"\n'
        "    name: W\n"
        '    owner_business: "99"\n'
        "    colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(WorldError) as caught:
        load_world(bad)
    assert f"{bad}:8:13: wabas[0].colour: unknown key" in str(caught.value)
    fixed = bad.read_text().replace("    colour: red\n", "")
    bad.write_text(fixed)
    with pytest.raises(WorldError) as caught:
        load_world(bad)
    assert f"{bad}:7:21: wabas[0].owner_business: no business 99" in str(caught.value)


def test_a_yaml_syntax_error_names_one_place_and_the_fix() -> None:
    with pytest.raises(WorldError) as caught:
        world_from_text("version: [1\ndescription: x\n", source="w.yaml")
    message = str(caught.value)
    assert "w.yaml:2:12: (top): not valid YAML: while parsing a flow sequence: expected ',' or ']'" in message
    assert "fix the YAML syntax at this line" in message
    assert "line 1" not in message and "<unicode string>" not in message  # no second location


def test_world_cross_checks() -> None:
    world = demo_world()
    world["phone_numbers"][0]["two_step"] = {"enabled": True}
    world["tokens"][0]["wabas"].append("2999999999999")
    world["phone_numbers"][1]["id"] = "3000000000001"
    with pytest.raises(WorldError) as caught:
        run_simulator(world).__enter__()
    text = str(caught.value)
    assert "two_step.pin" in text and "2999999999999" in text and "already used" in text


def test_controls_over_http_and_reset(sim: RunningSimulator, graph: httpx.Client) -> None:
    with httpx.Client(base_url=sim.base_url) as raw:
        assert "GET /_sim/inbox/{phone_number_id}" in raw.get("/_sim/").json()["controls"]
        assert raw.post(f"/_sim/numbers/{STOREFRONT}/disable_two_step").json() == {"success": True}
        graph.post(f"/{TW_WABA}/subscribed_apps")
        assert raw.get("/_sim/requests").json()["POST /{WABA-ID}/subscribed_apps"] == 1
        assert [e["endpoint"] for e in raw.get("/_sim/writes").json()["data"]] == [
            "POST /{WABA-ID}/subscribed_apps"
        ]
        assert raw.get("/_sim/inbox/3000000000001").json() == {
            "phone_number_id": "3000000000001",
            "code": None,
        }
        assert (
            raw.post(f"/_sim/numbers/{HK_MAIN}/display_name/review", json={"approve": True}).status_code
            == 400
        )
        assert raw.post("/_sim/templates/123/review", json={"approve": True}).status_code == 404
        assert raw.get("/_sim/nothing").status_code == 404
        assert raw.post("/_sim/reset").json() == {"success": True}
        assert raw.get("/_sim/writes").json() == {"data": []}
    assert graph.get(f"/{TW_WABA}/subscribed_apps").json() == {"data": []}
    counts = sim.control.request_counts()
    assert counts["GET /{WABA-ID}/subscribed_apps"] == 1 and counts["http_requests"] == 1


def test_business_verification_is_decided_over_http(sim: RunningSimulator, graph: httpx.Client) -> None:
    """Meta's verification team (or a lapse) changes what the WABA node and its health show."""
    with httpx.Client(base_url=sim.base_url) as raw:
        control = "/_sim/businesses/1000000000001/verification"
        assert raw.post(control, json={"verification_status": "pending"}).json() == {"success": True}
        assert raw.post(control, json={"verification_status": "VERIFIED"}).status_code == 400  # lower-case
        assert (
            raw.post("/_sim/businesses/1/verification", json={"verification_status": "verified"}).status_code
            == 404
        )
    node = graph.get(f"/{TW_WABA}", params={"fields": "business_verification_status,health_status"}).json()
    assert node["business_verification_status"] == "pending"
    assert node["health_status"]["can_send_message"] == "LIMITED"


def test_state_dump_round_trips(sim: RunningSimulator, graph: httpx.Client, tmp_path: Path) -> None:
    graph.post(
        f"/{HK_WABA}/subscribed_apps",
        json={"override_callback_uri": "https://h.example/x", "verify_token": "v"},
    )
    path = tmp_path / "state.json"
    path.write_text(json.dumps(sim.control.dump_state()))
    sim.control.reset()
    assert "override_callback_uri" not in graph.get(f"/{HK_WABA}/subscribed_apps").json()["data"][0]
    sim.control.load_state(json.loads(path.read_text()))
    assert (
        graph.get(f"/{HK_WABA}/subscribed_apps").json()["data"][0]["override_callback_uri"]
        == "https://h.example/x"
    )


def test_loopback_only_unless_allowed() -> None:
    with pytest.raises(ValueError, match="loopback"), run_simulator(host="0.0.0.0"):
        pass
