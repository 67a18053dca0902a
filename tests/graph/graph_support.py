"""Shared by the graph tests: a big simulator world, and a client wired to a running simulator."""

from __future__ import annotations

import random
from typing import Any

from reconciler.graph import GraphClient, ManualClock, RetryPolicy

HARBOUR_TOKEN = "sim-token-harbour"
BIG_TOKEN = "sim-token-fleet-0123456789"
BIG_WABA = "2000000000777"
OTHER_WABA = "2000000000778"
NUMBER_COUNT = 150


def big_world() -> dict[str, Any]:
    """One business, a WABA with 150 numbers (more than one page of 100) and a small second WABA."""
    numbers = [
        {
            "id": f"3000000{i:06d}",
            "display_phone_number": f"+852 5{i:03d} {i:04d}",
            "waba": BIG_WABA,
            "verified_name": f"Fleet {i}",
            "quality_rating": ("GREEN", "YELLOW", "RED")[i % 3],
        }
        for i in range(NUMBER_COUNT)
    ]
    numbers.append(
        {
            "id": "3000000999999",
            "display_phone_number": "+886 912 345 678",
            "waba": OTHER_WABA,
            "verified_name": "Fleet TW",
        }
    )
    return {
        "version": 1,
        "clock": {"start": "2026-03-02T01:00:00Z"},
        "businesses": [{"id": "1000000000777", "name": "Fleet Ltd"}],
        "apps": [{"id": "4000000000777", "name": "fleet app"}],
        "tokens": [
            {
                "token": BIG_TOKEN,
                "app": "4000000000777",
                "businesses": ["1000000000777"],
                "wabas": [BIG_WABA, OTHER_WABA],
            }
        ],
        "wabas": [
            {"id": BIG_WABA, "name": "Fleet HK", "owner_business": "1000000000777"},
            {"id": OTHER_WABA, "name": "Fleet TW", "owner_business": "1000000000777"},
        ],
        "phone_numbers": numbers,
    }


def sim_client(sim: Any, token: str, **options: Any) -> GraphClient:
    """A client for `sim` whose waits cost nothing: its clock also moves the simulator's clock."""
    clock = options.pop("clock", None) or ManualClock(on_sleep=sim.control.advance_clock)
    options.setdefault("rng", random.Random(0))
    options.setdefault("retry", RetryPolicy(max_attempts=8))
    return GraphClient(sim.base_url, token, clock=clock, **options)
