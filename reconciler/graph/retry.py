"""When a failed request is sent again, and after how long. The one place that decides it.

The rule:

1. Only `transient` errors are retried (see the table in `reconciler.graph.errors`): throttling (4, 17, 32,
   613, 80007, 80008, 130429, HTTP 429), temporary failures (1, 2, 131000, 131016, 133004, 131057, 2494100,
   HTTP 5xx) and transport failures. Auth, permission, not-found, invalid, precondition errors and 133016
   (a 72 h lock) are never retried.
2. A **repeatable** request is retried on any transient error: reads (GET, and batch operations that are
   GETs) and writes the caller marked `idempotent=True` (setting a field to a value, deleting).
3. Any other write is retried only when the error **proves nothing happened** (`not_executed`): the
   connection was never made (connect refused / connect timeout / no free pooled connection / a proxy
   refused the tunnel), or Meta answered with a throttle code, HTTP 429, or HTTP 503 / codes 2, 131016,
   133004, 131057, 2494100 (service unavailable or in maintenance: refused at the door). A timeout, a
   dropped connection after sending, an HTTP 500/502/504, codes 1 or 131000, or a `null` batch entry leave
   the outcome unknown: the write is not retried and the caller gets `AmbiguousWriteError`, to re-read and
   decide.
4. Waits: exponential backoff with full jitter, `uniform(0, min(max_delay, base_delay * 2**(attempt-1)))`,
   but never less than Meta asked for (`Retry-After`, or `estimated_time_to_regain_access` of
   `X-Business-Use-Case-Usage`), and never less than `throttle_floor` after a throttle answer. At most
   `max_attempts` sends, and at most `max_total_wait` seconds of waiting per request; past that the last
   error is raised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reconciler.graph.errors import AmbiguousWriteError, ErrorKind, GraphError


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5  # seconds
    max_delay: float = 30.0  # cap of one backoff step (Meta's own estimates may exceed it)
    max_total_wait: float = 300.0  # seconds of waiting (backoff + budget) allowed for one request
    throttle_floor: float = 2.0  # minimum wait after a throttle answer that gave no estimate

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_total_wait, self.throttle_floor) < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter delay after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(0, attempt - 1))
        return rng.uniform(0.0, ceiling)

    def delay(self, error: GraphError, attempt: int, rng: random.Random) -> float:
        """How long to wait before sending again after `error` on attempt `attempt`."""
        wait = self.backoff(attempt, rng)
        if error.kind is ErrorKind.THROTTLED:
            wait = max(wait, self.throttle_floor)
        if error.retry_after is not None:
            wait = max(wait, error.retry_after)
        return wait


def may_retry(error: GraphError, *, repeatable: bool) -> bool:
    """Rules 1-3: may this request be sent again after `error`?"""
    if not error.transient:
        return False
    return repeatable or error.not_executed


def final_error(error: GraphError, *, repeatable: bool) -> GraphError:
    """The error to raise once we stop: a write whose outcome is unknown becomes AmbiguousWriteError."""
    if not repeatable and error.transient and not error.not_executed:
        return AmbiguousWriteError.wrap(error)
    return error
