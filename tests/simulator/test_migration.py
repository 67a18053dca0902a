"""The seed's migration, driven by raw HTTP, and every precondition failing with Meta's documented error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from simsupport import (
    ACME,
    HK_WABA,
    SOURCE_WABA,
    STOREFRONT,
    TW_WABA,
    demo_world,
    error_of,
    graph_client,
)

from reconciler.simulator import RunningSimulator

MIGRATE = {"cc": "852", "phone_number": "61234567", "migrate_phone_number": "true"}


def add_migrating(graph: httpx.Client, waba: str = HK_WABA) -> httpx.Response:
    return graph.post(f"/{waba}/phone_numbers", data=MIGRATE)


def test_whole_migration_over_raw_http(sim: RunningSimulator, graph: httpx.Client) -> None:
    # 2FA still on at the source: the documented refusal, and nothing changes
    refused = add_migrating(graph)
    assert refused.status_code == 400
    assert error_of(refused)["error_subcode"] == 2388001
    assert sim.control.write_log() == []

    # the source owner turns 2FA off in WhatsApp Manager
    sim.control.disable_two_step(STOREFRONT)
    created = add_migrating(graph)
    assert created.status_code == 200, created.text
    new_id = created.json()["id"]
    assert new_id != STOREFRONT

    # until the destination registers, the source keeps serving
    with graph_client(sim, ACME) as source:
        assert source.get(f"/{STOREFRONT}", params={"fields": "status"}).json()["status"] == "CONNECTED"

    pending = graph.get(
        f"/{new_id}", params={"fields": "status,code_verification_status,verified_name"}
    ).json()
    assert pending == {
        "id": new_id,
        "status": "PENDING",
        "code_verification_status": "NOT_VERIFIED",
        "verified_name": "Harbour Lane",
    }

    # one-time code: query-string params, as one widely used client sends them
    assert graph.post(
        f"/{new_id}/request_code", params={"code_method": "SMS", "language": "en_US"}
    ).json() == {"success": True}
    code = sim.control.last_code(new_id)
    assert code is not None and len(code) == 6
    with httpx.Client(base_url=sim.base_url) as raw:  # the same inbox over HTTP
        assert raw.get(f"/_sim/inbox/{new_id}").json()["code"] == code
    # Meta's answer also names the verified number (spec S:17196, META-API.md §4.1)
    assert graph.post(f"/{new_id}/verify_code", data={"code": code}).json() == {"success": True, "id": new_id}

    # register sets the new PIN; the cut-over happens now
    registered = graph.post(f"/{new_id}/register", json={"messaging_product": "whatsapp", "pin": "482915"})
    assert registered.json() == {"success": True}
    live = graph.get(
        f"/{new_id}",
        params={
            "fields": "status,verified_name,name_status,quality_rating,"
            "is_official_business_account,is_pin_enabled"
        },
    ).json()
    assert live["status"] == "CONNECTED"
    assert (live["verified_name"], live["name_status"], live["quality_rating"]) == (
        "Harbour Lane",
        "APPROVED",
        "GREEN",
    )
    assert live["is_official_business_account"] is True  # OBA moves with the number
    assert live["is_pin_enabled"] is True

    # the source record is MIGRATED and stops serving
    with graph_client(sim, ACME) as source:
        assert source.get(f"/{STOREFRONT}", params={"fields": "status"}).json()["status"] == "MIGRATED"
        listing = source.get(f"/{SOURCE_WABA}/phone_numbers", params={"fields": "status"}).json()["data"]
        assert [n["status"] for n in listing] == ["MIGRATED"]
        stopped = source.get(f"/{STOREFRONT}/whatsapp_business_profile")
        assert error_of(stopped)["error_subcode"] == 33

    # the destination lists it; the registered PIN is now the 2FA PIN
    numbers = graph.get(f"/{HK_WABA}/phone_numbers", params={"fields": "display_phone_number,status"}).json()[
        "data"
    ]
    assert {"id": new_id, "display_phone_number": "+852 6123 4567", "status": "CONNECTED"} in numbers
    wrong_pin = graph.post(f"/{new_id}/register", json={"messaging_product": "whatsapp", "pin": "000000"})
    assert error_of(wrong_pin)["code"] == 133005

    endpoints = [e["endpoint"] for e in sim.control.write_log()]
    assert endpoints == [
        "POST /{WABA-ID}/phone_numbers",
        "POST /{Phone-Number-ID}/request_code",
        "POST /{Phone-Number-ID}/verify_code",
        "POST /{Phone-Number-ID}/register",
    ]


def test_only_approved_green_templates_are_duplicated(start_sim: Callable[..., RunningSimulator]) -> None:
    world = demo_world()
    world["phone_numbers"][2]["two_step"] = {"enabled": False}
    world["wabas"][0]["templates"] = []  # the destination has none yet
    sim = start_sim(world)
    with graph_client(sim) as graph:
        new_id = migrate(sim, graph)
        names = graph.get(
            f"/{HK_WABA}/message_templates", params={"fields": "name,status,quality_score"}
        ).json()
    assert [(t["name"], t["status"], t["quality_score"]["score"]) for t in names["data"]] == [
        ("order_update", "APPROVED", "UNKNOWN")  # spring_sale is YELLOW: not copied; quality not copied
    ]
    assert new_id


def migrate(sim: RunningSimulator, graph: httpx.Client) -> str:
    new_id: str = add_migrating(graph).json()["id"]
    graph.post(f"/{new_id}/request_code", data={"code_method": "VOICE", "language": "zh_HK"})
    graph.post(f"/{new_id}/verify_code", data={"code": sim.control.last_code(new_id)})
    assert (
        graph.post(f"/{new_id}/register", data={"messaging_product": "whatsapp", "pin": "111222"}).status_code
        == 200
    )
    return new_id


# ------------------------------------------------------------------------------- each precondition


def _without_2fa(world: dict[str, Any]) -> dict[str, Any]:
    world["phone_numbers"][2]["two_step"] = {"enabled": False}
    return world


def _case_two_step(world: dict[str, Any]) -> None:
    world["phone_numbers"][2]["two_step"] = {"enabled": True, "pin": "246810"}


def _case_name_pending(world: dict[str, Any]) -> None:
    world["phone_numbers"][2]["name_status"] = "PENDING_REVIEW"


def _case_name_declined(world: dict[str, Any]) -> None:
    world["phone_numbers"][2]["name_status"] = "DECLINED"


def _case_rename_pending(world: dict[str, Any]) -> None:
    world["phone_numbers"][2]["new_display_name"] = "Harbour Lane CWB"
    world["phone_numbers"][2]["new_name_status"] = "PENDING_REVIEW"


def _case_no_webhook(world: dict[str, Any]) -> None:
    world["wabas"][0]["subscribed_apps"] = []


def _case_other_business(world: dict[str, Any]) -> None:
    world["businesses"].append({"id": "1000000000099", "name": "Someone Else Ltd"})
    world["wabas"][2]["owner_business"] = "1000000000099"


def _case_destination_pending(world: dict[str, Any]) -> None:
    world["wabas"][0]["account_review_status"] = "PENDING"


def _case_business_unverified(world: dict[str, Any]) -> None:
    world["businesses"][0]["verification_status"] = "pending"


def _case_source_not_approved(world: dict[str, Any]) -> None:
    world["wabas"][2]["account_review_status"] = "REJECTED"


def _case_no_payment(world: dict[str, Any]) -> None:
    world["wabas"][0]["payment_method_attached"] = False


@pytest.mark.parametrize(
    ("case", "subcode", "title"),
    [
        (_case_two_step, 2388001, "Two-step verification enabled"),
        (_case_name_pending, 2388103, "Display name not approved"),
        (_case_name_declined, 2388103, "Display name not approved"),
        (_case_rename_pending, 2388103, "Display name not approved"),
        (_case_no_webhook, 2388103, "Webhooks not set up"),
        (_case_other_business, 2388103, "Phone number belongs to a different Business Manager"),
        (_case_destination_pending, 2388103, "Destination WhatsApp Business Account not approved"),
        (_case_business_unverified, 2388103, "Destination WhatsApp Business Account not approved"),
        (_case_source_not_approved, 2388103, "Source WhatsApp Business Account not approved"),
        (_case_no_payment, 2388103, "No payment method"),
    ],
)
def test_each_precondition_failure(
    start_sim: Callable[..., RunningSimulator],
    case: Callable[[dict[str, Any]], None],
    subcode: int,
    title: str,
) -> None:
    world = _without_2fa(demo_world())
    case(world)
    sim = start_sim(world)
    with graph_client(sim) as graph:
        response = add_migrating(graph)
        numbers = graph.get(f"/{HK_WABA}/phone_numbers").json()["data"]
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["error_subcode"], error["error_user_title"]) == (100, subcode, title)
    assert error["type"] == "OAuthException"
    assert len(numbers) == 1  # nothing was added
    assert sim.control.write_log() == []


def test_unsubscribed_destination_wabas_refuse_until_an_app_subscribes(
    sim: RunningSimulator, graph: httpx.Client
) -> None:
    world_tw = TW_WABA  # "Harbour Lane TW" has no subscribed app in the demo world
    sim.control.disable_two_step(STOREFRONT)
    refused = add_migrating(graph, world_tw)
    assert error_of(refused)["error_user_title"] == "Webhooks not set up"
    assert graph.post(f"/{world_tw}/subscribed_apps").json() == {"success": True}
    assert add_migrating(graph, world_tw).status_code == 200


def test_number_already_present(sim: RunningSimulator, graph: httpx.Client) -> None:
    sim.control.disable_two_step(STOREFRONT)
    assert add_migrating(graph).status_code == 200
    again = add_migrating(graph)
    assert (error_of(again)["code"], error_of(again)["error_subcode"]) == (100, 2388012)
    # the number already live in the destination
    present = graph.post(
        f"/{HK_WABA}/phone_numbers", data={"cc": "852", "phone_number": "51234567", "verified_name": "X Y"}
    )
    assert error_of(present)["error_subcode"] == 2388012


def test_migration_of_a_number_registered_nowhere_is_refused(graph: httpx.Client) -> None:
    response = graph.post(
        f"/{HK_WABA}/phone_numbers",
        json={"cc": "852", "phone_number": "91234567", "migrate_phone_number": True},
    )
    assert error_of(response)["error_subcode"] == 2388103
    assert error_of(response)["error_user_title"] == "Migration not needed"


def test_codes_only_for_numbers_being_added_or_migrated(graph: httpx.Client) -> None:
    live = "3000000000001"
    sent = graph.post(f"/{live}/request_code", data={"code_method": "SMS", "language": "en_US"})
    assert error_of(sent)["error_subcode"] == 2388091
    checked = graph.post(f"/{live}/verify_code", data={"code": "123456"})
    assert error_of(checked)["error_subcode"] == 2388093


def test_wrong_and_expired_codes(sim: RunningSimulator, graph: httpx.Client) -> None:
    sim.control.disable_two_step(STOREFRONT)
    new_id = add_migrating(graph).json()["id"]
    no_code = graph.post(f"/{new_id}/verify_code", data={"code": "123456"})
    assert error_of(no_code)["code"] == 136025
    graph.post(f"/{new_id}/request_code", data={"code_method": "SMS", "language": "en_US"})
    code = sim.control.last_code(new_id)
    assert code is not None
    wrong = graph.post(f"/{new_id}/verify_code", data={"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert error_of(wrong)["code"] == 136025
    sim.control.advance_clock(601)  # codes live 10 minutes
    expired = graph.post(f"/{new_id}/verify_code", data={"code": code})
    assert error_of(expired)["code"] == 136025
    assert "expired" in error_of(expired)["error_data"]["details"]
    # a fresh code works; registering before verification would have been refused
    assert (
        error_of(graph.post(f"/{new_id}/register", data={"messaging_product": "whatsapp", "pin": "123456"}))[
            "code"
        ]
        == 133006
    )
    graph.post(f"/{new_id}/request_code", data={"code_method": "SMS", "language": "en_US"})
    assert (
        graph.post(f"/{new_id}/verify_code", data={"code": sim.control.last_code(new_id)}).status_code == 200
    )


def test_register_checks_the_pin_of_a_number_with_two_step_on(graph: httpx.Client) -> None:
    hk = "3000000000001"
    assert graph.post(f"/{hk}/deregister").json() == {"success": True}
    wrong = graph.post(f"/{hk}/register", json={"messaging_product": "whatsapp", "pin": "999999"})
    assert (wrong.status_code, error_of(wrong)["code"]) == (400, 133005)
    assert (
        graph.post(f"/{hk}/register", json={"messaging_product": "whatsapp", "pin": "135790"}).status_code
        == 200
    )


def test_register_and_deregister_limit_per_rolling_72_hours(
    sim: RunningSimulator, graph: httpx.Client
) -> None:
    hk = "3000000000001"
    body = {"messaging_product": "whatsapp", "pin": "135790"}
    for _ in range(10):
        assert graph.post(f"/{hk}/register", json=body).status_code == 200
    over = graph.post(f"/{hk}/register", json=body)
    assert error_of(over)["code"] == 133016
    # blocked for 72 h, deregistration too
    assert error_of(graph.post(f"/{hk}/deregister"))["code"] == 133016
    sim.control.advance_clock(71 * 3600)
    assert error_of(graph.post(f"/{hk}/register", json=body))["code"] == 133016
    sim.control.advance_clock(2 * 3600)
    assert graph.post(f"/{hk}/register", json=body).status_code == 200
