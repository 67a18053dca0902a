"""Fixtures for the graph client's tests: a module-wide simulator holding a 150-number WABA."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graph_support import big_world


@pytest.fixture(scope="module")
def big_sim() -> Iterator[Any]:
    from reconciler.simulator import run_simulator

    with run_simulator(big_world()) as sim:
        yield sim


@pytest.fixture
def fresh_big_sim(big_sim: Any) -> Any:
    big_sim.control.reset()
    big_sim.control.set_faults(fault_rate=0.0, lost_response_rate=0.0)
    return big_sim
