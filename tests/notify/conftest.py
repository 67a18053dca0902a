"""Notification tests: a loopback receiver per test (`hook`), a port nothing listens on."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from notifykit import Receiver, receiver


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


@pytest.fixture
def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
