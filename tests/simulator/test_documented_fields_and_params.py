"""Documented fields and parameters the simulator honours as Meta does (META-API.md §2-§5, §8.2, §11)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from simsupport import HK_MAIN, HK_WABA, TW_WABA, demo_world, error_of, graph_client

from reconciler.simulator import RunningSimulator

BODY = [{"type": "BODY", "text": "Hi {{1}}, welcome.", "example": {"body_text": [["Mei"]]}}]


def create_template(graph: httpx.Client, name: str, language: str = "en_US", **extra: str) -> httpx.Response:
    return graph.post(
        f"/{TW_WABA}/message_templates",
        data={
            "name": name,
            "language": language,
            "category": "UTILITY",
            "components": json.dumps(BODY),
            **extra,
        },
    )


def template_ids(graph: httpx.Client, **params: str) -> list[str]:
    response = graph.get(f"/{TW_WABA}/message_templates", params={"fields": "id", **params})
    assert response.status_code == 200, response.text
    return sorted(t["id"] for t in response.json()["data"])


# ------------------------------------------------------------------------------------- templates


def test_delete_by_hsm_ids_deletes_only_those_languages(graph: httpx.Client) -> None:
    ids = {lang: create_template(graph, "greeting", lang).json()["id"] for lang in ("en_US", "zh_TW", "ja")}
    deleted = graph.delete(
        f"/{TW_WABA}/message_templates",
        params={"name": "greeting", "hsm_ids": json.dumps([ids["en_US"], ids["ja"]])},
    )
    assert deleted.json() == {"success": True}
    assert template_ids(graph, name="greeting") == [ids["zh_TW"]]
    # without name too; an ID that is not a template here refuses and deletes nothing
    refused = graph.delete(
        f"/{TW_WABA}/message_templates", params={"hsm_ids": json.dumps([ids["zh_TW"], "5999999999999"])}
    )
    assert error_of(refused)["error_subcode"] == 2593002
    assert template_ids(graph, name="greeting") == [ids["zh_TW"]]
    assert graph.delete(
        f"/{TW_WABA}/message_templates", params={"hsm_ids": json.dumps([ids["zh_TW"]])}
    ).json() == {"success": True}
    assert template_ids(graph, name="greeting") == []
    bad = graph.delete(f"/{TW_WABA}/message_templates", params={"hsm_ids": "not-json"})
    assert error_of(bad)["code"] == 100


def test_list_templates_since_until_and_source(sim: RunningSimulator, graph: httpx.Client) -> None:
    first = create_template(graph, "first_one").json()["id"]
    middle = sim.control.advance_clock(1000) - 500
    second = create_template(graph, "second_one").json()["id"]
    assert template_ids(graph, since=str(int(middle))) == [second]
    assert template_ids(graph, until=str(int(middle))) == [first]
    iso = datetime.fromtimestamp(middle, UTC).isoformat()
    assert template_ids(graph, since=iso) == [second]
    assert template_ids(graph, source="MANUAL") == sorted([first, second])
    assert template_ids(graph, source="AUTO_GENERATED") == []
    assert error_of(graph.get(f"/{TW_WABA}/message_templates", params={"since": "soon"}))["code"] == 100
    assert error_of(graph.get(f"/{TW_WABA}/message_templates", params={"source": "BOT"}))["code"] == 100


def test_template_sub_category_is_validated(graph: httpx.Client) -> None:
    refused = create_template(graph, "order_note", sub_category="SHIPPING")
    error = error_of(refused)
    assert error["code"] == 100 and "ORDER_DETAILS" in error["message"]
    created = create_template(graph, "order_note", sub_category="ORDER_STATUS").json()
    assert graph.get(f"/{created['id']}", params={"fields": "sub_category"}).json()["sub_category"] == (
        "ORDER_STATUS"
    )


def test_summary_false_adds_no_summary_and_field_lists_pick(graph: httpx.Client) -> None:
    for edge in ("message_templates", "phone_numbers"):
        assert "summary" not in graph.get(f"/{HK_WABA}/{edge}", params={"summary": "false"}).json()
        assert "summary" in graph.get(f"/{HK_WABA}/{edge}", params={"summary": "true"}).json()
    picked = graph.get(f"/{HK_WABA}/message_templates", params={"summary": "total_count"}).json()
    assert picked["summary"] == {"total_count": 1}
    full = graph.get(f"/{HK_WABA}/message_templates", params={"summary": "true"}).json()["summary"]
    assert {"total_count", "message_template_count", "message_template_limit"} <= full.keys()


def test_nested_edge_summary_modifier(graph: httpx.Client) -> None:
    fields = "phone_numbers.summary(true){id},message_templates.summary(total_count){id},subscribed_apps"
    node = graph.get(f"/{HK_WABA}", params={"fields": fields}).json()
    assert node["phone_numbers"]["summary"] == {"total_count": len(node["phone_numbers"]["data"])}
    assert node["message_templates"]["summary"] == {"total_count": 1}
    assert "summary" not in node["subscribed_apps"]
    plain = graph.get(f"/{HK_WABA}", params={"fields": "phone_numbers.summary(false){id}"}).json()
    assert "summary" not in plain["phone_numbers"]


# ------------------------------------------------------------------------------------ WABA node


def test_documented_waba_fields_are_accepted(graph: httpx.Client) -> None:
    fields = (
        "owner_business,creation_time,on_behalf_of_business_info,primary_business_location,"
        "is_shared_with_partners,purchase_order_number,primary_funding_id,analytics,"
        "auth_international_rate_eligibility,marketing_messages_lite_api_status,"
        "marketing_messages_onboarding_status,linked_commerce_account,audiences,schedules,dcc_config"
    )
    response = graph.get(f"/{HK_WABA}", params={"fields": fields})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["owner_business"] == {"id": "1000000000001", "name": "Harbour Lane Trading Ltd"}
    assert datetime.strptime(body["creation_time"], "%Y-%m-%dT%H:%M:%S%z").year == 2026
    # the unmodelled ones are omitted; the payment method the WABA bills to is shown by its ID
    assert set(body) == {"id", "owner_business", "creation_time", "primary_funding_id"}


def test_primary_funding_id_only_while_a_payment_method_is_attached(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    world = demo_world()
    hk = next(w for w in world["wabas"] if w["id"] == HK_WABA)
    hk["payment_method_attached"] = False
    with graph_client(start_sim(world=world)) as client:
        body = client.get(f"/{HK_WABA}", params={"fields": "primary_funding_id"}).json()
        tw = client.get(f"/{TW_WABA}", params={"fields": "primary_funding_id"}).json()
    assert body == {"id": HK_WABA}  # Graph omits a field with no value
    assert tw["primary_funding_id"]


def test_business_waba_list_items_carry_currency(graph: httpx.Client) -> None:
    listed = graph.get("/1000000000001/owned_whatsapp_business_accounts").json()["data"]
    hk = next(w for w in listed if w["id"] == HK_WABA)
    assert set(hk) == {"id", "name", "currency", "timezone_id", "message_template_namespace"}
    assert hk["currency"] == "HKD"
    # the node itself keeps its own default (META-API.md §3.1)
    assert "currency" not in graph.get(f"/{HK_WABA}").json()


def test_timezone_and_currency_change_only_without_payment_method(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    world = demo_world()
    for w in world["wabas"]:
        if w["id"] == TW_WABA:
            w["payment_method_attached"] = False
    sim = start_sim(world)
    with graph_client(sim) as graph:
        assert graph.post(f"/{TW_WABA}", data={"timezone_id": "42", "currency": "USD"}).json() == {
            "success": True
        }
        node = graph.get(f"/{TW_WABA}", params={"fields": "timezone_id,currency"}).json()
        assert (node["timezone_id"], node["currency"]) == ("42", "USD")
        assert error_of(graph.post(f"/{TW_WABA}", data={"currency": "dollars"}))["code"] == 100
        # HK has a payment method: refused, and nothing of the call applied
        refused = graph.post(f"/{HK_WABA}", data={"name": "Renamed", "currency": "USD"})
        assert "payment method" in error_of(refused)["message"]
        assert graph.get(f"/{HK_WABA}").json()["name"] == "Harbour Lane HK"


# ----------------------------------------------------------------------------------- phone node


def test_phone_node_default_fields_and_list_edge_default(graph: httpx.Client) -> None:
    node = graph.get(f"/{HK_MAIN}").json()
    assert set(node) == {"id", "display_phone_number", "verified_name", "quality_rating"}
    item = graph.get(f"/{HK_WABA}/phone_numbers").json()["data"][0]
    assert {"code_verification_status", "platform_type", "throughput", "status"} <= item.keys()


def test_spec_phone_fields_are_accepted(graph: httpx.Client) -> None:
    """The spec's fields, and those Meta serves that real clients ask for (Meta's reference)."""
    fields = (
        "host_platform,platform_type,unified_cert_status,username,country_code,country_dial_code,"
        "quality_score,conversational_automation,eligibility_for_api_business_global_search,"
        "is_preverified_number,official_business_account,whatsapp_business_manager_messaging_limit"
    )
    response = graph.get(f"/{HK_MAIN}", params={"fields": fields})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["host_platform"] == body["platform_type"] == "CLOUD_API"
    assert (body["country_code"], body["country_dial_code"]) == ("HK", "852")
    assert body["unified_cert_status"] == "APPROVED"
    assert body["quality_score"] == {"score": "GREEN"}
    assert body["is_preverified_number"] is False
    unmodelled = {"username", "conversational_automation", "official_business_account"}
    assert not unmodelled & body.keys()  # accepted, and omitted as Meta omits what is unset
    listed = graph.get(f"/{HK_WABA}/phone_numbers", params={"fields": fields}).json()["data"]
    assert all(item["is_preverified_number"] is False for item in listed)


def test_phone_numbers_filtering_on_documented_fields(graph: httpx.Client) -> None:
    def listed(field: str, value: object) -> list[str]:
        rules = json.dumps([{"field": field, "operator": "EQUAL", "value": value}])
        response = graph.get(f"/{HK_WABA}/phone_numbers", params={"filtering": rules, "fields": "id"})
        assert response.status_code == 200, response.text
        return [n["id"] for n in response.json()["data"]]

    assert HK_MAIN in listed("messaging_limit_tier", "TIER_1K")
    assert HK_MAIN not in listed("messaging_limit_tier", "TIER_250")
    assert HK_MAIN in listed("is_official_business_account", False)
    assert HK_MAIN not in listed("is_official_business_account", "true")
    rules = json.dumps([{"field": "status", "operator": "EQUAL", "value": "CONNECTED"}])
    assert error_of(graph.get(f"/{HK_WABA}/phone_numbers", params={"filtering": rules}))["code"] == 100


@pytest.mark.parametrize("as_json", [True, False])
def test_whatsapp_business_api_data_pin_sets_the_two_step_pin(
    sim: RunningSimulator, graph: httpx.Client, as_json: bool
) -> None:
    data = {"pin": "246810", "show_security_notifications": True, "notify_user_change_number": False}
    sent = (
        graph.post(f"/{HK_MAIN}", json={"whatsapp_business_api_data": data})
        if as_json
        else graph.post(f"/{HK_MAIN}", data={"whatsapp_business_api_data": json.dumps(data)})
    )
    assert sent.json() == {"success": True}
    # the old PIN no longer registers, the new one does (and it is stored sealed, never in clear)
    register = {"messaging_product": "whatsapp"}
    assert error_of(graph.post(f"/{HK_MAIN}/register", data={**register, "pin": "135790"}))["code"] == 133005
    assert graph.post(f"/{HK_MAIN}/register", data={**register, "pin": "246810"}).json() == {"success": True}
    assert "246810" not in json.dumps(sim.control.dump_state())
    assert "246810" not in json.dumps(sim.control.write_log())  # nor in the log of writes
    assert "135790" not in json.dumps(sim.control.write_log())
    for bad in ({"pin": "12"}, {"pin": "123456", "colour": "red"}):
        assert error_of(graph.post(f"/{HK_MAIN}", json={"whatsapp_business_api_data": bad}))["code"] == 100
    differ = graph.post(
        f"/{HK_MAIN}", json={"pin": "111111", "whatsapp_business_api_data": {"pin": "222222"}}
    )
    assert error_of(differ)["code"] == 100
