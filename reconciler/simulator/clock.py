"""The simulated clock: wall time plus an offset that tests (and `/_sim/clock`) move forward."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SimClock:
    """Seconds since the epoch, as the simulated Meta sees them.

    Real time keeps flowing (so a long-running `sim serve` ages its rate windows) unless `frozen`;
    `advance()` jumps ahead without waiting. Thread-safe.
    """

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._start = time.time() if start is None else float(start)
        self._mono0 = time.monotonic()
        self._offset = 0.0
        self._frozen = frozen

    def now(self) -> float:
        with self._lock:
            elapsed = 0.0 if self._frozen else time.monotonic() - self._mono0
            return self._start + elapsed + self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def restart(self, start: float | None = None) -> None:
        """Back to `start` (or now), with no offset: what `reset()` does."""
        with self._lock:
            self._start = time.time() if start is None else float(start)
            self._mono0 = time.monotonic()
            self._offset = 0.0


def iso(ts: float) -> str:
    """Meta's timestamp style: `2023-08-22T19:05:53+0000`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
