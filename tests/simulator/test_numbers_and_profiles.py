"""Phone-number updates: display-name review, 2FA PIN, "
"webhook override, profile picture upload, adding a number."""

from __future__ import annotations

import httpx
from simsupport import HK_MAIN, HK_WABA, TW_MAIN, error_of

from reconciler.simulator import RunningSimulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 120


def test_display_name_change_waits_for_review(sim: RunningSimulator, graph: httpx.Client) -> None:
    assert graph.post(f"/{HK_MAIN}", params={"new_display_name": "Harbour Lane Tea"}).json() == {
        "success": True
    }
    fields = {"fields": "verified_name,name_status,new_display_name,new_name_status"}
    assert graph.get(f"/{HK_MAIN}", params=fields).json() == {
        "id": HK_MAIN,
        "verified_name": "Harbour Lane",
        "name_status": "APPROVED",
        "new_display_name": "Harbour Lane Tea",
        "new_name_status": "PENDING_REVIEW",
    }
    again = graph.post(f"/{HK_MAIN}", params={"new_display_name": "Harbour Lane Teas"})
    assert error_of(again)["code"] == 100
    with httpx.Client(base_url=sim.base_url) as raw:
        assert (
            raw.post(f"/_sim/numbers/{HK_MAIN}/display_name/review", json={"approve": True}).status_code
            == 200
        )
    approved = graph.get(f"/{HK_MAIN}", params={"fields": "verified_name,name_status,new_certificate"}).json()
    assert approved["verified_name"] == "Harbour Lane Tea"
    assert approved["name_status"] == "APPROVED"
    assert "new_certificate" in approved  # takes effect at the next register
    graph.post(f"/{HK_MAIN}/register", json={"messaging_product": "whatsapp", "pin": "135790"})
    assert "new_certificate" not in graph.get(f"/{HK_MAIN}", params={"fields": "new_certificate"}).json()


def test_declined_display_name(sim: RunningSimulator, graph: httpx.Client) -> None:
    graph.post(f"/{TW_MAIN}", json={"new_display_name": "Harbour Lane TW Shop"})
    sim.control.review_display_name(TW_MAIN, approve=False)
    after = graph.get(f"/{TW_MAIN}", params={"fields": "verified_name,name_status,new_name_status"}).json()
    assert after == {
        "id": TW_MAIN,
        "verified_name": "Harbour Lane Taiwan",
        "name_status": "DECLINED",
        "new_name_status": "DECLINED",  # which request was declined stays readable until the next one
    }
    graph.post(f"/{TW_MAIN}", json={"new_display_name": "Harbour Lane Tea TW"})  # a new name may follow
    assert graph.get(f"/{TW_MAIN}", params={"fields": "new_name_status"}).json()["new_name_status"] == (
        "PENDING_REVIEW"
    )


def test_pin_change_and_webhook_override(graph: httpx.Client) -> None:
    assert graph.post(f"/{HK_MAIN}", json={"pin": "654321"}).json() == {"success": True}
    graph.post(f"/{HK_MAIN}/deregister")
    assert (
        error_of(graph.post(f"/{HK_MAIN}/register", json={"messaging_product": "whatsapp", "pin": "135790"}))[
            "code"
        ]
        == 133005
    )
    override = {
        "override_callback_uri": "https://hooks.harbourlane.example/hk-main",
        "verify_token": "s3cret",
    }
    assert (
        graph.post(
            f"/{HK_MAIN}", data={"webhook_configuration": __import__("json").dumps(override)}
        ).status_code
        == 200
    )
    config = graph.get(f"/{HK_MAIN}", params={"fields": "webhook_configuration"}).json()[
        "webhook_configuration"
    ]
    assert config == {
        "phone_number": "https://hooks.harbourlane.example/hk-main",
        "application": "https://bsp.wabaplan.example/webhooks/whatsapp",
    }
    graph.post(f"/{HK_MAIN}", json={"webhook_configuration": {"override_callback_uri": ""}})
    config = graph.get(f"/{HK_MAIN}", params={"fields": "webhook_configuration"}).json()[
        "webhook_configuration"
    ]
    assert "phone_number" not in config


def test_waba_level_callback_override(graph: httpx.Client) -> None:
    uri = "https://hooks.harbourlane.example/whatsapp/hk"
    half = graph.post(f"/{HK_WABA}/subscribed_apps", json={"override_callback_uri": uri})
    assert error_of(half)["code"] == 100
    assert graph.post(
        f"/{HK_WABA}/subscribed_apps", json={"override_callback_uri": uri, "verify_token": "t"}
    ).json() == {"success": True}
    listed = graph.get(f"/{HK_WABA}/subscribed_apps").json()["data"]
    assert listed[0]["override_callback_uri"] == uri
    assert listed[0]["whatsapp_business_api_data"]["id"] == "4000000000001"
    graph.post(f"/{HK_WABA}/subscribed_apps")  # no body: clears the override
    assert "override_callback_uri" not in graph.get(f"/{HK_WABA}/subscribed_apps").json()["data"][0]
    assert graph.delete(f"/{HK_WABA}/subscribed_apps").json() == {"success": True}
    assert graph.get(f"/{HK_WABA}/subscribed_apps").json() == {"data": []}


def test_resumable_upload_sets_the_profile_picture(graph: httpx.Client) -> None:
    session = graph.post(
        "/4000000000001/uploads",
        params={"file_name": "logo.png", "file_length": len(PNG), "file_type": "image/png"},
    ).json()["id"]
    assert session.startswith("upload:")
    first = graph.post(f"/{session}", content=PNG[:50], headers={"file_offset": "0"}).json()
    assert first == {"id": session, "file_offset": 50}
    assert graph.get(f"/{session}").json()["file_offset"] == 50
    wrong = graph.post(f"/{session}", content=PNG[50:], headers={"file_offset": "0"})
    assert error_of(wrong)["code"] == 100
    handle = graph.post(f"/{session}", content=PNG[50:], headers={"file_offset": "50"}).json()["h"]
    assert graph.post(
        f"/{HK_MAIN}/whatsapp_business_profile",
        json={"messaging_product": "whatsapp", "profile_picture_handle": handle},
    ).json() == {"success": True}
    url = graph.get(f"/{HK_MAIN}/whatsapp_business_profile", params={"fields": "profile_picture_url"}).json()
    assert url["data"][0]["profile_picture_url"].startswith("https://pps.whatsapp.net/")
    bogus = graph.post(
        f"/{HK_MAIN}/whatsapp_business_profile",
        json={"messaging_product": "whatsapp", "profile_picture_handle": "4::x"},
    )
    assert error_of(bogus)["code"] == 100
    # another app's upload endpoint is out of reach
    assert (
        error_of(graph.post("/4000000000099/uploads", params={"file_length": 3, "file_type": "image/png"}))[
            "error_subcode"
        ]
        == 33
    )


def test_adding_a_new_number_then_verifying_and_registering(
    sim: RunningSimulator, graph: httpx.Client
) -> None:
    created = graph.post(
        f"/{HK_WABA}/phone_numbers",
        data={"cc": "852", "phone_number": "9123 4567", "verified_name": "Harbour Lane"},
    )
    new_id = created.json()["id"]
    number = graph.get(f"/{new_id}", params={"fields": "display_phone_number,status,name_status"}).json()
    assert number == {
        "id": new_id,
        "display_phone_number": "+852 9123 4567",
        "status": "PENDING",
        "name_status": "PENDING_REVIEW",
    }
    graph.post(f"/{new_id}/request_code", data={"code_method": "SMS", "language": "en_US"})
    graph.post(f"/{new_id}/verify_code", data={"code": sim.control.last_code(new_id)})
    assert graph.post(
        f"/{new_id}/register",
        data={"messaging_product": "whatsapp", "pin": "101010", "data_localization_region": "SG"},
    ).json() == {"success": True}
    live = graph.get(f"/{new_id}", params={"fields": "status,data_localization_region,platform_type"}).json()
    assert live == {
        "id": new_id,
        "status": "CONNECTED",
        "data_localization_region": "SG",
        "platform_type": "CLOUD_API",
    }
    # a country_code alias (sent by some clients) is accepted
    other = graph.post(
        f"/{HK_WABA}/phone_numbers",
        json={"country_code": "852", "phone_number": "92223333", "verified_name": "HL"},
    )
    assert other.status_code == 200
