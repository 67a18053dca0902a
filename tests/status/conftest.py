"""Shared set-up for status tests: the example config (`cli` and `estate` are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from sim_estate import EXAMPLE

from reconciler.config.load import load_or_raise
from reconciler.config.model import Config


@pytest.fixture(scope="module")
def config() -> Config:
    return load_or_raise(EXAMPLE)
