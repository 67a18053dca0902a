"""read_once: a command's read with the cyclic collector paused, and the collector back afterwards."""

from __future__ import annotations

import gc

import pytest

from reconciler.cli.common import read_once


async def _collector_state(fail: bool = False) -> bool:
    if fail:
        raise RuntimeError("the read failed")
    return gc.isenabled()


def test_the_read_runs_with_the_collector_paused_and_its_results_frozen() -> None:
    frozen = gc.get_freeze_count()
    try:
        assert read_once(_collector_state()) is False  # paused while reading
        assert gc.isenabled()  # and back after
        assert gc.get_freeze_count() > frozen  # what the read left is out of the collector's sight
    finally:
        gc.unfreeze()


def test_a_failed_read_leaves_the_collector_running() -> None:
    with pytest.raises(RuntimeError, match="the read failed"):
        read_once(_collector_state(fail=True))
    assert gc.isenabled()
