"""Business-use-case rate budgets per app per WABA (META-API.md §7.1, §7.3).

200 calls per rolling hour, 5,000 once the WABA has a registered number (both configurable). Every
Graph operation on a WABA-scoped object (the WABA, its numbers, its templates) counts — batch operations
each count. A call over budget is refused with #80007 and does not count. The usage is reported in
`X-Business-Use-Case-Usage`, in percent of the budget, as Meta does.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict, deque
from dataclasses import dataclass

WINDOW = 3600.0
USE_CASE = "whatsapp_business_management"


@dataclass(frozen=True)
class Usage:
    waba_id: str
    calls: int
    budget: int
    regain_seconds: float

    @property
    def percent(self) -> int:
        return min(100, math.ceil(100 * self.calls / self.budget)) if self.calls else 0

    def as_header_entry(self) -> dict[str, int | str]:
        pct = self.percent
        return {
            "type": USE_CASE,
            "call_count": pct,
            "total_cputime": math.ceil(pct / 4),
            "total_time": math.ceil(pct / 3),
            "estimated_time_to_regain_access": math.ceil(self.regain_seconds / 60),
        }


class RateBudget:
    """Sliding one-hour windows of call times, keyed by (app ID, WABA ID). Not thread-safe: callers lock."""

    def __init__(self) -> None:
        self._calls: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _window(self, app_id: str, waba_id: str, now: float) -> deque[float]:
        calls = self._calls[(app_id, waba_id)]
        while calls and calls[0] <= now - WINDOW:
            calls.popleft()
        return calls

    def try_spend(self, app_id: str, waba_id: str, budget: int, now: float) -> Usage:
        """Count one call if the budget allows; the returned usage says whether it did (regain == 0)."""
        calls = self._window(app_id, waba_id, now)
        if len(calls) >= budget:
            regain = calls[len(calls) - budget] + WINDOW - now
            return Usage(waba_id, len(calls), budget, max(regain, 1.0))
        calls.append(now)
        return Usage(waba_id, len(calls), budget, 0.0)

    def usage(self, app_id: str, waba_id: str, budget: int, now: float) -> Usage:
        calls = self._window(app_id, waba_id, now)
        regain = calls[len(calls) - budget] + WINDOW - now if len(calls) >= budget else 0.0
        return Usage(waba_id, len(calls), budget, max(regain, 0.0))

    def clear(self) -> None:
        self._calls.clear()


def usage_header(usages: list[Usage]) -> str:
    """`{"<waba id>": [{"type": "whatsapp_business_management", "call_count": 12, …}]}`."""
    merged: dict[str, list[dict[str, int | str]]] = {}
    for u in usages:
        merged[u.waba_id] = [u.as_header_entry()]
    return json.dumps(merged, separators=(",", ":"))


def count_in_window(times: list[float], window: float, now: float) -> list[float]:
    """The entries of `times` within the last `window` seconds (helper for per-number/per-WABA limits)."""
    return [t for t in times if t > now - window]
