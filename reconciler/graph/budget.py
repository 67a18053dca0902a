"""Per-WABA rate budget, fed by Meta's `X-Business-Use-Case-Usage` header: slow down before Meta blocks us.

The header is JSON keyed by business-object id (a WABA or business id), each value a list of usage entries
`{type, call_count, total_cputime, total_time, estimated_time_to_regain_access}`; the three usage figures are
percent of the budget, the estimate is in minutes, and > 0 means "blocked".

Before a request charged to an id is sent, the client asks `wait_before_send(id)`:

* blocked (estimate > 0, or a throttle answer told us to wait): the seconds until it is free; nothing is sent
  meanwhile, by any task;
* usage at or above `slow_at` percent: requests for that id are spaced out, from `min_interval` seconds at
  `slow_at` to `max_interval` seconds at 100 %; the caller gets either a slot (0.0) or the wait until the
  next one;
* otherwise 0.0.

`X-App-Usage` (percent of the app's own budget) is tracked the same way under the key `(app)`, which
every request consults.

Pure logic over an injected clock: no I/O, no sleeping.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

log = logging.getLogger("wabaplan.graph")

HEADER = "X-Business-Use-Case-Usage"
APP_USAGE_HEADER = "X-App-Usage"
APP_KEY = "(app)"  # the budget every request shares: X-App-Usage, and app-level throttles (#4, #17)


@dataclass(frozen=True)
class UsageEntry:
    """One use-case entry of the header, for one business object."""

    type: str
    call_count: float = 0.0
    total_cputime: float = 0.0
    total_time: float = 0.0
    estimated_time_to_regain_access: float = 0.0  # minutes

    @property
    def percent(self) -> float:
        return max(self.call_count, self.total_cputime, self.total_time)


def parse_usage_header(text: str | None) -> dict[str, tuple[UsageEntry, ...]]:
    """The header's entries per object id; {} if absent or unreadable (it is advisory)."""
    if not text:
        return {}
    return dict(_parse_usage(text))


@functools.lru_cache(maxsize=1024)
def _parse_usage(text: str) -> Mapping[str, tuple[UsageEntry, ...]]:
    """Cached: a WABA's header repeats until its usage moves by a percent (50 calls of 5,000)."""
    try:
        raw = json.loads(text)
    except ValueError:
        log.debug("ignoring unreadable %s header", HEADER)
        return {}
    if not isinstance(raw, Mapping):
        return {}
    result: dict[str, tuple[UsageEntry, ...]] = {}
    for object_id, entries in raw.items():
        if isinstance(entries, Mapping):
            entries = [entries]
        if not isinstance(entries, list):
            continue
        parsed = tuple(_entry(e) for e in entries if isinstance(e, Mapping))
        if parsed:
            result[str(object_id)] = parsed
    return MappingProxyType(result)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _entry(raw: Mapping[str, Any]) -> UsageEntry:
    return UsageEntry(
        type=str(raw.get("type", "")),
        call_count=_number(raw.get("call_count")),
        total_cputime=_number(raw.get("total_cputime")),
        total_time=_number(raw.get("total_time")),
        estimated_time_to_regain_access=_number(raw.get("estimated_time_to_regain_access")),
    )


@dataclass(frozen=True)
class BudgetPolicy:
    slow_at: float = 90.0  # percent of the budget at which requests start being spaced out
    min_interval: float = 1.0  # seconds between requests at `slow_at` percent
    max_interval: float = 20.0  # seconds between requests at 100 percent

    def interval(self, percent: float) -> float:
        if percent < self.slow_at:
            return 0.0
        span = max(100.0 - self.slow_at, 1e-9)
        fraction = min(1.0, (percent - self.slow_at) / span)
        return self.min_interval + (self.max_interval - self.min_interval) * fraction


@dataclass
class _State:
    percent: float = 0.0
    blocked_until: float = 0.0
    next_slot: float = 0.0


@dataclass(frozen=True)
class BudgetStatus:
    """What the tracker knows about one object id, for logs and reports."""

    object_id: str
    percent: float
    blocked_for: float  # seconds, 0.0 when not blocked
    interval: float  # seconds between requests while slowed down, 0.0 at full speed


@dataclass
class BudgetTracker:
    """Usage per business-object id, and how long a request charged to it must wait."""

    clock: Callable[[], float]
    policy: BudgetPolicy = field(default_factory=BudgetPolicy)
    _states: dict[str, _State] = field(default_factory=dict)

    def observe(self, header: str | None) -> None:
        """Record a response's `X-Business-Use-Case-Usage` header."""
        self.observe_usage(parse_usage_header(header))

    def observe_usage(self, usage: Mapping[str, tuple[UsageEntry, ...]]) -> None:
        """Record a usage header already parsed (`parse_usage_header`): parse once, use twice."""
        if not usage:
            return
        now = self.clock()
        for object_id, entries in usage.items():
            state = self._states.setdefault(object_id, _State())
            state.percent = max(e.percent for e in entries)
            regain = max(e.estimated_time_to_regain_access for e in entries) * 60.0
            if regain > 0:
                state.blocked_until = max(state.blocked_until, now + regain)
            # An estimate of 0 does not lift a block: it may come from a response sent before the block.

    def observe_app_usage(self, header: str | None) -> None:
        """Record `X-App-Usage` (`{"call_count": %, "total_cputime": %, "total_time": %}`) under APP_KEY."""
        if not header:
            return
        try:
            raw = json.loads(header)
        except ValueError:
            return
        if isinstance(raw, Mapping):
            state = self._states.setdefault(APP_KEY, _State())
            state.percent = _entry(raw).percent

    def block(self, object_id: str, seconds: float) -> None:
        """Meta throttled a request for `object_id`: hold every request for it for `seconds`."""
        if seconds <= 0:
            return
        state = self._states.setdefault(object_id, _State())
        state.blocked_until = max(state.blocked_until, self.clock() + seconds)

    def blocked_for(self, object_id: str) -> float:
        state = self._states.get(object_id)
        return max(0.0, state.blocked_until - self.clock()) if state else 0.0

    def wait_before_send(self, object_id: str) -> float:
        """0.0: send now (a slot is taken if pacing is on). Otherwise: seconds to wait, then ask again."""
        state = self._states.get(object_id)
        if state is None:
            return 0.0
        now = self.clock()
        if state.blocked_until > now:
            return state.blocked_until - now
        interval = self.policy.interval(state.percent)
        if interval <= 0:
            return 0.0
        if state.next_slot > now:
            return state.next_slot - now
        state.next_slot = now + interval
        return 0.0

    def status(self, object_id: str) -> BudgetStatus:
        state = self._states.get(object_id, _State())
        return BudgetStatus(
            object_id=object_id,
            percent=state.percent,
            blocked_for=max(0.0, state.blocked_until - self.clock()),
            interval=self.policy.interval(state.percent),
        )

    def known_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._states))
