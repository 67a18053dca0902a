"""Fixtures for the simulator's tests: a live simulator on a loopback socket and raw httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from simsupport import graph_client

from reconciler.simulator import RunningSimulator, run_simulator


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    """The bundled demo world on an ephemeral loopback port."""
    with run_simulator() as running:
        yield running


@pytest.fixture
def graph(sim: RunningSimulator) -> Iterator[httpx.Client]:
    """A raw httpx client for `sim`, with our token in the Authorization header."""
    with graph_client(sim) as client:
        yield client


@pytest.fixture
def start_sim() -> Iterator[Callable[..., RunningSimulator]]:
    """Start a simulator with any world/knobs; all are stopped at the end of the test."""
    stack: list[Any] = []

    def start(world: Any = None, **kwargs: Any) -> RunningSimulator:
        cm = run_simulator(world, **kwargs)
        running = cm.__enter__()
        stack.append(cm)
        return running

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
