"""--wait: waiting on Meta's reviewer holds up nothing else."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sim_estate import environ_for, estate_without_the_move

from reconciler.apply.run import ApplyOptions, apply
from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

TW = "+886912345678"


def test_waiting_on_a_review_does_not_hold_up_other_actions(tmp_path: Path) -> None:
    """With one action at a time and --wait, a template waiting for Meta's reviewer lends its slot:
    the webhook update queued behind it finishes first instead of waiting out the review."""
    path, config = estate_without_the_move(tmp_path / "estate")
    finished: list[str] = []

    class Recorder(LineProgress):
        def finished(self, outcome: Any, done: int, total: int) -> None:
            finished.append(outcome.action.id)
            super().finished(outcome, done, total)

    with run_simulator() as sim, open(os.devnull, "w") as quiet:
        environ = environ_for(sim.base_url)
        apply(
            config,
            path,
            ApplyOptions(auto_approve=True, parallelism=1, wait=True, wait_timeout=1.0),
            environ=environ,
            show_plan=lambda plan: None,
            confirm=lambda: True,
            ask_code=lambda e164, stop: None,
            progress=Recorder(quiet),
        )
    # In plan order the templates (each then waiting on review) come before the webhook update.
    waiting_first = 'wabas.tw_retail.templates["order_update/zh_TW"]'
    behind = "wabas.hk_retail.webhooks"
    assert finished.index(behind) < finished.index(waiting_first), finished
