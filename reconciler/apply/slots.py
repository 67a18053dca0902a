"""The executor's slots: how many requests an apply has at Meta at once (`--parallelism`).

A step holds a slot while it talks to Meta (and lends it out while it waits on Meta's reviewer:
`steps._slot_lent`); a batch of re-reads holds one while it is out. Slots are handed out in turn, except
that one taken `first` goes ahead of those queued: steps wait on re-reads, so a re-read must not wait
behind them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType


class Slots:
    """`size` slots; `acquire()` waits in turn for one, `acquire(first=True)` ahead of the queue."""

    def __init__(self, size: int) -> None:
        self._free = max(1, size)
        self._ahead: deque[asyncio.Future[None]] = deque()
        self._in_turn: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        """No slot is free: the next `acquire()` waits."""
        return self._free == 0

    async def acquire(self, *, first: bool = False) -> bool:
        if self._free > 0 and not self._ahead and not self._in_turn:
            self._free -= 1
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._ahead if first else self._in_turn
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a slot as it was cancelled: pass it on
                self.release()
            elif waiter in queue:
                queue.remove(waiter)
            raise
        return True

    def release(self) -> None:
        """Hand the slot to the first waiter (those `first` before the rest), else free it."""
        for queue in (self._ahead, self._in_turn):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
