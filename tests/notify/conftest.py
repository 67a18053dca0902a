"""Notification tests: a loopback receiver per test (`hook`), and the secrets no message may hold."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from receiver import Receiver, receiver
from sim_estate import SECRETS, TW_PIN

HOOK_TOKEN = "T0KEN-b2c4e6-hook"  # the part of a webhook URL that is its token (Slack's, Teams'…)
NEVER_SENT = (*SECRETS.values(), TW_PIN, "sim-token-harbour", "135790", HOOK_TOKEN)  # 135790: a world PIN


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
