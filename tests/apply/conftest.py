"""Shared set-up for apply tests: a private copy of the example estate and a way to run the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_estate import SECRETS, Cli, copy_estate

from reconciler.cli import main


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
