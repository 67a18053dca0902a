"""The local lock: one apply per state directory, an advisory `flock` on `<state dir>/apply.lock`.

The kernel drops a `flock` when its holder exits, however it exits, so a lock whose holder died is free
again at once: nothing to clean up, and no window in which two runs both think they own it. The file also
holds who took it (pid, host, when, command) so a refused run can name the holder. (flock is not reliable
on some network file systems: keep the state directory on a local disk.)
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from reconciler.state.errors import LockHeld, StateError
from reconciler.state.localdir import ensure_dir

FILE_NAME = "apply.lock"
POLL_SECONDS = 0.1


@contextmanager
def state_lock(
    state_dir: Path,
    *,
    command: str,
    timeout: float | None = None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the state directory's lock for the block; refuse at once, or after `timeout` seconds.

    `now` and `sleep` are the clock the wait runs on (tests pass a virtual one: no wait is real)."""
    path = ensure_dir(state_dir) / FILE_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateError(
            f"the lock {path} cannot be opened for writing ({exc.strerror or exc}): make the state directory "
            "writable, or set WABAPLAN_STATE_DIR to one that is"
        ) from None
    try:
        deadline = now() + (timeout or 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if now() >= deadline:
                    raise LockHeld(_refusal(path, timeout)) from None
                sleep(POLL_SECONDS)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.time(),
            "command": command,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def holder(state_dir: Path) -> dict[str, object] | None:
    """Who last took the lock, as they wrote it (they may have died since: only flock knows);
    None when it was released cleanly or the record is unreadable."""
    try:
        text = (state_dir / FILE_NAME).read_text(encoding="utf-8").strip()
        info = json.loads(text) if text else None
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _refusal(path: Path, timeout: float | None) -> str:
    info = holder(path.parent) or {}
    who = "another wabaplan run"
    if info:
        try:
            started = datetime.fromtimestamp(float(str(info.get("started"))), UTC).strftime(
                "%Y-%m-%d %H:%M:%S UTC"
            )
        except (ValueError, OverflowError, OSError):
            started = "at an unknown time"
        command, pid, host = info.get("command", "?"), info.get("pid"), info.get("host")
        who = f"`wabaplan {command}` (pid {pid} on {host}, started {started})"
    if timeout:
        return f"the state directory {path.parent} is still locked by {who} after waiting {timeout:g} s"
    return (
        f"the state directory {path.parent} is locked by {who}: wait for it to finish, "
        "or pass --lock-timeout SECONDS to wait"
    )
