"""State backends side by side: every behaviour test here runs on local state and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from statekit import KEY

from reconciler.state import StateBackend, open_backend


@pytest.fixture(params=["local", "postgres"])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The environment that selects each backend (PostgreSQL: a schema of its own, and a key)."""
    if request.param == "local":
        return {}
    url = request.getfixturevalue("pg_url")
    return {"WABAPLAN_STATE_URL": url, "WABAPLAN_STATE_KEY": KEY}


@pytest.fixture
def backend(backend_env: dict[str, str], tmp_path: Path) -> Iterator[StateBackend]:
    state = open_backend(tmp_path / "state", backend_env)
    yield state
    state.close()
