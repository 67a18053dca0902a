"""Asking a person at the terminal for a secret (a one-time code), in a way an interrupt can end.

`getpass` cannot be stopped from outside: a Ctrl-C while apply waits at its prompt would leave apply
waiting for Enter. `ask_hidden` reads the line itself, without echo, and gives up as soon as `stop` is
set (apply sets it when interrupted), restoring the terminal either way.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import threading
from collections.abc import Iterator
from contextlib import contextmanager

POLL_SECONDS = 0.1
_ASKING = threading.Lock()  # one prompt at a time: two numbers awaiting codes must not share the terminal


def ask_hidden(prompt: str, stop: threading.Event) -> str | None:
    """The line typed at the controlling terminal, not echoed; None when skipped, stopped or no terminal."""
    while not _ASKING.acquire(timeout=POLL_SECONDS):
        if stop.is_set():
            return None
    try:
        return _ask_terminal(prompt, stop)
    finally:
        _ASKING.release()


def _ask_terminal(prompt: str, stop: threading.Event) -> str | None:
    if stop.is_set():
        return None
    if sys.stdin is not None and sys.stdin.isatty():
        return _ask(sys.stdin.fileno(), prompt, stop)
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        return _ask(fd, prompt, stop)
    finally:
        os.close(fd)


def _ask(fd: int, prompt: str, stop: threading.Event) -> str | None:
    with _no_echo(fd):  # before the prompt: what is typed once it shows must not be flushed away
        _say(fd, prompt)
        line = _read_line(fd, stop)
        _say(fd, "\n")  # the Enter was not echoed either
    return (line or "").strip() or None


def _say(fd: int, text: str) -> None:
    try:
        os.write(fd, text.encode())
    except OSError:  # a terminal opened read-only
        sys.stderr.write(text)
        sys.stderr.flush()


def _read_line(fd: int, stop: threading.Event) -> str | None:
    typed = b""
    while not stop.is_set():
        if not select.select([fd], [], [], POLL_SECONDS)[0]:
            continue
        chunk = os.read(fd, 1024)  # canonical mode: a whole line once Enter is pressed
        if not chunk:
            return None
        typed += chunk
        if typed.endswith((b"\n", b"\r")):
            return typed.decode(errors="replace")
    return None


@contextmanager
def _no_echo(fd: int) -> Iterator[None]:
    old = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO  # lflags: no echo; line editing and Ctrl-C stay as they were
    termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)  # typed before the prompt was asked for: dropped
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
