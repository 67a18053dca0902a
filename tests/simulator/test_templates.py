"""Templates: review, edit rules, deletion and its 30-day name lock, migration between WABAs."""

from __future__ import annotations

import json

import httpx
from simsupport import HK_WABA, SOURCE_WABA, TW_WABA, error_of

from reconciler.simulator import RunningSimulator

BODY = [
    {
        "type": "BODY",
        "text": "Hi {{1}}, your order {{2}} has shipped.",
        "example": {"body_text": [["Mei", "1"]]},
    }
]


def create(graph: httpx.Client, name: str, waba: str = TW_WABA, **extra: object) -> httpx.Response:
    # Meta's SDK sends components as a JSON string in a form body
    return graph.post(
        f"/{waba}/message_templates",
        data={
            "name": name,
            "language": "zh_TW",
            "category": "UTILITY",
            "components": json.dumps(BODY),
            **extra,
        },
    )


def test_create_review_and_read(sim: RunningSimulator, graph: httpx.Client) -> None:
    created = create(graph, "order_update").json()
    assert created == {"id": created["id"], "status": "PENDING", "category": "UTILITY"}
    duplicate = create(graph, "order_update")
    assert error_of(duplicate)["error_subcode"] == 2388024
    sim.control.review_template(created["id"], approve=True)
    template = graph.get(f"/{created['id']}").json()
    assert (template["name"], template["language"], template["status"]) == (
        "order_update",
        "zh_TW",
        "APPROVED",
    )
    assert template["components"] == BODY
    listed = graph.get(
        f"/{TW_WABA}/message_templates", params={"name": "order_update", "summary": "total_count"}
    ).json()
    assert [t["id"] for t in listed["data"]] == [created["id"]]
    assert listed["summary"]["total_count"] == 1


def test_rejected_template(sim: RunningSimulator, graph: httpx.Client) -> None:
    template_id = create(graph, "promo_one").json()["id"]
    with httpx.Client(base_url=sim.base_url) as raw:
        raw.post(f"/_sim/templates/{template_id}/review", json={"approve": False, "reason": "INVALID_FORMAT"})
    rejected = graph.get(f"/{template_id}", params={"fields": "status,rejected_reason"}).json()
    assert (rejected["status"], rejected["rejected_reason"]) == ("REJECTED", "INVALID_FORMAT")


def test_invalid_templates(graph: httpx.Client) -> None:
    assert error_of(create(graph, "Bad Name"))["code"] == 100
    assert error_of(create(graph, "ok", category="PROMO"))["code"] == 100
    long_body = json.dumps([{"type": "BODY", "text": "x" * 1025}])
    assert error_of(create(graph, "too_long", components=long_body))["error_subcode"] == 2388040
    no_body = json.dumps([{"type": "FOOTER", "text": "bye"}])
    assert error_of(create(graph, "no_body", components=no_body))["code"] == 100


def test_approved_template_edit_limits(sim: RunningSimulator, graph: httpx.Client) -> None:
    template = "5000000000001"
    new_body = json.dumps([{"type": "BODY", "text": "Hello {{1}}, order {{2}} is on its way."}])
    assert graph.post(f"/{template}", data={"components": new_body}).json() == {"success": True}
    assert graph.get(f"/{template}", params={"fields": "status"}).json()["status"] == "PENDING"
    pending_edit = graph.post(f"/{template}", data={"components": new_body})
    assert error_of(pending_edit)["code"] == 100  # not editable while in review
    sim.control.review_template(template, approve=True)
    too_soon = graph.post(f"/{template}", data={"components": new_body})
    assert error_of(too_soon)["code"] == 100  # once per 24 h
    sim.control.advance_clock(86401)
    category = graph.post(f"/{template}", data={"category": "MARKETING"})
    assert error_of(category)["code"] == 100  # an approved template keeps its category
    assert graph.post(f"/{template}", data={"components": new_body}).status_code == 200


def test_deleted_approved_name_is_locked_for_30_days(sim: RunningSimulator, graph: httpx.Client) -> None:
    assert graph.delete(f"/{HK_WABA}/message_templates", params={"name": "order_update"}).json() == {
        "success": True
    }
    gone = graph.get("/5000000000001")
    assert gone.status_code == 400  # Meta's answer for an ID that no longer exists: code 100, subcode 33
    assert (error_of(gone)["type"], error_of(gone)["code"], error_of(gone)["error_subcode"]) == (
        "GraphMethodException",
        100,
        33,
    )
    locked = graph.post(
        f"/{HK_WABA}/message_templates",
        json={"name": "order_update", "language": "en_US", "category": "UTILITY", "components": BODY},
    )
    assert error_of(locked)["error_subcode"] == 2388023
    sim.control.advance_clock(30 * 86400 + 1)
    again = graph.post(
        f"/{HK_WABA}/message_templates",
        json={"name": "order_update", "language": "en_US", "category": "UTILITY", "components": BODY},
    )
    assert again.status_code == 200
    missing = graph.delete(f"/{HK_WABA}/message_templates", params={"name": "never_existed"})
    assert error_of(missing)["code"] == 100


def test_delete_one_language_by_hsm_id(graph: httpx.Client) -> None:
    first = create(graph, "greeting").json()["id"]
    graph.post(
        f"/{TW_WABA}/message_templates",
        json={"name": "greeting", "language": "en_US", "category": "UTILITY", "components": BODY},
    )
    graph.delete(f"/{TW_WABA}/message_templates", params={"name": "greeting", "hsm_id": first})
    left = graph.get(f"/{TW_WABA}/message_templates", params={"fields": "name,language"}).json()["data"]
    assert [(t["name"], t["language"]) for t in left] == [("greeting", "en_US")]
    # a PENDING (never approved) template's name is not locked
    assert create(graph, "greeting").status_code == 200


def test_migrate_message_templates(graph: httpx.Client) -> None:
    migrated = graph.post(
        f"/{TW_WABA}/migrate_message_templates", data={"source_waba_id": SOURCE_WABA}
    ).json()
    # order_update (GREEN) and login_code (UNKNOWN: approved, not scored yet) are eligible
    assert migrated["migrated_templates"] == ["5000000000901", "5000000000903"]
    assert set(migrated["failed_templates"]) == {"5000000000902"}  # YELLOW quality: not eligible
    copies = graph.get(
        f"/{TW_WABA}/message_templates", params={"fields": "name,status,quality_score"}
    ).json()["data"]
    assert sorted((t["name"], t["status"], t["quality_score"]["score"]) for t in copies) == [
        ("login_code", "APPROVED", "UNKNOWN"),
        ("order_update", "APPROVED", "UNKNOWN"),
    ]
    again = graph.post(
        f"/{TW_WABA}/migrate_message_templates",
        json={"source_waba_id": SOURCE_WABA, "template_ids": ["5000000000901"]},
    )
    assert again.json() == {
        "migrated_templates": [],
        "failed_templates": {"5000000000901": "A template with this name and language already exists"},
    }
