"""The cyclic garbage collector held back while a bulk of long-lived objects is built.

    collector_paused()          no collection at all: the bulk makes no garbage in cycles (a config)
    young_collections_only()    no full collection: the bulk comes with garbage in cycles (a read)

Loading a large config or writing one builds hundreds of thousands of small objects and frees none of them
in cycles: with the collector running over them again and again as they pile up, it takes about twice the
time. Reference counting still frees everything as usual meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector as it was after (even on an error)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Inside the block the collector looks only at young objects, never at everything (a full
    collection); the thresholds as they were after (even on an error).

    For a bulk of long-lived objects built together with short-lived garbage in cycles (a read: the
    snapshot, and each answer's cycles): the young collections free the garbage as it comes, and the full
    ones, which would scan the growing bulk again and again, are left until the block ends.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
