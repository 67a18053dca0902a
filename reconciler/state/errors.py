"""Errors of the state store (the journal, its locks and the fingerprint key).

StateError            the state store cannot be used as asked
├── JournalError      the journal cannot be opened, or was written by a newer wabaplan
├── LockHeld          another run holds a lock this run needs
├── StateKeyError     the fingerprint key is missing, malformed, or not the one the state was written with
└── StateUnavailable  the shared state database cannot be reached (or the connection was lost)
"""

from __future__ import annotations

from reconciler.errors import WabaplanError


class StateError(WabaplanError):
    """The state store cannot be used as asked."""


class JournalError(StateError):
    """The journal cannot be opened or is from a newer wabaplan."""


class LockHeld(StateError):
    """Another wabaplan run holds a lock this run needs."""


class StateKeyError(StateError):
    """The fingerprint key is missing, malformed, or not the one the state was written with."""


class StateUnavailable(StateError):
    """The shared state database cannot be reached, or the connection to it was lost."""
