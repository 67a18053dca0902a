"""A synthetic estate for tests and benchmarks: a simulator world and the config that declares it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import phonenumbers

TOKEN = "sim-token-estate"
APP = "4000000000001"
BUSINESS = "1000000000001"


def hk_numbers() -> Iterator[str]:
    """Valid Hong Kong mobile numbers in E.164, in order."""
    for n in range(51000000, 99999999):
        candidate = f"+852{n}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
            yield candidate


def estate(wabas: int, numbers: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(world, config data): `numbers` numbers spread over `wabas` WABAs, all live and configured."""
    waba_ids = [str(2100000000000 + i) for i in range(wabas)]
    world: dict[str, Any] = {
        "version": 1,
        "clock": {"start": "2026-03-02T01:00:00Z"},
        "businesses": [{"id": BUSINESS, "name": "Estate Ltd", "verification_status": "verified"}],
        "apps": [{"id": APP, "name": "estate app"}],
        "tokens": [{"token": TOKEN, "app": APP, "businesses": [BUSINESS], "wabas": waba_ids}],
        "wabas": [],
        "phone_numbers": [],
    }
    config: dict[str, Any] = {"wabas": {}, "numbers": {}}
    for index, waba_id in enumerate(waba_ids):
        world["wabas"].append(
            {
                "id": waba_id,
                "name": f"Estate {index}",
                "owner_business": BUSINESS,
                "subscribed_apps": [APP],
                "templates": [
                    {
                        "id": str(5100000000000 + index),
                        "name": "order_update",
                        "language": "en_US",
                        "category": "UTILITY",
                        "components": [{"type": "BODY", "text": "Hi {{1}}, order {{2}} shipped."}],
                    }
                ],
            }
        )
        config["wabas"][f"w{index}"] = {
            "id": waba_id,
            "webhooks": {"app_id": APP},
            "templates": [
                {
                    "name": "order_update",
                    "language": "en_US",
                    "category": "UTILITY",
                    "parameter_format": "POSITIONAL",
                    "components": [{"type": "BODY", "text": "Hi {{1}}, order {{2}} shipped."}],
                }
            ],
        }
    source = hk_numbers()
    for n in range(numbers):
        e164 = next(source)
        waba_index = n % wabas
        profile = {"about": f"Shop {n}", "vertical": "RETAIL", "websites": [f"https://shop{n}.example/"]}
        world["phone_numbers"].append(
            {
                "id": str(3100000000000 + n),
                "display_phone_number": e164,
                "waba": waba_ids[waba_index],
                "verified_name": f"Shop {n}",
                "profile": profile,
            }
        )
        config["numbers"][e164] = {"waba": f"w{waba_index}", "display_name": f"Shop {n}", "profile": profile}
    return world, config
