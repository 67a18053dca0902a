"""Meta's webhook payloads become Events, and Events the config addresses they concern (table-driven)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from meta_payloads import HK, TW, envelope, name_update, quality_update, template_status
from sim_estate import EXAMPLE

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.events import Kind, PayloadError, concern_of, parse_payload
from reconciler.events.parse import event_from_record


@pytest.fixture(scope="module")
def config() -> Config:
    loaded = load(EXAMPLE)
    assert loaded.config is not None
    return loaded.config


CASES: list[tuple[str, dict[str, Any], Kind, str, str | None]] = [
    # (case, payload, kind, address it concerns or "", Meta's status)
    (
        "template approved",
        template_status("5000000000001", "order_update", "en_US", "APPROVED"),
        Kind.TEMPLATE,
        'wabas.hk_retail.templates["order_update/en_US"]',
        "APPROVED",
    ),
    (
        "template rejected, in the other WABA",
        template_status("5000000000002", "order_update", "zh_TW", "REJECTED", "INVALID_FORMAT", TW),
        Kind.TEMPLATE,
        'wabas.tw_retail.templates["order_update/zh_TW"]',
        "REJECTED",
    ),
    (
        "template quality",
        envelope(
            HK,
            "message_template_quality_update",
            {
                "previous_quality_score": "GREEN",
                "new_quality_score": "YELLOW",
                "message_template_id": 5000000000003,
                "message_template_name": "spring_sale",
                "message_template_language": "zh_HK",
            },
        ),
        Kind.TEMPLATE,
        'wabas.hk_retail.templates["spring_sale/zh_HK"]',
        "YELLOW",
    ),
    (
        "display name decided",
        name_update("85251234567", "APPROVED"),
        Kind.NUMBER,
        'numbers["+85251234567"]',
        "APPROVED",
    ),
    (
        "display name with its spaces",
        name_update("+886 912 345 678", "REJECTED", waba_id=TW),
        Kind.NUMBER,
        'numbers["+886912345678"]',
        "REJECTED",
    ),
    ("quality", quality_update("85251234567"), Kind.NUMBER, 'numbers["+85251234567"]', "DOWNGRADE"),
    (
        "security",
        envelope(HK, "security", {"display_phone_number": "85251234567", "event": "PIN_CHANGED"}),
        Kind.NUMBER,
        'numbers["+85251234567"]',
        "PIN_CHANGED",
    ),
    (
        "account review",
        envelope(HK, "account_review_update", {"decision": "APPROVED"}),
        Kind.WABA,
        "wabas.hk_retail",
        "APPROVED",
    ),
    (
        "account banned",
        envelope(
            HK, "account_update", {"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": "DISABLE"}}
        ),
        Kind.WABA,
        "wabas.hk_retail",
        "DISABLED_UPDATE",
    ),
    (
        "number deleted",
        envelope(HK, "account_update", {"phone_number": "85251234567", "event": "ACCOUNT_DELETED"}),
        Kind.NUMBER,
        'numbers["+85251234567"]',
        "ACCOUNT_DELETED",
    ),
    (
        "capability",
        envelope(HK, "business_capability_update", {"max_daily_conversation_per_phone": 1000}),
        Kind.WABA,
        "wabas.hk_retail",
        None,
    ),
    (
        "template not declared",
        template_status("9", "other", "en_US", "APPROVED"),
        Kind.TEMPLATE,
        "",
        "APPROVED",
    ),
    ("number not declared", name_update("85290000000", "APPROVED"), Kind.NUMBER, "", "APPROVED"),
    (
        "number declared in another WABA",
        quality_update("85251234567", waba_id=TW),
        Kind.NUMBER,
        "",
        "DOWNGRADE",
    ),
    (
        "WABA not declared",
        envelope("2999", "account_review_update", {"decision": "APPROVED"}),
        Kind.WABA,
        "",
        "APPROVED",
    ),
    (
        "messages: not acted on",
        envelope(HK, "messages", {"messaging_product": "whatsapp"}),
        Kind.UNKNOWN,
        "",
        None,
    ),
    ("known field, no resource", envelope(HK, "message_template_status_update", {}), Kind.UNKNOWN, "", None),
]


@pytest.mark.parametrize(
    ("payload", "kind", "address", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_documented_shape(
    config: Config, payload: dict[str, Any], kind: Kind, address: str, status: str | None
) -> None:
    (event,) = parse_payload(payload)
    assert (event.kind, event.status) == (kind, status)
    concern = concern_of(event, config)
    assert concern.address == address
    assert bool(concern.why_not) == (not address)
    assert event.describe().startswith(event.field)


def test_the_key_is_the_content() -> None:
    approved = template_status("5000000000001", "order_update", "en_US", "APPROVED")
    (first,), (again,) = parse_payload(approved), parse_payload(json.loads(json.dumps(approved)))
    (rejected,) = parse_payload(template_status("5000000000001", "order_update", "en_US", "REJECTED"))
    later = template_status("5000000000001", "order_update", "en_US", "APPROVED")
    later["entry"][0]["time"] += 1
    (other_time,) = parse_payload(later)
    assert first.key == again.key
    assert len({first.key, rejected.key, other_time.key}) == 3


def test_several_entries_and_changes_in_one_delivery() -> None:
    body = template_status("5000000000001", "order_update", "en_US", "APPROVED")
    body["entry"][0]["changes"].append(name_update("85251234567", "APPROVED")["entry"][0]["changes"][0])
    body["entry"].append(quality_update("886912345678", waba_id=TW)["entry"][0])
    assert [e.kind for e in parse_payload(body)] == [Kind.TEMPLATE, Kind.NUMBER, Kind.NUMBER]


def test_an_event_comes_back_from_its_record() -> None:
    (event,) = parse_payload(name_update("85251234567", "REJECTED"))
    assert event_from_record(event.key, event.waba_id, event.time, event.change) == event


@pytest.mark.parametrize(
    "body",
    [[], {"object": "page", "entry": []}, {"object": "whatsapp_business_account"},
     {"object": "whatsapp_business_account", "entry": [{"id": "1"}]},
     {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": ["x"]}]}],
)  # fmt: skip
def test_what_is_not_the_envelope_is_refused(body: Any) -> None:
    with pytest.raises(PayloadError):
        parse_payload(body)


def test_an_empty_delivery_holds_no_event() -> None:
    assert parse_payload({"object": "whatsapp_business_account", "entry": []}) == ()
