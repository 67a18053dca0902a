"""What the watch tests share besides fixtures: the simulated app's secrets, and the fixture's type."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from reconciler.watch.server import RunningWatch

APP_SECRET = "app-secret-5f1c9e"  # the simulated app's secret, as a world file would give it
VERIFY_TOKEN = "verify-me-7Hq2xx"
TOKEN = "sim-token-harbour"

Start = Callable[..., AbstractContextManager[RunningWatch]]
