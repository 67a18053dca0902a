"""The worker: takes what the inbox queued, waits a short window for the rest of a burst, reads each
resource named once, confirms what it read (the state `plan --refresh-only` may use instead of a read),
with `--apply` reconciles the declared resources read (through `apply`, its guards and its locks), and
records a verdict per event (and a log line) — all of a batch's events finished in one transaction."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from reconciler.events import Refresh, Verdict
from reconciler.state.journal import Journal
from reconciler.state.records import EventStatus
from reconciler.watch.inbox import Pending
from reconciler.watch.refresh import Read

log = logging.getLogger("wabaplan.watch")
MAX_ATTEMPTS = 5


class Refresher(Protocol):
    async def refresh(self, targets: Sequence[Refresh]) -> Mapping[Refresh, Read | Exception]: ...


# `watch --apply`: the declared resources a batch read, reconciled (by the cli, through `apply`); what
# became of each, one line per address (the plan's outcomes, or why nothing was applied).
Reconcile = Callable[[Sequence[str]], Awaitable[Mapping[str, str]]]


Alert = Callable[[Sequence[Verdict]], Awaitable[None]]  # told every verdict of a settled burst


class Done:
    """How many events have been acted on, for whoever waits for it (tests, the bench): a signal."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def add(self, n: int) -> None:
        with self._changed:
            self.count += n
            self._changed.notify_all()

    def wait_for(self, n: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= n, timeout)


class Worker:
    def __init__(
        self,
        queue: asyncio.Queue[Pending],
        journal: Journal,
        refresher: Refresher,
        *,
        window: float,
        retry_delay: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        alert: Alert | None = None,
        reconcile: Reconcile | None = None,
    ) -> None:
        self.queue = queue
        self.journal = journal
        self.refresher = refresher
        self.window = window
        self.retry_delay = retry_delay
        self.sleep = sleep
        self.clock = clock
        self.alert = alert
        self.reconcile = reconcile
        self.done = Done()
        self.reads = 0  # resources read again, after coalescing

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            if self.window > 0:
                await self.sleep(self.window)  # the rest of the burst arrives meanwhile
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                await self.settle(batch)
            finally:
                for _ in batch:
                    self.queue.task_done()

    async def settle(self, batch: Sequence[Pending]) -> None:
        """Read each resource the batch names once; confirm it; reconcile it (--apply); record every
        event's verdict."""
        targets = sorted({p.refresh for p in batch})
        self.reads += len(targets)
        found = await self.refresher.refresh(targets)
        reads = [r for r in found.values() if isinstance(r, Read)]
        self.journal.confirm(row for read in reads for row in read.confirmed)
        applied = await self._reconciled(reads)
        finished: list[tuple[str, str, str]] = []
        for pending in batch:
            read = found[pending.refresh]
            if isinstance(read, Read):
                line = read.verdict.line() + applied.get(read.verdict.address, "")
                finished.append((pending.event.key, EventStatus.DONE, line))
                log.info("event %s → %s", pending.event.describe(), line)
            else:
                self._retry(pending, read)
        self.journal.finish_events(finished, at=self.clock())
        if self.alert is not None:
            await self.alert([read.verdict for read in reads])
        self.done.add(len(finished))

    async def _reconciled(self, reads: Iterable[Read]) -> Mapping[str, str]:
        """--apply: the declared resources read, reconciled together; "; applied: …" per address."""
        addresses = sorted({r.verdict.address for r in reads if r.verdict.declared})
        if self.reconcile is None or not addresses:
            return {}
        try:
            outcomes = await self.reconcile(addresses)
        except Exception as exc:  # reported with the event; the next event (or cron) tries again
            log.error("reconciling %s failed: %s", ", ".join(addresses), exc)
            return {address: f"; not applied: {exc}" for address in addresses}
        return {address: f"; {outcomes[address]}" for address in addresses if address in outcomes}

    def _retry(self, pending: Pending, error: Exception) -> None:
        again = replace(pending, attempts=pending.attempts + 1)
        if again.attempts >= MAX_ATTEMPTS:
            log.warning(
                "event %s: reading %s failed %d times (%s); left accepted, acted on at the next start",
                pending.event.describe(), pending.refresh.address, again.attempts, error,
            )  # fmt: skip
            return
        delay = self.retry_delay * 2**pending.attempts
        log.warning(
            "event %s: reading %s failed (%s); will retry in %g s", pending.event.describe(),
            pending.refresh.address, error, delay,
        )  # fmt: skip
        asyncio.get_running_loop().call_later(delay, self.queue.put_nowait, again)
