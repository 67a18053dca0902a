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


# Meta refuses a template whose variables have no examples (config/template_rules.py).
ORDER_UPDATE_BODY = {
    "type": "BODY",
    "text": "Hi {{1}}, order {{2}} shipped.",
    "example": {"body_text": [["Mei", "HL-1"]]},
}


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
                        "components": [ORDER_UPDATE_BODY],
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
                    "components": [ORDER_UPDATE_BODY],
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


# ---------------------------------------------------------------- a realistic estate, for bench/scale.py

REGIONS = ("HK", "GB", "DE", "SG", "US")  # several countries, numbers round-robin between them


def mobile_numbers(region: str) -> Iterator[str]:
    """Valid mobile numbers of `region` in E.164, counting up from phonenumbers' example number."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None, region
    national = example.national_number
    while True:
        national += 1
        candidate = phonenumbers.PhoneNumber(country_code=example.country_code, national_number=national)
        if phonenumbers.is_valid_number(candidate):
            yield phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)


def skewed_sizes(wabas: int, numbers: int) -> list[int]:
    """Numbers per WABA: one WABA in fifty holds 150 to 250 (so its numbers page, at 100 a page), the
    rest share what is left evenly (at least one each)."""
    big = [150 + 50 * (i % 3) for i in range(max(1, wabas // 50))]
    while sum(big) > numbers // 2 and big:
        big.pop()
    rest = wabas - len(big)
    left = numbers - sum(big)
    small = [left // rest + (1 if i < left % rest else 0) for i in range(rest)] if rest else []
    return big + small


EXAMPLES = ["Mei", "HL-1", "18:00"]


def _templates(index: int) -> list[dict[str, Any]]:
    texts = {
        "order_update": ("UTILITY", "Hi {{1}}, order {{2}} shipped."),
        "delivery_window": ("UTILITY", "Your delivery {{1}} arrives between {{2}} and {{3}}."),
        "seasonal_offer": ("MARKETING", f"Shop {index} has {{{{1}}}} off this week, {{{{2}}}}!"),
    }
    return [
        {
            "name": name,
            "language": "en_US",
            "category": category,
            "components": [
                {"type": "BODY", "text": text, "example": {"body_text": [EXAMPLES[: text.count("{{")]]}},
                {"type": "FOOTER", "text": "Reply STOP to opt out"},
            ],
        }
        for name, (category, text) in texts.items()
    ]


def _profile(n: int) -> dict[str, Any]:
    return {
        "about": f"Shop {n}, open daily",
        "address": f"{n} Harbour Road, Unit {n % 40 + 1}",
        "description": f"Shop {n} sells household goods. Orders, deliveries and returns by message.",
        "email": f"care{n}@shop{n % 97}.example",
        "vertical": ("RETAIL", "GROCERY", "APPAREL")[n % 3],
        "websites": [f"https://shop{n}.example/", f"https://shop{n}.example/help"],
    }


def scale_estate(
    wabas: int, numbers: int, *, drift: float = 0.03, gaps: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(world, config data) for benchmarks: numbers from several countries in WABAs of skewed sizes (some
    page), full profiles, three templates a WABA; a `drift` share of the profiles differs from the config
    (so the plan has updates to show), and with `gaps` one WABA in fifty lacks a template the config
    declares (so the plan has creations too). The world does not depend on `drift`."""
    world, config = estate(wabas, 0)
    sources = {region: mobile_numbers(region) for region in REGIONS}
    drifting = max(1, round(1 / drift)) if drift > 0 else 0
    for index, (waba, declared) in enumerate(zip(world["wabas"], config["wabas"].values(), strict=True)):
        templates = _templates(index)
        declared["templates"] = [{**t, "parameter_format": "POSITIONAL"} for t in templates]
        live = templates[:-1] if index % 50 == 7 else templates
        if not gaps:
            declared["templates"] = declared["templates"][: len(live)]
        waba["templates"] = [{"id": str(5100000000000 + 3 * index + i), **t} for i, t in enumerate(live)]
    n = 0
    for waba_index, size in enumerate(skewed_sizes(wabas, numbers)):
        for _ in range(size):
            e164 = next(sources[REGIONS[n % len(REGIONS)]])
            profile = _profile(n)
            world["phone_numbers"].append(
                {
                    "id": str(3100000000000 + n),
                    "display_phone_number": e164,
                    "waba": world["wabas"][waba_index]["id"],
                    "verified_name": f"Shop {n}",
                    "profile": profile,
                }
            )
            wanted = (
                {**profile, "about": f"Shop {n}, open every day"}
                if drifting and n % drifting == 0
                else profile
            )
            config["numbers"][e164] = {
                "waba": f"w{waba_index}",
                "display_name": f"Shop {n}",
                "profile": wanted,
            }
            n += 1
    return world, config
