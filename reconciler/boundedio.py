"""Read a file that may be hostile: never more than a limit, never waiting on a pipe nobody writes to.

`read_bounded(path, limit)` reads at most `limit + 1` bytes, so `/dev/zero`, an endless FIFO or a file
that grows while it is read ends at once with `InputTooLarge` instead of filling memory. The file is
opened without blocking, so a named pipe that no process writes to reads as empty rather than hanging;
a pipe with a writer is then read as usual, waiting for its data. Other failures are the `OSError`s
that `open` and `read` raise, for the caller to put in its own words.
"""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.errors import InputTooLarge

_CHUNK = 1 << 16


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of `path`, or InputTooLarge when it holds more than `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        os.set_blocking(fd, True)  # only the open must not wait; a writer's data is worth waiting for
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise InputTooLarge(
            f"{path} holds more than {describe_size(limit)}, the most wabaplan reads of such a file "
            "(check the path: a device or a pipe that never ends is not a file to read)",
            path=str(path),
            limit=limit,
        )
    return b"".join(chunks)


def describe_size(size: int) -> str:
    """`16 MiB`, `512 KiB`, `300 bytes`: a limit in the unit it was chosen in."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
