"""What `watch` found after Meta's events → the `Summary` a notification carries (pure).

A verdict that shows drift (a template no longer approved, a display name not the declared one, a review
not as expected, the app unsubscribed) needs action; the others are Meta confirming what is declared.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.events import Verdict
from reconciler.notify.summary import Count, Summary


def from_verdicts(
    verdicts: Sequence[Verdict], *, project: str, graph_url: str = "", job_url: str | None = None
) -> Summary:
    drifted = sorted({v.line() for v in verdicts if v.drift})
    return Summary(
        source="watch",
        project=project,
        counts=(Count("drift after Meta's events", len(drifted)),),
        items=tuple(drifted),
        graph_url=graph_url,
        job_url=job_url,
    )
