"""Apply's progress: one line per finished action, and on a terminal a live status line under them.

    [3/12] numbers["+85251234567"].pin: done (0.3 s): two-step PIN set
    ⠹ 3/12 done · running: numbers["+85261234567"].register 2.1 s, wabas.hk_retail.webhooks 0.4 s

CI logs (not a terminal) get the lines only, so every log line is final and greppable.
"""

from __future__ import annotations

import threading
import time
from typing import TextIO

from reconciler.outcome import Outcome
from reconciler.plan.model import Action

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
REFRESH_SECONDS = 0.2


def outcome_line(outcome: Outcome, done: int, total: int) -> str:
    detail = f": {outcome.detail}" if outcome.detail else ""
    took = f" ({outcome.seconds:.1f} s)" if outcome.seconds >= 0.05 else ""
    return f"[{done}/{total}] {outcome.action.id}: {outcome.status.replace('_', ' ')}{took}{detail}"


class LineProgress:
    """One line per finished action."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def started(self, action: Action) -> None:
        pass

    def finished(self, outcome: Outcome, done: int, total: int) -> None:
        self.out.write(outcome_line(outcome, done, total) + "\n")
        self.out.flush()

    def close(self) -> None:
        pass

    def pause(self) -> None:
        """Stop drawing (a prompt is about to ask something)."""

    def resume(self) -> None:
        pass


class LiveProgress(LineProgress):
    """The lines, plus a status line redrawn in place: what is running and for how long."""

    def __init__(self, out: TextIO, *, width: int = 100) -> None:
        super().__init__(out)
        self.width = width
        self.running: dict[str, float] = {}
        self.done = 0
        self.total = 0
        self.tick = 0
        self.paused = 0  # prompts on screen (two numbers may each be waiting to ask for a code)
        self.held: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._refresh, name="wabaplan-progress", daemon=True)
        self.thread.start()

    def started(self, action: Action) -> None:
        with self.lock:
            self.running[action.id] = time.monotonic()
            self._draw()

    def finished(self, outcome: Outcome, done: int, total: int) -> None:
        with self.lock:
            self.running.pop(outcome.action.id, None)
            self.done, self.total = done, total
            line = outcome_line(outcome, done, total) + "\n"
            if self.paused:  # a prompt is on screen: keep the line until it is answered
                self.held.append(line)
                return
            self.out.write("\r\x1b[K" + line)
            self._draw()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        with self.lock:
            self.out.write("\r\x1b[K")
            self.out.flush()

    def pause(self) -> None:
        with self.lock:
            self.paused += 1
            self.out.write("\r\x1b[K")
            self.out.flush()

    def resume(self) -> None:
        with self.lock:
            self.paused = max(0, self.paused - 1)
            if self.paused:
                return
            self.out.write("".join(self.held))
            self.held.clear()
            self._draw()

    def status_line(self, now: float) -> str:
        spinner = SPINNER[self.tick % len(SPINNER)]
        busy = ", ".join(f"{name} {now - since:.1f} s" for name, since in self.running.items())
        line = f"{spinner} {self.done}/{self.total or '?'} done" + (f" · running: {busy}" if busy else "")
        return line if len(line) <= self.width else line[: self.width - 1] + "…"

    def _draw(self) -> None:
        if self.paused:
            return
        self.out.write("\r\x1b[K" + self.status_line(time.monotonic()))
        self.out.flush()

    def _refresh(self) -> None:
        while not self.stop.wait(REFRESH_SECONDS):
            with self.lock:
                self.tick += 1
                if self.running:
                    self._draw()
