"""The code prompt on a real pseudo-terminal: not echoed, one at a time, and given up when told to stop."""

from __future__ import annotations

import os
import pty
import sys
import termios
import threading
from collections.abc import Iterator

import pytest

from reconciler.prompt import ask_hidden


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    master, slave = pty.openpty()
    stdin = os.fdopen(slave, "r")
    monkeypatch.setattr(sys, "stdin", stdin)  # the prompt reads the terminal it is run from
    yield master, slave
    stdin.close()
    os.close(master)


def _read_screen(master: int, until: bytes) -> bytes:
    seen = b""
    while until not in seen:
        seen += os.read(master, 1024)
    return seen


def test_two_prompts_take_turns_and_both_give_up_when_stopped(terminal: tuple[int, int]) -> None:
    master, slave = terminal
    stops = [threading.Event(), threading.Event()]
    answers: dict[int, str | None] = {}

    def ask(i: int) -> None:
        answers[i] = ask_hidden(f"code {i}: ", stops[i])

    threads = [threading.Thread(target=ask, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    screen = _read_screen(master, b": ")  # one prompt shows; the other waits its turn
    first = 0 if b"code 0" in screen else 1
    os.write(master, b"123456\n")
    threads[first].join(timeout=10)
    assert answers == {first: "123456"}
    _read_screen(master, f"code {1 - first}: ".encode())  # now the other asks
    for stop in stops:
        stop.set()  # apply was interrupted: nobody will answer
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert answers[1 - first] is None
    assert termios.tcgetattr(slave)[3] & termios.ECHO  # the terminal echoes again


def test_a_stopped_prompt_does_not_ask(terminal: tuple[int, int]) -> None:
    stop = threading.Event()
    stop.set()
    assert ask_hidden("code: ", stop) is None
