"""Nodes and fields real clients ask Meta for: the business profile's own node, a number's settings, the
Business node's fields, and the phone-number and template fields Meta serves (Meta's spec, META-API.md)."""

from __future__ import annotations

import base64
import json

import httpx
from simsupport import HK_MAIN, HK_WABA, TW_MAIN, error_of, graph_client

from reconciler.simulator import RunningSimulator


def profile_id(graph: httpx.Client, number: str) -> str:
    body = graph.get(f"/{number}/whatsapp_business_profile", params={"fields": "id,about"}).json()
    [item] = body["data"]
    assert item["id"].isdigit() and item["id"] != number
    return str(item["id"])


# ------------------------------------------------------------------------ the business profile's node


def test_the_profile_has_an_id_and_a_node_of_its_own(graph: httpx.Client) -> None:
    node_id = profile_id(graph, HK_MAIN)
    edge = graph.get(f"/{HK_MAIN}/whatsapp_business_profile").json()["data"][0]
    node = graph.get(f"/{node_id}").json()
    assert node["id"] == node_id and node["about"] == edge["about"] and node["vertical"] == edge["vertical"]
    assert "id" not in edge  # the edge gives the ID only when asked for it
    asked = graph.get(f"/{node_id}", params={"fields": "about,account_name"}).json()
    assert asked == {"id": node_id, "messaging_product": "whatsapp", "about": edge["about"]}
    refused = graph.get(f"/{node_id}", params={"fields": "about,nope"})
    assert refused.status_code == 400 and error_of(refused)["code"] == 100


def test_the_profile_node_writes_what_the_edge_reads(graph: httpx.Client) -> None:
    node_id = profile_id(graph, HK_MAIN)
    answer = graph.post(f"/{node_id}", json={"messaging_product": "whatsapp", "about": "Tea, and teaware."})
    assert answer.json() == {"id": node_id, "success": True}
    edge = graph.get(f"/{HK_MAIN}/whatsapp_business_profile", params={"fields": "about"}).json()
    assert edge["data"][0]["about"] == "Tea, and teaware."
    too_long = graph.post(f"/{node_id}", json={"messaging_product": "whatsapp", "about": "a" * 140})
    assert too_long.status_code == 400 and error_of(too_long)["code"] == 100


def test_a_profile_is_reached_only_through_its_numbers_waba(
    sim: RunningSimulator, graph: httpx.Client
) -> None:
    node_id = profile_id(graph, HK_MAIN)
    with graph_client(sim, token="sim-token-acme-source") as acme:  # reaches only the source WABA
        hidden = acme.get(f"/{node_id}")
    assert hidden.status_code == 400 and error_of(hidden)["code"] == 100
    assert sim.control.request_counts()["GET /{WhatsApp-Business-Profile-ID}"] == 1  # counted as itself


# ----------------------------------------------------------------------------------- number settings


def test_settings_read_back_what_was_set(graph: httpx.Client) -> None:
    before = graph.get(f"/{HK_MAIN}/settings").json()
    assert before["calling"]["status"] == "disabled" and before["calling"]["ip_addresses"]["default"]
    assert before["payload_encryption"] == {"status": "disabled"}
    assert before["storage_configuration"] == {"status": "default"}
    calling = {"status": "enabled", "call_icon_visibility": "visible", "video": {"status": "enabled"}}
    assert graph.post(f"/{HK_MAIN}/settings", json={"calling": calling}).json() == {"success": True}
    key = base64.b64encode(b"-----BEGIN PUBLIC KEY----- fake").decode()
    encryption = {"status": "enabled", "client_encryption_key": key}
    assert graph.post(f"/{HK_MAIN}/settings", json={"payload_encryption": encryption}).status_code == 200
    assert (
        graph.post(f"/{HK_MAIN}/settings", json={"user_identity_change": {"enabled": True}}).status_code
        == 200
    )
    after = graph.get(f"/{HK_MAIN}/settings").json()
    assert {k: after["calling"][k] for k in calling} == calling
    assert after["payload_encryption"]["status"] == "enabled"
    assert after["payload_encryption"]["client_encryption_key_fingerprint"].startswith("SHA256:")
    assert key not in json.dumps(after)  # the key itself is never served back


def test_storage_is_the_register_calls_region(graph: httpx.Client) -> None:
    """A number not registered takes a region; a registered one keeps its own (Meta: deregister first)."""
    moved = graph.post(
        f"/{HK_MAIN}/settings", json={"storage_configuration": {"enabled": True, "region": "DE"}}
    )
    assert moved.status_code == 400 and "deregistering" in error_of(moved)["message"]
    graph.post(f"/{TW_MAIN}/deregister")
    stored = graph.post(
        f"/{TW_MAIN}/settings", json={"storage_configuration": {"enabled": True, "region": "de"}}
    )
    assert stored.json() == {"success": True}
    assert graph.get(f"/{TW_MAIN}/settings").json()["storage_configuration"] == {
        "status": "in_country_storage_enabled",
        "data_localization_region": "DE",
    }


def test_settings_refuse_what_the_spec_does_not_allow(graph: httpx.Client) -> None:
    for body in (
        {},
        {"calling": {"status": "enabled"}, "user_identity_change": {"enabled": True}},  # oneOf
        {"calling": {"call_icon_visibility": "visible"}},  # status required
        {"calling": {"status": "on"}},
        {"calling": {"status": "enabled", "ringtone": "loud"}},
        {"payload_encryption": {"status": "enabled"}},  # no key
        {"storage_configuration": {"enabled": True, "region": "XX"}},
    ):
        answer = graph.post(f"/{TW_MAIN}/settings", json=body)
        assert answer.status_code == 400 and error_of(answer)["code"] == 100, body
    assert graph.get(f"/{TW_MAIN}/settings").json()["calling"]["status"] == "disabled"  # nothing changed


# --------------------------------------------------------------------------- fields clients ask for


def test_template_fields_meta_serves_are_not_refused(graph: httpx.Client) -> None:
    fields = "name,correct_category,library_template_name,cta_url_link_tracking_opted_out,previous_category"
    answer = graph.get(f"/{HK_WABA}/message_templates", params={"fields": fields})
    assert answer.status_code == 200, answer.text
    assert all(set(item) <= {"id", "name", "previous_category"} for item in answer.json()["data"])


def test_the_business_node_answers_the_specs_own_example(graph: httpx.Client) -> None:
    """The spec's example asks `fields=id,name,timezone_id`."""
    answer = graph.get("/1000000000001", params={"fields": "id,name,timezone_id"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": "1000000000001", "name": "Harbour Lane Trading Ltd", "timezone_id": 0}
    more = graph.get(
        "/1000000000001", params={"fields": "verification_status,link,created_time,primary_page"}
    )
    assert more.json()["verification_status"] == "verified" and "link" in more.json()
