"""Meta's per-app, per-WABA hourly allowance, and what is left of it.

Meta counts every operation (each batch entry, each page, each write) against a budget per app and WABA:
200 calls an hour, 5,000 for a WABA with a registered number (META-API.md §7.1), and reports the share
used, in percent, in each answer's `X-Business-Use-Case-Usage` (which `budget.BudgetTracker` keeps). The
reader and apply plan their work against what is left, so a WABA is never left half read or half applied.
"""

from __future__ import annotations

from dataclasses import dataclass

PER_HOUR = 200  # Meta's default per app and WABA
PER_HOUR_REGISTERED = 5_000  # for a WABA with at least one registered number


@dataclass(frozen=True)
class Allowance:
    """What Meta last said of one WABA's budget: percent used, of an hourly allowance of `per_hour`."""

    percent: float
    per_hour: int

    @classmethod
    def of(cls, percent: float, *, registered: bool) -> Allowance:
        return cls(percent, PER_HOUR_REGISTERED if registered else PER_HOUR)

    @property
    def left(self) -> int:
        """Operations left this hour (rounded down: Meta's percent is itself rounded up)."""
        return int(self.per_hour * max(0.0, 100.0 - self.percent) / 100.0)

    def shortfall(self, needed: int, what: str) -> str | None:
        """None when `needed` operations fit; else why `what` is not done now, and what to do."""
        if needed <= self.left:
            return None
        return (
            f"{what} needs about {needed} operations and has {self.left} of its {self.per_hour:,} an hour "
            f"left ({self.percent:.0f}% used, as Meta reports); Meta's budget refills over the hour"
        )
