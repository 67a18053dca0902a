"""A verified delivery's Events: recorded in the state backend, then queued for the worker — or refused
whole when the queue is full (Meta retries a delivery it did not get 200 for).

Deliveries that arrive together are recorded together (`GroupCommit`): one transaction, one sync to
disk, and each is answered 200 only once that transaction has committed — so what Meta was told is
recorded survives a kill -9, or a power cut, of the receiver.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reconciler.config.model import Config
from reconciler.events import Concern, Event, Refresh, concern_of
from reconciler.state.journal import Journal
from reconciler.state.records import EventStatus

log = logging.getLogger("wabaplan.watch")


@dataclass(frozen=True)
class Pending:
    """An event recorded as accepted, waiting for its resource to be read again."""

    event: Event
    refresh: Refresh
    attempts: int = 0


class GroupCommit:
    """Deliveries recorded in groups: while one transaction syncs to disk (in a thread of its own, on
    a connection of its own), the deliveries arriving meanwhile wait, and the next transaction records
    them all. Each delivery's answer waits for the commit of the transaction holding it."""

    def __init__(self, open_journal: Callable[[], Journal]) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="wabaplan-watch-record")
        self._journal = self._thread.submit(open_journal).result()  # opened, used and closed there
        self._waiting: list[tuple[Sequence[Mapping[str, Any]], asyncio.Future[list[bool]]]] = []
        self._flushing: asyncio.Task[None] | None = None
        self.transactions = 0  # for the bench and the tests: how many commits recorded the events

    async def record(self, rows: Sequence[Mapping[str, Any]]) -> list[bool]:
        """Whether each row was new (not a redelivery), once the transaction holding it committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[bool]] = loop.create_future()
        self._waiting.append((rows, future))
        if self._flushing is None:
            self._flushing = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                rows = [row for rows, _ in batch for row in rows]
                try:
                    fresh = await loop.run_in_executor(self._thread, self._journal.accept_events, rows)
                except Exception as exc:  # the group is answered 500: Meta sends each delivery again
                    _settle(batch, exc)
                    continue
                self.transactions += 1
                _settle(batch, fresh)
        finally:
            self._flushing = None

    def close(self) -> None:
        self._thread.submit(self._journal.close).result()
        self._thread.shutdown()


def _settle(
    batch: Sequence[tuple[Sequence[Mapping[str, Any]], asyncio.Future[list[bool]]]],
    found: list[bool] | Exception,
) -> None:
    start = 0
    for rows, future in batch:
        if not future.done():
            if isinstance(found, Exception):
                future.set_exception(found)
            else:
                future.set_result(found[start : start + len(rows)])
        start += len(rows)


class Inbox:
    """Records events once each (by key) and queues those that concern a declared resource."""

    def __init__(
        self,
        journal: Journal,
        config: Config,
        queue: asyncio.Queue[Pending],
        *,
        commits: GroupCommit,
        limit: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.journal = journal
        self.config = config
        self.queue = queue
        self.limit = limit
        self.clock = clock
        self.commits = commits
        self.counts: Counter[str] = Counter()  # received, accepted, duplicate, ignored, unknown, busy
        self._promised = 0  # queue places held by deliveries being recorded

    async def take(self, events: Sequence[Event]) -> bool:
        """Record and queue a delivery's events; False (nothing recorded) when the queue has no room."""
        concerns = [(event, concern_of(event, self.config)) for event in events]
        wanted = sum(1 for _, concern in concerns if concern.refresh is not None)
        queued = self.queue.qsize() + self._promised
        if wanted and queued and queued + wanted > self.limit:
            self.counts["busy"] += len(events)
            return False
        self._promised += wanted
        try:
            fresh = await self.commits.record([self._row(event, concern) for event, concern in concerns])
        finally:
            self._promised -= wanted
        for (event, concern), new in zip(concerns, fresh, strict=True):
            self._took(event, concern, new)
        return True

    def _row(self, event: Event, concern: Concern) -> dict[str, Any]:
        status = EventStatus.ACCEPTED if concern.refresh else EventStatus.IGNORED
        return {
            "key": event.key, "field": event.field, "waba_id": event.waba_id, "subject": concern.address,
            "sent": event.time, "change": event.change, "status": status, "detail": concern.why_not,
            "at": self.clock(),
        }  # fmt: skip

    def _took(self, event: Event, concern: Concern, new: bool) -> None:
        self.counts["received"] += 1
        if not new:
            self.counts["duplicate"] += 1
            log.info(
                "event %s… again (Meta's redelivery): already recorded, not acted on twice", event.key[:12]
            )
        elif concern.refresh is None:
            self.counts["unknown" if event.kind == "unknown" else "ignored"] += 1
            log.info("event %s: ignored, %s", event.describe(), concern.why_not)
        else:
            self.counts["accepted"] += 1
            self.queue.put_nowait(Pending(event, concern.refresh))

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
