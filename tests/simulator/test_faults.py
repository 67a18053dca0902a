"""Seeded faults: reproducible, before any effect; the lost-response knob after the effect."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import httpx
import pytest
from simsupport import HK_WABA, TW_WABA, error_of, graph_client

from reconciler.simulator import RunningSimulator


def outcomes(sim: RunningSimulator, n: int = 40) -> list[str]:
    seen: list[str] = []
    with graph_client(sim) as graph:
        for i in range(n):
            try:
                response = graph.get(f"/{HK_WABA}") if i % 2 else graph.post(f"/{TW_WABA}/subscribed_apps")
            except httpx.TransportError:
                seen.append("dropped")
                continue
            seen.append(
                str(response.status_code)
                if response.status_code == 200
                else f"{response.status_code}:{error_of(response)['code']}"
            )
    return seen


def test_faults_are_reproducible_by_seed(start_sim: Callable[..., RunningSimulator]) -> None:
    first = outcomes(start_sim(fault_rate=0.5, seed=7))
    second = outcomes(start_sim(fault_rate=0.5, seed=7))
    other = outcomes(start_sim(fault_rate=0.5, seed=8))
    assert first == second
    assert first != other
    kinds = set(first)
    assert "200" in kinds and len(kinds) >= 4
    assert kinds <= {"200", "400:1", "503:2", "500:131000", "400:4", "400:80007", "dropped"}


def test_faults_strike_before_any_effect(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(fault_rate=1.0, seed=3)
    with graph_client(sim) as graph:
        for _ in range(10):
            try:
                response = graph.post(f"/{TW_WABA}/subscribed_apps")
                assert response.status_code != 200
            except httpx.TransportError:
                pass
    assert sim.control.write_log() == []
    sim.control.set_faults(fault_rate=0.0)
    with graph_client(sim) as graph:
        assert graph.get(f"/{TW_WABA}/subscribed_apps").json() == {"data": []}
    counts = sim.control.request_counts()
    assert counts["faults"] == 10
    assert counts["http_requests"] == 11


def next_is(sim: RunningSimulator, graph: httpx.Client, kind: str) -> None:
    """Spend requests until the simulator's next answer is the seeded fault `kind` (e.g. "drop")."""
    kinds = [sim.simulator.faults.fault_for(n) for n in range(1, 200)]
    for _ in range(1, kinds.index(kind) + 1):
        with contextlib.suppress(httpx.TransportError):  # the seed's drops on the way
            graph.get(f"/{HK_WABA}")


def test_dropped_connection(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(fault_rate=1.0, seed=0)
    with graph_client(sim) as graph:
        next_is(sim, graph, "drop")
        with pytest.raises(httpx.RemoteProtocolError):
            graph.get(f"/{HK_WABA}")


def test_fault_code_1_answers_http_400(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(fault_rate=1.0, seed=7)
    with graph_client(sim) as graph:
        next_is(sim, graph, "400:1")
        response = graph.get(f"/{HK_WABA}")
    assert response.status_code == 400  # META-API.md §8.2: code 1 is an HTTP 400
    error = error_of(response)
    assert (error["code"], error["is_transient"]) == (1, True)


def test_lost_response_after_the_write_happened(start_sim: Callable[..., RunningSimulator]) -> None:
    sim = start_sim(lost_response_rate=1.0)
    with graph_client(sim) as graph:
        assert graph.get(f"/{TW_WABA}/subscribed_apps").status_code == 200  # reads are never lost
        with pytest.raises(httpx.RemoteProtocolError):
            graph.post(f"/{TW_WABA}/subscribed_apps")
        sim.control.set_faults(lost_response_rate=0.0)
        assert len(graph.get(f"/{TW_WABA}/subscribed_apps").json()["data"]) == 1  # it did happen
    log = sim.control.write_log()
    assert [(e["endpoint"], e["response_lost"]) for e in log] == [("POST /{WABA-ID}/subscribed_apps", True)]


def test_fault_knobs_over_http(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as raw:
        settings = raw.post("/_sim/faults", json={"fault_rate": 0.25, "lost_response_rate": 0.1}).json()
        assert (settings["fault_rate"], settings["lost_response_rate"], settings["seed"]) == (0.25, 0.1, 0)
        assert raw.post("/_sim/faults", json={"fault_rate": 2}).status_code == 400
