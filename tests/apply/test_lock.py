"""The state directory lock, held by real processes: flock belongs to an open file description, so a
holder in this process would prove little about a second `wabaplan apply`."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reconciler.state.filelock import FILE_NAME, POLL_SECONDS, LockHeld, holder, state_lock

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

HOLD = """
import sys
from pathlib import Path
from reconciler.state.filelock import state_lock

with state_lock(Path(sys.argv[1]), command=sys.argv[2]):
    print("locked", flush=True)
    sys.stdin.readline()  # hold until told, or until killed
"""

TAKE = """
import sys
from pathlib import Path
from reconciler.state.filelock import LockHeld, state_lock

try:
    with state_lock(Path(sys.argv[1]), command="plan"):
        pass
except LockHeld as exc:
    print(exc)
    sys.exit(9)
"""


class Holder:
    """A separate Python process holding the lock until `release()` or `kill()`."""

    def __init__(self, state: Path, command: str = "apply") -> None:
        self.spawned = time.time()  # before the holder took the lock, as its record says
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(state), command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=ENV,
            bufsize=0,
        )
        try:
            assert self._line(timeout=10) == b"locked"
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def _line(self, timeout: float) -> bytes:
        assert self.process.stdout is not None
        line = b""
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.process.stdout], [], [], remaining)[0]:
                raise AssertionError(f"the holder said only {line!r}")
            chunk = os.read(self.process.stdout.fileno(), 64)
            if not chunk:
                raise AssertionError(f"the holder exited ({self.process.wait()}) after {line!r}")
            line += chunk
        return line.strip()

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def hold(state: Path) -> Iterator[Holder]:
    holder_process = Holder(state)
    yield holder_process
    holder_process.close()


def _take_elsewhere(state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TAKE, str(state)], env=ENV, capture_output=True, text=True, timeout=30
    )


class VirtualClock:
    """The lock's clock in these tests: `sleep` only moves time on (and may run something first), so what
    the lock waits is counted, never spent, and what the holder does happens at a known point."""

    def __init__(self, on_sleep: Callable[[], None] | None = None) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds
        if self.on_sleep is not None:
            self.on_sleep()


def test_a_second_apply_is_refused_at_once_naming_the_holder(state: Path, hold: Holder) -> None:
    clock = VirtualClock()
    with (
        pytest.raises(LockHeld) as refused,
        state_lock(state, command="apply", now=clock.now, sleep=clock.sleep),
    ):
        pytest.fail("took a lock another process holds")
    assert clock.sleeps == []  # refused, not waited for (the holder never lets go)
    message = str(refused.value)
    assert f"pid {hold.pid} on {socket.gethostname()}" in message
    assert "`wabaplan apply`" in message
    assert str(state) in message
    assert "--lock-timeout" in message
    assert "after waiting" not in message
    assert "UTC" in message  # when the holder started
    info = holder(state)
    assert info is not None
    assert (info["pid"], info["host"], info["command"]) == (hold.pid, socket.gethostname(), "apply")
    assert hold.spawned <= float(str(info["started"])) <= time.time()  # when it took the lock


def test_a_timeout_waits_for_the_holder_to_finish(state: Path, hold: Holder) -> None:
    def holder_finishes() -> None:  # during the lock's first wait: the holder lets go, and is gone
        if len(clock.sleeps) == 1:
            hold.release()
            assert hold.process.wait(timeout=10) == 0

    clock = VirtualClock(on_sleep=holder_finishes)
    with state_lock(state, command="apply", timeout=10, now=clock.now, sleep=clock.sleep):
        info = holder(state)
        assert info is not None and info["pid"] == os.getpid() and info["command"] == "apply"
    assert clock.sleeps == [POLL_SECONDS]  # tried, waited one poll, took it: long before the 10 s


def test_a_timeout_that_runs_out_says_how_long_it_waited(state: Path, hold: Holder) -> None:
    clock = VirtualClock()
    with (
        pytest.raises(LockHeld, match=r"after waiting 0\.3 s") as refused,
        state_lock(state, command="apply", timeout=0.3, now=clock.now, sleep=clock.sleep),
    ):
        pytest.fail("took a lock another process holds")
    assert 0.3 <= sum(clock.sleeps) < 0.3 + POLL_SECONDS  # the 0.3 s it was given, then gave up
    assert hold.process.poll() is None  # the holder still holds it: refused for that, not for a fault
    assert f"pid {hold.pid}" in str(refused.value)


def test_a_killed_holder_leaves_the_lock_free_at_once(state: Path, hold: Holder) -> None:
    dead = hold.pid
    hold.kill()
    stale = holder(state)
    assert stale is not None and stale["pid"] == dead  # what the dead holder wrote is still there
    with state_lock(state, command="apply"):  # no timeout: taken now or refused, never waited for
        info = holder(state)
        assert info is not None and info["pid"] == os.getpid()
        assert f'"pid": {dead},' not in (state / FILE_NAME).read_text()
        taken = _take_elsewhere(state)
        assert taken.returncode == 9 and f"pid {os.getpid()}" in taken.stdout


def test_the_lock_is_free_and_blank_after_a_normal_exit(state: Path) -> None:
    with state_lock(state, command="apply"):
        assert holder(state) is not None
        assert _take_elsewhere(state).returncode == 9
    assert holder(state) is None
    assert (state / FILE_NAME).read_bytes() == b""
    taken = _take_elsewhere(state)
    assert taken.returncode == 0, taken.stdout + taken.stderr


def test_the_lock_is_released_when_the_block_raises(state: Path) -> None:
    with pytest.raises(RuntimeError), state_lock(state, command="apply"):
        raise RuntimeError("the apply failed")
    assert holder(state) is None
    assert _take_elsewhere(state).returncode == 0


def test_a_holder_process_that_exits_normally_frees_the_lock(state: Path, hold: Holder) -> None:
    hold.release()
    assert hold.process.wait(timeout=10) == 0
    assert holder(state) is None
    with state_lock(state, command="apply"):
        pass


def test_the_same_process_cannot_take_it_twice(state: Path) -> None:
    with state_lock(state, command="apply"):
        with pytest.raises(LockHeld, match=f"pid {os.getpid()}"), state_lock(state, command="apply"):
            pytest.fail("took the lock twice")
        info = holder(state)
        assert info is not None and info["pid"] == os.getpid()  # the refused attempt changed nothing


def test_the_lock_file_is_private_and_the_directory_is_created(state: Path) -> None:
    assert not state.exists()
    with state_lock(state, command="apply"):
        assert (state / FILE_NAME).stat().st_mode & 0o777 == 0o600


def test_an_unreadable_holder_record_still_gives_a_clear_refusal(state: Path, hold: Holder) -> None:
    (state / FILE_NAME).write_text("{not json")  # same file, the holder's lock is untouched
    with pytest.raises(LockHeld, match="locked by another wabaplan run"), state_lock(state, command="apply"):
        pytest.fail("took a lock another process holds")
