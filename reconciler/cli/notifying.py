"""--notify at the edge: the targets from argv and the environment, a Notifier made before any reading
(so a missing Apprise or an unknown URL is refused first), and what happened said on stderr.

Sending never changes a command's exit code: a failed delivery is a warning, the check's result stands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reconciler.cienv import job_url
from reconciler.notify.send import Notifier
from reconciler.notify.summary import Summary
from reconciler.notify.targets import targets_from


def notifier_for(values: Sequence[str]) -> Notifier | None:
    """The Notifier of --notify VALUES (or WABAPLAN_NOTIFY); None when there is nowhere to send."""
    targets = targets_from(values, os.environ, base_dir=Path.cwd())
    return Notifier(targets) if targets else None


def ci_job() -> str | None:
    return job_url(os.environ)


def notify(notifier: Notifier | None, summary: Summary) -> None:
    """Send `summary` if it needs action; say on stderr what was sent, or what failed and why."""
    if notifier is None:
        return
    if not summary.needs_action:
        sys.stderr.write("notify: nothing needs action, nothing sent\n")
        return
    failures = {failure.target: failure.reason for failure in notifier.send(summary)}
    for target in notifier.targets:
        if target in failures:
            sys.stderr.write(
                f"warning: notify: sending to {target} failed ({failures[target]}); "
                "the check's result and exit code stand\n"
            )
        else:
            sys.stderr.write(f"notify: sent to {target} ({summary.total} needing action)\n")
