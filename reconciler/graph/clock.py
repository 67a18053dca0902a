"""Time, injectable: every wait in the graph layer goes through a Clock, so tests wait for nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """Virtual time for tests and simulations: `sleep` advances `now` at once and records the wait.

    `on_sleep` (optional) is called with each wait, e.g. to advance a simulator's clock in step.
    Concurrent sleepers each advance time by their own wait, so virtual time can only run ahead of
    what a real run would see, never behind.
    """

    def __init__(self, start: float = 0.0, on_sleep: Callable[[float], None] | None = None) -> None:
        self._now = start
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self._now += seconds
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        await asyncio.sleep(0)
