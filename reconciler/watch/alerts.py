"""What the worker found, sent as one notification per settled burst when something needs action (the
same summary, and the same Apprise targets, as `plan --refresh-only --notify`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from reconciler.events import Verdict
from reconciler.notify.send import Notifier
from reconciler.notify.verdicts import from_verdicts

log = logging.getLogger("wabaplan.watch")


class Alerts:
    def __init__(self, notifier: Notifier, *, project: str, graph_url: str = "") -> None:
        self.notifier, self.project, self.graph_url = notifier, project, graph_url
        self.sent = 0  # notifications sent (to every target that took them)

    async def __call__(self, verdicts: Sequence[Verdict]) -> None:
        summary = from_verdicts(verdicts, project=self.project, graph_url=self.graph_url)
        if not summary.needs_action:
            return
        failures = await asyncio.to_thread(self.notifier.send, summary)  # Apprise blocks: not on the loop
        for failure in failures:
            log.warning(
                "notify: sending to %s failed (%s); the events stay recorded, and the drift is there for "
                "the next plan", failure.target, failure.reason,
            )  # fmt: skip
        if len(failures) < len(self.notifier.targets):
            self.sent += 1
            log.info("notify: %d needing action sent", summary.total)
