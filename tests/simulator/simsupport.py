"""Helpers for the simulator's tests (imported by name: this directory has no __init__.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import yaml

from reconciler.simulator import RunningSimulator, demo_world_text

REPO = Path(__file__).resolve().parents[2]
HARBOUR = "sim-token-harbour"
ACME = "sim-token-acme-source"
HK_WABA, TW_WABA, SOURCE_WABA = "2000000000001", "2000000000002", "2000000000901"
HK_MAIN, TW_MAIN, STOREFRONT = "3000000000001", "3000000000002", "3000000000901"


def demo_world() -> dict[str, Any]:
    """The bundled demo world as a dict, for tests that tweak it."""
    return copy.deepcopy(yaml.safe_load(demo_world_text()))


def graph_client(sim: RunningSimulator, token: str | None = HARBOUR, version: str = "v23.0") -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{sim.base_url}/{version}", headers=headers, timeout=10)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "error" in body, f"expected an error, got {response.status_code} {body}"
    error: dict[str, Any] = body["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= error.keys()
    return error
