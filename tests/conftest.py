"""Fixtures every test shares."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sim_estate import SECRETS, Cli, copy_estate

from reconciler.cli import main


@pytest.fixture(autouse=True)
def _private_config_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Fingerprint keys live in the user's config directory: each test gets its own, never the real one
    (subprocesses inherit it through the environment)."""
    home = tmp_path_factory.mktemp("config-home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("WABAPLAN_STATE_KEY", raising=False)
    monkeypatch.delenv("WABAPLAN_STATE_URL", raising=False)
    yield home


@pytest.fixture(scope="session", autouse=True)
def _children_share_compiled_bytecode(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The `wabaplan`, simulator and runner processes tests start compile the package once between them:
    bytecode goes to a directory in the run's temporary space (every xdist worker's the same), never into
    the checkout, so a run under PYTHONDONTWRITEBYTECODE=1 (as .ci/run has it) leaves the tree as it was."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    saved = {name: os.environ.get(name) for name in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")}
    os.environ["PYTHONPYCACHEPREFIX"] = str(shared / "pycache")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


POSTGRES = os.environ.get("WABAPLAN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_REQUIRED = os.environ.get("WABAPLAN_REQUIRE_POSTGRES") == "1"  # .ci/run sets it


@functools.cache
def _postgres_unreachable() -> str:
    """'' when PostgreSQL answers at POSTGRES, else why not."""
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return ""


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A WABAPLAN_STATE_URL of its own: a fresh schema in the test database, dropped afterwards."""
    reason = _postgres_unreachable()
    if reason:
        message = (
            f"PostgreSQL is not reachable at {POSTGRES} ({reason}); start one, e.g. "
            "`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test "
            "postgres:16`, or point WABAPLAN_TEST_POSTGRES at one"
        )
        if POSTGRES_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}schema={schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example (with its picture and PIN file) and its own state directory."""
    config = copy_estate(tmp_path / "estate")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("WABAPLAN_ACCESS_TOKEN", "WABAPLAN_GRAPH_URL", "WABAPLAN_STATE_DIR", "ACME_SOURCE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return config


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `wabaplan ARGV…` in this process; returns (exit code, stdout + stderr)."""

    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out + err

    return run
