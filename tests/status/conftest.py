"""Shared set-up for status tests: the example config, and a way to run the CLI in this process."""

from __future__ import annotations

import pytest
from sim_estate import EXAMPLE, Cli

from reconciler.cli import main
from reconciler.config.load import load_or_raise
from reconciler.config.model import Config


@pytest.fixture(scope="module")
def config() -> Config:
    return load_or_raise(EXAMPLE)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `wabaplan ARGV…` in this process; returns (exit code, stdout + stderr)."""

    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out + err

    return run
