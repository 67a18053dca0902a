"""A running simulated Meta, the example estate, and a `wabaplan watch` receiver against them (in-thread)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "events"))  # Meta's payload shapes

from sim_estate import EXAMPLE
from watchkit import APP_SECRET, TOKEN, VERIFY_TOKEN, Start

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.graph.client import GraphClient
from reconciler.simulator import RunningSimulator, run_simulator
from reconciler.state import StateBackend, open_backend
from reconciler.watch.alerts import Alerts
from reconciler.watch.receiver import Secrets
from reconciler.watch.server import RunningWatch, Watch, WatchSettings, run_watch


@pytest.fixture(scope="module")
def config() -> Config:
    loaded = load(EXAMPLE)
    assert loaded.config is not None
    return loaded.config


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    with run_simulator() as running:
        yield running


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[StateBackend]:
    backend = open_backend(tmp_path / "state", {})
    yield backend
    backend.close()


@pytest.fixture
def start_watch(config: Config, sim: RunningSimulator, backend: StateBackend) -> Start:
    """start_watch(alerts=None, **settings) → a receiver in a thread, reading the simulator, recording in
    `backend` (and notifying through `alerts`)."""

    def start(alerts: Alerts | None = None, **settings: object) -> AbstractContextManager[RunningWatch]:
        watch = Watch(
            config,
            backend,
            "simulator",
            lambda: GraphClient(sim.base_url, TOKEN),
            Secrets((APP_SECRET,), (VERIFY_TOKEN,)),
            WatchSettings(**{"port": 0, "window": 0.0, "grace": 5.0, **settings}),  # type: ignore[arg-type]
            alerts,
        )
        return run_watch(watch)

    return start
