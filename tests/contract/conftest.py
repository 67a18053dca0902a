"""Fixtures shared by the contract tests: the OpenAPI spec, parsed once per session."""

from __future__ import annotations

import pytest

from .openapi import OpenApiSpec, load_raw_spec, load_spec


@pytest.fixture(scope="session")
def spec() -> OpenApiSpec:
    """Meta's spec with `spec_exceptions.SPEC_EXCEPTIONS` applied (what the simulator must satisfy)."""
    return load_spec()


@pytest.fixture(scope="session")
def raw_spec() -> OpenApiSpec:
    """Meta's spec as published, for showing what an exception changes."""
    return load_raw_spec()
