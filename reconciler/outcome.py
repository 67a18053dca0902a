"""What applying a plan came to: one `Outcome` per action, the run's `ApplyReport`, and the `Progress`
listener told as each action starts and ends.

Values only, no I/O: the executor (`reconciler.apply.executor`) makes them, the progress renderer
(`reconciler.render.progress`) draws them, and neither needs the other to do so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from reconciler.plan.model import Action

EXIT_OK, EXIT_FAILED, EXIT_WAITING = 0, 1, 3
STOPPED = {"waiting", "needs_input", "blocked"}


@dataclass(frozen=True)
class Outcome:
    action: Action
    status: str  # done | failed | skipped | waiting | needs_input | blocked | refused
    detail: str
    seconds: float = 0.0


@dataclass(frozen=True)
class ApplyReport:
    outcomes: tuple[Outcome, ...]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts

    @property
    def exit_code(self) -> int:
        statuses = {o.status for o in self.outcomes}
        if statuses & {"failed", "refused"}:
            return EXIT_FAILED
        if statuses & STOPPED or "skipped" in statuses:
            return EXIT_WAITING
        return EXIT_OK

    def summary(self) -> str:
        order = ("done", "failed", "refused", "skipped", "waiting", "needs_input", "blocked")
        counts = self.counts()
        parts = [f"{counts[s]} {s.replace('_', ' ')}" for s in order if counts.get(s)]
        return "Apply: " + (", ".join(parts) if parts else "nothing to do") + "."


class Progress(Protocol):
    """Told when an action starts and when it ends (reconciler.render.progress draws it)."""

    def started(self, action: Action) -> None: ...

    def finished(self, outcome: Outcome, done: int, total: int) -> None: ...
