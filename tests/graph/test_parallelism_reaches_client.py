"""`apply --parallelism N` reaches the Graph client: N actions have their requests in flight at once
(the simulator's `peak_overlap` counts requests waiting out its latency together), not the client's
default cap of 16."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml

from reconciler.apply.run import ApplyOptions, apply
from reconciler.config import load
from reconciler.graph.client import DEFAULT_MAX_CONCURRENCY
from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

TOKEN = "sim-token-parallel"
APP = "4000000000001"
BUSINESS = "1000000000001"
WABAS, PER_WABA = 16, 2  # 32 numbers: 2 a WABA, so the per-WABA cap (4) holds back none of them


def hk_numbers() -> Iterator[str]:
    for n in range(51234000, 51299999):
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+852{n}")):
            yield f"+852{n}"


def estate() -> tuple[dict[str, Any], dict[str, Any]]:
    """A world of 32 numbers, and a config changing each one's `about`."""
    waba_ids = [str(2200000000000 + i) for i in range(WABAS)]
    world: dict[str, Any] = {
        "version": 1,
        "businesses": [{"id": BUSINESS, "name": "Parallel Ltd", "verification_status": "verified"}],
        "apps": [{"id": APP, "name": "app"}],
        "tokens": [{"token": TOKEN, "app": APP, "businesses": [BUSINESS], "wabas": waba_ids}],
        "wabas": [
            {"id": w, "name": f"P{i}", "owner_business": BUSINESS, "subscribed_apps": [APP]}
            for i, w in enumerate(waba_ids)
        ],
        "phone_numbers": [],
    }
    config: dict[str, Any] = {
        "wabas": {f"w{i}": {"id": w, "webhooks": {"app_id": APP}} for i, w in enumerate(waba_ids)},
        "numbers": {},
    }
    numbers = hk_numbers()
    for n in range(WABAS * PER_WABA):
        e164, profile = next(numbers), {"about": f"Shop {n}", "vertical": "RETAIL"}
        world["phone_numbers"].append(
            {
                "id": str(3200000000000 + n),
                "display_phone_number": e164,
                "waba": waba_ids[n % WABAS],
                "verified_name": f"Shop {n}",
                "profile": profile,
            }
        )
        config["numbers"][e164] = {
            "waba": f"w{n % WABAS}",
            "display_name": f"Shop {n}",
            "profile": {**profile, "about": f"Shop {n}, open daily"},
        }
    return world, config


@pytest.mark.parametrize("parallelism", [32])
def test_apply_parallelism_above_the_default_cap_is_reached(tmp_path: Path, parallelism: int) -> None:
    assert parallelism > DEFAULT_MAX_CONCURRENCY
    world, data = estate()
    path = tmp_path / "numbers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load(path).config
    assert config is not None
    # Each request waits a second at Meta: long enough for all N to be sent before the first is answered,
    # even on a machine so busy that the client takes most of a second to send 32 (300 ms was not).
    with run_simulator(world, latency_ms=1000) as sim:
        environ = {**os.environ, "WABAPLAN_ACCESS_TOKEN": TOKEN, "WABAPLAN_GRAPH_URL": sim.base_url}
        environ["WABAPLAN_STATE_DIR"] = str(tmp_path / "state")
        with open(os.devnull, "w") as quiet:
            applied = apply(
                config,
                path,
                ApplyOptions(auto_approve=True, parallelism=parallelism, force=True),
                environ=environ,
                show_plan=lambda plan: None,
                confirm=lambda: True,
                ask_code=lambda e164, stop: None,
                progress=LineProgress(quiet),
            )
        assert applied.report is not None and applied.report.exit_code == 0
        assert applied.report.counts().get("done") == WABAS * PER_WABA
        assert sim.simulator.peak_overlap == parallelism
