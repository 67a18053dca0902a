"""Shared set-up for apply tests: a way to run the CLI (the `estate` fixture is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from sim_estate import Cli

from reconciler.cli import main


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `wabaplan ARGV…` in this process; returns (exit code, stdout + stderr)."""

    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out + err

    return run
