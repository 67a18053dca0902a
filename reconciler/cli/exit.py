"""The exit codes of `wabaplan`: only the cli knows them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # an error, invalid input, a refusal, or a usage error
    CHANGES = 2  # `plan --detailed-exitcode`: changes present
    WAITING = 3  # apply stopped waiting for a person or for Meta; rerunning resumes
    INTERRUPTED = 130  # Ctrl-C
