"""read_once: a command's read with young collections only, and the collector as it was afterwards."""

from __future__ import annotations

import gc

import pytest

from reconciler.cli.common import read_once


async def _thresholds(fail: bool = False) -> tuple[int, int, int]:
    if fail:
        raise RuntimeError("the read failed")
    return gc.get_threshold()


def test_the_read_runs_without_full_collections_and_its_results_are_frozen() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        during = read_once(_thresholds())
        assert during[:2] == before[:2] and during[2] >= 1 << 30  # young collections as usual, no full one
        assert gc.get_threshold() == before and gc.isenabled()  # and all as it was after
        assert gc.get_freeze_count() > frozen  # what the read left is out of the collector's sight
    finally:
        gc.unfreeze()


def test_a_failed_read_leaves_the_collector_as_it_was() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError, match="the read failed"):
        read_once(_thresholds(fail=True))
    assert gc.get_threshold() == before and gc.isenabled()
