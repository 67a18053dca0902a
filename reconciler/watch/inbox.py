"""A verified delivery's Events: recorded in the state backend, then queued for the worker — or refused
whole when the queue is full (Meta retries a delivery it did not get 200 for)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.config.model import Config
from reconciler.events import Event, Refresh, concern_of
from reconciler.state.journal import Journal
from reconciler.state.records import EventStatus

log = logging.getLogger("wabaplan.watch")


@dataclass(frozen=True)
class Pending:
    """An event recorded as accepted, waiting for its resource to be read again."""

    event: Event
    refresh: Refresh
    attempts: int = 0


class Inbox:
    """Records events once each (by key) and queues those that concern a declared resource."""

    def __init__(
        self,
        journal: Journal,
        config: Config,
        queue: asyncio.Queue[Pending],
        *,
        limit: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.journal = journal
        self.config = config
        self.queue = queue
        self.limit = limit
        self.clock = clock
        self.counts: Counter[str] = Counter()  # received, accepted, duplicate, ignored, unknown, busy

    def take(self, events: Sequence[Event]) -> bool:
        """Record and queue a delivery's events; False (nothing recorded) when the queue has no room."""
        concerns = [(event, concern_of(event, self.config)) for event in events]
        wanted = sum(1 for _, concern in concerns if concern.refresh is not None)
        if wanted and self.queue.qsize() and self.queue.qsize() + wanted > self.limit:
            self.counts["busy"] += len(events)
            return False
        for event, concern in concerns:
            self.counts["received"] += 1
            status = EventStatus.ACCEPTED if concern.refresh else EventStatus.IGNORED
            fresh = self.journal.accept_event(
                key=event.key, field=event.field, waba_id=event.waba_id, subject=concern.address,
                sent=event.time, change=event.change, status=status, detail=concern.why_not, at=self.clock(),
            )  # fmt: skip
            if not fresh:
                self.counts["duplicate"] += 1
                log.info(
                    "event %s… again (Meta's redelivery): already recorded, not acted on twice",
                    event.key[:12],
                )
            elif concern.refresh is None:
                self.counts["unknown" if event.kind == "unknown" else "ignored"] += 1
                log.info("event %s: ignored, %s", event.describe(), concern.why_not)
            else:
                self.counts["accepted"] += 1
                self.queue.put_nowait(Pending(event, concern.refresh))
        return True

    def requeue_pending(self, events: Sequence[Event]) -> int:
        """Events a previous run accepted and did not act on: queued again (or ignored, if the config no
        longer declares their resource). Returns how many were queued."""
        queued = 0
        for event in events:
            concern = concern_of(event, self.config)
            if concern.refresh is None:
                self.journal.finish_event(event.key, EventStatus.IGNORED, concern.why_not, at=self.clock())
                continue
            self.queue.put_nowait(Pending(event, concern.refresh))
            queued += 1
        return queued
