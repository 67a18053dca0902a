"""The cyclic garbage collector paused while a bulk of long-lived objects is built.

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
