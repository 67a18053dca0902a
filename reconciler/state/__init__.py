"""What wabaplan remembers between runs, and who may write it: the journal, locks and the fingerprint key.

    backend    StateBackend: LocalState (SQLite + flock, the default) · PostgresState (shared, per-WABA locks)
    journal    the SQL both stores share: runs, actions, intents, code requests, fingerprints
    sqlite     the local journal file · filelock: the local lock · localdir: the state directory
    postgres   schema and migrations, the journal's connection, advisory locks and their holders
    keys       the fingerprint key: never stored with the state
    transfer   `wabaplan state migrate`: a local journal copied into PostgreSQL
    records    frozen values and statuses; who runs (the CI environment, githead: the checkout's commit)
    errors     the StateError tree

No secret value is ever stored: write-only values are kept as keyed fingerprints (docs/state.md).
"""

from reconciler.state.backend import LocalState, PostgresState, StateBackend, open_backend
from reconciler.state.errors import JournalError, LockHeld, StateError, StateKeyError, StateUnavailable
from reconciler.state.journal import Journal

__all__ = [
    "Journal",
    "JournalError",
    "LocalState",
    "LockHeld",
    "PostgresState",
    "StateBackend",
    "StateError",
    "StateKeyError",
    "StateUnavailable",
    "open_backend",
]
